//! One snapshot per byte fixture under `fixtures/wire/`: what the decoder makes of the stream,
//! and the exact bytes each decoded message encodes back to.

use std::path::Path;

use bytes::BytesMut;
use wire::escape::escape;
use wire::{ClientMessage, Decoded, Decoder, Encode, Limits, Message, ServerMessage};

/// Decodes a whole stream, closed after its last byte, into a readable report.
fn report<M: Message + Encode>(input: &[u8]) -> (String, Vec<u8>, bool) {
    let mut decoder = Decoder::<M>::new(Limits::default());
    let mut buf = BytesMut::from(input);
    let mut out = String::new();
    let mut reencoded = Vec::new();
    let mut clean = true;
    loop {
        match decoder.decode_eof(&mut buf) {
            Ok(Some(Decoded::Message(m))) => {
                let bytes = m.encode_to_vec();
                out += &format!("message {m:?}\n  encodes to {}\n", escape(&bytes));
                reencoded.extend_from_slice(&bytes);
            }
            Ok(Some(Decoded::Malformed(m))) => {
                clean = false;
                out += &format!(
                    "malformed: {m}\n  kind {:?}\n  line {}\n",
                    m.kind,
                    escape(&m.line)
                );
            }
            Ok(None) => break,
            Err(e) => {
                clean = false;
                out += &format!("error: {e}\n  {e:?}\n");
                break;
            }
        }
    }
    (out, reencoded, clean)
}

fn side_of(path: &Path) -> &'static str {
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str());
    match parent {
        Some("client") => "client",
        Some("server") => "server",
        other => panic!(
            "fixture {} is in {other:?}, not client/ or server/",
            path.display()
        ),
    }
}

#[test]
fn every_fixture_decodes_as_snapshotted() {
    insta::glob!("../../../fixtures/wire", "**/*.bin", |path| {
        let input = std::fs::read(path).expect("fixture readable");
        let (text, reencoded, clean) = match side_of(path) {
            "client" => report::<ClientMessage>(&input),
            _ => report::<ServerMessage>(&input),
        };
        let invalid = path.components().any(|c| c.as_os_str() == "invalid");
        if invalid {
            assert!(
                !clean,
                "{}: invalid fixture decoded cleanly",
                path.display()
            );
        } else {
            assert!(
                clean,
                "{}: valid fixture did not decode:\n{text}",
                path.display()
            );
            // Canonical form is LF-only: only a CRLF fixture may differ, by its CRs.
            let canonical: Vec<u8> = if input.windows(2).any(|w| w == b"\r\n") {
                String::from_utf8_lossy(&input)
                    .replace("\r\n", "\n")
                    .into_bytes()
            } else {
                input.clone()
            };
            assert_eq!(escape(&reencoded), escape(&canonical), "{}", path.display());
        }
        let mut shown = escape(&input);
        if shown.len() > 120 {
            shown = format!("{}... ({} bytes)", &shown[..100], input.len());
        }
        insta::with_settings!({ description => shown, omit_expression => true }, {
            insta::assert_snapshot!(text);
        });
    });
}
