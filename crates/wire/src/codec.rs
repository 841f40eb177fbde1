//! tokio-util codecs over the decoders, for `Framed` (feature `codec`).
//!
//! A malformed line is an item ([`Decoded::Malformed`]), not an error, because an error ends a
//! `Framed` stream and a server must answer `ERR 400` and go on.

use bytes::BytesMut;

use crate::decode::{Decoded, Decoder, Part, PartDecoder};
use crate::encode::Encode;
use crate::error::DecodeError;
use crate::side::Message;

/// A fatal codec outcome: a decode limit or truncation, or the transport's own error.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The stream broke a limit or ended inside a message.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The transport failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Decodes whole `M` messages and encodes anything [`Encode`].
#[derive(Debug, Clone)]
pub struct MessageCodec<M: Message>(pub Decoder<M>);

/// Decodes `M` in parts (payloads in chunks) and encodes anything [`Encode`].
#[derive(Debug, Clone)]
pub struct PartCodec<M: Message>(pub PartDecoder<M>);

impl<M: Message> tokio_util::codec::Decoder for MessageCodec<M> {
    type Item = Decoded<M>;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, CodecError> {
        Ok(self.0.decode(src)?)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, CodecError> {
        Ok(self.0.decode_eof(src)?)
    }
}

impl<M: Message> tokio_util::codec::Decoder for PartCodec<M> {
    type Item = Decoded<Part<M>>;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, CodecError> {
        Ok(self.0.decode(src)?)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, CodecError> {
        Ok(self.0.decode_eof(src)?)
    }
}

impl<M: Message, T: Encode> tokio_util::codec::Encoder<T> for MessageCodec<M> {
    type Error = CodecError;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), CodecError> {
        item.encode(dst);
        Ok(())
    }
}

impl<M: Message, T: Encode> tokio_util::codec::Encoder<T> for PartCodec<M> {
    type Error = CodecError;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), CodecError> {
        item.encode(dst);
        Ok(())
    }
}
