//! Decoder behaviour in the tokio-util test style: several frames in one buffer, a malformed
//! line, recovery, the next frame; payloads in parts; datagrams.

use bytes::BytesMut;
use wire::{
    ClientMessage, DecodeError, Decoded, Decoder, Limits, MalformedKind, Missing, Part,
    PartDecoder, PutHeader, ServerMessage, decode_datagram,
};

fn client(limits: Limits) -> Decoder<ClientMessage> {
    Decoder::new(limits)
}

#[test]
fn frames_malformed_recover_next_frame_with_stream_offsets() {
    let mut d = client(Limits::default());
    let mut buf = BytesMut::from(&b"PING 1\nJUMP x\r\nHELLO  bob\nPING 2\n"[..]);
    assert!(matches!(
        d.decode(&mut buf),
        Ok(Some(Decoded::Message(ClientMessage::Ping(Some(_)))))
    ));
    let Ok(Some(Decoded::Malformed(m))) = d.decode(&mut buf) else {
        panic!("malformed expected")
    };
    assert_eq!(
        (m.offset, m.kind, &m.line[..]),
        (7, MalformedKind::UnknownVerb("JUMP".into()), &b"JUMP x"[..])
    );
    let Ok(Some(Decoded::Malformed(m))) = d.decode(&mut buf) else {
        panic!("malformed expected")
    };
    assert_eq!((m.offset, m.kind), (15 + 6, MalformedKind::UnexpectedSpace));
    assert_eq!(
        d.decode(&mut buf)
            .map(|o| o.map(|d| matches!(d, Decoded::Message(ClientMessage::Ping(_))))),
        Ok(Some(true))
    );
    assert_eq!(d.decode(&mut buf), Ok(None));
    assert_eq!(d.position(), 33);
}

#[test]
fn line_limit_is_enforced_before_the_line_ends() {
    let limits = Limits {
        max_line: 8,
        max_payload: 16,
    };
    let mut d = client(limits);
    let mut buf = BytesMut::from(&b"MSG 1234"[..]);
    assert_eq!(
        d.decode(&mut buf),
        Ok(None),
        "8 bytes: may still be a full line"
    );
    buf.extend_from_slice(b"\r");
    assert_eq!(d.decode(&mut buf), Ok(None), "a CR may still end it");
    buf.extend_from_slice(b"5");
    assert_eq!(
        d.decode(&mut buf),
        Err(DecodeError::LineTooLong {
            offset: 0,
            limit: 8
        })
    );
}

#[test]
fn payload_limit_is_enforced_when_the_line_is_read() {
    let mut d = client(Limits {
        max_line: 64,
        max_payload: 16,
    });
    let mut buf = BytesMut::from(&b"PUT a 17\n"[..]);
    assert_eq!(
        d.decode(&mut buf),
        Err(DecodeError::PayloadTooLarge {
            offset: 0,
            announced: 17,
            limit: 16
        })
    );
}

#[test]
fn payload_is_a_slice_of_the_input_not_a_copy() {
    let mut d = client(Limits::default());
    let mut buf = BytesMut::from(&b"PUT a 5\nhello"[..]);
    let start = buf.as_ptr() as usize;
    let Ok(Some(Decoded::Message(ClientMessage::Put { payload, .. }))) = d.decode(&mut buf) else {
        panic!("PUT expected")
    };
    assert_eq!(&payload[..], b"hello");
    assert_eq!(
        payload.as_ptr() as usize,
        start + 8,
        "payload points into the input buffer"
    );
}

#[test]
fn part_decoder_hands_out_payload_as_it_arrives() {
    let mut d = PartDecoder::<ClientMessage>::new(Limits::default());
    let mut buf = BytesMut::from(&b"PUT a.txt 10\nhel"[..]);
    let parts = |d: &mut PartDecoder<ClientMessage>, buf: &mut BytesMut| {
        std::iter::from_fn(|| d.decode(buf).expect("valid")).collect::<Vec<_>>()
    };
    let header = PutHeader {
        path: "a.txt".parse().expect("path"),
    };
    assert_eq!(
        parts(&mut d, &mut buf),
        vec![
            Decoded::Message(Part::PayloadStart { header, size: 10 }),
            Decoded::Message(Part::PayloadChunk("hel".into())),
        ]
    );
    assert_eq!(d.payload_remaining(), Some(7));
    buf.extend_from_slice(b"lo worlPING\n");
    assert_eq!(
        parts(&mut d, &mut buf),
        vec![
            Decoded::Message(Part::PayloadChunk("lo worl".into())),
            Decoded::Message(Part::PayloadEnd),
            Decoded::Message(Part::Message(ClientMessage::Ping(None))),
        ]
    );
    assert_eq!(&buf[..], b"", "nothing left");
}

