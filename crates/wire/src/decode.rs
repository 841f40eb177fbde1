use bytes::{Bytes, BytesMut};

use crate::error::{DecodeError, Missing};
use crate::framing::{LineFramer, LineTooLong};
use crate::grammar::{self, LineItem};
use crate::limits::Limits;
use crate::malformed::{Malformed, MalformedKind};
use crate::side::Message;

/// A framed item: a message, or a line that broke the grammar and was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<T> {
    /// A valid message (or message part).
    Message(T),
    /// A malformed line, consumed; the stream is still in sync (a server replies `ERR 400`).
    Malformed(Malformed),
}

/// What a [`PartDecoder`] hands out: payloads come in chunks, between a start and an end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<M: Message> {
    /// A message without payload.
    Message(M),
    /// The line of a payload-carrying message; `size` bytes follow as [`Part::PayloadChunk`]s.
    PayloadStart {
        /// The line's fields.
        header: M::Header,
        /// Announced payload size, already checked against [`Limits::max_payload`].
        size: u64,
    },
    /// Payload bytes, in order; never empty.
    PayloadChunk(Bytes),
    /// Every announced payload byte has been handed out.
    PayloadEnd,
}

/// The shared front half of both decoders: frames one line, parses it, checks limits.
#[derive(Debug, Clone)]
struct LineReader {
    limits: Limits,
    framer: LineFramer,
    /// Stream offset of the first byte of the caller's buffer.
    position: u64,
}

/// A line's worth of decoding: a message, a payload header with its checked size, or malformed.
type LineOutcome<M> = Decoded<LineItem<M, <M as Message>::Header, u64>>;

impl LineReader {
    fn new(limits: Limits) -> Self {
        LineReader {
            limits,
            framer: LineFramer::new(limits.max_line),
            position: 0,
        }
    }

    fn read_line<M: Message>(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<LineOutcome<M>>, DecodeError> {
        let framed = match self.framer.next_line(buf) {
            Ok(Some(framed)) => framed,
            Ok(None) => return Ok(None),
            Err(LineTooLong) => {
                return Err(DecodeError::LineTooLong {
                    offset: self.position,
                    limit: self.limits.max_line,
                });
            }
        };
        let start = self.position;
        let frame = buf.split_to(framed.frame).freeze();
        self.position += framed.frame as u64;
        let line = frame.slice(..framed.content);
        let malformed = |at: usize, kind: MalformedKind| {
            Decoded::Malformed(Malformed {
                offset: start + at as u64,
                kind,
                line: line.clone(),
            })
        };
        let text = match grammar::line_text(&line) {
            Ok(text) => text,
            Err((at, kind)) => return Ok(Some(malformed(at, kind))),
        };
        match M::parse_line(text) {
            Err(e) => Ok(Some(malformed(grammar::offset_in(text, e.at), e.kind))),
            Ok(LineItem::Header(head, announced)) => match u64::try_from(announced) {
                Ok(size) if size <= self.limits.max_payload => {
                    Ok(Some(Decoded::Message(LineItem::Header(head, size))))
                }
                _ => Err(DecodeError::PayloadTooLarge {
                    offset: start,
                    announced,
                    limit: self.limits.max_payload,
                }),
            },
            Ok(LineItem::Message(m)) => Ok(Some(Decoded::Message(LineItem::Message(m)))),
        }
    }
}

/// A payload whose line has been read: its header, its size, where its line began.
#[derive(Debug, Clone)]
struct Pending<H> {
    head: H,
    size: u64,
    line_offset: u64,
}

/// Decodes whole messages, payload included, from a growing buffer.
///
/// The caller appends bytes read from the peer to one `BytesMut` and calls [`Decoder::decode`]
/// until it returns `Ok(None)`. A payload is buffered whole, up to [`Limits::max_payload`]: use a
/// [`PartDecoder`] to stream large payloads in constant memory.
#[derive(Debug, Clone)]
pub struct Decoder<M: Message> {
    reader: LineReader,
    pending: Option<Pending<M::Header>>,
}

impl<M: Message> Decoder<M> {
    /// A decoder at stream offset 0.
    pub fn new(limits: Limits) -> Self {
        Decoder {
            reader: LineReader::new(limits),
            pending: None,
        }
    }

