//! Raw matchers made concrete for one step (variables rendered, regexes compiled, files looked
//! up), then judging the bytes gathered so far.

use bytes::Bytes;
use regex::bytes::Regex;
use sha2::{Digest, Sha256};

use super::conn::Judged;
use super::run::StepError;
use super::vars::Vars;
use crate::outcome::Expected;
use crate::scenario::{RawMatcher, RawPattern, Suite};

/// A raw matcher ready to judge bytes.
#[derive(Debug)]
pub struct Rendered {
    pattern: Concrete,
    until_close: bool,
    trim: bool,
    ignore_case: bool,
}

#[derive(Debug)]
enum Concrete {
    Exact(Bytes),
    Contains(Bytes),
    Regex(Regex),
    Until {
        delimiter: Bytes,
        regex: Option<regex::Regex>,
    },
    Size(u64),
    Sha256(String),
    File(String, Bytes),
    Any,
}

/// Renders `m` with the scenario's variables and the suite's files.
pub fn render(m: &RawMatcher, vars: &Vars, suite: &Suite) -> Result<Rendered, StepError> {
    let pattern = match &m.pattern {
        RawPattern::Exact(t) => Concrete::Exact(t.render(vars)?.into()),
        RawPattern::Contains(t) => Concrete::Contains(t.render(vars)?.into()),
        RawPattern::Regex(t) => {
            let text = regex_text(t, vars)?;
            let text = if m.ignore_case {
                format!("(?i){text}")
            } else {
                text
            };
            Concrete::Regex(
                Regex::new(&text).map_err(|e| StepError::Harness(format!("invalid regex: {e}")))?,
            )
        }
        RawPattern::Until { delimiter, regex } => Concrete::Until {
            delimiter: Bytes::copy_from_slice(delimiter),
            regex: regex.clone(),
        },
        RawPattern::Size(n) => Concrete::Size(*n),
        RawPattern::Sha256(h) => Concrete::Sha256(h.clone()),
        RawPattern::File(f) => {
            let file = suite
                .file(f)
                .ok_or_else(|| StepError::Harness(format!("the suite has no file `{f}`")))?;
            Concrete::File(f.clone(), file.content.clone())
        }
        RawPattern::Any => Concrete::Any,
    };
    Ok(Rendered {
        pattern,
        until_close: m.until_close,
        trim: m.trim,
        ignore_case: m.ignore_case,
    })
}

/// A regex template's text: a variable stands for its value literally (a greeting with `!` or
/// `.` in it matches itself).
fn regex_text(
    t: &crate::scenario::Template,
    vars: &Vars,
) -> Result<String, crate::scenario::UnsetVar> {
    use crate::scenario::{Segment, UnsetVar, VarSource};
    let mut out = String::new();
    for s in &t.segments {
        match s {
            Segment::Literal(b) => out.push_str(&String::from_utf8_lossy(b)),
            Segment::Var(v) => {
                let value = vars.value(v).ok_or_else(|| UnsetVar(v.clone()))?;
                out.push_str(&regex::escape(&String::from_utf8_lossy(value)));
            }
        }
    }
    Ok(out)
}

