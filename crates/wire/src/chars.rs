//! The character rules of spec §3, shared by the field constructors (`fields`) and the line
//! grammar (`grammar`): the leaf both depend on, so neither has to call the other.

use crate::malformed::{Field, MalformedKind};

/// Where a value breaks its rule: the byte offset in the value, and why.
pub(crate) type RuleError = (usize, MalformedKind);

/// `%x00-1F / %x7F`: never allowed in a line.
pub(crate) fn is_control(b: u8) -> bool {
    b < 0x20 || b == 0x7F
}

/// The offset of the first control octet ([`is_control`]) in `line`, if any. Eight octets at
/// a time: a line is scanned on every decode, and most lines have none.
pub(crate) fn find_control(line: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const DEL: u64 = u64::from_ne_bytes([0x7F; 8]);
    let mut chunks = line.chunks_exact(8);
    for (i, chunk) in chunks.by_ref().enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_ne_bytes(word);
        // Exact tests for "some octet is below 0x20" and "some octet is 0x7F" (the classic
        // `hasless(x, 0x20)` and `haszero(x ^ 0x7F..)`); the offset is then found octet by octet.
        let below = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        let y = x ^ DEL;
        let del = y.wrapping_sub(ONES) & !y & HIGHS;
        if below | del != 0 {
            return chunk
                .iter()
                .position(|&b| is_control(b))
                .map(|at| i * 8 + at);
        }
    }
    let tail = chunks.remainder();
    let start = line.len() - tail.len();
    tail.iter()
        .position(|&b| is_control(b))
        .map(|at| start + at)
}

/// `ALPHA / DIGIT / "_" / "-"`: a character of a `name`.
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// `%x21-7E`: a character of a `token`.
pub(crate) fn is_token_char(c: char) -> bool {
    c.is_ascii_graphic()
}

/// `tchar`: any character but a control; a character of a `text`.
pub(crate) fn is_tchar(c: char) -> bool {
    !c.is_ascii_control()
}

/// `pchar`: any `tchar` but SP; a character of a `path`.
pub(crate) fn is_pchar(c: char) -> bool {
    is_tchar(c) && c != ' '
}

/// `DIGIT`: a character of a `size`.
pub(crate) fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

/// A word of 1 to `max` characters, each `allowed`.
pub(crate) fn check_word(
    word: &str,
    field: Field,
    max: usize,
    allowed: fn(char) -> bool,
) -> Result<(), RuleError> {
    if word.is_empty() {
        return Err((0, MalformedKind::MissingField(field)));
    }
    if let Some((at, _)) = word.char_indices().find(|&(_, c)| !allowed(c)) {
        return Err((at, MalformedKind::InvalidField(field)));
    }
    if let Some((at, _)) = word.char_indices().nth(max) {
        return Err((at, MalformedKind::FieldTooLong { field, max }));
    }
    Ok(())
}

/// `text = 1*tchar`, not starting with SP (that SP would be a doubled separator).
pub(crate) fn check_text(text: &str) -> Result<(), RuleError> {
    if text.is_empty() {
        return Err((0, MalformedKind::MissingField(Field::Text)));
    }
    if text.starts_with(' ') {
        return Err((0, MalformedKind::UnexpectedSpace));
    }
    match text.char_indices().find(|&(_, c)| !is_tchar(c)) {
        Some((at, c)) => Err((
            at,
            match u8::try_from(c) {
                Ok(b) if is_control(b) => MalformedKind::ControlCharacter(b),
                _ => MalformedKind::InvalidField(Field::Text),
            },
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_classes() {
        // (character, name, token, tchar, pchar)
        let table = [
            ('a', true, true, true, true),
            ('_', true, true, true, true),
            ('-', true, true, true, true),
            ('!', false, true, true, true),
            (' ', false, false, true, false),
            ('é', false, false, true, true),
            ('\t', false, false, false, false),
            ('\x7f', false, false, false, false),
        ];
        for (c, name, token, tchar, pchar) in table {
            assert_eq!(
                (is_name_char(c), is_token_char(c), is_tchar(c), is_pchar(c)),
                (name, token, tchar, pchar),
                "{c:?}"
            );
        }
    }

    #[test]
    fn find_control_agrees_with_the_octet_rule_everywhere() {
        for len in 0..20 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut line = vec![b'a'; len];
                    // High octets around it, as in UTF-8 text.
                    if at + 1 < len {
                        line[at + 1] = 0xC3;
                    }
                    line[at] = b;
                    let expected = line.iter().position(|&o| is_control(o));
                    assert_eq!(find_control(&line), expected, "{line:?}");
                }
            }
        }
    }

    #[test]
    fn words_and_texts() {
        use MalformedKind::*;
        assert_eq!(check_word("ab", Field::Name, 2, is_name_char), Ok(()));
        assert_eq!(
            check_word("abc", Field::Name, 2, is_name_char),
            Err((
                2,
                FieldTooLong {
                    field: Field::Name,
                    max: 2
                }
            ))
        );
        assert_eq!(
            check_word("a!", Field::Name, 2, is_name_char),
            Err((1, InvalidField(Field::Name)))
        );
        assert_eq!(
            check_word("", Field::Token, 2, is_token_char),
            Err((0, MissingField(Field::Token)))
        );
        assert_eq!(check_text("a  b "), Ok(()));
        assert_eq!(check_text(" a"), Err((0, UnexpectedSpace)));
        assert_eq!(check_text("a\rb"), Err((1, ControlCharacter(b'\r'))));
        assert_eq!(check_text(""), Err((0, MissingField(Field::Text))));
    }
}
