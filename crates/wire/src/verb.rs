//! The verbs of each side (spec §4) and the fields each verb's line carries: the protocol's
//! one vocabulary, for the grammar here and for every tool that names messages.

use std::fmt;

use crate::malformed::Field;

macro_rules! verbs {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal [$($field:ident),*]),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),*
        }

        impl $name {
            /// Every verb of this side, in spec order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The verb as written on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),*
                }
            }

            /// The verb written exactly so (verbs are case-sensitive), if it is one.
            pub fn parse(word: &str) -> Option<$name> {
                match word {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }

            /// The fields of this verb's line, in order; optional ones included.
            pub fn fields(self) -> &'static [Field] {
                match self {
                    $($name::$variant => &[$(Field::$field),*]),*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

verbs!(
    /// A verb a client sends (`client-msg`).
    ClientVerb {
        /// `HELLO <name>`
        Hello = "HELLO" [Name],
        /// `MSG <text>`
        Msg = "MSG" [Text],
        /// `GET <path>`
        Get = "GET" [Path],
        /// `PUT <path> <size>`, then the payload
        Put = "PUT" [Path, Size],
        /// `PING [<token>]`
        Ping = "PING" [Token],
        /// `BYE [<text>]`
        Bye = "BYE" [Text],
    }
);

verbs!(
    /// A verb a server sends (`server-msg`).
    ServerVerb {
        /// `WELCOME <text>`
        Welcome = "WELCOME" [Text],
        /// `OK [<text>]`
        Ok = "OK" [Text],
        /// `FROM <name> <text>`
        From = "FROM" [Name, Text],
        /// `FILE <size>`, then the payload
        File = "FILE" [Size],
        /// `PONG [<token>]`
        Pong = "PONG" [Token],
        /// `BYE [<text>]`
        Bye = "BYE" [Text],
        /// `ERR <code> <text>`
        Err = "ERR" [Code, Text],
    }
);

/// Whether `word` is a verb of either side.
pub(crate) fn is_verb(word: &str) -> bool {
    ClientVerb::parse(word).is_some() || ServerVerb::parse(word).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verb_parses_back() {
        for v in ClientVerb::ALL {
            assert_eq!(ClientVerb::parse(v.as_str()), Some(*v));
        }
        for v in ServerVerb::ALL {
            assert_eq!(ServerVerb::parse(v.as_str()), Some(*v));
        }
        assert_eq!(ClientVerb::parse("hello"), None);
        assert!(is_verb("BYE") && is_verb("FILE") && !is_verb("JUMP"));
        assert_eq!(ServerVerb::Err.fields(), &[Field::Code, Field::Text]);
    }
}
