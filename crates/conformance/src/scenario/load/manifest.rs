//! `suite.yaml`: the suite's name, title and the files a graded server must hold.

use bytes::Bytes;

use super::diagnostics::{Diagnostics, LoadErrors, Source};
use crate::scenario::model::{ProbeKind, SuiteFile};
use crate::scenario::raw::{RawFile, RawSuite};

/// What a manifest says.
pub(super) struct Manifest {
    pub name: String,
    pub title: String,
    pub probe: ProbeKind,
    pub files: Vec<SuiteFile>,
}

/// Reads a suite manifest.
pub(super) fn load(source: &Source) -> Result<Manifest, LoadErrors> {
    let mut d = Diagnostics::new(source);
    let raw: Option<RawSuite> = d.parse();
    let value = raw.map(|raw| Manifest {
        files: raw.files.iter().map(|f| file(&mut d, f)).collect(),
        name: raw.name,
        title: raw.title,
        probe: raw.probe,
    });
    d.finish(value).map_err(|errors| LoadErrors { errors })
}

fn file(d: &mut Diagnostics<'_>, f: &serde_saphyr::Spanned<RawFile>) -> SuiteFile {
    let at = &f.referenced;
    let v = &f.value;
    if let Err(e) = wire::path::RelativePath::parse(&v.path) {
        d.error(
            at,
            format!("file path `{}` is not allowed: {e}", v.path),
            "this file",
            None,
        );
    }
    let content = match (&v.text, v.random, &v.symlink) {
        (Some(text), None, None) => Bytes::from(text.clone().into_bytes()),
        (None, Some(size), None) => crate::files::deterministic_bytes(&v.path, size),
        (None, None, Some(_)) => Bytes::new(),
        _ => {
            d.error(
                at,
                "a file needs exactly one of `text`, `random` or `symlink`",
                "this file",
                None,
            );
            Bytes::new()
        }
    };
    SuiteFile {
        path: v.path.clone(),
        content,
        symlink: v.symlink.clone(),
    }
}
