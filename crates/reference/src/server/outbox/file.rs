//! A `FILE` payload, from the open file to the socket, in constant memory.
//!
//! On Linux the kernel copies it with `sendfile(2)` straight from the page cache to the socket:
//! no user-space buffer, one system call per socket buffer's worth. Elsewhere, or when the file
//! system refuses `sendfile`, the file is read on a blocking thread into one buffer while the
//! other is written: two buffers whatever the file size.
//!
//! `sendfile` runs on the writer's task: a file not in the page cache makes it wait for the disk
//! there (the copying path waits on a blocking thread instead).

use std::io;
use std::time::Duration;

use tokio::io::AsyncWrite;
use tokio::net::tcp::OwnedWriteHalf;

use super::{WriteError, timed};
use crate::server::files::Download;

/// Buffer for copying a file to the socket where `sendfile` is not used.
const FILE_CHUNK: usize = 256 * 1024;

/// Where a writer writes: any byte sink, and the TCP socket behind it when there is one (for
/// `sendfile`).
pub(crate) trait Sink: AsyncWrite + Unpin {
    /// The socket to hand to `sendfile`, if this sink is one.
    fn socket(&self) -> Option<&tokio::net::TcpStream> {
        None
    }
}

impl Sink for OwnedWriteHalf {
    fn socket(&self) -> Option<&tokio::net::TcpStream> {
        Some(self.as_ref())
    }
}

/// Sends exactly `download.size` octets of the file to `out`.
pub(super) async fn send<W: Sink>(
    out: &mut W,
    download: Download,
    stall: Duration,
) -> Result<u64, WriteError> {
    let Download { file, size } = download;
    let mut sent = 0;
    #[cfg(target_os = "linux")]
    if let Some(socket) = out.socket() {
        sent = zero_copy(socket, &file, size, stall).await?;
    }
    if sent < size {
        // The file's position is where `sendfile` stopped.
        sent += copy(out, file, size - sent, stall)
            .await
            .map_err(|e| match e {
                WriteError::FileShrank { sent: s, .. } => WriteError::FileShrank {
                    sent: sent + s,
                    size,
                },
                other => other,
            })?;
    }
    Ok(sent)
}

/// `sendfile` from the file's position until `size` octets are sent; fewer only if the file
/// system does not support it (the rest is then copied).
#[cfg(target_os = "linux")]
async fn zero_copy(
    socket: &tokio::net::TcpStream,
    file: &std::fs::File,
    size: u64,
    stall: Duration,
) -> Result<u64, WriteError> {
    use tokio::io::Interest;
    let mut sent = 0u64;
    while sent < size {
        let want = usize::try_from(size - sent).map_or(1 << 30, |left| left.min(1 << 30));
        let result = timed(
            stall,
            socket.async_io(Interest::WRITABLE, || {
                rustix::fs::sendfile(socket, file, None, want).map_err(io::Error::from)
            }),
        )
        .await;
        match result {
            Ok(0) => return Err(WriteError::FileShrank { sent, size }),
            Ok(n) => sent += n as u64,
            // Not for this file system (nothing was sent by that call): copy instead.
            Err(WriteError::Io(e))
                if matches!(
                    rustix::io::Errno::from_io_error(&e),
                    Some(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS)
                ) =>
            {
                return Ok(sent);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

/// Copies exactly `size` octets from the file's position to `out`, reading the next chunk (on a
/// blocking thread, straight into the buffer) while the current one is written to the socket.
async fn copy<W: AsyncWrite + Unpin>(
    out: &mut W,
    file: std::fs::File,
    size: u64,
    stall: Duration,
) -> Result<u64, WriteError> {
    use tokio::io::AsyncWriteExt;
    let chunk =
        |done: u64| usize::try_from(size - done).map_or(FILE_CHUNK, |left| left.min(FILE_CHUNK));
    let (mut file, mut current, mut filled) =
        read_chunk(file, vec![0u8; FILE_CHUNK], chunk(0)).await?;
    let mut spare = vec![0u8; FILE_CHUNK];
    let mut sent = 0u64;
    while sent < size {
        if filled == 0 {
            return Err(WriteError::FileShrank { sent, size });
        }
        let after = sent + filled as u64;
        let (written, read) = tokio::join!(
            timed(stall, out.write_all(&current[..filled])),
            read_chunk(file, spare, chunk(after)),
        );
        written?;
        let (next_file, next, next_filled) = read?;
        sent = after;
        spare = std::mem::replace(&mut current, next);
        file = next_file;
        filled = next_filled;
    }
    Ok(sent)
}

/// Reads up to `want` octets into the front of `buf`, fewer only at the end of the file.
async fn read_chunk(
    mut file: std::fs::File,
    mut buf: Vec<u8>,
    want: usize,
) -> io::Result<(std::fs::File, Vec<u8>, usize)> {
    if want == 0 {
        return Ok((file, buf, 0));
    }
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut filled = 0;
        while filled < want {
            match file.read(&mut buf[filled..want]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((file, buf, filled))
    })
    .await
    .map_err(io::Error::other)?
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A sink without a socket: the copying path, as on systems without `sendfile`.
    impl Sink for Vec<u8> {}

    fn file_with(content: &[u8]) -> std::fs::File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(content).unwrap();
        use std::io::Seek;
        file.rewind().unwrap();
        file
    }

    #[tokio::test]
    async fn without_a_socket_the_file_is_copied_whole() {
        let content: Vec<u8> = (0..FILE_CHUNK * 2 + 17).map(|i| (i % 251) as u8).collect();
        let download = Download {
            file: file_with(&content),
            size: content.len() as u64,
        };
        let mut out = Vec::new();
        let sent = send(&mut out, download, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(sent, content.len() as u64);
        assert_eq!(out, content);
    }

    #[tokio::test]
    async fn a_file_shorter_than_announced_is_an_error() {
        let download = Download {
            file: file_with(b"12345"),
            size: 8,
        };
        let mut out = Vec::new();
        let result = send(&mut out, download, Duration::from_secs(5)).await;
        assert!(
            matches!(result, Err(WriteError::FileShrank { sent: 5, size: 8 })),
            "{result:?}"
        );
        assert_eq!(out, b"12345");
    }

    /// Through a TCP socket (`sendfile` on Linux): the bytes arrive whole, and a file shorter
    /// than announced is an error after what it had was sent.
    #[tokio::test]
    async fn through_a_socket_the_file_arrives_whole() {
        use tokio::io::AsyncReadExt;
        let content: Vec<u8> = (0..3 * 1024 * 1024 + 5).map(|i| (i % 253) as u8).collect();
        for (size, shrank) in [
            (content.len() as u64, false),
            (content.len() as u64 + 9, true),
        ] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let reader = tokio::spawn(async move {
                let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
                let mut got = Vec::new();
                client.read_to_end(&mut got).await.unwrap();
                got
            });
            let (stream, _) = listener.accept().await.unwrap();
            let (_input, mut output) = stream.into_split();
            let download = Download {
                file: file_with(&content),
                size,
            };
            let result = send(&mut output, download, Duration::from_secs(10)).await;
            drop(output);
            match result {
                Ok(sent) => assert!(!shrank && sent == size),
                Err(WriteError::FileShrank { sent, .. }) => {
                    assert!(shrank && sent == content.len() as u64);
                }
                Err(e) => panic!("{e}"),
            }
            let got = tokio::time::timeout(Duration::from_secs(10), reader)
                .await
                .unwrap()
                .unwrap();
            assert!(got == content, "the bytes arrive whole and in order");
        }
    }
}
