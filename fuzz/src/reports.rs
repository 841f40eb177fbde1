//! Run reports drawn from fuzz input, built from the public outcome types as the engine builds
//! them. What a graded program controls is arbitrary: the bytes it sent (received bytes,
//! transcripts, observed lines, field values), its output and how it ended, the reasons and
//! hints shown. What the loader validated keeps its form: ids are kebab-case, requirement IDs
//! are `WORD-N`, a failure comes with a `failed` status, counts come from `Summary::of`.

use arbitrary::{Result, Unstructured};
use bytes::Bytes;
use conformance::engine::RunOptions;
use conformance::outcome::{
    Excerpt, Expected, Manifest, Mismatch, Observation, OutputExcerpt, PartialCredit, Peer, Points,
    ProgramReport, RunReport, SCHEMA_VERSION, ScenarioReport, Status, StepFailure, Summary,
    Traffic, TranscriptEntry, Visibility,
};
use conformance::scenario::{CloseKind, Location};
use wire::{Field, ServerVerb};

fn string(u: &mut Unstructured<'_>) -> Result<String> {
    u.arbitrary()
}

fn bytes(u: &mut Unstructured<'_>) -> Result<Bytes> {
    let b: &[u8] = u.arbitrary()?;
    Ok(Bytes::copy_from_slice(b))
}

