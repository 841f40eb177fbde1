//! A failed step, as facts: what it expected, what was observed instead, which part differed.

use bytes::Bytes;
use serde::Serialize;
use wire::{Field, ServerVerb};

use super::TranscriptEntry;
use crate::scenario::{CloseKind, Location};

/// Where and how a scenario failed.
#[derive(Debug, Clone, Serialize)]
pub struct StepFailure {
    /// 1-based step number.
    pub step: usize,
    /// Where the step is written.
    pub location: Location,
    /// The line of the scenario file the step starts on.
    pub source_line: String,
    /// What the step did, e.g. `expect on alice`.
    pub action: String,
    /// What the step needed.
    pub expected: Expected,
    /// What happened instead.
    pub observed: Observation,
    /// For a message or close that arrived: which part did not match, per alternative.
    pub mismatches: Vec<Mismatch>,
    /// The bytes that came back, when there were any.
    #[serde(serialize_with = "crate::report::json::escaped_opt")]
    pub received: Option<Bytes>,
    /// The scenario's traffic up to the failure.
    pub transcript: Vec<TranscriptEntry>,
    /// What the program under test is: how reports name the other end of a connection.
    pub peer: Peer,
}

/// The program under test, as reports name it: `the server` for a server, `the client` for a
/// client (it connected to the harness).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Peer {
    /// The harness connects to it.
    #[default]
    Server,
    /// It connects to the harness.
    Client,
}

impl Peer {
    /// The peer of a suite whose program has `role`.
    pub fn of(role: crate::scenario::Role) -> Peer {
        match role {
            crate::scenario::Role::Server => Peer::Server,
            crate::scenario::Role::Client => Peer::Client,
        }
    }

    /// `the server` or `the client`.
    pub fn noun(self) -> &'static str {
        match self {
            Peer::Server => "the server",
            Peer::Client => "the client",
        }
    }
}

/// What a step needed.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expected {
    /// One of these, each described in words (variables substituted).
    OneOf {
        /// The alternatives.
        alternatives: Vec<String>,
    },
    /// Raw bytes of a kind.
    Raw {
        /// How they relate to `bytes`: `exactly`, `containing`, `matching` (a regex), `of size`,
        /// `with SHA-256`, `equal to the file`, `anything`.
        what: String,
        /// The bytes, regex, size, digest or file name.
        #[serde(serialize_with = "crate::report::json::escaped")]
        bytes: Bytes,
        /// Read until the peer closed.
        until_close: bool,
        /// Compared without leading and trailing white space.
        trim: bool,
        /// Compared without regard to ASCII case.
        ignore_case: bool,
    },
    /// Bytes up to a delimiter, matching a pattern if one is given.
    Until {
        /// Where the bytes end.
        #[serde(serialize_with = "crate::report::json::escaped")]
        delimiter: Bytes,
        /// The regex they must match.
        pattern: Option<String>,
    },
    /// A `PONG` before anything else (the barrier).
    Pong,
    /// Nothing at all for a while.
    Silence {
        /// How long.
        window_ms: u64,
    },
    /// The program to take the bytes of a send.
    Taken,
    /// A connection to open.
    Connected {
        /// The connection's name.
        conn: String,
        /// Where to.
        addr: String,
    },
    /// The program to connect to a listener of the harness.
    Accepted {
        /// The connection's name.
        conn: String,
        /// Where the harness listens.
        addr: String,
    },
    /// The writing half to shut down.
    HalfClosed,
    /// The program to be ready: listening on its port.
    Ready {
        /// The port it was given.
        port: u16,
        /// What it must have open there: `TCP`, `UDP`, `TCP and UDP`.
        what: String,
    },
    /// The program to take bytes on its standard input.
    StdinTaken,
    /// The program to exit.
    Exit {
        /// With this status; any if `None`.
        code: Option<i32>,
    },
    /// A file in the program's working folder, with this content.
    File {
        /// Its path in the folder.
        path: String,
        /// How its content must look.
        content: Box<Expected>,
    },
}

