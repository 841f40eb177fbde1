//! Shared test helpers: a server on a free loopback port serving a temporary folder, and a raw
//! connection that reads server messages with the crate's [`MessageReader`], each read under a
//! deadline.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use reference::client::SERVER_LIMITS;
use reference::reader::{MessageReader, ReadError};
use reference::server::{self, Config, Handle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wire::codec::MessageCodec;
use wire::{Decoded, Decoder, ServerMessage};

/// The longest any single read may wait.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A server on `127.0.0.1:0` serving a fresh temporary folder.
pub struct TestServer {
    pub addr: SocketAddr,
    pub root: tempfile::TempDir,
    handle: Option<Handle>,
}

impl TestServer {
    /// Starts a server with the reference defaults changed by `tune`.
    pub async fn start(udp: bool, tune: impl FnOnce(&mut Config)) -> TestServer {
        let root = tempfile::tempdir().expect("temporary folder");
        let mut config = Config::new(root.path());
        tune(&mut config);
        let handle = server::spawn("127.0.0.1:0".parse().unwrap(), udp, config)
            .await
            .expect("server starts");
        TestServer {
            addr: handle.local_addr(),
            root,
            handle: Some(handle),
        }
    }

    /// A server with the reference defaults.
    pub async fn default() -> TestServer {
        TestServer::start(false, |_| {}).await
    }

    /// The served folder.
    pub fn dir(&self) -> &Path {
        self.root.path()
    }

    /// Shuts the server down and waits for it.
    pub async fn shutdown(&mut self) {
        if let Some(handle) = self.handle.take() {
            within(handle.shutdown()).await.expect("clean shutdown");
        }
    }

    /// Starts a graceful shutdown; the task ends when the server has stopped.
    pub fn stop_in_background(
        &mut self,
    ) -> tokio::task::JoinHandle<Result<(), reference::server::ServerError>> {
        let handle = self.handle.take().expect("server running");
        tokio::spawn(handle.shutdown())
    }

    /// A new raw connection.
    pub async fn connect(&self) -> Conn {
        Conn::connect(self.addr).await
    }

    /// A new connection introduced as `name`.
    pub async fn hello(&self, name: &str) -> Conn {
        let mut conn = self.connect().await;
        conn.send_line(&format!("HELLO {name}")).await;
        conn.expect(&format!("WELCOME hello {name}")).await;
        conn
    }

    /// Every file name under the root, recursively, relative, sorted.
    pub fn files(&self) -> Vec<String> {
        fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() && !path.is_symlink() {
                    walk(&path, base, out);
                } else {
                    out.push(path.strip_prefix(base).unwrap().display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(self.dir(), self.dir(), &mut out);
        out.sort();
        out
    }
}

/// Runs `f` under [`DEADLINE`], panicking when it is passed.
pub async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, f)
        .await
        .expect("deadline passed")
}

/// A raw TCP connection: bytes out, `wire`-decoded server messages in.
pub struct Conn {
    pub stream: TcpStream,
    reader: MessageReader<MessageCodec<ServerMessage>>,
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> Conn {
        let stream = within(TcpStream::connect(addr)).await.expect("connect");
        stream.set_nodelay(true).unwrap();
        Conn {
            stream,
            reader: MessageReader::new(MessageCodec(Decoder::new(SERVER_LIMITS))),
        }
    }

    /// Sends raw bytes.
    pub async fn send(&mut self, bytes: &[u8]) {
        within(self.stream.write_all(bytes)).await.expect("send");
    }

    /// Sends `line` and LF.
    pub async fn send_line(&mut self, line: &str) {
        self.send(format!("{line}\n").as_bytes()).await;
    }

    /// The next server message; panics on EOF, malformed input or deadline.
    pub async fn recv(&mut self) -> ServerMessage {
        self.try_recv().await.expect("a message, not EOF")
    }

    /// The next server message, or `None` at a clean EOF.
    pub async fn try_recv(&mut self) -> Option<ServerMessage> {
        match self.reader.next(&mut self.stream, Some(DEADLINE)).await {
            Ok(Some(Decoded::Message(m))) => Some(m),
            Ok(Some(Decoded::Malformed(m))) => panic!("malformed server line: {m}"),
            Ok(None) => None,
            // A reset ends the stream like a close.
            Err(ReadError::Io(_)) => {
                let rest = self.reader.buffered();
                assert!(rest.is_empty(), "EOF inside a message: {rest:?}");
                None
            }
            Err(ReadError::Decode(e)) => panic!("well-framed server output expected: {e}"),
            Err(ReadError::TimedOut(_)) => panic!("deadline passed"),
        }
    }

    /// Asserts that the next message's line is `line`.
    pub async fn expect(&mut self, line: &str) {
        assert_eq!(self.recv().await.to_string(), line);
    }

    /// Asserts that the next message is `ERR <code> ...`.
    pub async fn expect_err(&mut self, code: u16) -> String {
        match self.recv().await {
            ServerMessage::Err { code: c, text } if c.get() == code => text.to_string(),
            other => panic!("expected ERR {code}, got `{other}`"),
        }
    }

    /// Asserts that the server closes the connection (after any bytes already sent are read).
    pub async fn expect_eof(&mut self) {
        if let Some(m) = self.try_recv().await {
            panic!("expected EOF, got `{m}`");
        }
    }

    /// `PING <token>` then reads until its `PONG`, returning every message before it.
    pub async fn barrier(&mut self, token: &str) -> Vec<ServerMessage> {
        self.send_line(&format!("PING {token}")).await;
        let mut before = Vec::new();
        loop {
            let m = self.recv().await;
            if m.to_string() == format!("PONG {token}") {
                return before;
            }
            before.push(m);
        }
    }

    /// Reads raw bytes until EOF.
    pub async fn read_to_end(&mut self) -> Vec<u8> {
        let mut out = self.reader.take_buffered().to_vec();
        within(self.stream.read_to_end(&mut out))
            .await
            .expect("read");
        out
    }
}

/// `n` bytes of pseudo-random content.
pub fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut v = vec![0u8; n];
    rng.fill(&mut v);
    v
}
