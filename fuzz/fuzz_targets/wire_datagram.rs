//! `decode_datagram` on arbitrary datagrams, both sides: no panic; a message it returns encodes
//! back to itself; and the line end is optional (spec §10.1): a one-line datagram with no line
//! end decodes as it does with `LF` or `CR LF` added. Byte 0 picks the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use socket_lab_fuzz::stream::{self, Side};
use wire::{ClientMessage, Decoded, ServerMessage, decode_datagram};

fn check<M: Side>(datagram: &[u8], limits: wire::Limits) {
    let got = decode_datagram::<M>(datagram, limits);
    if let Ok(Decoded::Message(m)) = &got {
        stream::encodes_back(m, limits);
    }
    if datagram.contains(&b'\n') || datagram.ends_with(b"\r") {
        return;
    }
    for end in [&b"\n"[..], b"\r\n"] {
        let ended = [datagram, end].concat();
        assert_eq!(
            decode_datagram::<M>(&ended, limits),
            got,
            "with {end:?} added"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let [config, datagram @ ..] = data else {
        return;
    };
    let limits = socket_lab_fuzz::limits(*config);
    check::<ClientMessage>(datagram, limits);
    check::<ServerMessage>(datagram, limits);
});
