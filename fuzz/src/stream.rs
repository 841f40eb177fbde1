//! The decoders' properties on arbitrary bytes, for either side:
//!
//! - nothing panics, and every loop ends (each item consumes bytes, bounded by the input);
//! - `position()` counts exactly the bytes consumed;
//! - bytes fed in chunks decode to the same items, errors included, as bytes fed at once;
//! - the `PartDecoder` agrees with the `Decoder`: same messages (payload chunks reassembled),
//!   same malformed lines, same error;
//! - every decoded message encodes to bytes that decode back to it (the encoder writes what the
//!   decoder reads);
//! - `decode_datagram` never panics, and a message it returns encodes back to itself.

use bytes::{Bytes, BytesMut};
use wire::{
    ClientMessage, DecodeError, Decoded, Decoder, Encode, FileHeader, Limits, Message, Part,
    PartDecoder, PutHeader, ServerMessage, decode_datagram,
};

/// One side, with what the properties need that the sealed `Message` trait keeps private.
pub trait Side: Message + Encode {
    /// The message a header and its payload make.
    fn assemble(header: Self::Header, payload: Bytes) -> Self;
}

impl Side for ClientMessage {
    fn assemble(header: PutHeader, payload: Bytes) -> Self {
        ClientMessage::Put {
            path: header.path,
            payload,
        }
    }
}

impl Side for ServerMessage {
    fn assemble(_: FileHeader, payload: Bytes) -> Self {
        ServerMessage::File(payload)
    }
}

/// What a decoder made of a stream: its items in order, then the error that ended it, if any.
#[derive(Debug, PartialEq)]
pub struct Trace<M> {
    /// Messages and malformed lines.
    pub items: Vec<Decoded<M>>,
    /// The error that ended the stream (a limit, or the end inside a message).
    pub error: Option<DecodeError>,
}

/// Checks every property on `data`: byte 0 picks the limits, byte 1 the chunk size, the rest is
/// the stream.
pub fn check<M: Side>(data: &[u8]) {
    let [config, chunk, bytes @ ..] = data else {
        return;
    };
    let limits = crate::limits(*config);
    let chunk = usize::from(*chunk % 64) + 1;
    let whole = decode_whole::<M>(bytes, limits, bytes.len());
    let chunked = decode_whole::<M>(bytes, limits, chunk);
    assert_eq!(whole, chunked, "fed in chunks of {chunk}");
    let parts = decode_parts::<M>(bytes, limits, chunk);
    assert_eq!(whole, parts, "part decoder, chunks of {chunk}");
    for item in &whole.items {
        if let Decoded::Message(m) = item {
            encodes_back(m, limits);
        }
    }
    datagram::<M>(bytes, limits);
}

/// Decodes `bytes` fed `chunk` at a time, then ends the stream.
fn decode_whole<M: Side>(bytes: &[u8], limits: Limits, chunk: usize) -> Trace<M> {
    let mut decoder = Decoder::<M>::new(limits);
    let mut buf = BytesMut::new();
    let mut trace = Trace {
        items: Vec::new(),
        error: None,
    };
    let mut fed = 0;
    for piece in bytes.chunks(chunk.max(1)) {
        buf.extend_from_slice(piece);
        fed += piece.len();
        loop {
            let step = decoder.decode(&mut buf);
            assert_eq!(decoder.position(), (fed - buf.len()) as u64, "position");
            match step {
                Ok(Some(item)) => trace.items.push(item),
                Ok(None) => break,
                Err(e) => {
                    trace.error = Some(e);
                    return trace;
                }
            }
            assert!(trace.items.len() <= bytes.len(), "more items than bytes");
        }
    }
    loop {
        match decoder.decode_eof(&mut buf) {
            Ok(Some(item)) => trace.items.push(item),
            Ok(None) => break,
            Err(e) => {
                trace.error = Some(e);
                break;
            }
        }
        assert!(
            trace.items.len() <= bytes.len(),
            "more items than bytes at the end"
        );
    }
    trace
}

/// A payload being reassembled from a part decoder's chunks.
struct Assembling<H> {
    header: H,
    size: u64,
    payload: Vec<u8>,
}

