/// A fatal decode outcome: the stream cannot be resynchronised and the connection ends.
///
/// A malformed line is not an error: it is returned as [`crate::Decoded::Malformed`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// No line terminator within [`crate::Limits::max_line`] octets (spec: reply `ERR 413`).
    #[error("line starting at byte {offset} is longer than the {limit}-byte line limit")]
    LineTooLong {
        /// Offset in the stream where the line starts.
        offset: u64,
        /// The limit that was passed.
        limit: usize,
    },
    /// An announced payload is over [`crate::Limits::max_payload`] (spec: reply `ERR 413`).
    #[error("line at byte {offset} announces {announced} bytes, over the {limit}-byte limit")]
    PayloadTooLarge {
        /// Offset in the stream of the announcing line.
        offset: u64,
        /// The announced size (a 20-digit size may not fit in `u64`).
        announced: u128,
        /// The limit that was passed.
        limit: u64,
    },
    /// The stream ended inside a line or a payload.
    #[error("stream ended at byte {offset} inside a message ({missing})")]
    Truncated {
        /// Offset in the stream where the unfinished message starts.
        offset: u64,
        /// What was still expected.
        missing: Missing,
    },
}

/// What a truncated stream still owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// The line terminator of a line of this many bytes.
    LineEnd {
        /// Bytes of the unfinished line that did arrive.
        received: usize,
    },
    /// Payload bytes.
    Payload {
        /// Bytes announced.
        announced: u64,
        /// Bytes that did arrive.
        received: u64,
    },
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Missing::LineEnd { received } => {
                write!(f, "{received} bytes of a line with no line feed")
            }
            Missing::Payload {
                announced,
                received,
            } => write!(f, "{received} of {announced} payload bytes"),
        }
    }
}
