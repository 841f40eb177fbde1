//! Problems found in scenario files, each placed at `file:line:col` with a snippet, and the
//! in-memory source they point into.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{NamedSource, SourceSpan};
use serde_saphyr::Location as YamlLocation;

use crate::scenario::model::Location;

/// One problem in a scenario or suite file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(conformance::scenario))]
pub struct ScenarioError {
    /// What is wrong.
    pub message: String,
    #[source_code]
    src: NamedSource<Arc<str>>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
    /// Where it is.
    pub location: Location,
}

/// Every problem found while loading.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{} problem(s) in scenario files", errors.len())]
pub struct LoadErrors {
    /// The problems, in file order.
    #[related]
    pub errors: Vec<ScenarioError>,
}

impl From<ScenarioError> for LoadErrors {
    fn from(e: ScenarioError) -> Self {
        LoadErrors { errors: vec![e] }
    }
}

/// A file's text, read once and kept for spans and snippets.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path, as given (shown in diagnostics and reports).
    pub path: PathBuf,
    /// The whole text.
    pub text: Arc<str>,
}

impl Source {
    /// A source from text already in memory.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Source {
        Source {
            path: path.into(),
            text: text.into(),
        }
    }

    /// Reads a file.
    pub fn read(path: &Path) -> Result<Source, LoadErrors> {
        std::fs::read_to_string(path)
            .map(|text| Source::new(path, text))
            .map_err(|e| io_error(path, &e).into())
    }

    /// The model's location of a YAML position.
    pub fn location(&self, at: &YamlLocation) -> Location {
        Location {
            file: self.path.clone(),
            line: at.line().max(1),
            column: at.column().max(1),
        }
    }

    /// The text of 1-based line `line`, without its terminator.
    pub fn line(&self, line: u64) -> &str {
        self.text
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .unwrap_or("")
    }

    /// The byte span of a YAML position: from the parser when it knows it, else from line and
    /// column, `len` bytes long.
    fn span(&self, at: &YamlLocation) -> SourceSpan {
        let span = at.span();
        if let (Some(offset), Some(len)) = (span.byte_offset(), span.byte_len()) {
            return SourceSpan::new((offset as usize).into(), (len as usize).max(1));
        }
        self.span_at(at.line(), at.column(), 1)
    }

    /// The span of `len` bytes at a 1-based line and column.
    fn span_at(&self, line: u64, column: u64, len: usize) -> SourceSpan {
        let line_start: usize = self
            .text
            .split_inclusive('\n')
            .take(line.saturating_sub(1) as usize)
            .map(str::len)
            .sum();
        SourceSpan::new(
            (line_start + column.saturating_sub(1) as usize).into(),
            len.max(1),
        )
    }

    fn named(&self) -> NamedSource<Arc<str>> {
        NamedSource::new(self.path.display().to_string(), self.text.clone())
    }

    /// A problem at a YAML position.
    pub fn error(
        &self,
        at: &YamlLocation,
        message: impl Into<String>,
        label: &str,
        help: Option<&str>,
    ) -> ScenarioError {
        self.problem(self.span(at), self.location(at), message, label, help)
    }

    /// A problem `len` bytes long at a model location of this file.
    pub fn error_at(
        &self,
        at: &Location,
        len: usize,
        message: impl Into<String>,
        label: &str,
        help: Option<&str>,
    ) -> ScenarioError {
        let span = self.span_at(at.line, at.column, len);
        self.problem(span, at.clone(), message, label, help)
    }

    fn problem(
        &self,
        span: SourceSpan,
        location: Location,
        message: impl Into<String>,
        label: &str,
        help: Option<&str>,
    ) -> ScenarioError {
        ScenarioError {
            message: message.into(),
            src: self.named(),
            span,
            label: label.to_owned(),
            help: help.map(str::to_owned),
            location,
        }
    }
}

/// A file that cannot be read.
pub fn io_error(path: &Path, e: &std::io::Error) -> ScenarioError {
    ScenarioError {
        message: format!("cannot read {}: {e}", path.display()),
        src: NamedSource::new(path.display().to_string(), Arc::from("")),
        span: SourceSpan::new(0.into(), 0),
        label: String::new(),
        help: None,
        location: Location {
            file: path.to_path_buf(),
            line: 1,
            column: 1,
        },
    }
}

/// The problems found in one file so far.
#[derive(Debug)]
pub(crate) struct Diagnostics<'s> {
    pub source: &'s Source,
    pub errors: Vec<ScenarioError>,
}

impl<'s> Diagnostics<'s> {
    pub fn new(source: &'s Source) -> Self {
        Diagnostics {
            source,
            errors: Vec::new(),
        }
    }

    /// Records a problem at a YAML position.
    pub fn error(
        &mut self,
        at: &YamlLocation,
        message: impl Into<String>,
        label: &str,
        help: Option<&str>,
    ) {
        self.errors
            .push(self.source.error(at, message, label, help));
    }

    /// Parses the whole file as `T`; a YAML or shape error is recorded where the parser puts it.
    pub fn parse<T: serde::de::DeserializeOwned>(&mut self) -> Option<T> {
        let options = serde_saphyr::options! { with_snippet: false };
        match serde_saphyr::from_str_with_options::<T>(&self.source.text, options) {
            Ok(v) => Some(v),
            Err(e) => {
                let at = e.location().unwrap_or(YamlLocation::UNKNOWN);
                let message = e.to_string();
                let first = message.lines().next().unwrap_or("").trim().to_owned();
                self.error(
                    &at,
                    first,
                    "here",
                    Some("see conformance/README.md for the scenario format"),
                );
                None
            }
        }
    }

    /// The value if no problem was found.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<ScenarioError>> {
        match value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(self.errors),
        }
    }
}