    /// The limits this decoder enforces.
    pub fn limits(&self) -> Limits {
        self.reader.limits
    }

    /// Stream offset of the first byte not yet consumed.
    pub fn position(&self) -> u64 {
        self.reader.position
    }

    /// The size a payload's line announced, while its bytes are still awaited.
    pub fn awaited_payload(&self) -> Option<u64> {
        self.pending.as_ref().map(|p| p.size)
    }

    /// The next message at the front of `buf`, consuming it.
    ///
    /// `Ok(None)` means more bytes are needed: append them to the same `buf` and call again.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded<M>>, DecodeError> {
        loop {
            if let Some(pending) = &self.pending {
                // Lossless: a buffer holding more bytes than fit in usize cannot exist.
                let size = usize::try_from(pending.size).unwrap_or(usize::MAX);
                if buf.len() < size {
                    return Ok(None);
                }
                let pending = self.pending.take().expect("checked above");
                let payload = buf.split_to(size).freeze();
                self.reader.position += pending.size;
                return Ok(Some(Decoded::Message(M::with_payload(
                    pending.head,
                    payload,
                ))));
            }
            let line_offset = self.reader.position;
            match self.reader.read_line::<M>(buf)? {
                None => return Ok(None),
                Some(Decoded::Malformed(m)) => return Ok(Some(Decoded::Malformed(m))),
                Some(Decoded::Message(LineItem::Message(m))) => {
                    return Ok(Some(Decoded::Message(m)));
                }
                Some(Decoded::Message(LineItem::Header(head, size))) => {
                    self.pending = Some(Pending {
                        head,
                        size,
                        line_offset,
                    });
                }
            }
        }
    }

    /// Like [`Decoder::decode`], once the peer has closed: bytes left that do not make a whole
    /// message are [`DecodeError::Truncated`].
    pub fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded<M>>, DecodeError> {
        if let Some(item) = self.decode(buf)? {
            return Ok(Some(item));
        }
        match &self.pending {
            Some(p) => Err(DecodeError::Truncated {
                offset: p.line_offset,
                missing: Missing::Payload {
                    announced: p.size,
                    received: buf.len() as u64,
                },
            }),
            None if !buf.is_empty() => Err(DecodeError::Truncated {
                offset: self.reader.position,
                missing: Missing::LineEnd {
                    received: buf.len(),
                },
            }),
            None => Ok(None),
        }
    }
}

/// A payload a [`PartDecoder`] is handing out.
#[derive(Debug, Clone, Copy)]
struct Streaming {
    left: u64,
    size: u64,
    line_offset: u64,
}

/// Decodes messages, handing payloads out in chunks as they arrive: constant memory whatever
/// the payload size.
#[derive(Debug, Clone)]
pub struct PartDecoder<M: Message> {
    reader: LineReader,
    /// The payload being handed out, if inside one.
    streaming: Option<Streaming>,
    _side: std::marker::PhantomData<M>,
}

impl<M: Message> PartDecoder<M> {
    /// A decoder at stream offset 0.
    pub fn new(limits: Limits) -> Self {
        PartDecoder {
            reader: LineReader::new(limits),
            streaming: None,
            _side: std::marker::PhantomData,
        }
    }

    /// The limits this decoder enforces.
    pub fn limits(&self) -> Limits {
        self.reader.limits
    }

    /// Stream offset of the first byte not yet consumed.
    pub fn position(&self) -> u64 {
        self.reader.position
    }

    /// Payload bytes announced but not handed out yet, inside a payload.
    pub fn payload_remaining(&self) -> Option<u64> {
        self.streaming.map(|s| s.left)
    }

