//! What an expect step accepts: a server message with field and payload matchers, the close of
//! the connection, or raw bytes.

use regex::Regex;
use wire::{Field, ServerVerb};

use super::Template;

/// One acceptable outcome of an expect step.
#[derive(Debug, Clone)]
pub enum Expectation {
    /// A server message.
    Message(MessageMatcher),
    /// The server closes the connection.
    Close(CloseKind),
}

/// A server message of one verb, with field matchers.
#[derive(Debug, Clone)]
pub struct MessageMatcher {
    /// The verb.
    pub verb: ServerVerb,
    /// Matchers on fields the verb has.
    pub fields: Vec<(Field, FieldMatcher)>,
    /// A matcher on the payload (`FILE` only).
    pub payload: Option<PayloadMatcher>,
    /// Variables set from fields of the matched message.
    pub captures: Vec<(String, Field)>,
}

/// How one field must look.
#[derive(Debug, Clone)]
pub enum FieldMatcher {
    /// Present and equal (after `${var}` substitution).
    Exact(Template),
    /// Present and wholly matching the regex (anchored at load).
    Regex(Regex),
    /// Anything, including absent.
    Any,
    /// Absent (an optional field not sent).
    Absent,
}

/// Where payload bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadSource {
    /// Literal text (with `${var}` references).
    Text(Template),
    /// A `bytes` variable.
    Var(String),
    /// A suite file.
    File(String),
}

/// How a payload must look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadMatcher {
    /// Exactly these bytes.
    Equals(PayloadSource),
    /// Of this size.
    Size(u64),
    /// With this SHA-256, in lowercase hex.
    Sha256(String),
}

/// How raw bytes must look: bytes read past any framing (a TCP stream, a datagram, a program's
/// output), gathered until the pattern matches.
#[derive(Debug, Clone)]
pub struct RawMatcher {
    /// What the bytes must be or hold.
    pub pattern: RawPattern,
    /// Read until the peer closes (the program ends its output), then match the whole.
    pub until_close: bool,
    /// Compare with leading and trailing white space (and line ends) removed.
    pub trim: bool,
    /// Compare ASCII letters without regard to case.
    pub ignore_case: bool,
}

/// What raw bytes must be or hold.
#[derive(Debug, Clone)]
pub enum RawPattern {
    /// Exactly these bytes (escaped notation, `${var}` references).
    Exact(Template),
    /// Bytes holding these (escaped notation, `${var}` references).
    Contains(Template),
    /// Bytes in which this regex finds a match (its text may hold `${var}` references).
    Regex(Template),
    /// The bytes up to and including the delimiter, optionally wholly matching a regex.
    Until {
        /// Where the bytes end.
        delimiter: Vec<u8>,
        /// What they must match, delimiter included (anchored).
        regex: Option<Regex>,
    },
    /// This many bytes.
    Size(u64),
    /// Bytes with this SHA-256, lowercase hex (with `until_close`).
    Sha256(String),
    /// The bytes of a suite file.
    File(String),
    /// Anything (with `until_close`: whatever arrives before the close).
    Any,
}

/// How a connection may end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CloseKind {
    /// An orderly close (FIN).
    Fin,
    /// An abort (RST).
    Reset,
    /// Either.
    Any,
}

impl CloseKind {
    /// Whether a close of kind `got` satisfies this expectation.
    pub fn accepts(self, got: CloseKind) -> bool {
        self == CloseKind::Any || self == got
    }
}

impl Expectation {
    /// The variables it sets when it matches.
    pub fn captured(&self) -> impl Iterator<Item = &str> {
        let captures = match self {
            Expectation::Message(m) => m.captures.as_slice(),
            Expectation::Close(_) => &[],
        };
        captures.iter().map(|(v, _)| v.as_str())
    }
}
