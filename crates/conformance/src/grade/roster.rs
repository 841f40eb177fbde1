//! A class roster: who is graded, from which folder, with which command.
//!
//! ```text
//! student,folder,command,port
//! alice,alice,python3 server.py {port},
//! bob,bob,python3 server.py,65432                     a program that hard-codes its port
//! carol,carol,python3 server.py {port} --host 192.168.1.4,,192.168.1.4   (`addresses` column)
//! dave,,,,,10.0.0.7:4000                              (`target` column: a running server)
//! ```
//!
//! CSV with a header naming its columns (`student` and `folder`/`command` or `target` at least,
//! `port` and `addresses` when needed, in any order), or the same rows as YAML: a list of maps
//! with the same keys. Folders are relative to the roster's own folder. Every problem is
//! reported with its line, all at once, before anything runs.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};

/// A roster, checked.
#[derive(Debug, Clone)]
pub struct Roster {
    /// The file it was read from.
    pub path: PathBuf,
    /// SHA-256 of the file, hex: slices of one roster carry the same.
    pub hash: String,
    /// The students, in roster order.
    pub entries: Vec<Entry>,
}

/// One student's submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the roster, from 0: partitions and merged gradebooks keep this order.
    pub index: usize,
    /// The line of the row (1-based), for messages.
    pub line: usize,
    /// The name: also the name of the student's report folder.
    pub student: String,
    /// What is graded.
    pub submission: Submission,
    /// Addresses the program binds as the lab taught (`192.168.1.4`), made local to it.
    pub addresses: Vec<IpAddr>,
}

/// What a row grades.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// A program the harness starts.
    Program {
        /// The student's folder (absolute).
        folder: PathBuf,
        /// The command, with `{port}` where it takes its port.
        command: String,
        /// The port it hard-codes, if it does.
        port: Option<u16>,
    },
    /// A server already running, `HOST:PORT`.
    Target(String),
}

/// Why a roster cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    /// The file could not be read.
    #[error("cannot read the roster {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// It is not CSV or YAML of the expected shape.
    #[error("{path}: {why}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// Rows that cannot be graded, each with its line.
    #[error("{path}: {} problem(s):\n{}", problems.len(), lines(path, problems))]
    Rows {
        /// The file.
        path: String,
        /// `(line, what is wrong)`.
        problems: Vec<(usize, String)>,
    },
}

