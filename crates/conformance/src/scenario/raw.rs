//! The YAML shapes, as serde reads them, with spans kept for diagnostics. `load` turns them into
//! the validated model; nothing else sees these types.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

/// `suite.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSuite {
    pub name: String,
    pub title: String,
    pub probe: Option<super::model::ProbeKind>,
    pub protocol: Option<super::model::Protocol>,
    pub program: Option<Spanned<RawProgram>>,
    #[serde(default)]
    pub exclusive: bool,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub files: Vec<Spanned<RawFile>>,
    #[serde(default)]
    pub addresses: Vec<Spanned<String>>,
}

/// `program:` in `suite.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProgram {
    pub role: Option<super::model::Role>,
    pub lifecycle: Option<super::model::Lifecycle>,
    pub ready: Option<super::model::Ready>,
    pub ready_timeout: Option<u64>,
    pub builtin: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// One fixture file: literal text, or deterministic random bytes of a size.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub path: String,
    pub text: Option<String>,
    pub random: Option<usize>,
    pub symlink: Option<String>,
}

/// One scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub id: Spanned<String>,
    pub title: String,
    pub requirements: Vec<Spanned<String>>,
    #[serde(default = "one")]
    pub points: u32,
    #[serde(default)]
    pub tags: Vec<String>,
    pub hint: Option<String>,
    #[serde(default)]
    pub exclusive: bool,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub visibility: super::model::Visibility,
    #[serde(default)]
    pub connections: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub vars: BTreeMap<String, Spanned<String>>,
    pub steps: Vec<Spanned<RawStep>>,
}

fn one() -> u32 {
    1
}

/// A step: exactly one action key, plus modifiers. A flat struct rather than an enum so that
/// `- send: ...` with sibling keys reads naturally and unknown keys are reported where they are.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    // Actions.
    pub connect: Option<Spanned<String>>,
    pub send: Option<Spanned<OneOrMany>>,
    pub send_raw: Option<Spanned<RawSendRaw>>,
    pub send_hex: Option<Spanned<String>>,
    pub half_close: Option<Spanned<String>>,
    pub reset: Option<Spanned<String>>,
    pub expect: Option<Spanned<String>>,
    pub expect_raw: Option<Spanned<RawBytesMatcher>>,
    pub expect_close: Option<Spanned<String>>,
    pub expect_one_of: Option<Spanned<Vec<Spanned<RawStep>>>>,
    pub expect_silence: Option<Spanned<u64>>,
    pub barrier: Option<Spanned<String>>,
    pub pause: Option<Spanned<u64>>,
    // Modifiers.
    pub on: Option<Spanned<String>>,
    pub payload: Option<Spanned<RawPayload>>,
    pub split: Option<Spanned<RawSplit>>,
    pub pause_between: Option<Spanned<u64>>,
    pub timeout: Option<Spanned<u64>>,
    pub repeat: Option<Spanned<u32>>,
    pub name: Option<Spanned<RawFieldMatcher>>,
    pub text: Option<Spanned<RawFieldMatcher>>,
    pub token: Option<Spanned<RawFieldMatcher>>,
    pub code: Option<Spanned<RawFieldMatcher>>,
    pub capture: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    pub hint: Option<Spanned<String>>,
    // The program's other channels.
    pub start: Option<Spanned<String>>,
    pub write_stdin: Option<Spanned<String>>,
    pub close_stdin: Option<Spanned<String>>,
    pub expect_stdout: Option<Spanned<RawBytesMatcher>>,
    pub expect_stderr: Option<Spanned<RawBytesMatcher>>,
    pub expect_exit: Option<Spanned<RawExit>>,
    pub expect_file: Option<Spanned<RawFileMatcher>>,
    pub program: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawExit {
    Code(i32),
    Word(String),
}

/// A file in the program's working folder, and how it must look.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFileMatcher {
    pub path: String,
    pub exact: Option<String>,
    pub contains: Option<String>,
    pub regex: Option<String>,
    pub size: Option<u64>,
    pub sha256: Option<String>,
    pub file: Option<String>,
    #[serde(default)]
    pub trim: bool,
    #[serde(default)]
    pub ignore_case: bool,
}

impl RawFileMatcher {
    /// The matcher part, as for bytes read whole.
    pub fn matcher(&self) -> RawBytesMatcher {
        RawBytesMatcher {
            exact: self.exact.clone(),
            contains: self.contains.clone(),
            regex: self.regex.clone(),
            until: None,
            size: self.size,
            sha256: self.sha256.clone(),
            file: self.file.clone(),
            until_close: true,
            trim: self.trim,
            ignore_case: self.ignore_case,
        }
    }
}

/// `send_raw`: bytes in the escaped notation, or `{ file: NAME }`, a file of the suite.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawSendRaw {
    Text(String),
    File(RawSendFile),
}

/// `send_raw: { file: NAME }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSendFile {
    pub file: String,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawSplit {
    Mode(String),
    At(Vec<usize>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPayload {
    pub text: Option<String>,
    pub var: Option<String>,
    pub file: Option<String>,
    pub size: Option<u64>,
    pub sha256: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawFieldMatcher {
    Number(u64),
    Exact(String),
    Map(RawMatcherMap),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMatcherMap {
    pub regex: Option<String>,
    pub any: Option<bool>,
    pub absent: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBytesMatcher {
    pub exact: Option<String>,
    pub contains: Option<String>,
    pub regex: Option<String>,
    pub until: Option<String>,
    pub size: Option<u64>,
    pub sha256: Option<String>,
    pub file: Option<String>,
    #[serde(default)]
    pub until_close: bool,
    #[serde(default)]
    pub trim: bool,
    #[serde(default)]
    pub ignore_case: bool,
}