/// Decodes `bytes` with a part decoder fed `chunk` at a time, reassembling payloads.
fn decode_parts<M: Side>(bytes: &[u8], limits: Limits, chunk: usize) -> Trace<M> {
    let mut decoder = PartDecoder::<M>::new(limits);
    let mut buf = BytesMut::new();
    let mut trace = Trace {
        items: Vec::new(),
        error: None,
    };
    let mut open: Option<Assembling<M::Header>> = None;
    let mut steps = 0usize;
    let pieces = bytes.chunks(chunk.max(1)).map(Some).chain([None]);
    for piece in pieces {
        if let Some(piece) = piece {
            buf.extend_from_slice(piece);
        }
        loop {
            steps += 1;
            assert!(
                steps <= 4 * bytes.len() + 8,
                "part decoder does not progress"
            );
            let step = match piece {
                Some(_) => decoder.decode(&mut buf),
                None => decoder.decode_eof(&mut buf),
            };
            let part = match step {
                Ok(Some(Decoded::Message(part))) => part,
                Ok(Some(Decoded::Malformed(m))) => {
                    assert!(open.is_none(), "malformed line inside a payload");
                    trace.items.push(Decoded::Malformed(m));
                    continue;
                }
                Ok(None) => break,
                Err(e) => {
                    trace.error = Some(e);
                    return trace;
                }
            };
            if let Some(m) = assemble(part, &mut open) {
                trace.items.push(Decoded::Message(m));
            }
        }
    }
    assert!(
        open.is_none(),
        "stream ended inside a payload without an error"
    );
    trace
}

/// Adds a part to the payload being reassembled; returns a whole message when there is one.
fn assemble<M: Side>(part: Part<M>, open: &mut Option<Assembling<M::Header>>) -> Option<M> {
    match part {
        Part::Message(m) => {
            assert!(open.is_none(), "message inside a payload");
            Some(m)
        }
        Part::PayloadStart { header, size } => {
            assert!(open.is_none(), "payload inside a payload");
            *open = Some(Assembling {
                header,
                size,
                payload: Vec::new(),
            });
            None
        }
        Part::PayloadChunk(bytes) => {
            let a = open.as_mut().expect("chunk outside a payload");
            assert!(!bytes.is_empty(), "empty chunk");
            a.payload.extend_from_slice(&bytes);
            assert!(
                a.payload.len() as u64 <= a.size,
                "more payload than announced"
            );
            None
        }
        Part::PayloadEnd => {
            let a = open.take().expect("end outside a payload");
            assert_eq!(a.payload.len() as u64, a.size, "payload ended short");
            Some(M::assemble(a.header, Bytes::from(a.payload)))
        }
    }
}

/// A decoded message encodes to bytes that decode back to it, as a stream and as a datagram.
pub fn encodes_back<M: Side>(m: &M, limits: Limits) {
    let bytes = m.encode_to_vec();
    let mut decoder = Decoder::<M>::new(limits);
    let mut buf = BytesMut::from(&bytes[..]);
    let again = decoder.decode(&mut buf);
    assert_eq!(
        again,
        Ok(Some(Decoded::Message(m.clone()))),
        "re-encoded {bytes:?}"
    );
    assert!(buf.is_empty(), "re-encoded message left bytes");
    assert_eq!(
        decode_datagram::<M>(&bytes, limits),
        Ok(Decoded::Message(m.clone())),
        "re-encoded as a datagram"
    );
}

/// `decode_datagram` on the bytes: no panic; a message it returns encodes back to itself.
fn datagram<M: Side>(bytes: &[u8], limits: Limits) {
    if let Ok(Decoded::Message(m)) = decode_datagram::<M>(bytes, limits) {
        encodes_back(&m, limits);
    }
}

/// Valid messages written back to back decode to themselves: fed at once, in chunks of `chunk`,
/// and by parts. Where one breaks a limit the stream ends there, with that limit's error at that
/// message's offset.
pub fn round_trip<M: Side>(messages: &[M], limits: Limits, chunk: usize) {
    let mut bytes = Vec::new();
    let mut expected = Trace {
        items: Vec::new(),
        error: None,
    };
    for m in messages {
        let offset = bytes.len() as u64;
        let encoded = m.encode_to_vec();
        let line = m.to_string();
        assert!(
            encoded.starts_with(line.as_bytes()),
            "{m:?} is written as its Display"
        );
        assert_eq!(
            encoded.get(line.len()),
            Some(&b'\n'),
            "{m:?} ends its line with LF"
        );
        bytes.extend_from_slice(&encoded);
        if expected.error.is_some() {
            continue;
        }
        let payload = (encoded.len() - line.len() - 1) as u64;
        if line.len() > limits.max_line {
            expected.error = Some(DecodeError::LineTooLong {
                offset,
                limit: limits.max_line,
            });
        } else if payload > limits.max_payload {
            expected.error = Some(DecodeError::PayloadTooLarge {
                offset,
                announced: u128::from(payload),
                limit: limits.max_payload,
            });
        } else {
            expected.items.push(Decoded::Message(m.clone()));
            if messages.len() == 1 {
                let dgram = decode_datagram::<M>(&encoded, limits);
                assert_eq!(dgram, Ok(Decoded::Message(m.clone())), "as a datagram");
            }
        }
    }
    assert_eq!(
        decode_whole::<M>(&bytes, limits, bytes.len()),
        expected,
        "at once"
    );
    assert_eq!(
        decode_whole::<M>(&bytes, limits, chunk),
        expected,
        "chunks of {chunk}"
    );
    assert_eq!(
        decode_parts::<M>(&bytes, limits, chunk),
        expected,
        "parts, chunks of {chunk}"
    );
}
