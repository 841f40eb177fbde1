//! The core suite covers the spec: every server MUST has a scenario, and every requirement a
//! scenario names exists.

mod common;

use std::collections::BTreeSet;

use common::{core_suite, repo};

/// Requirements a black-box suite cannot check, each with the reason. Keep this list short.
const UNTESTABLE: &[(&str, &str)] = &[(
    "LIMIT-6",
    "the connection limit is the server's own choice above 16; a suite cannot know where it lies \
     (the reference server's 503 is tested in crates/reference/tests)",
)];

/// `(id, level)` of every requirement bullet in the spec: `- **ID** (LEVEL) ...`.
fn spec_requirements() -> Vec<(String, String)> {
    let spec = std::fs::read_to_string(repo().join("spec/protocol.md")).expect("spec readable");
    spec.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("- **")?;
            let (id, rest) = rest.split_once("** (")?;
            let (level, _) = rest.split_once(')')?;
            Some((id.to_owned(), level.to_owned()))
        })
        .collect()
}

#[test]
fn the_spec_tags_its_requirements() {
    let reqs = spec_requirements();
    assert!(
        reqs.len() >= 60,
        "only {} requirements found: has the tag format changed?",
        reqs.len()
    );
    let ids: BTreeSet<&str> = reqs.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids.len(),
        reqs.len(),
        "duplicate requirement IDs in the spec"
    );
}

#[test]
fn every_server_must_has_a_scenario() {
    let covered: BTreeSet<String> = core_suite()
        .scenarios
        .iter()
        .flat_map(|s| s.requirements.clone())
        .collect();
    let untestable: BTreeSet<&str> = UNTESTABLE.iter().map(|(id, _)| *id).collect();
    let missing: Vec<String> = spec_requirements()
        .into_iter()
        .filter(|(id, level)| {
            level == "MUST" && !covered.contains(id) && !untestable.contains(id.as_str())
        })
        .map(|(id, _)| id)
        .collect();
    assert!(
        missing.is_empty(),
        "server MUSTs with no scenario in conformance/core: {missing:?}"
    );
    for id in untestable {
        assert!(
            !covered.contains(id),
            "{id} is listed as untestable but has a scenario: drop it from UNTESTABLE"
        );
    }
}

#[test]
fn every_named_requirement_exists_and_is_a_server_requirement() {
    let server: BTreeSet<String> = spec_requirements()
        .into_iter()
        .filter(|(_, level)| matches!(level.as_str(), "MUST" | "SHOULD" | "MAY"))
        .map(|(id, _)| id)
        .collect();
    for s in &core_suite().scenarios {
        for r in &s.requirements {
            assert!(
                server.contains(r),
                "scenario `{}` names {r}, which is not a server requirement of the spec",
                s.id
            );
        }
    }
}