/// What happened instead.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Observation {
    /// A server message arrived.
    Message {
        /// Its line, as decoded (payload excluded).
        line: String,
        /// Its payload's size, if it has one.
        payload: Option<u64>,
    },
    /// A line that is not a valid server message.
    Malformed {
        /// What is wrong with it.
        why: String,
        /// Its offset in the stream.
        offset: u64,
    },
    /// The program closed the connection.
    Closed {
        /// How.
        how: CloseKind,
    },
    /// Nothing arrived before the deadline.
    Nothing,
    /// Bytes arrived, but no whole message before the deadline (the first are `received`).
    Incomplete {
        /// How many bytes arrived.
        len: u64,
    },
    /// A payload's line arrived, but not all the bytes it announced (the first are `received`).
    PayloadCut {
        /// The line, as decoded.
        line: String,
        /// The size it announced.
        announced: u64,
        /// How many bytes arrived before the deadline.
        arrived: u64,
    },
    /// Raw bytes were awaited; fewer arrived (they are `received`), then the deadline passed or
    /// the program closed the connection.
    Short {
        /// How many arrived.
        len: u64,
        /// How the connection ended, if it did.
        closed: Option<CloseKind>,
    },
    /// The program was not ready (it exited, listened elsewhere, or not in time).
    NotReady {
        /// Why, in words.
        why: String,
    },
    /// The program's output did not match: it printed `len` bytes since the last match (they
    /// are `received`), then nothing more before the deadline, or its output ended.
    Output {
        /// How many bytes it printed.
        len: u64,
        /// Whether the stream ended (the program closed it, or exited).
        ended: bool,
    },
    /// The program was still running at the deadline.
    StillRunning,
    /// The program ended (in words: `exited with status 1`).
    Exited {
        /// How.
        exit: String,
    },
    /// The file is not there.
    NoFile,
    /// The file is there but its content does not match (its first bytes are `received`).
    FileContent {
        /// Its size.
        len: u64,
        /// The size expected, when the step says one (exact bytes, a suite file, a size).
        want: Option<u64>,
        /// The first byte that differs from the expected bytes, where they were compared.
        differs_at: Option<u64>,
    },
    /// The stream cannot be read any further: a limit, truncation, a socket error.
    Broken {
        /// Why.
        why: String,
    },
    /// Raw bytes that do not match (they are `received`).
    Bytes,
    /// Raw bytes, where none or others were expected (the first are `received`): how many,
    /// where they first differ from the expected bytes, and whether the connection closed.
    RawBytes {
        /// How many arrived.
        len: u64,
        /// The offset of the first byte that differs from the expected ones, where bytes were
        /// compared byte by byte (the end of the shorter, when one is the other's start).
        differs_at: Option<u64>,
        /// How the connection ended after them, if it did.
        closed: Option<CloseKind>,
    },
    /// The program did not take the bytes of a send before the deadline.
    NotTaken {
        /// How many it took.
        taken: u64,
        /// How many the send had.
        total: u64,
        /// How long the send went on, in ms.
        elapsed_ms: u64,
        /// How long before the deadline it last took a byte, in ms.
        idle_ms: u64,
    },
    /// A write failed.
    WriteFailed {
        /// How many bytes were taken before.
        taken: u64,
        /// The error.
        error: String,
    },
    /// The connection could not be opened.
    ConnectFailed {
        /// The error.
        error: String,
    },
    /// The writing half could not be shut down.
    HalfCloseFailed {
        /// The error.
        error: String,
    },
}

/// Which part of what arrived did not match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mismatch {
    /// Another verb.
    Verb {
        /// What arrived.
        #[serde(serialize_with = "crate::report::json::display")]
        got: ServerVerb,
        /// What was expected.
        #[serde(serialize_with = "crate::report::json::display")]
        want: ServerVerb,
    },
    /// A field that must be there is not.
    FieldMissing {
        /// Which.
        #[serde(serialize_with = "crate::report::json::display")]
        field: Field,
    },
    /// A field that must be absent is there.
    FieldPresent {
        /// Which.
        #[serde(serialize_with = "crate::report::json::display")]
        field: Field,
        /// Its value.
        got: String,
    },
    /// A field has another value.
    FieldDiffers {
        /// Which.
        #[serde(serialize_with = "crate::report::json::display")]
        field: Field,
        /// Its value.
        got: String,
        /// The expected value.
        want: String,
    },
    /// A field does not match a pattern.
    FieldPattern {
        /// Which.
        #[serde(serialize_with = "crate::report::json::display")]
        field: Field,
        /// Its value.
        got: String,
        /// The regex, as written.
        pattern: String,
    },
    /// The payload has another size.
    PayloadSize {
        /// Its size.
        got: u64,
        /// The expected size.
        want: u64,
    },
    /// The payload differs from a byte on.
    PayloadByte {
        /// The first differing byte's offset.
        offset: u64,
        /// That byte.
        got: u8,
        /// The expected byte.
        want: u8,
    },
    /// The payload's SHA-256 differs.
    PayloadDigest {
        /// Its digest, hex.
        got: String,
        /// The expected digest.
        want: String,
    },
    /// The connection closed, but not in the expected way.
    Close {
        /// How it closed.
        got: CloseKind,
    },
}
