//! Finding the end of a line, within a bound, without rescanning.

/// A complete line at the front of the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FramedLine {
    /// Bytes of the line, terminator excluded.
    pub(crate) content: usize,
    /// Bytes of the line, terminator included.
    pub(crate) frame: usize,
}

/// Scans for `LF` in at most `max_line + 2` bytes (the line, an optional `CR`, the `LF`), so a
/// caller never needs to buffer more than that to learn whether a line is too long.
#[derive(Debug, Clone)]
pub(crate) struct LineFramer {
    max_line: usize,
    /// Bytes at the front of the buffer already known to hold no `LF`.
    scanned: usize,
}

/// The buffer holds `max_line + 2` bytes and no line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineTooLong;

impl LineFramer {
    pub(crate) fn new(max_line: usize) -> Self {
        LineFramer {
            max_line,
            scanned: 0,
        }
    }

    /// The line at the front of `buf`, if complete. `buf` may only have grown since the last call
    /// that returned `Ok(None)`.
    pub(crate) fn next_line(&mut self, buf: &[u8]) -> Result<Option<FramedLine>, LineTooLong> {
        let window = &buf[..buf.len().min(self.max_line.saturating_add(2))];
        let Some(found) = memchr::memchr(b'\n', &window[self.scanned.min(window.len())..]) else {
            if window.len() > self.max_line.saturating_add(1) {
                return Err(LineTooLong);
            }
            self.scanned = window.len();
            return Ok(None);
        };
        let lf = self.scanned + found;
        self.scanned = 0;
        let content = if lf > 0 && buf[lf - 1] == b'\r' {
            lf - 1
        } else {
            lf
        };
        if content > self.max_line {
            return Err(LineTooLong);
        }
        Ok(Some(FramedLine {
            content,
            frame: lf + 1,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_exact() {
        let mut f = LineFramer::new(4);
        assert_eq!(
            f.next_line(b"abcd\n"),
            Ok(Some(FramedLine {
                content: 4,
                frame: 5
            }))
        );
        assert_eq!(
            f.next_line(b"abcd\r\n"),
            Ok(Some(FramedLine {
                content: 4,
                frame: 6
            }))
        );
        assert_eq!(f.next_line(b"abcd\r"), Ok(None));
        assert_eq!(f.next_line(b"abcde\n"), Err(LineTooLong));
        let mut f = LineFramer::new(4);
        assert_eq!(f.next_line(b"abcdef"), Err(LineTooLong));
        let mut f = LineFramer::new(4);
        assert_eq!(f.next_line(b"abc"), Ok(None));
        assert_eq!(f.next_line(b"abcd\r"), Ok(None));
        assert_eq!(
            f.next_line(b"abcd\r\nrest"),
            Ok(Some(FramedLine {
                content: 4,
                frame: 6
            }))
        );
        assert_eq!(
            f.next_line(b"\n"),
            Ok(Some(FramedLine {
                content: 0,
                frame: 1
            }))
        );
    }
}
