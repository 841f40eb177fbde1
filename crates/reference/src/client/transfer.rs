//! Streamed file transfers of a [`Client`]: `GET` into any writer, `PUT` from any reader, a
//! chunk at a time.

use std::io;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use wire::{ClientMessage, ErrorCode, Part, PathArg, PutHeader, ServerMessage, Text};

use super::Client;
use super::error::{ClientError, refused, unexpected};
use super::inbox::interrupted;

/// Upload chunk size.
const WRITE_CHUNK: usize = 64 * 1024;

impl Client {
    /// `GET <path>`: streams the file into `out` and returns its size. `progress` is called
    /// with the octets received so far: 0 once the `FILE` line is read, then after each chunk.
    pub async fn get<W: AsyncWrite + Unpin>(
        &mut self,
        path: &PathArg,
        out: &mut W,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, ClientError> {
        self.get_with_size(path, out, &mut |_| {}, progress).await
    }

    /// Like [`Client::get`], also calling `on_size` with the announced size before any payload.
    pub async fn get_with_size<W: AsyncWrite + Unpin>(
        &mut self,
        path: &PathArg,
        out: &mut W,
        on_size: &mut dyn FnMut(u64),
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, ClientError> {
        self.send(&ClientMessage::Get(path.clone())).await?;
        let size = match self.inbox.next_reply().await? {
            Part::PayloadStart { size, .. } => size,
            Part::Message(ServerMessage::Err { code, text }) => return Err(refused(code, text)),
            Part::Message(other) => return Err(unexpected("FILE", &other)),
            _ => return Err(ClientError::Protocol("payload without a FILE line".into())),
        };
        if size > self.max_file {
            return Err(ClientError::TooLarge {
                size,
                limit: self.max_file,
            });
        }
        on_size(size);
        progress(0);
        let mut received = 0u64;
        loop {
            match self.inbox.next_part().await? {
                Part::PayloadChunk(chunk) => {
                    out.write_all(&chunk).await.map_err(ClientError::Local)?;
                    received += chunk.len() as u64;
                    progress(received);
                }
                Part::PayloadEnd => break,
                _ => return Err(interrupted()),
            }
        }
        out.flush().await.map_err(ClientError::Local)?;
        Ok(size)
    }

    /// `PUT <path> <size>`: sends exactly `size` octets read from `input` (PUT-8) and returns
    /// the `OK` text. Replies that come before the payload is sent (for example `ERR 413`) are
    /// read while sending. `progress` is called with the octets sent so far.
    pub async fn put<R: AsyncRead + Unpin>(
        &mut self,
        path: &PathArg,
        size: u64,
        input: &mut R,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Option<Text>, ClientError> {
        let Client { inbox, output, .. } = self;
        let mut line = BytesMut::new();
        PutHeader { path: path.clone() }.encode(size, &mut line);
        let upload = send_payload(output, line, size, input, progress);
        let reply = inbox.reply();
        tokio::pin!(upload, reply);
        let reply = tokio::select! {
            sent = &mut upload => match sent {
                Ok(()) => reply.await,
                // The server may have replied and closed (ERR 413): prefer its reason.
                Err(ClientError::Io(e)) => match reply.await {
                    Err(refusal @ ClientError::Refused { .. }) => return Err(refusal),
                    _ => return Err(ClientError::Io(e)),
                },
                Err(e) => return Err(e),
            },
            early = &mut reply => {
                match &early {
                    // The server closes after 413: sending the rest is pointless.
                    Err(ClientError::Refused { code, .. }) if *code == ErrorCode::TOO_LARGE => {}
                    // The connection is gone.
                    Err(ClientError::Closed | ClientError::Io(_) | ClientError::Busy(_)) => {}
                    // Otherwise the payload is still owed, whatever the reply (PUT-4).
                    _ => upload.await?,
                }
                early
            }
        }?;
        match reply {
            ServerMessage::Ok(text) => Ok(text),
            other => Err(unexpected("OK", &other)),
        }
    }
}

/// Writes the `PUT` line, then exactly `size` octets of `input`.
async fn send_payload<R: AsyncRead + Unpin>(
    output: &mut OwnedWriteHalf,
    line: BytesMut,
    size: u64,
    input: &mut R,
    progress: &mut dyn FnMut(u64),
) -> Result<(), ClientError> {
    output.write_all(&line).await.map_err(ClientError::Io)?;
    let mut buf = vec![0u8; WRITE_CHUNK];
    let mut sent = 0u64;
    progress(0);
    while sent < size {
        let want = usize::try_from(size - sent).map_or(WRITE_CHUNK, |left| left.min(WRITE_CHUNK));
        let n = input
            .read(&mut buf[..want])
            .await
            .map_err(ClientError::Local)?;
        if n == 0 {
            // The announced octets cannot all be sent: the connection is no longer framed.
            return Err(ClientError::Local(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("input ended after {sent} of the {size} bytes announced"),
            )));
        }
        output.write_all(&buf[..n]).await.map_err(ClientError::Io)?;
        sent += n as u64;
        progress(sent);
    }
    Ok(())
}
