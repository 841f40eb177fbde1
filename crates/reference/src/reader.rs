//! The one read loop of this crate: wire messages from any byte stream.
//!
//! The server's connections, the [`crate::client::Client`], the load bench and the integration
//! tests all read through a [`MessageReader`]: one buffer, one of `wire`'s tokio-util codecs
//! ([`wire::codec::MessageCodec`] for whole messages, [`wire::codec::PartCodec`] for payloads
//! in chunks), and a read only when the buffer holds no complete item (FRAME-2).
//!
//! It is not a `tokio_util::codec::FramedRead` because it does not own the stream: the server
//! keeps reading the same socket after the last message (to linger), the tests write to and
//! shut down the stream they read, and a per-read deadline is part of every call. Awaiting a
//! `FramedRead` would also need a `Stream` combinator crate.

use std::io;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::codec::Decoder;
use wire::DecodeError;
use wire::codec::CodecError;

/// Octets read from the stream at a time, unless [`MessageReader::with_read_size`] says
/// otherwise.
pub const DEFAULT_READ_SIZE: usize = 64 * 1024;
/// The first read of a stream: request lines are short, and an idle connection should hold
/// little memory. Each read that fills what was asked doubles the next one, up to the read size.
const FIRST_READ: usize = 1024;

/// Why no item could be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The stream broke a decode limit or ended inside a message: it cannot be resynchronised.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The stream failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// One read waited longer than the deadline given to [`MessageReader::next`].
    #[error("nothing received for {0:?}")]
    TimedOut(Duration),
}

impl From<CodecError> for ReadError {
    fn from(e: CodecError) -> Self {
        match e {
            CodecError::Decode(e) => ReadError::Decode(e),
            CodecError::Io(e) => ReadError::Io(e),
        }
    }
}

/// Decodes items with `C` from bytes read off a stream the caller keeps.
///
/// ```
/// # async fn demo() -> Result<(), reference::reader::ReadError> {
/// use reference::reader::MessageReader;
/// use wire::codec::MessageCodec;
/// use wire::{Decoded, Decoder, Limits, ServerMessage};
///
/// let mut input: &[u8] = b"WELCOME hello alice\nOK\n";
/// let mut reader = MessageReader::new(MessageCodec(Decoder::<ServerMessage>::new(
///     Limits::default(),
/// )));
/// let Some(Decoded::Message(welcome)) = reader.next(&mut input, None).await? else {
///     panic!("a message")
/// };
/// assert_eq!(welcome.to_string(), "WELCOME hello alice");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MessageReader<C> {
    codec: C,
    buf: BytesMut,
    read_size: usize,
    /// Octets asked of the next read: from [`FIRST_READ`] up to `read_size`.
    next_read: usize,
}

impl<C> MessageReader<C>
where
    C: Decoder<Error = CodecError>,
{
    /// A reader decoding with `codec`, reading [`DEFAULT_READ_SIZE`] octets at a time.
    pub fn new(codec: C) -> Self {
        Self::with_read_size(codec, DEFAULT_READ_SIZE)
    }

    /// A reader that reads up to `read_size` octets at a time (larger reads, fewer system calls
    /// for bulk downloads). Reads start small and double while they come back full, so a
    /// connection that only ever sends short lines never holds a large buffer.
    pub fn with_read_size(codec: C, read_size: usize) -> Self {
        let read_size = read_size.max(1);
        MessageReader {
            codec,
            buf: BytesMut::new(),
            read_size,
            next_read: FIRST_READ.min(read_size),
        }
    }

    /// The codec, for its decoder's state (such as whether a payload is under way).
    pub fn codec(&self) -> &C {
        &self.codec
    }

    /// The next item: one already buffered, else one decoded from what `input` sends next.
    /// `Ok(None)` once `input` has ended cleanly between messages.
    ///
    /// `read_timeout` bounds each read, not the whole item: a payload arriving steadily is never
    /// cut. Cancel-safe: bytes read are kept for the next call.
    pub async fn next<R>(
        &mut self,
        input: &mut R,
        read_timeout: Option<Duration>,
    ) -> Result<Option<C::Item>, ReadError>
    where
        R: AsyncRead + Unpin + ?Sized,
    {
        loop {
            if let Some(item) = self.decode_buffered()? {
                return Ok(Some(item));
            }
            self.buf.reserve(self.next_read);
            let asked = self.buf.capacity() - self.buf.len();
            let read = input.read_buf(&mut self.buf);
            let n = match read_timeout {
                Some(limit) => tokio::time::timeout(limit, read)
                    .await
                    .map_err(|_| ReadError::TimedOut(limit))?,
                None => read.await,
            }?;
            if n == 0 {
                return Ok(self.codec.decode_eof(&mut self.buf)?);
            }
            if n >= asked.min(self.next_read) {
                self.next_read = (self.next_read * 2).min(self.read_size);
            }
        }
    }

    /// The next item among the octets already received, without reading: `Ok(None)` when
    /// they hold no complete item.
    pub fn decode_buffered(&mut self) -> Result<Option<C::Item>, ReadError> {
        Ok(self.codec.decode(&mut self.buf)?)
    }

    /// The octets received but not decoded yet.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// Takes the octets received but not decoded yet, leaving the reader empty.
    pub fn take_buffered(&mut self) -> BytesMut {
        self.buf.split()
    }
}
