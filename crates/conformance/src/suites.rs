//! Finding a suite: a folder, `./conformance/NAME`, or a suite built into the binary.
//!
//! The repository's `conformance/` folder is embedded at compile time, so an installed binary
//! grades with no checkout beside it. Every folder in it that holds a `suite.yaml` is a built-in
//! suite, named by its path below `conformance/` with `/` between the parts (`core`,
//! `labs/greeter`). Its files are loaded from memory with paths such as `core/010-hello.yaml`:
//! that is what reports show.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use include_dir::{Dir, DirEntry, include_dir};

use crate::scenario::load::MANIFEST;
use crate::scenario::{self, LoadErrors, Location, Source, Suite};

/// The repository's `conformance/` folder as it was when this binary was built (`build.rs` has
/// Cargo rebuild when a file in it is added, removed or changed).
static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../conformance");

/// A suite built into the binary.
#[derive(Debug, Clone, Copy)]
pub struct BuiltIn {
    name: &'static str,
    dir: &'static Dir<'static>,
}

impl BuiltIn {
    /// Its name: its folder below `conformance/` (`core`, `labs/greeter`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The files directly in its folder, in name order, each with its path below
    /// `conformance/` (`core/suite.yaml`).
    pub fn files(&self) -> Vec<(&'static str, &'static [u8])> {
        let mut files: Vec<_> = self
            .dir
            .files()
            .filter_map(|f| Some((f.path().to_str()?, f.contents())))
            .collect();
        files.sort_unstable();
        files
    }

    /// Its `suite.yaml`, and its other `*.yaml` files in name order: what [`scenario::load_suite`]
    /// reads from a folder.
    pub fn sources(&self) -> Result<(Source, Vec<Source>), LoadErrors> {
        let mut manifest = None;
        let mut scenarios = Vec::new();
        for (path, bytes) in self.files() {
            let file = Path::new(path);
            if file.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let source = text(path, bytes)?;
            if file.file_name().is_some_and(|n| n == MANIFEST) {
                manifest = Some(source);
            } else {
                scenarios.push(source);
            }
        }
        // A built-in suite is a folder found by its manifest: it always has one.
        let manifest = manifest.unwrap_or_else(|| Source::new(self.manifest_path(), ""));
        Ok((manifest, scenarios))
    }

    /// Loads it from memory.
    pub fn load(&self) -> Result<Suite, LoadErrors> {
        let (manifest, scenarios) = self.sources()?;
        scenario::load_suite_from(Path::new(self.name), &manifest, &scenarios)
    }

    fn manifest_path(&self) -> String {
        format!("{}/{MANIFEST}", self.name)
    }
}

/// A source from embedded bytes, which must be UTF-8 as a file read from disk must.
fn text(path: &str, bytes: &[u8]) -> Result<Source, LoadErrors> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Source::new(path, text)),
        Err(e) => {
            let at = Location {
                file: path.into(),
                line: 1,
                column: 1,
            };
            let message = format!("cannot read {path}: not UTF-8 ({e})");
            Err(Source::new(path, "")
                .error_at(&at, 1, message, "not UTF-8", None)
                .into())
        }
    }
}

/// Every suite built into the binary, by name.
pub fn built_in() -> Vec<BuiltIn> {
    let mut found = Vec::new();
    collect(&EMBEDDED, &mut found);
    found.sort_unstable_by_key(|s| s.name);
    found
}

fn collect(dir: &'static Dir<'static>, found: &mut Vec<BuiltIn>) {
    if dir
        .files()
        .any(|f| f.path().file_name() == Some(MANIFEST.as_ref()))
        && let Some(name) = dir.path().to_str()
    {
        found.push(BuiltIn { name, dir });
    }
    for sub in dir.dirs() {
        collect(sub, found);
    }
}

/// The built-in suite called `name` (a trailing `/` is ignored).
pub fn built_in_named(name: &str) -> Option<BuiltIn> {
    let name = name.trim_end_matches('/');
    built_in().into_iter().find(|s| s.name == name)
}

