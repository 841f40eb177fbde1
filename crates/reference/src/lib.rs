//! The socket-lab/1 reference implementation: a tokio server and client.
//!
//! - [`server`]: [`server::run`] serves a listener the caller bound, until a shutdown future
//!   resolves; [`server::spawn`] does the binding and runs it in a background task.
//! - [`client`]: a typed async client over TCP ([`client::Client`]) and UDP
//!   ([`client::UdpClient`]).
//! - [`cli`]: the `reference` command (`serve`, `hello`, `get`, `put`, `ping`, `chat`).
//! - [`labs`]: the reference implementations of the classic socket labs, server and client.
//! - [`reader`]: the one read loop for byte streams of `wire` messages, shared by the server,
//!   the client, the load bench and the tests.
//!
//! Every byte on the wire is decoded and encoded by the `wire` crate; this crate adds sockets,
//! files and policy. The protocol is `spec/protocol.md`; requirement IDs (CHAT-3, PUT-4...) in
//! comments point into it.

#![warn(missing_docs)]

pub mod cli;
pub mod client;
mod config;
pub mod labs;
mod progress;
pub mod reader;
pub mod server;

pub use config::Config;
