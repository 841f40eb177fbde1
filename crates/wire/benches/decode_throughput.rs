//! Decode throughput of a realistic mixed stream, beside a baseline measured in the same run.
//!
//! Two streams: "mixed", chat lines (`MSG`, 10 to 120 characters) and uploads (`PUT` with
//! payloads of 1 to 64 KiB), 90% chat lines by count, 32 MiB; and "chat only", 8 MiB of chat lines,
//! where the per-line grammar dominates. The baseline splits the same bytes on `\n` with memchr
//! and touches each line: a floor no line protocol decoder can beat.
//!
//! Run: `cargo bench -p wire --bench decode_throughput`

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use wire::{ClientMessage, Decoded, Decoder, Encode, Limits, Part, PartDecoder, PathArg, Text};

const ROUNDS: usize = 7;
const READ_SIZE: usize = 64 * 1024;

/// A deterministic pseudo-random stream (xorshift), so every run measures the same bytes.
/// One message in `upload_every` is a `PUT` (0: none).
fn stream(total: usize, upload_every: u64) -> (Vec<u8>, usize) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let words = [
        "hello", "socket", "lab", "world", "relay", "chat", "ok", "ping", "héllo", "✓",
    ];
    let mut out = BytesMut::with_capacity(total + 70_000);
    let mut messages = 0;
    while out.len() < total {
        let message = if upload_every > 0 && next(upload_every) == 0 {
            let size = 1024 + next(63 * 1024) as usize;
            let payload: Vec<u8> = (0..size).map(|i| (i as u8) ^ 0x5A).collect();
            let path = PathArg::new(format!("up/file-{messages}.bin")).expect("valid path");
            ClientMessage::Put {
                path,
                payload: payload.into(),
            }
        } else {
            let mut text = String::new();
            while text.len() < 10 + next(110) as usize {
                text += words[next(words.len() as u64) as usize];
                text.push(' ');
            }
            ClientMessage::Msg(Text::new(text).expect("valid text"))
        };
        message.encode(&mut out);
        messages += 1;
    }
    (out.to_vec(), messages)
}

/// Best and median of `ROUNDS` timed runs of `f`, which returns a count to check.
fn time(mut f: impl FnMut() -> usize, expected: usize) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            let n = black_box(f());
            let elapsed = start.elapsed();
            assert_eq!(n, expected, "a run counted the wrong number of items");
            elapsed
        })
        .collect();
    times.sort();
    (times[0], times[ROUNDS / 2])
}

/// Feeds `stream` in socket-sized reads, as a server would.
fn decode_whole(stream: &[u8]) -> usize {
    let mut decoder = Decoder::<ClientMessage>::new(Limits::default());
    let mut buf = BytesMut::with_capacity(READ_SIZE * 2);
    let mut count = 0;
    for read in stream.chunks(READ_SIZE) {
        buf.extend_from_slice(read);
        while let Some(item) = decoder.decode(&mut buf).expect("valid stream") {
            if let Decoded::Message(m) = item {
                black_box(&m);
                count += 1;
            }
        }
    }
    count
}

fn decode_parts(stream: &[u8]) -> usize {
    let mut decoder = PartDecoder::<ClientMessage>::new(Limits::default());
    let mut buf = BytesMut::with_capacity(READ_SIZE * 2);
    let mut count = 0;
    for read in stream.chunks(READ_SIZE) {
        buf.extend_from_slice(read);
        while let Some(item) = decoder.decode(&mut buf).expect("valid stream") {
            match item {
                Decoded::Message(Part::Message(_) | Part::PayloadEnd) => count += 1,
                other => {
                    black_box(&other);
                }
            }
        }
    }
    count
}

/// The baseline: split on LF with memchr, in the same reads, touching each line.
fn memchr_split(stream: &[u8]) -> usize {
    let mut buf = BytesMut::with_capacity(READ_SIZE * 2);
    let mut lines = 0;
    for read in stream.chunks(READ_SIZE) {
        buf.extend_from_slice(read);
        while let Some(lf) = memchr::memchr(b'\n', &buf) {
            black_box(buf.split_to(lf + 1).freeze());
            lines += 1;
        }
    }
    lines
}

fn report(title: &str, stream: &[u8], messages: usize) {
    let lines = memchr::memchr_iter(b'\n', stream).count();
    let mb = stream.len() as f64 / 1e6;
    println!(
        "\n{title}: {mb:.1} MB, {messages} messages, {lines} LF bytes; reads of {} KiB; best of {ROUNDS}",
        READ_SIZE / 1024
    );
    let (base, base_median) = time(|| memchr_split(stream), lines);
    let rows = [
        ("baseline: memchr LF split", base, lines),
        (
            "wire Decoder (whole messages)",
            time(|| decode_whole(stream), messages).0,
            messages,
        ),
        (
            "wire PartDecoder (payload chunks)",
            time(|| decode_parts(stream), messages).0,
            messages,
        ),
    ];
    println!(
        "{:<36} {:>8} {:>12} {:>12}",
        "", "MB/s", "items/s", "vs baseline"
    );
    for (name, best, items) in rows {
        let secs = best.as_secs_f64();
        println!(
            "{name:<36} {:>8.0} {:>12.0} {:>11.2}x",
            mb / secs,
            items as f64 / secs,
            base.as_secs_f64() / secs
        );
    }
    println!(
        "(baseline best {:.2} ms, median {:.2} ms)",
        base.as_secs_f64() * 1e3,
        base_median.as_secs_f64() * 1e3
    );
}

fn main() {
    let (mixed, n) = stream(32 * 1024 * 1024, 10);
    report("mixed", &mixed, n);
    let (chat, n) = stream(8 * 1024 * 1024, 0);
    report("chat only", &chat, n);
}
