use std::path::Path;

use super::{Rubric, apportion};
use crate::engine::{RunOptions, report_without_run};
use crate::outcome::{Expected, Observation, Points, RunReport, Status, StepFailure};
use crate::scenario::{Location, Source, Suite, Visibility, load_suite_from};

/// A suite of four scenarios: `a` (2 points, a connect then 4 checks), `b` (1 point, 2 checks,
/// tag `should`), `c` (3 points, 1 check), `d` (optional).
fn suite() -> Suite {
    let manifest = Source::new("t/suite.yaml", "name: t\ntitle: t\nprotocol: raw\n");
    let scenario = |id: &str, extra: &str, checks: usize| {
        let steps = format!(
            "  - connect: c\n{}",
            "  - expect_raw: { contains: x }\n    on: c\n".repeat(checks)
        );
        Source::new(
            format!("t/{id}.yaml"),
            format!("id: {id}\ntitle: {id}\nrequirements: []\n{extra}steps:\n{steps}"),
        )
    };
    let scenarios = [
        scenario("a", "points: 2\n", 4),
        scenario("b", "points: 1\ntags: [should]\n", 2),
        scenario("c", "points: 3\n", 1),
        scenario("d", "optional: true\n", 1),
    ];
    load_suite_from(Path::new("t"), &manifest, &scenarios).expect("the suite loads")
}

/// A report where `a` failed at step `a_step`, `b` passed, `c` failed at step 1, `d` passed.
fn report(suite: &Suite, a_step: usize) -> RunReport {
    let mut r = report_without_run(suite, "", &RunOptions::default(), "");
    r.unreachable = None;
    for (s, (status, step)) in r.scenarios.iter_mut().zip([
        (Status::Failed, a_step),
        (Status::Passed, 0),
        (Status::Failed, 1),
        (Status::Passed, 0),
    ]) {
        s.status = status;
        if status == Status::Failed {
            s.failure = Some(failure_at(step));
        } else {
            s.points = s.max_points;
        }
    }
    r
}

/// A failure at `step` of scenario `a`.
fn failure_at(step: usize) -> StepFailure {
    StepFailure {
        step,
        location: Location {
            file: "t/a.yaml".into(),
            line: 1,
            column: 1,
        },
        source_line: String::new(),
        action: "connect c".to_owned(),
        expected: Expected::Taken,
        observed: Observation::Nothing,
        mismatches: Vec::new(),
        received: None,
        transcript: Vec::new(),
        peer: crate::outcome::Peer::Server,
    }
}

fn points(r: &RunReport) -> Vec<(String, String, String, bool)> {
    r.scenarios
        .iter()
        .map(|s| {
            (
                s.id.clone(),
                s.points.to_string(),
                s.max_points.to_string(),
                s.bonus,
            )
        })
        .collect()
}

fn row(id: &str, points: &str, max: &str, bonus: bool) -> (String, String, String, bool) {
    (id.to_owned(), points.to_owned(), max.to_owned(), bonus)
}

#[test]
fn points_bonus_tags_and_partial_credit() {
    let suite = suite();
    let rubric = Rubric::parse(
        "partial: checks\nbonus_tags: [should]\nscenarios:\n  a: 4\n  c: { partial: none, visibility: hidden }\n",
        &suite,
    )
    .expect("valid");
    // Step 4 is the third check: the connect and two checks passed.
    let mut r = report(&suite, 4);
    rubric.apply(&suite, &mut r);
    assert_eq!(
        points(&r),
        vec![
            // Checks 1 and 2 of 4 passed: half of 4 points.
            row("a", "2", "4", false),
            row("b", "1", "1", true),
            row("c", "0", "3", false),
            row("d", "1", "1", false),
        ]
    );
    assert_eq!(
        r.scenarios[0].partial.map(|p| (p.checks_passed, p.checks)),
        Some((2, 4))
    );
    assert_eq!(r.scenarios[2].visibility, Visibility::Hidden);
    let s = &r.summary;
    // The bonus is on top of the maximum; the optional scenario counts nothing.
    assert_eq!(
        (s.points, s.max_points, s.bonus_points),
        (Points::from(3), Points::from(7), Points::from(1))
    );
}

/// Only checks count: where a failing action (a connect a dying server still took, or did not)
/// falls must not move the credit, or the same program could score differently twice.
#[test]
fn partial_credit_counts_checks_not_actions() {
    let manifest = Source::new("t/suite.yaml", "name: t\ntitle: t\nprotocol: raw\n");
    let scenario = Source::new(
        "t/a.yaml",
        "id: a\ntitle: a\nrequirements: []\npoints: 6\nsteps:\n\
         - connect: one\n- expect_raw: { contains: x }\n  on: one\n\
         - connect: two\n- expect_raw: { contains: x }\n  on: two\n\
         - connect: three\n- expect_raw: { contains: x }\n  on: three\n",
    );
    let suite = load_suite_from(Path::new("t"), &manifest, &[scenario]).expect("the suite loads");
    let rubric = Rubric::parse("partial: checks\n", &suite).expect("valid");
    // Failing at the second connect (step 3) or at the check after it (step 4) is the same
    // program: one check of three passed either way.
    for failing_step in [3, 4] {
        let mut r = report_without_run(&suite, "", &RunOptions::default(), "");
        r.unreachable = None;
        r.scenarios[0].status = Status::Failed;
        r.scenarios[0].failure = Some(StepFailure {
            step: failing_step,
            ..failure_at(1)
        });
        rubric.apply(&suite, &mut r);
        assert_eq!(
            r.scenarios[0].partial.map(|p| (p.checks_passed, p.checks)),
            Some((1, 3)),
            "failing at step {failing_step}"
        );
        assert_eq!(r.scenarios[0].points, Points::from(2));
    }
}

