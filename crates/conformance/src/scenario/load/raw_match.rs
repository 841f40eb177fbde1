//! Raw matchers (`expect_raw`, and the program's output): one pattern, how long to read, and
//! how to compare.

use serde_saphyr::{Location as YamlLocation, Spanned};

use super::diagnostics::Diagnostics;
use super::scenario::Scope;
use super::values::{regex, template};
use crate::scenario::model::{RawMatcher, RawPattern, Template};
use crate::scenario::raw::RawBytesMatcher;

const FORMS: &str = "one of `exact`, `contains`, `regex`, `until` (with an optional `regex`), `size`, \
`sha256` or `file`; `until_close: true` alone accepts anything before the close";

/// Checks a raw matcher; `udp`: it reads datagrams, one at a time.
pub(super) fn raw_matcher(
    d: &mut Diagnostics<'_>,
    scope: &Scope<'_>,
    raw: &Spanned<RawBytesMatcher>,
    key: &str,
    udp: bool,
) -> Option<RawMatcher> {
    let v = &raw.value;
    let at = &raw.referenced;
    let pattern = pattern(d, scope, v, at, key)?;
    let matcher = RawMatcher {
        pattern,
        until_close: v.until_close,
        trim: v.trim,
        ignore_case: v.ignore_case,
    };
    check_combination(d, &matcher, at, key, udp).then_some(matcher)
}

fn pattern(
    d: &mut Diagnostics<'_>,
    scope: &Scope<'_>,
    v: &RawBytesMatcher,
    at: &YamlLocation,
    key: &str,
) -> Option<RawPattern> {
    let given = [
        v.exact.is_some(),
        v.contains.is_some(),
        v.regex.is_some() && v.until.is_none(),
        v.until.is_some(),
        v.size.is_some(),
        v.sha256.is_some(),
        v.file.is_some(),
    ];
    match given.iter().filter(|g| **g).count() {
        0 if v.until_close => return Some(RawPattern::Any),
        1 => {}
        _ => {
            d.error(at, format!("`{key}` takes {FORMS}"), key, None);
            return None;
        }
    }
    Some(if let Some(e) = &v.exact {
        RawPattern::Exact(template(d, scope, e, true, at, key)?)
    } else if let Some(c) = &v.contains {
        RawPattern::Contains(template(d, scope, c, true, at, key)?)
    } else if let Some(delim) = &v.until {
        until(d, delim, v.regex.as_deref(), at, key)?
    } else if let Some(r) = &v.regex {
        RawPattern::Regex(search_regex(d, scope, r, at, key)?)
    } else if let Some(n) = v.size {
        RawPattern::Size(n)
    } else if let Some(h) = &v.sha256 {
        RawPattern::Sha256(h.to_ascii_lowercase())
    } else {
        let f = v.file.clone().unwrap_or_default();
        if !scope.files.iter().any(|sf| sf.path == f) {
            d.error(
                at,
                format!("`{f}` is not a file of this suite"),
                key,
                Some("files are declared in suite.yaml"),
            );
        }
        RawPattern::File(f)
    })
}

fn until(
    d: &mut Diagnostics<'_>,
    delim: &str,
    pattern: Option<&str>,
    at: &YamlLocation,
    key: &str,
) -> Option<RawPattern> {
    let regex = match pattern {
        Some(r) => Some(regex(d, r, at)?),
        None => None,
    };
    match wire::escape::unescape(delim) {
        Ok(delimiter) => Some(RawPattern::Until { delimiter, regex }),
        Err(e) => {
            d.error(
                at,
                format!("bad escape in `{key}`: {e}"),
                key,
                Some("escapes are \\n, \\r, \\\\ and \\xHH"),
            );
            None
        }
    }
}

/// A regex searched for anywhere in the bytes; its text may hold `${var}` references, so it is
/// checked now with each variable standing for a plain word.
fn search_regex(
    d: &mut Diagnostics<'_>,
    scope: &Scope<'_>,
    pattern: &str,
    at: &YamlLocation,
    key: &str,
) -> Option<Template> {
    let t = template(d, scope, pattern, false, at, key)?;
    let sample: String = t
        .segments
        .iter()
        .map(|s| match s {
            crate::scenario::model::Segment::Literal(b) => String::from_utf8_lossy(b).into_owned(),
            crate::scenario::model::Segment::Var(_) => "x1".to_owned(),
        })
        .collect();
    if let Err(e) = regex::Regex::new(&sample) {
        let why: Vec<String> = e.to_string().lines().map(|l| l.trim().to_owned()).collect();
        d.error(
            at,
            format!("invalid regex: {}", why.join(" ")),
            "regex",
            None,
        );
        return None;
    }
    Some(t)
}

/// The options and the transport must fit the pattern.
fn check_combination(
    d: &mut Diagnostics<'_>,
    m: &RawMatcher,
    at: &YamlLocation,
    key: &str,
    udp: bool,
) -> bool {
    let problem = match (&m.pattern, m.until_close) {
        (RawPattern::Until { .. }, true) => Some("`until` and `until_close` do not go together"),
        (RawPattern::Sha256(_), false) => Some("`sha256` needs `until_close: true`"),
        _ if udp && (m.until_close || matches!(m.pattern, RawPattern::Until { .. })) => {
            Some("a datagram is read whole: `until` and `until_close` do not apply on UDP")
        }
        (
            RawPattern::Until { .. }
            | RawPattern::Size(_)
            | RawPattern::Sha256(_)
            | RawPattern::File(_),
            _,
        ) if m.trim || m.ignore_case => {
            Some("`trim` and `ignore_case` go with `exact`, `contains` and `regex`")
        }
        _ => None,
    };
    if let Some(p) = problem {
        d.error(at, p, key, None);
    }
    problem.is_none()
}
