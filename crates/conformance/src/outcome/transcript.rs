//! A scenario's traffic as data: what was sent and received on each connection, and notes on
//! what happened to it. Bounded: the first bytes of each item and the most recent entries.

use bytes::Bytes;
use serde::Serialize;

/// One entry of a transcript.
#[derive(Debug, Clone, Serialize)]
pub struct TranscriptEntry {
    /// The connection's name (empty for a note about the transcript itself).
    pub conn: String,
    /// What crossed it, or happened to it.
    #[serde(flatten)]
    pub traffic: Traffic,
}

/// What a transcript entry records.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "direction", rename_all = "snake_case")]
pub enum Traffic {
    /// Bytes the harness sent.
    Sent(Excerpt),
    /// Bytes the program sent.
    Received(Excerpt),
    /// What a read observed other than bytes: a close, a timeout, a broken stream.
    Observed {
        /// What.
        observation: super::Observation,
    },
    /// Something the harness did: connected, half-closed, reset.
    Note {
        /// What happened, in words.
        text: String,
    },
}

/// The first bytes of an item, and how long it was.
#[derive(Debug, Clone, Serialize)]
pub struct Excerpt {
    /// The first bytes, at most [`Excerpt::MAX`].
    #[serde(serialize_with = "crate::report::json::escaped")]
    pub bytes: Bytes,
    /// How many bytes the item had in all.
    pub len: u64,
}

impl Excerpt {
    /// Bytes of an item kept for reports.
    pub const MAX: usize = 256;

    /// The excerpt of `bytes`.
    pub fn of(bytes: &[u8]) -> Excerpt {
        Excerpt {
            bytes: Bytes::copy_from_slice(&bytes[..bytes.len().min(Self::MAX)]),
            len: bytes.len() as u64,
        }
    }

    /// Whether bytes were left out.
    pub fn is_cut(&self) -> bool {
        self.len > self.bytes.len() as u64
    }
}
