//! The suites built into the binary: the same bytes as the repository's `conformance/` folder,
//! found after a folder path and `./conformance/NAME`, and usable from any current folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use conformance::scenario::load_suite;
use conformance::suites::{self, Found, NotFound, resolve_in};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file below `dir`, by its path below `root` with `/` between the parts.
fn files_below(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).expect("folder readable") {
        let path = entry.expect("entry readable").path();
        if path.is_dir() {
            files_below(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).expect("below the root");
            let parts: Vec<_> = rel.iter().map(|p| p.to_string_lossy()).collect();
            out.insert(
                parts.join("/"),
                std::fs::read(&path).expect("file readable"),
            );
        }
    }
}

#[test]
fn the_embedded_copy_is_the_repository_folder() {
    let root = repo().join("conformance");
    let mut on_disk = BTreeMap::new();
    files_below(&root, &root, &mut on_disk);
    let embedded: BTreeMap<String, Vec<u8>> = suites::embedded_files()
        .into_iter()
        .map(|(path, bytes)| (path.to_owned(), bytes.to_vec()))
        .collect();
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&embedded),
        names(&on_disk),
        "the binary embeds other files than conformance/ holds: rebuild"
    );
    for (path, bytes) in &on_disk {
        assert!(embedded[path] == *bytes, "{path}: embedded bytes differ");
    }
}

#[test]
fn every_suite_folder_is_built_in_under_its_path() {
    let root = repo().join("conformance");
    let mut on_disk = BTreeMap::new();
    files_below(&root, &root, &mut on_disk);
    let mut suite_dirs: Vec<&str> = on_disk
        .keys()
        .filter_map(|p| p.strip_suffix("/suite.yaml"))
        .collect();
    // Listed by name: `labs/greeter` before `labs/greeter-client`.
    suite_dirs.sort_unstable();
    let built_in: Vec<&str> = suites::built_in().iter().map(|s| s.name()).collect();
    assert_eq!(built_in, suite_dirs);
    assert!(built_in.contains(&"core"));
    assert_eq!(
        suites::built_in_named("core/").map(|s| s.name()),
        Some("core")
    );
    assert!(suites::built_in_named("cor").is_none());
}

#[test]
fn a_built_in_suite_loads_like_its_folder_with_short_paths() {
    for builtin in suites::built_in() {
        let name = builtin.name();
        let embedded = builtin.load().expect("built-in suite loads");
        let folder = load_suite(&repo().join("conformance").join(name)).expect("folder loads");
        assert_eq!(embedded.name, folder.name);
        assert_eq!(embedded.hash, folder.hash, "{name}: content hash");
        assert_eq!(embedded.dir, Path::new(name));
        let ids = |s: &conformance::scenario::Suite| -> Vec<String> {
            s.scenarios.iter().map(|s| s.id.clone()).collect()
        };
        assert_eq!(ids(&embedded), ids(&folder));
        for (e, f) in embedded.scenarios.iter().zip(&folder.scenarios) {
            let file = f.location.file.file_name().expect("a file name");
            assert_eq!(e.location.file, Path::new(name).join(file));
        }
    }
}

/// A valid suite called `name` in `dir`: a manifest and one scenario.
fn write_suite(dir: &Path, name: &str) {
    std::fs::create_dir_all(dir).expect("suite folder");
    let manifest = format!("name: {name}\ntitle: the {name} suite\nfiles: []\n");
    std::fs::write(dir.join("suite.yaml"), manifest).expect("manifest written");
    std::fs::copy(
        repo().join("conformance/core/010-hello.yaml"),
        dir.join("010-hello.yaml"),
    )
    .expect("scenario copied");
}

fn found_name(found: &Found) -> String {
    found.load().expect("found suite loads").name
}

