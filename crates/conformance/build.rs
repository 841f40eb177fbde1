//! `src/suites.rs` embeds the repository's `conformance/` folder with `include_dir!`, which only
//! tells Cargo about the files it read: a file added or removed there would leave a stale binary.
//! Watching the folder makes Cargo rebuild the crate then.

fn main() {
    println!("cargo::rerun-if-changed=../../conformance");
}
