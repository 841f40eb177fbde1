//! `PUT`: its payload arrives in chunks between the request line and its end, and goes
//! straight to a temporary file (PUT-1, PUT-3), or nowhere when the reply is already known
//! (PUT-4).

use tracing::{debug, info, warn};
use wire::{ErrorCode, PathArg, ServerMessage};

use super::Gone;
use super::session::Session;
use crate::server::files::Upload;
use crate::server::message::{HELLO_FIRST, text};

/// A `PUT` between its line and the end of its payload.
#[derive(Debug)]
pub(super) struct Put {
    path: PathArg,
    size: u64,
    sink: Sink,
}

/// Where the payload of a `PUT` goes: to disk, or nowhere because the reply is already known
/// (PUT-4: it is consumed all the same).
#[derive(Debug)]
enum Sink {
    Store(Upload),
    Refuse(ErrorCode, String),
}

impl Session {
    /// The line of a `PUT`: where its payload will go.
    pub(super) async fn on_put_start(&mut self, path: PathArg, size: u64) {
        let sink = if self.member.is_none() {
            Sink::Refuse(ErrorCode::HELLO_FIRST, HELLO_FIRST.into())
        } else {
            match self.shared.root.upload(path.as_str()).await {
                Ok(upload) => Sink::Store(upload),
                Err(e) => {
                    let (code, message) = self.file_error(&path, e);
                    Sink::Refuse(code, message)
                }
            }
        };
        debug!(conn = self.id, %path, size, "PUT started");
        self.put = Some(Put { path, size, sink });
    }

    /// Payload octets, in order.
    pub(super) async fn on_put_chunk(&mut self, chunk: &[u8]) {
        let Some(put) = &mut self.put else { return };
        let Sink::Store(upload) = &mut put.sink else {
            return;
        };
        if let Err(e) = upload.write(chunk).await {
            warn!(conn = self.id, path = %put.path, error = %e, "cannot store upload");
            // Dropping the upload removes its temporary file; the rest is discarded.
            put.sink = Sink::Refuse(ErrorCode::INTERNAL, format!("internal error: {e}"));
        }
    }

    /// Every payload octet has arrived: store the file and reply.
    pub(super) async fn on_put_end(&mut self) -> Result<(), Gone> {
        let Some(Put { path, size, sink }) = self.put.take() else {
            return Ok(());
        };
        let (code, message) = match sink {
            Sink::Store(upload) => match upload.commit().await {
                Ok(()) => {
                    info!(conn = self.id, %path, size, "PUT -> OK");
                    let ok = ServerMessage::Ok(Some(text(format!("stored {path}"))));
                    return self.send(&ok).await;
                }
                Err(e) => {
                    warn!(conn = self.id, %path, error = %e, "cannot store upload");
                    (ErrorCode::INTERNAL, format!("internal error: {e}"))
                }
            },
            Sink::Refuse(code, message) => (code, message),
        };
        info!(conn = self.id, %path, size, "PUT -> ERR {code}");
        self.err(code, message).await
    }
}