#[test]
fn a_folder_path_then_conformance_name_then_the_built_in_suite() {
    let base = tempfile::tempdir().expect("temp dir");
    let base = base.path();
    write_suite(&base.join("core"), "path-core");
    write_suite(&base.join("conformance/core"), "local-core");

    let found = resolve_in(base, "core").expect("found");
    assert!(matches!(&found, Found::Folder(d) if *d == base.join("core")));
    assert_eq!(found_name(&found), "path-core");

    // A folder without a manifest is passed over.
    std::fs::remove_file(base.join("core/suite.yaml")).expect("removed");
    let found = resolve_in(base, "core").expect("found");
    assert!(matches!(&found, Found::Folder(d) if *d == base.join("conformance/core")));
    assert_eq!(found_name(&found), "local-core");

    std::fs::remove_dir_all(base.join("conformance")).expect("removed");
    let found = resolve_in(base, "core").expect("found");
    assert!(matches!(&found, Found::BuiltIn(s) if s.name() == "core"));
    assert_eq!(found_name(&found), "core");

    // Names with a `/` are paths below ./conformance/ too.
    write_suite(&base.join("conformance/labs/greeter"), "greeter");
    let found = resolve_in(base, "labs/greeter").expect("found");
    assert!(matches!(&found, Found::Folder(d) if *d == base.join("conformance/labs/greeter")));

    // An absolute path is taken as it is.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    write_suite(elsewhere.path(), "elsewhere");
    let found = resolve_in(base, elsewhere.path().to_str().expect("UTF-8 temp path"));
    assert_eq!(found_name(&found.expect("found")), "elsewhere");
}

#[test]
fn a_missing_suite_names_every_place_searched() {
    let base = tempfile::tempdir().expect("temp dir");
    let base = base.path();
    let err = resolve_in(base, "labs/nope").expect_err("no such suite");
    let built_in: Vec<&str> = suites::built_in().iter().map(|s| s.name()).collect();
    assert_eq!(
        err,
        NotFound {
            name: "labs/nope".into(),
            searched: vec![
                base.join("labs/nope/suite.yaml"),
                base.join("conformance/labs/nope/suite.yaml"),
            ],
            built_in: built_in.clone(),
        }
    );
    let text = err.to_string();
    for path in &err.searched {
        assert!(text.contains(&path.display().to_string()), "{text}");
    }
    assert!(
        text.contains(&format!("built in: {}", built_in.join(", "))),
        "{text}"
    );
}

/// Runs the binary in `dir`.
fn conformance(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("conformance runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_binary_lists_its_suites_from_any_folder() {
    let empty = tempfile::tempdir().expect("temp dir");
    let out = conformance(empty.path(), &["suites"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    let builtin = suites::built_in();
    assert_eq!(lines.len(), builtin.len(), "{lines:?}");
    for (line, suite) in lines.iter().zip(&builtin) {
        let loaded = suite.load().expect("loads");
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[0], suite.name(), "{line}");
        assert_eq!(words[1], loaded.scenarios.len().to_string(), "{line}");
        assert!(line.ends_with(&loaded.title), "{line}");
    }

    let out = conformance(empty.path(), &["list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("suite `core`: "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_binary_prefers_conformance_name_in_the_current_folder() {
    let here = tempfile::tempdir().expect("temp dir");
    write_suite(&here.path().join("conformance/core"), "local-core");
    let out = conformance(here.path(), &["list", "--suite", "core"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("suite `local-core`: "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_binary_names_the_places_searched_for_a_missing_suite() {
    let here = tempfile::tempdir().expect("temp dir");
    let out = conformance(here.path(), &["list", "--suite", "nope"]);
    assert_eq!(out.status.code(), Some(conformance::exit::INVALID));
    let err = stderr(&out);
    let cwd = here.path().canonicalize().expect("temp dir exists");
    for searched in ["nope/suite.yaml", "conformance/nope/suite.yaml"] {
        let path = cwd.join(searched).display().to_string();
        assert!(err.contains(&path), "{path} not in: {err}");
    }
    assert!(err.contains("built in: core"), "{err}");
}

#[test]
fn the_binary_exports_the_built_in_fixtures_from_any_folder() {
    let here = tempfile::tempdir().expect("temp dir");
    let out = conformance(
        here.path(),
        &["fixtures", "export", "root", "--suite", "core"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let core = suites::built_in_named("core")
        .expect("core is built in")
        .load()
        .expect("loads");
    assert!(!core.files.is_empty());
    for file in core.files.iter().filter(|f| f.symlink.is_none()) {
        let written = std::fs::read(here.path().join("root").join(&file.path));
        assert_eq!(written.expect("exported"), file.content, "{}", file.path);
    }
}