fn trimmed(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

impl Rendered {
    /// What the step expects, for the report.
    pub fn expected(&self) -> Expected {
        let (what, bytes) = match &self.pattern {
            Concrete::Exact(b) => ("exactly", b.clone()),
            Concrete::Contains(b) => ("containing", b.clone()),
            Concrete::Regex(r) => ("matching", Bytes::from(r.as_str().to_owned())),
            Concrete::Until { delimiter, regex } => {
                return Expected::Until {
                    delimiter: delimiter.clone(),
                    pattern: regex
                        .as_ref()
                        .map(|r| super::matching::pattern(r).to_owned()),
                };
            }
            Concrete::Size(n) => ("of size", Bytes::from(n.to_string())),
            Concrete::Sha256(h) => ("with SHA-256", Bytes::from(h.clone())),
            Concrete::File(f, _) => ("equal to the file", Bytes::from(f.clone())),
            Concrete::Any => ("anything", Bytes::new()),
        };
        Expected::Raw {
            what: what.to_owned(),
            bytes,
            until_close: self.until_close,
            trim: self.trim,
            ignore_case: self.ignore_case,
        }
    }

    /// How many bytes are expected, when that is known (exact bytes without options, a
    /// suite file, a size).
    pub fn expected_len(&self) -> Option<u64> {
        match &self.pattern {
            Concrete::Exact(w) | Concrete::File(_, w) if !self.trim && !self.ignore_case => {
                Some(w.len() as u64)
            }
            Concrete::Size(n) => Some(*n),
            _ => None,
        }
    }

    /// Where `bytes` first differ from exact expected bytes (the end of the shorter when one
    /// starts the other); `None` when they are equal or were not compared byte by byte.
    pub fn differs_at(&self, bytes: &[u8]) -> Option<u64> {
        let want = match &self.pattern {
            Concrete::Exact(w) | Concrete::File(_, w) if !self.trim && !self.ignore_case => w,
            _ => return None,
        };
        let same = want.iter().zip(bytes).take_while(|(a, b)| a == b).count();
        (same < want.len().max(bytes.len())).then_some(same as u64)
    }

    /// Judges the bytes gathered so far; `closed`: no more will come.
    pub fn judge(&self, bytes: &[u8], closed: bool) -> Judged {
        if self.until_close {
            if !closed {
                return Judged::More;
            }
            return if self.whole(bytes) {
                Judged::Take(bytes.len())
            } else {
                Judged::Mismatch
            };
        }
        self.prefix(bytes)
    }

    /// Whether all of `bytes` match (read until the close).
    fn whole(&self, bytes: &[u8]) -> bool {
        match &self.pattern {
            Concrete::Sha256(h) => {
                let got: String = Sha256::digest(bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                got == *h
            }
            Concrete::Size(n) => bytes.len() as u64 == *n,
            Concrete::Any => true,
            _ => {
                matches!(self.prefix(bytes), Judged::Take(n) if n == bytes.len() || !self.exact_like())
            }
        }
    }

    fn exact_like(&self) -> bool {
        matches!(self.pattern, Concrete::Exact(_) | Concrete::File(..))
    }

    /// How many of the first bytes match, as they arrive.
    fn prefix(&self, bytes: &[u8]) -> Judged {
        match &self.pattern {
            Concrete::Exact(want) | Concrete::File(_, want) => self.exact(bytes, want),
            Concrete::Contains(want) => {
                let (hay, needle) = (self.fold(bytes), self.fold(want));
                match find(&hay, &needle) {
                    Some(i) => Judged::Take(i + needle.len()),
                    None => Judged::More,
                }
            }
            Concrete::Regex(r) => match r.find(bytes) {
                Some(m) => Judged::Take(m.end()),
                None => Judged::More,
            },
            Concrete::Until { delimiter, regex } => match find(bytes, delimiter) {
                None => Judged::More,
                Some(i) => {
                    let n = i + delimiter.len();
                    match regex {
                        Some(r) if !r.is_match(&String::from_utf8_lossy(&bytes[..n])) => {
                            Judged::Mismatch
                        }
                        _ => Judged::Take(n),
                    }
                }
            },
            Concrete::Size(n) => {
                let n = usize::try_from(*n).unwrap_or(usize::MAX);
                if bytes.len() >= n {
                    Judged::Take(n)
                } else {
                    Judged::More
                }
            }
            Concrete::Sha256(_) | Concrete::Any => Judged::More,
        }
    }

    /// Exact bytes: judged at once without options; with `trim` or `ignore_case`, whenever the
    /// bytes so far, compared that way, equal what is wanted.
    fn exact(&self, bytes: &[u8], want: &[u8]) -> Judged {
        if !self.trim && !self.ignore_case {
            if bytes.len() < want.len() {
                return if want.starts_with(bytes) {
                    Judged::More
                } else {
                    Judged::Mismatch
                };
            }
            return if bytes[..want.len()] == *want {
                Judged::Take(want.len())
            } else {
                Judged::Mismatch
            };
        }
        let (got, want) = (self.fold(bytes), self.fold(want));
        let (got, want) = if self.trim {
            (trimmed(&got), trimmed(&want))
        } else {
            (&got[..], &want[..])
        };
        if got == want {
            Judged::Take(bytes.len())
        } else {
            Judged::More
        }
    }

    /// Bytes compared the way the options say (ASCII case folded).
    fn fold(&self, b: &[u8]) -> Vec<u8> {
        if self.ignore_case {
            b.to_ascii_lowercase()
        } else {
            b.to_vec()
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
