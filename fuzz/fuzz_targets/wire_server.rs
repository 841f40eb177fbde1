//! The server side's decoders (what a client, and the conformance runner, read) on arbitrary
//! bytes: `Decoder` and `PartDecoder`, at once and in chunks, must agree, never panic, and decode
//! only what encodes back to itself. Byte 0 picks the limits, byte 1 the chunk size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use socket_lab_fuzz::stream;
use wire::ServerMessage;

fuzz_target!(|data: &[u8]| stream::check::<ServerMessage>(data));
