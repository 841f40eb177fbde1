//! The record of one scenario's traffic while it runs, bounded: the most recent entries are
//! kept, each cut to its first bytes.

use std::collections::VecDeque;

use crate::outcome::{Excerpt, Observation, Traffic, TranscriptEntry};

/// A scenario's transcript so far.
#[derive(Debug, Default)]
pub struct Transcript {
    entries: VecDeque<TranscriptEntry>,
    dropped: usize,
}

impl Transcript {
    /// Entries kept.
    const MAX: usize = 80;

    /// Bytes sent on `conn`.
    pub fn sent(&mut self, conn: &str, bytes: &[u8]) {
        self.push(conn, Traffic::Sent(Excerpt::of(bytes)));
    }

    /// Bytes received on `conn`.
    pub fn received(&mut self, conn: &str, bytes: &[u8]) {
        self.push(conn, Traffic::Received(Excerpt::of(bytes)));
    }

    /// What a read on `conn` observed other than bytes.
    pub fn observed(&mut self, conn: &str, observation: Observation) {
        self.push(conn, Traffic::Observed { observation });
    }

    /// Something the harness did to `conn`.
    pub fn note(&mut self, conn: &str, text: impl Into<String>) {
        self.push(conn, Traffic::Note { text: text.into() });
    }

    fn push(&mut self, conn: &str, traffic: Traffic) {
        if self.entries.len() == Self::MAX {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(TranscriptEntry {
            conn: conn.to_owned(),
            traffic,
        });
    }

    /// The entries, after a note of how many earlier ones were dropped.
    pub fn take(&mut self) -> Vec<TranscriptEntry> {
        let mut out = Vec::with_capacity(self.entries.len() + 1);
        if self.dropped > 0 {
            out.push(TranscriptEntry {
                conn: String::new(),
                traffic: Traffic::Note {
                    text: format!("({} earlier entries not shown)", self.dropped),
                },
            });
        }
        out.extend(self.entries.drain(..));
        self.dropped = 0;
        out
    }
}
