//! Decodes every byte fixture of the spec's examples (`fixtures/wire/`) and re-encodes it.
//!
//! Run: `cargo run -p wire --example spec_examples`

use std::path::{Path, PathBuf};

use bytes::BytesMut;
use wire::escape::escape;
use wire::{ClientMessage, Decoded, Decoder, Encode, Limits, Message, ServerMessage};

fn show<M: Message + Encode>(input: &[u8]) -> String {
    let mut decoder = Decoder::<M>::new(Limits::default());
    let mut buf = BytesMut::from(input);
    let mut out = Vec::new();
    loop {
        match decoder.decode_eof(&mut buf) {
            Ok(Some(Decoded::Message(m))) => {
                out.push(format!("{m}  =>  {}", escape(&m.encode_to_vec())))
            }
            Ok(Some(Decoded::Malformed(m))) => out.push(format!("malformed: {m}")),
            Ok(None) => break,
            Err(e) => {
                out.push(format!("error: {e}"));
                break;
            }
        }
    }
    out.join("\n      ")
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "bin") {
            files.push(path);
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/wire");
    let mut files = Vec::new();
    walk(&root, &mut files)?;
    files.sort();
    for path in &files {
        let input = std::fs::read(path)?;
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let client_side = path.parent().is_some_and(|p| p.ends_with("client"));
        let decoded = if client_side {
            show::<ClientMessage>(&input)
        } else {
            show::<ServerMessage>(&input)
        };
        let shown = escape(&input);
        let shown = if shown.len() > 60 {
            format!("{}...", &shown[..57])
        } else {
            shown
        };
        println!("{rel}\n  in  {shown}\n  out {decoded}");
    }
    println!("\n{} fixtures decoded", files.len());
    Ok(())
}
