//! Properties of the decoder and encoder over generated messages and arbitrary bytes.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use wire::{
    ClientMessage, Decoded, Decoder, Encode, ErrorCode, Limits, Message, Name, Part, PartDecoder,
    PathArg, ServerMessage, Text, Token, decode_datagram,
};

// Values are built through the validating constructors, so every generated value is valid.
fn name() -> impl Strategy<Value = Name> {
    "[A-Za-z0-9_-]{1,32}".prop_map(|s| Name::new(s).expect("valid name"))
}
fn text() -> impl Strategy<Value = Text> {
    "[^\\x00-\\x20\\x7f][^\\x00-\\x1f\\x7f]{0,40}".prop_map(|s| Text::new(s).expect("valid text"))
}
fn token() -> impl Strategy<Value = Token> {
    "[!-~]{1,64}".prop_map(|s| Token::new(s).expect("valid token"))
}
fn path() -> impl Strategy<Value = PathArg> {
    "[^\\x00-\\x20\\x7f]{1,30}".prop_map(|s| PathArg::new(s).expect("valid path"))
}
fn payload() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..300).prop_map(Bytes::from)
}

fn client_message() -> impl Strategy<Value = ClientMessage> {
    prop_oneof![
        name().prop_map(ClientMessage::Hello),
        text().prop_map(ClientMessage::Msg),
        path().prop_map(ClientMessage::Get),
        (path(), payload()).prop_map(|(path, payload)| ClientMessage::Put { path, payload }),
        prop::option::of(token()).prop_map(ClientMessage::Ping),
        prop::option::of(text()).prop_map(ClientMessage::Bye),
    ]
}

fn server_message() -> impl Strategy<Value = ServerMessage> {
    prop_oneof![
        text().prop_map(ServerMessage::Welcome),
        prop::option::of(text()).prop_map(ServerMessage::Ok),
        (name(), text()).prop_map(|(name, text)| ServerMessage::From { name, text }),
        payload().prop_map(ServerMessage::File),
        prop::option::of(token()).prop_map(ServerMessage::Pong),
        prop::option::of(text()).prop_map(ServerMessage::Bye),
        ((100u16..600), text()).prop_map(|(c, text)| ServerMessage::Err {
            code: ErrorCode::new(c).expect("in range"),
            text
        }),
    ]
}

/// Feeds `bytes` in the given chunks, collecting every message; fails on anything else.
fn decode_in_chunks<M: Message>(bytes: &[u8], cuts: &[usize]) -> Vec<M> {
    let mut decoder = Decoder::<M>::new(Limits::default());
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&bytes.len())) {
        buf.extend_from_slice(&bytes[start..end]);
        start = end;
        while let Some(item) = decoder.decode(&mut buf).expect("valid stream") {
            match item {
                Decoded::Message(m) => out.push(m),
                Decoded::Malformed(m) => panic!("valid stream reported malformed: {m}"),
            }
        }
    }
    assert!(buf.is_empty(), "bytes left over");
    out
}

fn cuts(len: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..=len, 0..12).prop_map(|mut v| {
        v.sort_unstable();
        v
    })
}

fn encode_all<T: Encode>(messages: &[T]) -> Vec<u8> {
    messages.iter().flat_map(Encode::encode_to_vec).collect()
}

