//! Steps: what a scenario does, one action each, with the modifiers that action takes.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use super::{ConnId, Expectation, Location, PayloadSource, RawMatcher, Template};

/// One step and where it was written.
#[derive(Debug, Clone)]
pub struct Step {
    /// Where the step is in its file.
    pub location: Location,
    /// The line of the file the step starts on, for failure reports.
    pub source_line: String,
    /// Shown when this step fails, instead of the scenario's hint.
    pub hint: Option<String>,
    /// What it does.
    pub action: Action,
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum Action {
    /// Open a connection now (connections also open at their first use).
    Connect(ConnId),
    /// Write bytes.
    Send(Send),
    /// Shut down the writing half (FIN).
    HalfClose(ConnId),
    /// Abort the connection (RST).
    Reset(ConnId),
    /// Read the next event and match it against one of the expectations.
    Expect(Expect),
    /// Read raw bytes and match them.
    ExpectRaw(ExpectRaw),
    /// Send a bare `PING` and expect a `PONG` as the very next message: everything the server
    /// queued before it has then arrived.
    Barrier {
        /// The connection.
        conn: ConnId,
        /// For the write and the `PONG`.
        timeout: Duration,
    },
    /// Expect nothing at all to arrive within the window.
    Silence {
        /// The connection.
        conn: ConnId,
        /// How long nothing may arrive.
        window: Duration,
    },
    /// Wait.
    Pause(Duration),
    /// Start an instance of the program (a client gets the port of `listener`).
    Start {
        /// The instance.
        program: ProgramId,
        /// The listener whose port it is given; the scenario's first listener if `None`.
        listener: Option<ConnId>,
    },
    /// Write bytes to the program's standard input.
    WriteStdin {
        /// The instance.
        program: ProgramId,
        /// The bytes (escaped notation, `${var}` references).
        data: Template,
        /// For the write.
        timeout: Duration,
    },
    /// Close the program's standard input (end of file).
    CloseStdin(ProgramId),
    /// Read the program's standard output or error until the matcher matches.
    ExpectOutput {
        /// The instance.
        program: ProgramId,
        /// Which stream.
        stream: Stream,
        /// How the text must look.
        matcher: RawMatcher,
        /// For the text to arrive.
        timeout: Duration,
    },
    /// Wait for the program to exit.
    ExpectExit {
        /// The instance.
        program: ProgramId,
        /// The exit status it must have; any if `None`.
        code: Option<i32>,
        /// For it to exit.
        timeout: Duration,
    },
    /// Wait for a file in the program's working folder to look as the matcher says.
    ExpectFile {
        /// The instance whose folder it is.
        program: ProgramId,
        /// The file's path in the folder (variables allowed: `uploads/${name}`).
        path: Template,
        /// How its content must look (read whole).
        matcher: RawMatcher,
        /// For it to get there.
        timeout: Duration,
    },
}

impl Action {
    /// Whether the step checks what the program did (an expectation, a barrier, a silence),
    /// rather than doing something itself: partial credit counts these.
    pub fn is_check(&self) -> bool {
        match self {
            Action::Expect(_)
            | Action::ExpectRaw(_)
            | Action::Barrier { .. }
            | Action::Silence { .. }
            | Action::ExpectOutput { .. }
            | Action::ExpectExit { .. }
            | Action::ExpectFile { .. } => true,
            Action::Connect(_)
            | Action::Send(_)
            | Action::HalfClose(_)
            | Action::Reset(_)
            | Action::Pause(_)
            | Action::Start { .. }
            | Action::WriteStdin { .. }
            | Action::CloseStdin(_) => false,
        }
    }
}

/// An instance of the program under test, by its index in [`crate::scenario::Scenario::programs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProgramId(pub(crate) usize);

impl ProgramId {
    /// The index in [`crate::scenario::Scenario::programs`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// One of the program's output streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A send step.
#[derive(Debug, Clone)]
pub struct Send {
    /// The connection written to.
    pub conn: ConnId,
    /// The bytes, as the scenario wrote them.
    pub data: SendData,
    /// How the bytes are cut into writes.
    pub split: Split,
    /// Between the writes of a split send (not scaled).
    pub pause: Duration,
    /// For all the step's writes.
    pub timeout: Duration,
    /// The data is written this many times over, in the same writes.
    pub repeat: u32,
}

/// What a send step writes.
#[derive(Debug, Clone)]
pub enum SendData {
    /// Client messages, checked by `wire` at load, written in one write.
    Messages(Vec<SendItem>),
    /// Bytes in the escaped notation, with `${var}` references (`send_raw`).
    Raw(Template),
    /// Bytes given in hex (`send_hex`).
    Hex(Bytes),
    /// The bytes of a file of the suite (`send_raw: { file: NAME }`), by its path.
    File(String),
}

/// One client message of a `send`.
#[derive(Debug, Clone)]
pub enum SendItem {
    /// A protocol line; `LF` is appended.
    Line(Template),
    /// `PUT <path>` sized by its payload: `PUT <path> <size>\n` and the bytes.
    Put {
        /// The path, with `${var}` references.
        path: Template,
        /// The bytes to upload.
        payload: PayloadSource,
    },
    /// `PUT <path> <size>` written as is, then the payload whatever the size says (to cut an
    /// upload short, or lie).
    Announced {
        /// The whole line.
        line: Template,
        /// The bytes that follow it.
        payload: PayloadSource,
    },
}

/// How a send is cut into writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    /// One write.
    None,
    /// One write per byte.
    Bytes,
    /// Writes cut at these offsets.
    At(Vec<usize>),
}

/// An expect step: the next event must match one of the alternatives.
#[derive(Debug, Clone)]
pub struct Expect {
    /// The connection read from.
    pub conn: ConnId,
    /// One or more acceptable outcomes.
    pub alternatives: Vec<Expectation>,
    /// For each event.
    pub timeout: Duration,
    /// The expectation must hold for this many events in a row.
    pub repeat: u32,
}

/// An `expect_raw` step: bytes read past the protocol's framing.
#[derive(Debug, Clone)]
pub struct ExpectRaw {
    /// The connection read from.
    pub conn: ConnId,
    /// How the bytes must look.
    pub matcher: RawMatcher,
    /// For the bytes to arrive.
    pub timeout: Duration,
}

impl Action {
    /// The connection the step acts on, if it has one.
    pub fn conn(&self) -> Option<ConnId> {
        match self {
            Action::Connect(c) | Action::HalfClose(c) | Action::Reset(c) => Some(*c),
            Action::Send(s) => Some(s.conn),
            Action::Expect(e) => Some(e.conn),
            Action::ExpectRaw(e) => Some(e.conn),
            Action::Barrier { conn, .. } | Action::Silence { conn, .. } => Some(*conn),
            Action::Start { .. }
            | Action::Pause(_)
            | Action::WriteStdin { .. }
            | Action::CloseStdin(_)
            | Action::ExpectOutput { .. }
            | Action::ExpectExit { .. }
            | Action::ExpectFile { .. } => None,
        }
    }

