//! The steps that talk to the program: sends, reads and their checks.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use wire::{ClientMessage, Encode, PathArg, ServerMessage};

use super::conn::{Event, RawEnd, SendError, Sent};
use super::matching::{check, describe, observe, payload_bytes};
use super::raw_matching::render;
use super::run::{Run, StepError, Unmet};
use crate::outcome::{Expected, Observation};
use crate::scenario::{ConnId, Expect, ExpectRaw, PayloadSource, Send, SendData, SendItem, Split};

impl Run<'_> {
    pub(super) async fn send(&mut self, send: &Send) -> Result<(), StepError> {
        let once = self.bytes_of(&send.data)?;
        let bytes = if send.repeat > 1 {
            once.repeat(send.repeat as usize).into()
        } else {
            once
        };
        let chunks = cut(&bytes, &send.split);
        let deadline = self.deadline(send.timeout);
        self.conn(send.conn).await?;
        let name = self.name(send.conn).to_owned();
        self.transcript.sent(&name, &bytes);
        let result = self
            .conn(send.conn)
            .await?
            .send(&chunks, send.pause, deadline)
            .await;
        match result {
            Ok(Sent::All) => Ok(()),
            Ok(Sent::ClosedAfter(n)) => {
                self.transcript.note(
                    &name,
                    format!("the server closed the connection after {n} bytes of this send"),
                );
                Ok(())
            }
            Err(e) => Err(StepError::failed(Expected::Taken, send_failure(e), None)),
        }
    }

    pub(super) async fn half_close(&mut self, conn: ConnId) -> Result<(), StepError> {
        let result = self.conn(conn).await?.half_close().await;
        let name = self.name(conn).to_owned();
        self.transcript.note(&name, "half-closed (FIN sent)");
        result.map_err(|e| {
            StepError::failed(
                Expected::HalfClosed,
                Observation::HalfCloseFailed {
                    error: e.to_string(),
                },
                None,
            )
        })
    }

    pub(super) async fn expect(&mut self, expect: &Expect) -> Result<(), StepError> {
        for _ in 0..expect.repeat {
            let deadline = self.deadline(expect.timeout);
            let event = self.conn(expect.conn).await?.next_event(deadline).await;
            self.record(expect.conn, &event);
            match check(&expect.alternatives, &event, &mut self.vars, self.suite)? {
                Ok(()) => {}
                Err(mismatches) => {
                    let alternatives = expect
                        .alternatives
                        .iter()
                        .map(|a| describe(a, &self.vars))
                        .collect();
                    let (observed, received) = observe(&event);
                    return Err(StepError::Failed(Box::new(Unmet {
                        expected: Expected::OneOf { alternatives },
                        observed,
                        mismatches,
                        received,
                    })));
                }
            }
        }
        Ok(())
    }

    pub(super) async fn expect_raw(&mut self, raw: &ExpectRaw) -> Result<(), StepError> {
        let deadline = self.deadline(raw.timeout);
        let matcher = render(&raw.matcher, &self.vars, self.suite)?;
        let got = self
            .conn(raw.conn)
            .await?
            .read_raw(deadline, |b, closed| matcher.judge(b, closed))
            .await;
        let name = self.name(raw.conn).to_owned();
        let short = match got {
            Ok(bytes) => {
                self.transcript.received(&name, &bytes);
                return Ok(());
            }
            Err(short) => short,
        };
        if short.len > 0 {
            self.transcript.received(&name, &short.partial);
        }
        let len = short.len as u64;
        let observed = match short.end {
            RawEnd::Deadline => Observation::Short { len, closed: None },
            RawEnd::Closed(how) if !raw.matcher.until_close => Observation::Short {
                len,
                closed: Some(how),
            },
            RawEnd::Closed(_) | RawEnd::Mismatch => Observation::Bytes,
            RawEnd::Broken(why) => Observation::Broken { why },
        };
        if !matches!(observed, Observation::Bytes) {
            self.transcript.observed(&name, observed.clone());
        }
        Err(StepError::failed(
            matcher.expected(),
            observed,
            Some(short.partial),
        ))
    }

    pub(super) async fn barrier(
        &mut self,
        conn: ConnId,
        timeout: Duration,
    ) -> Result<(), StepError> {
        // A bare PING: a server that drops tokens fails PING-1 in its own scenario, not every
        // scenario that uses a barrier.
        let line = Bytes::from_static(b"PING\n");
        let deadline = self.deadline(timeout);
        self.conn(conn).await?;
        let name = self.name(conn).to_owned();
        self.transcript.sent(&name, &line);
        let c = self.conn(conn).await?;
        if let Err(e) = c.send(&[line], Duration::ZERO, deadline).await {
            let observed = send_failure(e);
            return Err(StepError::failed(Expected::Pong, observed, None));
        }
        // A close during the PING shows up as the next event.
        let event = c.next_event(deadline).await;
        self.record(conn, &event);
        match &event {
            Event::Message {
                message: ServerMessage::Pong(_),
                ..
            } => Ok(()),
            other => Err(StepError::on_event(Expected::Pong, other)),
        }
    }

    pub(super) async fn silence(
        &mut self,
        conn: ConnId,
        window: Duration,
    ) -> Result<(), StepError> {
        let deadline = self.deadline(window);
        let event = self.conn(conn).await?.next_event(deadline).await;
        match &event {
            Event::Timeout { len: 0, .. } => Ok(()),
            other => {
                self.record(conn, other);
                Err(StepError::on_event(
                    Expected::Silence {
                        window_ms: window.as_millis() as u64,
                    },
                    other,
                ))
            }
        }
    }

    /// The bytes a send step writes.
    fn bytes_of(&self, data: &SendData) -> Result<Bytes, StepError> {
        match data {
            SendData::Hex(b) => Ok(b.clone()),
            SendData::Raw(t) => Ok(t.render(&self.vars)?.into()),
            SendData::Messages(items) => {
                let mut out = BytesMut::new();
                for item in items {
                    self.encode(item, &mut out)?;
                }
                Ok(out.freeze())
            }
        }
    }

    fn encode(&self, item: &SendItem, out: &mut BytesMut) -> Result<(), StepError> {
        match item {
            SendItem::Line(t) => {
                out.extend_from_slice(&t.render(&self.vars)?);
                out.extend_from_slice(b"\n");
            }
            SendItem::Put { path, payload } => {
                let path = PathArg::new(path.render_text(&self.vars)?)
                    .map_err(|e| StepError::Harness(format!("invalid PUT path: {e}")))?;
                let payload = self.payload(payload)?;
                ClientMessage::Put { path, payload }.encode(out);
            }
            SendItem::Announced { line, payload } => {
                out.extend_from_slice(&line.render(&self.vars)?);
                out.extend_from_slice(b"\n");
                out.extend_from_slice(&self.payload(payload)?);
            }
        }
        Ok(())
    }

    fn payload(&self, source: &PayloadSource) -> Result<Bytes, StepError> {
        payload_bytes(source, &self.vars, self.suite)?
            .ok_or_else(|| StepError::Harness(format!("the payload source {source:?} is missing")))
    }
}

/// What a failed send observed.
fn send_failure(e: SendError) -> Observation {
    match e {
        SendError::NotTaken {
            taken,
            total,
            elapsed,
            idle,
        } => Observation::NotTaken {
            taken,
            total,
            elapsed_ms: elapsed.as_millis() as u64,
            idle_ms: idle.as_millis() as u64,
        },
        SendError::Failed { taken, error } => Observation::WriteFailed { taken, error },
    }
}

/// Cuts bytes into the writes of a split send.
fn cut(bytes: &Bytes, split: &Split) -> Vec<Bytes> {
    match split {
        Split::None => vec![bytes.clone()],
        Split::Bytes => (0..bytes.len()).map(|i| bytes.slice(i..i + 1)).collect(),
        Split::At(cuts) => {
            let mut out = Vec::new();
            let mut start = 0;
            for &c in cuts.iter().filter(|&&c| c > 0 && c < bytes.len()) {
                out.push(bytes.slice(start..c));
                start = c;
            }
            out.push(bytes.slice(start..));
            out
        }
    }
}
