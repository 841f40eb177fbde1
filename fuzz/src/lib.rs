//! What the fuzz targets share: the properties every decoder keeps on any bytes (`stream`),
//! valid messages drawn from fuzz input (`messages`), and run reports drawn from fuzz input
//! (`reports`).
//!
//! The targets panic on a broken property: libFuzzer records the input as a crash.

pub mod messages;
pub mod reports;
pub mod stream;

use wire::Limits;

/// Limits drawn from one byte: the spec's minimum, the reference's, and tiny ones that put every
/// bound within reach of short inputs.
pub fn limits(b: u8) -> Limits {
    const LINES: [usize; 4] = [Limits::MINIMUM.max_line, Limits::REFERENCE.max_line, 16, 1];
    const PAYLOADS: [u64; 4] = [
        Limits::MINIMUM.max_payload,
        Limits::REFERENCE.max_payload,
        8,
        0,
    ];
    Limits {
        max_line: LINES[usize::from(b & 3)],
        max_payload: PAYLOADS[usize::from((b >> 2) & 3)],
    }
}
