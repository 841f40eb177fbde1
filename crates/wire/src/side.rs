//! The two sides of the protocol as one trait, so that one decoder serves both: the grammar hooks
//! stay private (sealed), the set of sides stays closed.

use std::fmt;

use bytes::Bytes;

use crate::grammar::{self, GrammarError, LineItem};
use crate::message::{ClientMessage, FileHeader, PutHeader, ServerMessage};

/// One side's messages: [`ClientMessage`] or [`ServerMessage`]. Sealed.
pub trait Message: Sized + Clone + fmt::Debug + fmt::Display + PartialEq + sealed::Sealed {
    /// The line of this side's payload-carrying message.
    type Header: Clone + fmt::Debug + PartialEq;
}

pub(crate) mod sealed {
    use super::*;

    /// The grammar hooks a decoder needs; private so the set of sides stays closed.
    pub trait Sealed: Sized {
        fn parse_line(
            line: &str,
        ) -> Result<LineItem<Self, <Self as Message>::Header>, GrammarError<'_>>
        where
            Self: Message;
        fn with_payload(head: <Self as Message>::Header, payload: Bytes) -> Self
        where
            Self: Message;
    }
}

impl Message for ClientMessage {
    type Header = PutHeader;
}

impl sealed::Sealed for ClientMessage {
    fn parse_line(line: &str) -> Result<LineItem<Self, PutHeader>, GrammarError<'_>> {
        grammar::client_line(line)
    }
    fn with_payload(head: PutHeader, payload: Bytes) -> Self {
        ClientMessage::Put {
            path: head.path,
            payload,
        }
    }
}

impl Message for ServerMessage {
    type Header = FileHeader;
}

impl sealed::Sealed for ServerMessage {
    fn parse_line(line: &str) -> Result<LineItem<Self, FileHeader>, GrammarError<'_>> {
        grammar::server_line(line)
    }
    fn with_payload(_: FileHeader, payload: Bytes) -> Self {
        ServerMessage::File(payload)
    }
}