fn lines(path: &str, problems: &[(usize, String)]) -> String {
    problems
        .iter()
        .map(|(line, why)| format!("  {path}:{line}: {why}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A row as written, before it is checked.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    student: Option<Scalar>,
    folder: Option<String>,
    command: Option<String>,
    port: Option<Scalar>,
    target: Option<String>,
    addresses: Option<Addresses>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Number(u64),
    Text(String),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Number(n) => n.to_string(),
            Scalar::Text(t) => t.trim().to_owned(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Addresses {
    One(String),
    Many(Vec<String>),
}

impl Roster {
    /// Reads and checks `path`. `default_command` is used for rows without a command or target.
    pub fn load(path: &Path, default_command: Option<&str>) -> Result<Roster, RosterError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| RosterError::Read {
            path: shown.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| RosterError::Format {
            path: shown.clone(),
            why: "not UTF-8 text".to_owned(),
        })?;
        let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        let rows = if yaml {
            yaml_rows(&text)
        } else {
            csv_rows(&text)
        }
        .map_err(|why| RosterError::Format {
            path: shown.clone(),
            why,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
        let entries =
            check_rows(rows, &base, default_command).map_err(|problems| RosterError::Rows {
                path: shown.clone(),
                problems,
            })?;
        Ok(Roster {
            path: path.to_path_buf(),
            hash: hex(&Sha256::digest(text.as_bytes())),
            entries,
        })
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn csv_rows(text: &str) -> Result<Vec<(usize, RawRow)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    if !headers.iter().any(|h| h == "student") {
        return Err(format!(
            "the first line must name the columns (student,folder,command,port), not `{}`",
            headers.iter().collect::<Vec<_>>().join(",")
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        // An empty field is an absent one.
        let cleaned: csv::StringRecord = record.iter().collect();
        let mut row: RawRow = cleaned
            .deserialize(Some(&headers))
            .map_err(|e| format!("line {line}: {e}"))?;
        blank_is_absent(&mut row);
        rows.push((line, row));
    }
    Ok(rows)
}

fn blank_is_absent(row: &mut RawRow) {
    for field in [&mut row.folder, &mut row.command, &mut row.target] {
        if field.as_deref().is_some_and(|s| s.trim().is_empty()) {
            *field = None;
        }
    }
    if matches!(&row.port, Some(Scalar::Text(t)) if t.trim().is_empty()) {
        row.port = None;
    }
    if matches!(&row.addresses, Some(Addresses::One(t)) if t.trim().is_empty()) {
        row.addresses = None;
    }
}

fn yaml_rows(text: &str) -> Result<Vec<(usize, RawRow)>, String> {
    let rows: Vec<Spanned<RawRow>> = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut row = r.value;
            blank_is_absent(&mut row);
            (r.referenced.line() as usize, row)
        })
        .collect())
}

fn check_rows(
    rows: Vec<(usize, RawRow)>,
    base: &Path,
    default_command: Option<&str>,
) -> Result<Vec<Entry>, Vec<(usize, String)>> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    if rows.is_empty() {
        problems.push((1, "no student in the roster".to_owned()));
    }
    for (line, row) in rows {
        match check_row(&row, base, default_command) {
            Ok((student, submission, addresses)) => {
                if !seen.insert(student.to_lowercase()) {
                    problems.push((line, format!("student `{student}` is listed twice")));
                    continue;
                }
                entries.push(Entry {
                    index: entries.len(),
                    line,
                    student,
                    submission,
                    addresses,
                });
            }
            Err(why) => problems.push((line, why)),
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

type Checked = (String, Submission, Vec<IpAddr>);

fn check_row(row: &RawRow, base: &Path, default_command: Option<&str>) -> Result<Checked, String> {
    let student = row.student.as_ref().map(Scalar::text).unwrap_or_default();
    check_name(&student)?;
    let addresses = addresses(row.addresses.as_ref())?;
    if let Some(target) = &row.target {
        if row.command.is_some() || row.folder.is_some() || row.port.is_some() {
            return Err(format!(
                "`{student}` has a target and a program: give `target` alone, or `folder` and `command`"
            ));
        }
        return Ok((
            student,
            Submission::Target(target.trim().to_owned()),
            addresses,
        ));
    }
    let command =
        row.command.as_deref().or(default_command).ok_or_else(|| {
            format!("`{student}` has no command (a `command` column, or --command)")
        })?;
    let port = match &row.port {
        None => None,
        Some(p) => Some(
            p.text()
                .parse::<u16>()
                .ok()
                .filter(|&p| p > 0)
                .ok_or_else(|| {
                    format!(
                        "`{student}`: port `{}` is not a port (1 to 65535)",
                        p.text()
                    )
                })?,
        ),
    };
    if port.is_none() && !command.contains("{port}") {
        return Err(format!(
            "`{student}`: the command has no `{{port}}` and no `port` is given: say which port it uses"
        ));
    }
    let folder = base.join(row.folder.as_deref().unwrap_or(&student));
    if !folder.is_dir() {
        return Err(format!("`{student}`: no folder {}", folder.display()));
    }
    Ok((
        student,
        Submission::Program {
            folder,
            command: command.trim().to_owned(),
            port,
        },
        addresses,
    ))
}

/// A student's name names their report folder: letters, digits, `.`, `_`, `-`, `@`, `+`.
fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@+".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "student `{name}`: a name is letters, digits, `.`, `_`, `-`, `@` or `+` (it names a folder)"
        ))
    }
}

fn addresses(raw: Option<&Addresses>) -> Result<Vec<IpAddr>, String> {
    let words: Vec<&str> = match raw {
        None => Vec::new(),
        Some(Addresses::One(s)) => s.split([' ', ';', '|']).collect(),
        Some(Addresses::Many(v)) => v.iter().map(String::as_str).collect(),
    };
    words
        .into_iter()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.parse::<IpAddr>()
                .map_err(|_| format!("`{w}` is not an IP address"))
        })
        .collect()
}

#[cfg(test)]
mod tests;
