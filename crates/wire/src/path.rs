//! The path rules of spec §8: which `path` fields name a file under the server's root.
//!
//! The grammar accepts any `path` without spaces or controls; these rules then decide whether it
//! is allowed (a refusal is `ERR 403`, not `ERR 400`). They are lexical: a server must still refuse
//! symbolic links that lead out of its root, which only the file system can tell.

use std::fmt;

/// Longest allowed path, in octets.
pub const MAX_PATH_LEN: usize = 255;

/// A path that passed every rule of spec §8: relative, `/`-separated, no empty, `.` or `..`
/// segment, no `\` or `:`, no control character, at most [`MAX_PATH_LEN`] octets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RelativePath(String);

/// Why a path is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path is empty.
    #[error("path is empty")]
    Empty,
    /// Over [`MAX_PATH_LEN`] octets.
    #[error("path is {0} bytes long, over the {MAX_PATH_LEN}-byte limit")]
    TooLong(usize),
    /// Starts with `/`.
    #[error("path is absolute (starts with `/`); paths are relative to the server's root")]
    Absolute,
    /// Holds `\`.
    #[error("path holds `\\`; the separator is `/`")]
    Backslash,
    /// Holds `:`, as drive letters (`C:`) and alternate streams do.
    #[error("path holds `:` (a drive letter or stream name)")]
    Colon,
    /// Holds a control character.
    #[error("path holds a control character")]
    Control,
    /// Two `/` in a row, or a `/` at the end.
    #[error("path has an empty segment (`//` or a trailing `/`)")]
    EmptySegment,
    /// A `.` segment.
    #[error("path has a `.` segment")]
    DotSegment,
    /// A `..` segment: an attempt to leave the root.
    #[error("path has a `..` segment, which would leave the server's root")]
    ParentSegment,
}

impl RelativePath {
    /// Checks `path` against the rules, in the order a person would fix them.
    pub fn parse(path: &str) -> Result<Self, PathError> {
        if path.is_empty() {
            return Err(PathError::Empty);
        }
        if path.len() > MAX_PATH_LEN {
            return Err(PathError::TooLong(path.len()));
        }
        if path.starts_with('/') {
            return Err(PathError::Absolute);
        }
        if path.contains('\\') {
            return Err(PathError::Backslash);
        }
        if path.contains(':') {
            return Err(PathError::Colon);
        }
        if path.chars().any(|c| c.is_ascii_control()) {
            return Err(PathError::Control);
        }
        for segment in path.split('/') {
            match segment {
                "" => return Err(PathError::EmptySegment),
                "." => return Err(PathError::DotSegment),
                ".." => return Err(PathError::ParentSegment),
                _ => {}
            }
        }
        Ok(RelativePath(path.to_owned()))
    }

    /// The path's segments, each a plain file or folder name.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RelativePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_escape_form_is_refused() {
        let table = [
            ("C://batches//one.jpg", PathError::Colon),
            ("C:x", PathError::Colon),
            ("../etc/passwd", PathError::ParentSegment),
            ("a/../../b", PathError::ParentSegment),
            ("/etc/passwd", PathError::Absolute),
            ("a\\b", PathError::Backslash),
            ("..\\x", PathError::Backslash),
            ("a//b", PathError::EmptySegment),
            ("a/", PathError::EmptySegment),
            ("a/./b", PathError::DotSegment),
            ("a\0b", PathError::Control),
            ("", PathError::Empty),
        ];
        for (path, err) in table {
            assert_eq!(RelativePath::parse(path), Err(err), "{path:?}");
        }
        assert_eq!(
            RelativePath::parse(&"a".repeat(256)),
            Err(PathError::TooLong(256))
        );
    }

    #[test]
    fn plain_paths_pass() {
        for path in ["docs/readme.txt", "a", "..a", "a..", ".hidden", "dé/ü.txt"] {
            let p = RelativePath::parse(path).expect(path);
            assert_eq!(p.segments().collect::<Vec<_>>().join("/"), path);
        }
        assert!(RelativePath::parse(&"a".repeat(255)).is_ok());
    }
}
