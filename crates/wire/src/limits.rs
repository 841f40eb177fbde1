/// Bounds a decoder enforces before it buffers more input (spec §9, Limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted line in octets, its `LF` or `CRLF` terminator excluded.
    pub max_line: usize,
    /// Largest accepted payload (the announced size of a `PUT` or `FILE`), in octets.
    pub max_payload: u64,
}

impl Limits {
    /// The smallest limits the spec lets a server have (LIMIT-*): every server accepts at least
    /// this much.
    pub const MINIMUM: Limits = Limits {
        max_line: 1024,
        max_payload: 1024 * 1024,
    };

    /// The reference implementation's defaults: 4 KiB lines, 256 MiB payloads.
    pub const REFERENCE: Limits = Limits {
        max_line: 4096,
        max_payload: 256 * 1024 * 1024,
    };
}

impl Default for Limits {
    /// [`Limits::REFERENCE`].
    fn default() -> Self {
        Limits::REFERENCE
    }
}