    /// The next part at the front of `buf`, consuming it. `Ok(None)`: more bytes are needed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded<Part<M>>>, DecodeError> {
        match &mut self.streaming {
            Some(s) if s.left == 0 => {
                self.streaming = None;
                Ok(Some(Decoded::Message(Part::PayloadEnd)))
            }
            Some(_) if buf.is_empty() => Ok(None),
            Some(s) => {
                let n = buf.len().min(usize::try_from(s.left).unwrap_or(usize::MAX));
                let chunk = buf.split_to(n).freeze();
                self.reader.position += n as u64;
                s.left -= n as u64;
                Ok(Some(Decoded::Message(Part::PayloadChunk(chunk))))
            }
            None => {
                let line_offset = self.reader.position;
                Ok(self
                    .reader
                    .read_line::<M>(buf)?
                    .map(|outcome| match outcome {
                        Decoded::Malformed(m) => Decoded::Malformed(m),
                        Decoded::Message(LineItem::Message(m)) => {
                            Decoded::Message(Part::Message(m))
                        }
                        Decoded::Message(LineItem::Header(header, size)) => {
                            self.streaming = Some(Streaming {
                                left: size,
                                size,
                                line_offset,
                            });
                            Decoded::Message(Part::PayloadStart { header, size })
                        }
                    }))
            }
        }
    }

    /// Like [`PartDecoder::decode`], once the peer has closed: an unfinished line or payload is
    /// [`DecodeError::Truncated`].
    pub fn decode_eof(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<Decoded<Part<M>>>, DecodeError> {
        if let Some(item) = self.decode(buf)? {
            return Ok(Some(item));
        }
        if let Some(s) = self.streaming {
            return Err(DecodeError::Truncated {
                offset: s.line_offset,
                missing: Missing::Payload {
                    announced: s.size,
                    received: s.size - s.left,
                },
            });
        }
        if !buf.is_empty() {
            return Err(DecodeError::Truncated {
                offset: self.reader.position,
                missing: Missing::LineEnd {
                    received: buf.len(),
                },
            });
        }
        Ok(None)
    }
}

/// Decodes the one message of a UDP datagram (spec §10): its line end is optional, and anything
/// after the message is [`MalformedKind::TrailingBytes`].
///
/// The line end is `LF` or `CR LF`, as on a stream. A datagram that ends in a `CR` with no `LF`
/// after it has no line end: that `CR` is a control character of the line (UDP-15), reported as
/// the stream decoder would report it in the middle of a line.
pub fn decode_datagram<M: Message>(
    datagram: &[u8],
    limits: Limits,
) -> Result<Decoded<M>, DecodeError> {
    let mut decoder = Decoder::<M>::new(limits);
    let mut buf = BytesMut::from(datagram);
    let mut item = decoder.decode(&mut buf)?;
    if item.is_none() && decoder.pending.is_none() && !datagram.ends_with(b"\n") {
        if datagram.ends_with(b"\r") {
            return lone_cr(datagram, limits);
        }
        buf.extend_from_slice(b"\n");
        item = decoder.decode(&mut buf)?;
    }
    match item {
        Some(_) if !buf.is_empty() => Ok(Decoded::Malformed(Malformed {
            offset: decoder.position(),
            kind: MalformedKind::TrailingBytes,
            line: Bytes::copy_from_slice(datagram),
        })),
        Some(item) => Ok(item),
        // Only an announced payload that the datagram does not hold gets here.
        None => Err(decoder
            .decode_eof(&mut buf)
            .err()
            .unwrap_or(DecodeError::Truncated {
                offset: 0,
                missing: Missing::LineEnd {
                    received: datagram.len(),
                },
            })),
    }
}

/// A datagram without `LF` whose last octet is `CR`: the whole datagram is the line, so it is too
/// long, or malformed at its first invalid octet (the `CR` at the latest).
fn lone_cr<M>(datagram: &[u8], limits: Limits) -> Result<Decoded<M>, DecodeError> {
    if datagram.len() > limits.max_line {
        return Err(DecodeError::LineTooLong {
            offset: 0,
            limit: limits.max_line,
        });
    }
    let (at, kind) = match grammar::line_text(datagram) {
        Err(first) => first,
        // Unreachable: the CR is a control character. Reported as such all the same.
        Ok(_) => (datagram.len() - 1, MalformedKind::ControlCharacter(b'\r')),
    };
    Ok(Decoded::Malformed(Malformed {
        offset: at as u64,
        kind,
        line: Bytes::copy_from_slice(datagram),
    }))
}