proptest! {
    #[test]
    fn client_messages_round_trip(m in client_message()) {
        prop_assert_eq!(decode_in_chunks::<ClientMessage>(&m.encode_to_vec(), &[]), vec![m]);
    }

    #[test]
    fn server_messages_round_trip(m in server_message()) {
        prop_assert_eq!(decode_in_chunks::<ServerMessage>(&m.encode_to_vec(), &[]), vec![m]);
    }

    #[test]
    fn any_split_of_a_client_stream_decodes_the_same(
        (messages, cuts) in prop::collection::vec(client_message(), 1..8)
            .prop_flat_map(|ms| { let n = encode_all(&ms).len(); (Just(ms), cuts(n)) })
    ) {
        prop_assert_eq!(decode_in_chunks::<ClientMessage>(&encode_all(&messages), &cuts), messages);
    }

    #[test]
    fn any_split_of_a_server_stream_decodes_the_same(
        (messages, cuts) in prop::collection::vec(server_message(), 1..8)
            .prop_flat_map(|ms| { let n = encode_all(&ms).len(); (Just(ms), cuts(n)) })
    ) {
        prop_assert_eq!(decode_in_chunks::<ServerMessage>(&encode_all(&messages), &cuts), messages);
    }

    #[test]
    fn every_strict_prefix_needs_more(m in client_message(), s in server_message()) {
        fn check<M: Message>(bytes: &[u8]) -> Result<(), TestCaseError> {
            for len in 0..bytes.len() {
                let mut decoder = Decoder::<M>::new(Limits::default());
                let mut buf = BytesMut::from(&bytes[..len]);
                prop_assert_eq!(decoder.decode(&mut buf), Ok(None), "prefix of {} bytes", len);
                let mut parts = PartDecoder::<M>::new(Limits::default());
                let mut buf = BytesMut::from(&bytes[..len]);
                // A part decoder may hand out the line and payload chunks, but never a whole message.
                while let Some(item) = parts.decode(&mut buf).expect("prefix is no error") {
                    let is_payload = matches!(
                        item,
                        Decoded::Message(Part::PayloadStart { .. } | Part::PayloadChunk(_))
                    );
                    prop_assert!(is_payload, "prefix of {} bytes gave {:?}", len, item);
                }
            }
            Ok(())
        }
        check::<ClientMessage>(&m.encode_to_vec())?;
        check::<ServerMessage>(&s.encode_to_vec())?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_nor_outgrow_the_limits(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        cuts in cuts(600),
    ) {
        let limits = Limits { max_line: 64, max_payload: 128 };
        fn feed<M: Message>(bytes: &[u8], cuts: &[usize], limits: Limits) -> Result<(), TestCaseError> {
            let mut whole = Decoder::<M>::new(limits);
            let mut parts = PartDecoder::<M>::new(limits);
            let (mut a, mut b) = (BytesMut::new(), BytesMut::new());
            let (mut a_done, mut b_done) = (false, false);
            let mut start = 0;
            for &end in cuts.iter().filter(|&&c| c <= bytes.len()).chain(std::iter::once(&bytes.len())) {
                let chunk = &bytes[start..end.max(start)];
                start = end.max(start);
                a.extend_from_slice(chunk);
                b.extend_from_slice(chunk);
                while !a_done {
                    match whole.decode(&mut a) {
                        Ok(Some(_)) => {}
                        Ok(None) => {
                            // Waiting with at most one line, or one payload within the limit.
                            let bound = (limits.max_line + 1).max(limits.max_payload as usize);
                            prop_assert!(a.len() <= bound, "decoder waits on {} bytes", a.len());
                            break;
                        }
                        Err(_) => a_done = true,
                    }
                }
                while !b_done {
                    match parts.decode(&mut b) {
                        Ok(Some(_)) => {}
                        Ok(None) => {
                            prop_assert!(b.len() <= limits.max_line + 1, "part decoder waits on {} bytes", b.len());
                            break;
                        }
                        Err(_) => b_done = true,
                    }
                }
            }
            let _ = decode_datagram::<M>(bytes, limits);
            Ok(())
        }
        feed::<ClientMessage>(&bytes, &cuts, limits)?;
        feed::<ServerMessage>(&bytes, &cuts, limits)?;
    }

    #[test]
    fn a_datagram_round_trips_with_or_without_its_line_feed(m in client_message()) {
        let bytes = m.encode_to_vec();
        prop_assert_eq!(decode_datagram::<ClientMessage>(&bytes, Limits::default()), Ok(Decoded::Message(m.clone())));
        if m.payload().is_none() {
            let bare = &bytes[..bytes.len() - 1];
            prop_assert_eq!(decode_datagram::<ClientMessage>(bare, Limits::default()), Ok(Decoded::Message(m)));
        }
    }
}
