//! The steps that talk to the program: sends, reads and their checks.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use wire::{ClientMessage, Encode, PathArg, ServerMessage};

use super::conn::{Event, Judged, RawEnd, SendError, Sent};
use super::matching::{check, describe, observe, payload_bytes};
use super::raw_matching::render;
use super::run::{Run, StepError, Unmet};
use crate::outcome::{Expected, Observation};
use crate::scenario::{
    ConnId, Expect, ExpectRaw, Expectation, PayloadSource, Protocol, Send, SendData, SendItem,
    Split,
};

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
                    format!(
                        "{} closed the connection after {n} bytes of this send",
                        self.peer()
                    ),
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

    /// What an expect step waited for, in the words of the failure report.
    fn one_of(&self, expect: &Expect) -> Expected {
        let peer = self.peer();
        let alternatives = expect
            .alternatives
            .iter()
            .map(|a| describe(a, &self.vars, peer))
            .collect();
        Expected::OneOf { alternatives }
    }

    pub(super) async fn expect(&mut self, expect: &Expect) -> Result<(), StepError> {
        // A raw program's bytes are not protocol lines: a close is awaited as raw bytes.
        let raw_close = self.suite.protocol == Protocol::Raw
            && expect
                .alternatives
                .iter()
                .all(|a| matches!(a, Expectation::Close(_)));
        for _ in 0..expect.repeat {
            let deadline = self.deadline(expect.timeout);
            let event = if raw_close {
                match self.raw_event(expect.conn, deadline).await? {
                    Ok(event) => event,
                    Err(unmet) => return Err(unmet.expecting(self.one_of(expect))),
                }
            } else {
                self.conn(expect.conn).await?.next_event(deadline).await
            };
            self.record(expect.conn, &event);
            match check(&expect.alternatives, &event, &mut self.vars, self.suite)? {
                Ok(()) => {}
                Err(mismatches) => {
                    let (observed, received) = observe(&event);
                    return Err(StepError::Failed(Box::new(Unmet {
                        expected: self.one_of(expect),
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
        let differs_at = matcher.differs_at(&short.all);
        let observed = match short.end {
            RawEnd::Deadline => Observation::Short { len, closed: None },
            RawEnd::Closed(how) if !raw.matcher.until_close => Observation::Short {
                len,
                closed: Some(how),
            },
            RawEnd::Closed(how) => Observation::RawBytes {
                len,
                differs_at,
                closed: Some(how),
            },
            RawEnd::Mismatch => Observation::RawBytes {
                len,
                differs_at,
                closed: short.closed,
            },
            RawEnd::Broken(why) => Observation::Broken { why },
        };
        if let Observation::Short { .. } | Observation::Broken { .. } = observed {
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
        let expected = Expected::Silence {
            window_ms: window.as_millis() as u64,
        };
        if self.suite.protocol == Protocol::Raw {
            return match self.raw_event(conn, deadline).await? {
                Ok(Event::Timeout { len: 0, .. }) => Ok(()),
                Ok(other) => {
                    self.record(conn, &other);
                    Err(StepError::on_event(expected, &other))
                }
                Err(unmet) => Err(unmet.expecting(expected)),
            };
        }
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

    /// What a raw program does next on `conn`, read as raw bytes until `deadline` or the close:
    /// nothing (a timeout event), a close with nothing before it (a close event), or bytes
    /// (recorded in the transcript, a failure awaiting its expectation).
    async fn raw_event(
        &mut self,
        conn: ConnId,
        deadline: tokio::time::Instant,
    ) -> Result<Result<Event, RawArrived>, StepError> {
        let got = self
            .conn(conn)
            .await?
            .read_raw(deadline, |_, _| Judged::More)
            .await;
        let short = match got {
            // Never: nothing is ever taken.
            Ok(_) => return Err(StepError::Harness("a raw read took bytes".to_owned())),
            Err(short) => short,
        };
        let closed = match short.end {
            RawEnd::Deadline if short.len == 0 => {
                return Ok(Ok(Event::Timeout {
                    partial: Bytes::new(),
                    len: 0,
                }));
            }
            RawEnd::Closed(how) if short.len == 0 => return Ok(Ok(Event::Closed(how))),
            RawEnd::Broken(why) if short.len == 0 => return Ok(Ok(Event::Broken(why))),
            RawEnd::Closed(how) => Some(how),
            RawEnd::Deadline | RawEnd::Mismatch | RawEnd::Broken(_) => None,
        };
        let name = self.name(conn).to_owned();
        self.transcript.received(&name, &short.partial);
        Ok(Err(RawArrived {
            observed: Observation::RawBytes {
                len: short.len as u64,
                differs_at: None,
                closed,
            },
            received: short.partial,
        }))
    }

    /// The bytes a send step writes.
    fn bytes_of(&self, data: &SendData) -> Result<Bytes, StepError> {
        match data {
            SendData::Hex(b) => Ok(b.clone()),
            SendData::File(f) => self
                .suite
                .file(f)
                .map(|file| file.content.clone())
                .ok_or_else(|| StepError::Harness(format!("the suite has no file `{f}`"))),
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

/// Raw bytes that arrived where a step expected none.
struct RawArrived {
    observed: Observation,
    received: Bytes,
}

impl RawArrived {
    fn expecting(self, expected: Expected) -> StepError {
        StepError::failed(expected, self.observed, Some(self.received))
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
