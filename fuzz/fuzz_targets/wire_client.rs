//! The client side's decoders (what a server reads) on arbitrary bytes: `Decoder` and
//! `PartDecoder`, at once and in chunks, must agree, never panic, and decode only what encodes
//! back to itself. Byte 0 picks the limits, byte 1 the chunk size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use socket_lab_fuzz::stream;
use wire::ClientMessage;

fuzz_target!(|data: &[u8]| stream::check::<ClientMessage>(data));
