//! Text with `${var}` references, split into literal and variable segments at load time, so an
//! unknown variable is a load error and the engine never re-parses a string.

use bytes::Bytes;

/// A piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Bytes written as they are (already unescaped, for the escaped notation).
    Literal(Bytes),
    /// The value of a variable.
    Var(String),
}

/// A value written with `${var}` references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// As written in the scenario: for messages about it.
    pub source: String,
    /// The pieces, in order.
    pub segments: Vec<Segment>,
}

/// Where the values of variables come from when a template is rendered.
pub trait VarSource {
    /// The value of `name`, if it has one now.
    fn value(&self, name: &str) -> Option<&[u8]>;
}

/// A template refers to a variable that has no value (a capture that did not happen).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`${{{0}}}` has no value: no earlier step set it")]
pub struct UnsetVar(pub String);

/// Why text is not a valid template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `${` with no `}` after it.
    #[error("`${{` at character {0} has no closing `}}`")]
    Unclosed(usize),
    /// `${}`.
    #[error("`${{}}` names no variable")]
    Empty,
    /// A literal part breaks the escaped notation.
    #[error("bad escape: {0}")]
    Escape(#[from] wire::escape::UnescapeError),
}

impl Template {
    /// Splits `source` into segments; with `escaped`, literal parts are in the escaped notation
    /// (`\n`, `\r`, `\\`, `\xHH`) and are unescaped now.
    pub fn parse(source: &str, escaped: bool) -> Result<Template, TemplateError> {
        let mut segments = Vec::new();
        let mut rest = source;
        let literal = |text: &str, segments: &mut Vec<Segment>| -> Result<(), TemplateError> {
            if !text.is_empty() {
                let bytes = if escaped {
                    wire::escape::unescape(text)?
                } else {
                    text.as_bytes().to_vec()
                };
                segments.push(Segment::Literal(Bytes::from(bytes)));
            }
            Ok(())
        };
        while let Some(start) = rest.find("${") {
            literal(&rest[..start], &mut segments)?;
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or(TemplateError::Unclosed(source.len() - rest.len() + start))?;
            if end == 0 {
                return Err(TemplateError::Empty);
            }
            segments.push(Segment::Var(after[..end].to_owned()));
            rest = &after[end + 1..];
        }
        literal(rest, &mut segments)?;
        Ok(Template {
            source: source.to_owned(),
            segments,
        })
    }

    /// A template of literal text only.
    pub fn literal(text: &str) -> Template {
        Template {
            source: text.to_owned(),
            segments: vec![Segment::Literal(Bytes::copy_from_slice(text.as_bytes()))],
        }
    }

    /// The variables it refers to, in order.
    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Var(v) => Some(v.as_str()),
            Segment::Literal(_) => None,
        })
    }

    /// The bytes it stands for.
    pub fn render(&self, vars: &impl VarSource) -> Result<Vec<u8>, UnsetVar> {
        let mut out = Vec::new();
        for s in &self.segments {
            match s {
                Segment::Literal(b) => out.extend_from_slice(b),
                Segment::Var(v) => {
                    out.extend_from_slice(vars.value(v).ok_or_else(|| UnsetVar(v.clone()))?)
                }
            }
        }
        Ok(out)
    }

    /// The text it stands for (any byte that is not UTF-8 shown as U+FFFD).
    pub fn render_text(&self, vars: &impl VarSource) -> Result<String, UnsetVar> {
        self.render(vars)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl VarSource for Fixed {
        fn value(&self, name: &str) -> Option<&[u8]> {
            (name == "a").then_some(b"\\x41".as_slice())
        }
    }

    #[test]
    fn segments_and_rendering() {
        let t = Template::parse("HELLO ${a} and ${b}", false).unwrap();
        assert_eq!(t.vars().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(t.render(&Fixed), Err(UnsetVar("b".into())));
        let t = Template::parse("x${a}\\n", true).unwrap();
        // A variable's value is never unescaped: only what the scenario wrote is.
        assert_eq!(t.render(&Fixed).unwrap(), b"x\\x41\n");
        assert_eq!(
            Template::parse("a ${b", false),
            Err(TemplateError::Unclosed(2))
        );
        assert_eq!(Template::parse("${}", false), Err(TemplateError::Empty));
        assert!(matches!(
            Template::parse("\\q${a}", true),
            Err(TemplateError::Escape(_))
        ));
        assert_eq!(Template::parse("", false).unwrap().segments, vec![]);
    }
}
