//! Messages of the socket-lab/1 protocol (`spec/protocol.md`): their types, their grammar, a
//! streaming decoder and an encoder.
//!
//! Modules, leaves first: `chars` (character rules) and `verb` (the vocabulary) → `fields` →
//! `message` → `grammar` → `side` → `decode` / `encode`.
//!
//! This crate does no I/O. Bytes go in through a [`bytes::BytesMut`] that the caller fills from a
//! socket; messages come out of a [`Decoder`] (whole messages, payload included) or a
//! [`PartDecoder`] (payloads handed out in chunks, for constant-memory transfers). Every decode step
//! ends in one of three outcomes, kept apart on purpose:
//!
//! - `Ok(None)`: more bytes are needed; nothing was consumed that a later call needs again;
//! - `Ok(Some(Decoded::Malformed(_)))`: a framed line broke the grammar. The line is consumed, the
//!   stream stays in sync, and a server answers `ERR 400` and goes on;
//! - `Err(DecodeError)`: a [`Limits`] bound was passed, or the stream ended inside a message. The
//!   stream cannot be resynchronised: the connection ends.
//!
//! Limits are checked before more is buffered: a line longer than [`Limits::max_line`] is refused
//! as soon as `max_line + 2` bytes hold no LF, and an announced payload is checked against
//! [`Limits::max_payload`] as soon as its line is read. Payloads are handed out as [`bytes::Bytes`]
//! slices of the input buffer, never copied.
//!
//! ```
//! use bytes::BytesMut;
//! use wire::{ClientMessage, Decoded, Decoder, Encode, Limits};
//!
//! let mut decoder = Decoder::<ClientMessage>::new(Limits::default());
//! let mut input = BytesMut::from(&b"HELLO alice\r\nPUT a.txt 2\nhi"[..]);
//! let Some(Decoded::Message(hello)) = decoder.decode(&mut input)? else { panic!() };
//! assert_eq!(hello.to_string(), "HELLO alice");
//! let Some(Decoded::Message(put)) = decoder.decode(&mut input)? else { panic!() };
//! assert_eq!(put.encode_to_vec(), b"PUT a.txt 2\nhi");
//! assert!(input.is_empty());
//! # Ok::<(), wire::DecodeError>(())
//! ```

#![warn(missing_docs)]

mod chars;
#[cfg(feature = "codec")]
pub mod codec;
mod decode;
mod encode;
mod error;
pub mod escape;
mod fields;
mod framing;
mod grammar;
mod limits;
mod malformed;
mod message;
pub mod path;
mod side;
mod verb;

pub use decode::{Decoded, Decoder, Part, PartDecoder, decode_datagram};
pub use encode::Encode;
pub use error::{DecodeError, Missing};
pub use fields::{ErrorCode, FieldError, Name, PathArg, Text, Token};
pub use limits::Limits;
pub use malformed::{Field, Malformed, MalformedKind};
pub use message::{ClientMessage, FileHeader, PutHeader, ServerMessage};
pub use side::Message;
pub use verb::{ClientVerb, ServerVerb};