    /// The program instance the step acts on, if it does.
    pub fn program(&self) -> Option<ProgramId> {
        match self {
            Action::Start { program, .. }
            | Action::WriteStdin { program, .. }
            | Action::CloseStdin(program)
            | Action::ExpectOutput { program, .. }
            | Action::ExpectExit { program, .. }
            | Action::ExpectFile { program, .. } => Some(*program),
            _ => None,
        }
    }

    /// The step in a few words, with `conn` naming the connection: `expect on alice`.
    pub fn words(&self, conn: &str) -> String {
        match self {
            Action::Connect(_) => format!("connect {conn}"),
            Action::Send(_) => format!("send on {conn}"),
            Action::HalfClose(_) => format!("half-close {conn}"),
            Action::Reset(_) => format!("reset {conn}"),
            Action::Expect(_) | Action::ExpectRaw(_) => format!("expect on {conn}"),
            Action::Barrier { .. } => format!("barrier (PING/PONG) on {conn}"),
            Action::Silence { window, .. } => {
                format!("expect silence on {conn} for {} ms", window.as_millis())
            }
            Action::Pause(d) => format!("pause {} ms", d.as_millis()),
            Action::Start { .. } => format!("start {conn}"),
            Action::WriteStdin { .. } => format!("write to {conn}'s standard input"),
            Action::CloseStdin(_) => format!("close {conn}'s standard input"),
            Action::ExpectOutput {
                stream: Stream::Stdout,
                ..
            } => format!("expect on {conn}'s standard output"),
            Action::ExpectOutput {
                stream: Stream::Stderr,
                ..
            } => format!("expect on {conn}'s standard error"),
            Action::ExpectExit { .. } => format!("expect {conn} to exit"),
            Action::ExpectFile { path, .. } => {
                format!("expect the file {} of {conn}", path.source)
            }
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Split::None => f.write_str("one write"),
            Split::Bytes => f.write_str("one write per byte"),
            Split::At(cuts) => write!(f, "writes cut at {cuts:?}"),
        }
    }
}
