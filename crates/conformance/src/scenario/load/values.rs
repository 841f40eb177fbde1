//! Values that several steps share: templates (checked against the scope's variables), regexes,
//! field matchers and payload sources.

use regex::Regex;
use serde_saphyr::{Location as YamlLocation, Spanned};

use super::diagnostics::Diagnostics;
use super::scenario::Scope;
use crate::scenario::model::{FieldMatcher, PayloadSource, Template, TemplateError};
use crate::scenario::raw::{RawFieldMatcher, RawPayload};

/// Parses a template (`escaped`: in the escaped notation) and checks that each variable it
/// names holds text now. `what` names the key, for messages.
pub(super) fn template(
    d: &mut Diagnostics<'_>,
    scope: &Scope<'_>,
    text: &str,
    escaped: bool,
    at: &YamlLocation,
    what: &str,
) -> Option<Template> {
    let t = match Template::parse(text, escaped) {
        Ok(t) => t,
        Err(TemplateError::Escape(e)) => {
            d.error(
                at,
                format!("bad escape in `{what}`: {e}"),
                what,
                Some("escapes are \\n, \\r, \\\\ and \\xHH"),
            );
            return None;
        }
        Err(e) => {
            d.error(
                at,
                format!("`{text}`: {e}"),
                what,
                Some("a variable is written `${name}`"),
            );
            return None;
        }
    };
    let mut ok = true;
    for v in t.vars() {
        ok &= check_var(d, scope, v, at);
    }
    ok.then_some(t)
}

fn check_var(d: &mut Diagnostics<'_>, scope: &Scope<'_>, v: &str, at: &YamlLocation) -> bool {
    let (message, help) = if scope.byte_vars.contains(v) {
        (
            format!("`${{{v}}}` holds bytes, not text"),
            "use a `bytes N` variable as `payload: { var: ... }`",
        )
    } else if scope.partial_vars.contains(v) {
        (
            format!("`${{{v}}}` is captured by only some alternatives of an `expect_one_of`"),
            "capture it in every alternative, or in a step of its own",
        )
    } else if !scope.text_vars.contains(v) {
        (
            format!("unknown variable `${{{v}}}`"),
            "declare it under `vars:`, or capture it in an earlier expect step",
        )
    } else {
        return true;
    };
    d.error(at, message, "used here", Some(help));
    false
}

/// A regex that must match a whole value: anchored at both ends.
pub(super) fn regex(d: &mut Diagnostics<'_>, pattern: &str, at: &YamlLocation) -> Option<Regex> {
    match Regex::new(&format!("^(?:{pattern})$")) {
        Ok(r) => Some(r),
        Err(e) => {
            let why: Vec<String> = e
                .to_string()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            d.error(
                at,
                format!("invalid regex: {}", why.join(" ")),
                "regex",
                None,
            );
            None
        }
    }
}

/// A field matcher: a value, or one of `regex`, `any`, `absent`.
pub(super) fn field_matcher(
    d: &mut Diagnostics<'_>,
    scope: &Scope<'_>,
    raw: &Spanned<RawFieldMatcher>,
    key: &str,
) -> Option<FieldMatcher> {
    let at = &raw.referenced;
    match &raw.value {
        RawFieldMatcher::Number(n) => Some(FieldMatcher::Exact(Template::literal(&n.to_string()))),
        RawFieldMatcher::Exact(t) => template(d, scope, t, false, at, key).map(FieldMatcher::Exact),
        RawFieldMatcher::Map(m) => match (&m.regex, m.any, m.absent) {
            (Some(r), None, None) => regex(d, r, at).map(FieldMatcher::Regex),
            (None, Some(true), None) => Some(FieldMatcher::Any),
            (None, None, Some(true)) => Some(FieldMatcher::Absent),
            _ => {
                d.error(
                    at,
                    "a matcher is a value, or one of `regex: ...`, `any: true`, `absent: true`",
                    "matcher",
                    None,
                );
                None
            }
        },
    }
}

/// A payload source: exactly one of `text`, `var`, `file`.
pub(super) fn payload_source(
    d: &mut Diagnostics<'_>,
    scope: &Scope<'_>,
    p: &Spanned<RawPayload>,
) -> Option<PayloadSource> {
    let at = &p.referenced;
    let v = &p.value;
    let source = match (&v.text, &v.var, &v.file, &v.size, &v.sha256) {
        (Some(t), None, None, None, None) => {
            PayloadSource::Text(template(d, scope, t, false, at, "payload")?)
        }
        (None, Some(var), None, None, None) => {
            if !scope.byte_vars.contains(var) {
                d.error(
                    at,
                    format!("`{var}` is not a `bytes N` variable"),
                    "payload",
                    Some("declare it under `vars:` as `bytes 4096`"),
                );
            }
            PayloadSource::Var(var.clone())
        }
        (None, None, Some(f), None, None) => {
            if !scope.files.iter().any(|sf| sf.path == *f) {
                d.error(
                    at,
                    format!("`{f}` is not a file of this suite"),
                    "payload",
                    Some("files are declared in suite.yaml"),
                );
            }
            PayloadSource::File(f.clone())
        }
        _ => {
            d.error(
                at,
                "a payload source is exactly one of `text`, `var` or `file`",
                "payload",
                None,
            );
            return None;
        }
    };
    Some(source)
}
