//! The byte notation of the spec's examples and of transcripts: printable ASCII as is, `\n`,
//! `\r`, `\\`, and `\xHH` for every other byte. Byte-exact in both directions.

use std::fmt::Write;

/// Writes `bytes` in the escaped notation: `HELLO alice\n`, `MSG \xff`.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7E => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// An escape sequence that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad escape at character offset {offset}: expected \\n, \\r, \\\\ or \\xHH")]
pub struct UnescapeError {
    /// Byte offset of the backslash in the input.
    pub offset: usize,
}

/// Reads the escaped notation back into bytes. Characters other than escapes stand for their
/// UTF-8 bytes.
pub fn unescape(text: &str) -> Result<Vec<u8>, UnescapeError> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((offset, c)) = chars.next() {
        if c != '\\' {
            let mut utf8 = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            continue;
        }
        let err = UnescapeError { offset };
        match chars.next().map(|(_, c)| c) {
            Some('n') => out.push(b'\n'),
            Some('r') => out.push(b'\r'),
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let hi = chars
                    .next()
                    .and_then(|(_, c)| c.to_digit(16))
                    .ok_or(err.clone())?;
                let lo = chars.next().and_then(|(_, c)| c.to_digit(16)).ok_or(err)?;
                // Two hex digits: always below 256.
                out.push((hi * 16 + lo) as u8);
            }
            _ => return Err(err),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(unescape(&escape(&all)), Ok(all));
        assert_eq!(escape(b"A\\b\r\n\x00\xff"), r"A\\b\r\n\x00\xff");
        assert_eq!(unescape("é"), Ok("é".as_bytes().to_vec()));
        assert_eq!(unescape(r"a\q"), Err(UnescapeError { offset: 1 }));
        assert_eq!(unescape(r"\x4"), Err(UnescapeError { offset: 0 }));
    }
}