#[test]
fn end_of_stream_inside_a_message_is_truncated() {
    let mut d = PartDecoder::<ServerMessage>::new(Limits::default());
    let mut buf = BytesMut::from(&b"OK\nFILE 4\nab"[..]);
    while d.decode(&mut buf).expect("valid so far").is_some() {}
    assert_eq!(
        d.decode_eof(&mut buf),
        Err(DecodeError::Truncated {
            offset: 3,
            missing: Missing::Payload {
                announced: 4,
                received: 2
            }
        })
    );
}

#[test]
fn datagrams_hold_one_message() {
    let one = decode_datagram::<ClientMessage>(b"MSG hi", Limits::default());
    assert!(matches!(one, Ok(Decoded::Message(ClientMessage::Msg(_)))));
    let two = decode_datagram::<ClientMessage>(b"MSG hi\nMSG again\n", Limits::default());
    assert!(
        matches!(two, Ok(Decoded::Malformed(m)) if m.kind == MalformedKind::TrailingBytes && m.offset == 7)
    );
    let empty = decode_datagram::<ClientMessage>(b"", Limits::default());
    assert!(matches!(empty, Ok(Decoded::Malformed(m)) if m.kind == MalformedKind::EmptyLine));
    let short = decode_datagram::<ClientMessage>(b"PUT a 9\nab", Limits::default());
    assert!(matches!(short, Err(DecodeError::Truncated { .. })));
}

/// UDP-15: a datagram ending in a CR without LF has no line end; the CR is a control character.
#[test]
fn a_datagram_ending_in_a_lone_cr_is_malformed() {
    let crlf = decode_datagram::<ClientMessage>(b"PING t\r\n", Limits::default());
    assert!(matches!(
        crlf,
        Ok(Decoded::Message(ClientMessage::Ping(Some(_))))
    ));
    let lone = decode_datagram::<ClientMessage>(b"PING t\r", Limits::default());
    assert!(
        matches!(&lone, Ok(Decoded::Malformed(m))
            if m.kind == MalformedKind::ControlCharacter(b'\r') && m.offset == 6 && &m.line[..] == b"PING t\r"),
        "{lone:?}"
    );
    // An earlier problem is reported first, as on a stream.
    let earlier = decode_datagram::<ClientMessage>(b"PING \xff\r", Limits::default());
    assert!(
        matches!(&earlier, Ok(Decoded::Malformed(m)) if m.kind == MalformedKind::InvalidUtf8 && m.offset == 5),
        "{earlier:?}"
    );
    let verb = decode_datagram::<ClientMessage>(b"HELLO\r", Limits::default());
    assert!(
        matches!(&verb, Ok(Decoded::Malformed(m)) if m.kind == MalformedKind::ControlCharacter(b'\r')),
        "{verb:?}"
    );
    // Too long first: every octet of the datagram is in its line.
    let limits = Limits {
        max_line: 8,
        max_payload: 8,
    };
    let long = decode_datagram::<ClientMessage>(b"PING 1234\r", limits);
    assert!(
        matches!(long, Err(DecodeError::LineTooLong { limit: 8, .. })),
        "{long:?}"
    );
    let fits = decode_datagram::<ClientMessage>(b"PING 123\r\n", limits);
    assert!(matches!(fits, Ok(Decoded::Message(_))), "{fits:?}");
}

#[cfg(feature = "codec")]
#[test]
fn tokio_util_codec_yields_malformed_as_items() {
    use tokio_util::codec::{Decoder as _, Encoder as _};
    let mut codec = wire::codec::MessageCodec(client(Limits::default()));
    let mut buf = BytesMut::from(&b"JUMP\nBYE\n"[..]);
    assert!(matches!(
        codec.decode(&mut buf),
        Ok(Some(Decoded::Malformed(_)))
    ));
    assert!(matches!(
        codec.decode(&mut buf),
        Ok(Some(Decoded::Message(ClientMessage::Bye(None))))
    ));
    let mut out = BytesMut::new();
    codec
        .encode(ServerMessage::Bye(None), &mut out)
        .expect("encodes");
    assert_eq!(&out[..], b"BYE\n");
}