#[test]
fn required_and_bonus_totals_are_shared_in_proportion_and_add_up() {
    let suite = suite();
    let rubric = Rubric::parse(
        "required: 10\nbonus: 5\nscenarios:\n  b: { bonus: true }\n",
        &suite,
    )
    .expect("valid");
    let mut r = report(&suite, 1);
    rubric.apply(&suite, &mut r);
    // a and c (2 and 3 points) share 10: 4 and 6; b alone gets the 5 bonus points.
    assert_eq!(
        points(&r),
        vec![
            row("a", "0", "4", false),
            row("b", "5", "5", true),
            row("c", "0", "6", false),
            row("d", "1", "1", false),
        ]
    );
    assert_eq!(r.summary.max_points, Points::from(10));
    assert_eq!(r.summary.points, Points::from(5));
}

#[test]
fn shares_are_hundredths_that_add_up_exactly() {
    let shares = apportion(10.0, &[1.0, 1.0, 1.0]);
    assert_eq!(shares.iter().copied().sum::<Points>(), Points::from(10));
    let shown: Vec<String> = shares.iter().map(|p| p.to_string()).collect();
    assert_eq!(shown, ["3.34", "3.33", "3.33"]);
    assert_eq!(
        apportion(1.0, &[0.0, 0.0]),
        vec![Points::new(0.5), Points::new(0.5)]
    );
}

#[test]
fn a_flaky_pass_counts_as_the_rubric_says() {
    let suite = suite();
    let mut r = report(&suite, 1);
    r.scenarios[1].flaky = true;
    r.scenarios[1].attempts = 2;
    let strict = Rubric::parse("flaky: fail\n", &suite).expect("valid");
    strict.apply(&suite, &mut r);
    assert_eq!(r.scenarios[1].status, Status::Failed);
    assert_eq!(r.scenarios[1].points, Points::ZERO);
    assert!(r.summary.flaky == 1);
    let mut r = report(&suite, 1);
    r.scenarios[1].flaky = true;
    Rubric::default().apply(&suite, &mut r);
    assert_eq!(r.scenarios[1].points, Points::from(1));
}

#[test]
fn a_rubric_naming_an_unknown_scenario_or_bad_points_is_refused() {
    let suite = suite();
    let err = Rubric::parse("scenarios:\n  hello: 2\n", &suite).expect_err("unknown");
    assert!(err.contains("suite `t` has no scenario `hello`"), "{err}");
    let err = Rubric::parse("scenarios:\n  a: -1\n", &suite).expect_err("negative");
    assert!(err.contains("points must be 0 or more"), "{err}");
    let err = Rubric::parse("partial: half\n", &suite).expect_err("unknown rule");
    assert!(err.contains("half"), "{err}");
    assert!(Rubric::parse("", &suite).is_ok());
}

#[test]
fn a_scenario_s_visibility_reaches_every_view() {
    let manifest = Source::new("v/suite.yaml", "name: v\ntitle: v\nprotocol: raw\n");
    let scenario = Source::new(
        "v/010-late.yaml",
        "id: late\ntitle: late\nrequirements: [HELLO-1]\nvisibility: after_due_date\nsteps:\n  - connect: c\n",
    );
    let suite = load_suite_from(Path::new("v"), &manifest, &[scenario]).expect("loads");
    assert_eq!(suite.scenarios[0].visibility, Visibility::AfterDueDate);
    let report = report_without_run(&suite, "", &RunOptions::default(), "down");
    assert_eq!(report.scenarios[0].visibility, Visibility::AfterDueDate);
    let mut gradescope = Vec::new();
    crate::report::gradescope::write(&report, &mut gradescope).expect("writes");
    let v: serde_json::Value = serde_json::from_slice(&gradescope).expect("JSON");
    assert_eq!(v["tests"][0]["visibility"], "after_due_date");
    assert_eq!(v["stdout_visibility"], "hidden");
    let view = crate::report::student::student_view(&report);
    assert_eq!(view.scenarios[0].title, "late");
    assert!(view.scenarios[0].requirements.is_empty() && view.scenarios[0].file.is_empty());
    // The full report keeps the scenario's file and requirements.
    assert_eq!(report.scenarios[0].requirements, ["HELLO-1"]);
}