/// Every file built into the binary, in path order, each with its path below `conformance/`:
/// the whole folder, suites or not.
pub fn embedded_files() -> Vec<(&'static str, &'static [u8])> {
    fn walk(entries: &'static [DirEntry<'static>], out: &mut Vec<(&'static str, &'static [u8])>) {
        for entry in entries {
            match entry {
                DirEntry::Dir(d) => walk(d.entries(), out),
                DirEntry::File(f) => out.extend(f.path().to_str().map(|p| (p, f.contents()))),
            }
        }
    }
    let mut out = Vec::new();
    walk(EMBEDDED.entries(), &mut out);
    out.sort_unstable();
    out
}

/// Where a suite was found.
#[derive(Debug, Clone)]
pub enum Found {
    /// A folder that holds a `suite.yaml`.
    Folder(PathBuf),
    /// A suite built into the binary.
    BuiltIn(BuiltIn),
}

impl Found {
    /// Loads the suite, from its folder or from memory.
    pub fn load(&self) -> Result<Suite, LoadErrors> {
        match self {
            Found::Folder(dir) => scenario::load_suite(dir),
            Found::BuiltIn(suite) => suite.load(),
        }
    }
}

/// No suite by that name or path: where it was looked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct NotFound {
    /// The name or path asked for.
    pub name: String,
    /// The manifests looked for on disk, in the order they were looked for.
    pub searched: Vec<PathBuf>,
    /// The names of the suites built into the binary.
    pub built_in: Vec<&'static str>,
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "no suite `{}`; looked, in order, for:", self.name)?;
        for path in &self.searched {
            writeln!(f, "  {}", path.display())?;
        }
        let names = match self.built_in.as_slice() {
            [] => "none".to_string(),
            names => names.join(", "),
        };
        write!(
            f,
            "  a built-in suite `{}` (built in: {names})\n\
             Pass a folder that holds a {MANIFEST}, or a built-in name (`conformance suites` \
             lists them).",
            self.name
        )
    }
}

/// Finds the suite `name_or_path`, relative to the current folder: see [`resolve_in`].
pub fn resolve(name_or_path: &str) -> Result<Found, NotFound> {
    let cwd = std::env::current_dir().unwrap_or_default();
    match resolve_in(&cwd, name_or_path)? {
        Found::Folder(dir) => Ok(Found::Folder(shorten(&dir))),
        builtin => Ok(builtin),
    }
}

/// Finds the suite `name_or_path`, relative paths taken from `base`. The first that holds a
/// `suite.yaml` wins: the folder `name_or_path`, then `conformance/NAME` below `base`; else the
/// built-in suite of that name.
pub fn resolve_in(base: &Path, name_or_path: &str) -> Result<Found, NotFound> {
    let given = Path::new(name_or_path);
    let mut folders = vec![tidy(&base.join(given))];
    if given.is_relative() {
        folders.push(tidy(&base.join("conformance").join(given)));
    }
    if let Some(dir) = folders.iter().find(|d| d.join(MANIFEST).is_file()) {
        return Ok(Found::Folder(dir.clone()));
    }
    if let Some(suite) = built_in_named(name_or_path) {
        return Ok(Found::BuiltIn(suite));
    }
    Err(NotFound {
        name: name_or_path.to_string(),
        searched: folders.iter().map(|d| d.join(MANIFEST)).collect(),
        built_in: built_in().iter().map(BuiltIn::name).collect(),
    })
}

/// `path` without its `.` parts: `/here/./x` is `/here/x`.
fn tidy(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| *c != Component::CurDir)
        .collect()
}

/// `path` relative to the current folder when it is below it, so reports show
/// `conformance/core/010-hello.yaml` rather than a long absolute path.
fn shorten(path: &Path) -> PathBuf {
    let (Ok(abs), Ok(cwd)) = (path.canonicalize(), std::env::current_dir()) else {
        return path.to_path_buf();
    };
    match abs.strip_prefix(&cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rel) => rel.to_path_buf(),
        Err(_) => abs,
    }
}