fn some<T>(
    u: &mut Unstructured<'_>,
    f: impl FnOnce(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Option<T>> {
    Ok(if u.arbitrary()? { Some(f(u)?) } else { None })
}

fn few<T>(
    u: &mut Unstructured<'_>,
    max: usize,
    mut f: impl FnMut(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| f(u)).collect()
}

/// A word of `alphabet`, 1 to 12 characters.
fn word(u: &mut Unstructured<'_>, alphabet: &[u8]) -> Result<String> {
    let n = u.int_in_range(1..=12)?;
    (0..n)
        .map(|_| Ok(char::from(*u.choose(alphabet)?)))
        .collect()
}

/// A kebab-case scenario id, as the loader accepts.
fn id(u: &mut Unstructured<'_>) -> Result<String> {
    let parts = few(u, 2, |u| word(u, b"abcdefghijklmnopqrstuvwxyz0123456789"))?;
    let first = word(u, b"abcdefghijklmnopqrstuvwxyz")?;
    Ok(std::iter::once(first)
        .chain(parts)
        .collect::<Vec<_>>()
        .join("-"))
}

/// A requirement ID, `WORD-N`.
fn requirement(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(format!(
        "{}-{}",
        word(u, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")?,
        u.int_in_range(1..=99u8)?
    ))
}

fn points(u: &mut Unstructured<'_>) -> Result<Points> {
    Ok(Points::new(u.arbitrary()?))
}

fn field(u: &mut Unstructured<'_>) -> Result<Field> {
    use Field as F;
    Ok(*u.choose(&[F::Name, F::Text, F::Path, F::Size, F::Token, F::Code])?)
}

fn verb(u: &mut Unstructured<'_>) -> Result<ServerVerb> {
    use ServerVerb as V;
    let verbs = [V::Welcome, V::Ok, V::From, V::File, V::Pong, V::Bye, V::Err];
    Ok(*u.choose(&verbs)?)
}

fn close(u: &mut Unstructured<'_>) -> Result<CloseKind> {
    Ok(*u.choose(&[CloseKind::Fin, CloseKind::Reset, CloseKind::Any])?)
}

fn location(u: &mut Unstructured<'_>) -> Result<Location> {
    Ok(Location {
        file: string(u)?.into(),
        line: u.arbitrary()?,
        column: u.arbitrary()?,
    })
}

/// What a step expected; `depth` bounds the nesting of `File`.
fn expected(u: &mut Unstructured<'_>, depth: u8) -> Result<Expected> {
    Ok(match u.int_in_range(0..=12u8)? {
        0 => Expected::OneOf {
            alternatives: few(u, 3, string)?,
        },
        1 => Expected::Raw {
            what: string(u)?,
            bytes: bytes(u)?,
            until_close: u.arbitrary()?,
            trim: u.arbitrary()?,
            ignore_case: u.arbitrary()?,
        },
        2 => Expected::Until {
            delimiter: bytes(u)?,
            pattern: some(u, string)?,
        },
        3 => Expected::Pong,
        4 => Expected::Silence {
            window_ms: u.arbitrary()?,
        },
        5 => Expected::Taken,
        6 => Expected::Connected {
            conn: string(u)?,
            addr: string(u)?,
        },
        7 => Expected::Accepted {
            conn: string(u)?,
            addr: string(u)?,
        },
        8 => Expected::HalfClosed,
        9 => Expected::Ready {
            port: u.arbitrary()?,
            what: string(u)?,
        },
        10 => Expected::StdinTaken,
        11 if depth > 0 => Expected::File {
            path: string(u)?,
            content: Box::new(expected(u, depth - 1)?),
        },
        _ => Expected::Exit {
            code: u.arbitrary()?,
        },
    })
}

/// What a step observed: every variant, with arbitrary content.
fn observation(u: &mut Unstructured<'_>) -> Result<Observation> {
    use Observation as O;
    Ok(match u.int_in_range(0..=20u8)? {
        0 => O::Message {
            line: string(u)?,
            payload: u.arbitrary()?,
        },
        1 => O::Malformed {
            why: string(u)?,
            offset: u.arbitrary()?,
        },
        2 => O::Closed { how: close(u)? },
        3 => O::Nothing,
        4 => O::Incomplete {
            len: u.arbitrary()?,
        },
        5 => O::PayloadCut {
            line: string(u)?,
            announced: u.arbitrary()?,
            arrived: u.arbitrary()?,
        },
        6 => O::Short {
            len: u.arbitrary()?,
            closed: some(u, close)?,
        },
        7 => O::NotReady { why: string(u)? },
        8 => O::Output {
            len: u.arbitrary()?,
            ended: u.arbitrary()?,
        },
        9 => O::StillRunning,
        10 => O::Exited { exit: string(u)? },
        11 => O::NoFile,
        12 => O::FileContent {
            len: u.arbitrary()?,
            want: u.arbitrary()?,
            differs_at: u.arbitrary()?,
        },
        13 => O::Broken { why: string(u)? },
        14 => O::Bytes,
        15 => O::NotTaken {
            taken: u.arbitrary()?,
            total: u.arbitrary()?,
            elapsed_ms: u.arbitrary()?,
            idle_ms: u.arbitrary()?,
        },
        16 => O::WriteFailed {
            taken: u.arbitrary()?,
            error: string(u)?,
        },
        17 => O::ConnectFailed { error: string(u)? },
        _ => O::HalfCloseFailed { error: string(u)? },
    })
}

fn mismatch(u: &mut Unstructured<'_>) -> Result<Mismatch> {
    use Mismatch as M;
    Ok(match u.int_in_range(0..=8u8)? {
        0 => M::Verb {
            got: verb(u)?,
            want: verb(u)?,
        },
        1 => M::FieldMissing { field: field(u)? },
        2 => M::FieldPresent {
            field: field(u)?,
            got: string(u)?,
        },
        3 => M::FieldDiffers {
            field: field(u)?,
            got: string(u)?,
            want: string(u)?,
        },
        4 => M::FieldPattern {
            field: field(u)?,
            got: string(u)?,
            pattern: string(u)?,
        },
        5 => M::PayloadSize {
            got: u.arbitrary()?,
            want: u.arbitrary()?,
        },
        6 => M::PayloadByte {
            offset: u.arbitrary()?,
            got: u.arbitrary()?,
            want: u.arbitrary()?,
        },
        7 => M::PayloadDigest {
            got: string(u)?,
            want: string(u)?,
        },
        _ => M::Close { got: close(u)? },
    })
}

fn transcript_entry(u: &mut Unstructured<'_>) -> Result<TranscriptEntry> {
    let traffic = match u.int_in_range(0..=3u8)? {
        0 => Traffic::Sent(Excerpt::of(u.arbitrary()?)),
        1 => Traffic::Received(Excerpt::of(u.arbitrary()?)),
        2 => Traffic::Observed {
            observation: observation(u)?,
        },
        _ => Traffic::Note { text: string(u)? },
    };
    Ok(TranscriptEntry {
        conn: string(u)?,
        traffic,
    })
}

fn failure(u: &mut Unstructured<'_>) -> Result<StepFailure> {
    let mut location = location(u)?;
    let source_line = string(u)?;
    // The step's column is a place in its source line (the loader's YAML position).
    location.column = u.int_in_range(1..=source_line.len() as u64 + 1)?;
    Ok(StepFailure {
        step: u.arbitrary()?,
        location,
        source_line,
        action: string(u)?,
        expected: expected(u, 2)?,
        observed: observation(u)?,
        mismatches: few(u, 3, mismatch)?,
        received: some(u, bytes)?,
        transcript: few(u, 8, transcript_entry)?,
        peer: if u.arbitrary()? {
            Peer::Client
        } else {
            Peer::Server
        },
    })
}

fn output(u: &mut Unstructured<'_>) -> Result<OutputExcerpt> {
    let (head, tail) = (bytes(u)?, bytes(u)?);
    let omitted: u32 = u.arbitrary()?;
    let total = (head.len() + tail.len()) as u64 + u64::from(omitted);
    Ok(OutputExcerpt {
        head,
        tail,
        omitted: u64::from(omitted),
        total,
    })
}

fn program(u: &mut Unstructured<'_>) -> Result<ProgramReport> {
    Ok(ProgramReport {
        name: string(u)?,
        command: string(u)?,
        exit: string(u)?,
        exited_by_itself: u.arbitrary()?,
        stdout: output(u)?,
        stderr: output(u)?,
    })
}

fn scenario(u: &mut Unstructured<'_>) -> Result<ScenarioReport> {
    use Status::*;
    let status = *u.choose(&[Passed, Failed, Error, Skipped, NotRun])?;
    let steps = u.int_in_range(1..=20usize)?;
    Ok(ScenarioReport {
        id: id(u)?,
        title: string(u)?,
        file: string(u)?,
        line: u.arbitrary()?,
        requirements: few(u, 3, requirement)?,
        tags: few(u, 2, |u| word(u, b"abcdefghijklmnopqrstuvwxyz-"))?,
        points: points(u)?,
        max_points: points(u)?,
        status,
        duration_ms: u.arbitrary()?,
        failure: if status == Failed {
            some(u, failure)?
        } else {
            None
        },
        reason: if status == Failed {
            None
        } else {
            some(u, string)?
        },
        hint: some(u, string)?,
        programs: few(u, 2, program)?,
        optional: u.arbitrary()?,
        visibility: *u.choose(&[
            Visibility::Visible,
            Visibility::Hidden,
            Visibility::AfterDueDate,
            Visibility::AfterPublished,
        ])?,
        bonus: u.arbitrary()?,
        partial: some(u, |u| {
            Ok(PartialCredit {
                checks_passed: u.int_in_range(0..=steps - 1)?,
                checks: steps,
            })
        })?,
        attempts: u.int_in_range(1..=3)?,
        flaky: u.arbitrary()?,
    })
}

/// A whole run's report.
pub fn run_report(u: &mut Unstructured<'_>) -> Result<RunReport> {
    let options = RunOptions {
        timeout_scale: u.arbitrary()?,
        seed: u.arbitrary()?,
        jobs: u.arbitrary()?,
        udp: u.arbitrary()?,
        filter: few(u, 2, string)?,
        tags: few(u, 2, string)?,
        slow: u.arbitrary()?,
        probe: None,
        vars: few(u, 2, |u| Ok((string(u)?, string(u)?)))?,
    };
    let manifest = Manifest {
        tool: "conformance".to_owned(),
        version: "0.1.0".to_owned(),
        suite: id(u)?,
        suite_title: string(u)?,
        suite_hash: string(u)?,
        target: string(u)?,
        seed: options.seed,
        options,
        started_at: string(u)?,
        duration_ms: u.arbitrary()?,
    };
    let scenarios = few(u, 6, scenario)?;
    Ok(RunReport {
        schema_version: SCHEMA_VERSION,
        manifest,
        unreachable: some(u, string)?,
        stopped: some(u, string)?,
        program: some(u, program)?,
        summary: Summary::of(&scenarios),
        scenarios,
    })
}
