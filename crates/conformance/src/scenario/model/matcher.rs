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

/// How raw bytes must look.
#[derive(Debug, Clone)]
pub enum RawMatcher {
    /// Exactly these bytes next (escaped notation, with `${var}` references).
    Exact(Template),
    /// The bytes up to and including the delimiter, optionally matching a regex.
    Until {
        /// Where the bytes end.
        delimiter: Vec<u8>,
        /// What they must match, delimiter included.
        regex: Option<Regex>,
    },
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
