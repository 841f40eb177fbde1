use std::fmt;

use bytes::Bytes;

/// A field of a message line, named as in the grammar (spec §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `name`: 1 to 32 of `A-Z a-z 0-9 _ -`.
    Name,
    /// `text`: free text to the end of the line.
    Text,
    /// `path`: a file path, without spaces.
    Path,
    /// `size`: a decimal byte count.
    Size,
    /// `token`: 1 to 64 visible ASCII characters.
    Token,
    /// `code`: a three-digit error code, 100 to 599.
    Code,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Name => "name",
            Field::Text => "text",
            Field::Path => "path",
            Field::Size => "size",
            Field::Token => "token",
            Field::Code => "code",
        })
    }
}

/// Why a framed line is not a valid message. Each message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MalformedKind {
    /// The line holds nothing before its terminator.
    EmptyLine,
    /// The line is not valid UTF-8.
    InvalidUtf8,
    /// A control character (`%x00-1F` or `%x7F`) stands in the line.
    ControlCharacter(u8),
    /// The first word is not a verb of this side of the protocol.
    UnknownVerb(String),
    /// A space where none may be: leading, doubled, or trailing.
    UnexpectedSpace,
    /// The verb needs a field that is absent.
    MissingField(Field),
    /// A field holds a character its rule does not allow.
    InvalidField(Field),
    /// A field is longer than its rule allows.
    FieldTooLong {
        /// Which field.
        field: Field,
        /// Its maximum length in characters.
        max: usize,
    },
    /// More follows the last field of the verb.
    TrailingInput,
    /// A datagram holds bytes after its one message.
    TrailingBytes,
}

impl fmt::Display for MalformedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MalformedKind::EmptyLine => f.write_str("empty line"),
            MalformedKind::InvalidUtf8 => f.write_str("line is not valid UTF-8"),
            MalformedKind::ControlCharacter(b) => {
                write!(f, "control character 0x{b:02X} in line")
            }
            MalformedKind::UnknownVerb(verb) => {
                let upper = verb.to_ascii_uppercase();
                if upper != *verb && crate::verb::is_verb(&upper) {
                    write!(f, "unknown verb `{verb}` (verbs are upper case: `{upper}`)")
                } else {
                    write!(f, "unknown verb `{verb}`")
                }
            }
            MalformedKind::UnexpectedSpace => {
                f.write_str("unexpected space (fields are separated by exactly one space)")
            }
            MalformedKind::MissingField(field) => write!(f, "missing {field}"),
            MalformedKind::InvalidField(field) => write!(f, "invalid character in {field}"),
            MalformedKind::FieldTooLong { field, max } => {
                write!(f, "{field} longer than {max} characters")
            }
            MalformedKind::TrailingInput => f.write_str("unexpected input after the last field"),
            MalformedKind::TrailingBytes => f.write_str("datagram holds more than one message"),
        }
    }
}

/// A framed line that broke the grammar. The decoder has consumed it; the stream stays in sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// Offset in the stream of the first offending byte.
    pub offset: u64,
    /// What is wrong.
    pub kind: MalformedKind,
    /// The whole line as received, terminator excluded.
    pub line: Bytes,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)
    }
}

impl std::error::Error for Malformed {}
