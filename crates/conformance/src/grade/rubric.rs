//! A rubric: how a run's verdicts become points. Without one, a scenario is worth its suite
//! points, all or nothing.
//!
//! ```yaml
//! required: 90          # the required scenarios share 90 points, in proportion to their points
//! bonus: 10             # the bonus scenarios share 10, earned on top of the 90
//! partial: checks       # every failed scenario earns the share of its checks that passed
//! flaky: pass           # a scenario that failed, then passed when run again: pass (default) | fail
//! bonus_tags: [should]  # scenarios with one of these tags are bonus (SHOULD) scenarios
//! scenarios:            # scenario id: points, or a map
//!   hello: 4
//!   ping: { points: 2, partial: none }
//!   pipelining: { bonus: true }
//!   relay-order: { visibility: hidden }
//! ```
//!
//! Required scenarios (MUST) make the maximum; bonus scenarios (SHOULD) are weighed apart and
//! their points come on top, so a score may pass the maximum. `optional: true` scenarios of the
//! suite count nothing either way. Partial credit is the scenario's points times the checks
//! (`expect*`, `barrier` and silence steps) passed before the failing step over its checks; the
//! actions between them (connect, send, start) count nothing, since whether an action into a
//! dying program fails depends on timing (a scenario not run earns nothing). A rubric naming a
//! scenario the suite does not have is an error: a typo must not grade silently.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::outcome::{PartialCredit, Points, RunReport, ScenarioReport, Status, Summary};
use crate::scenario::{Step, Suite, Visibility};

/// A rubric, read and checked against its suite.
#[derive(Debug, Clone, Default)]
pub struct Rubric {
    required: Option<f64>,
    bonus: Option<f64>,
    partial: PartialRule,
    flaky: FlakyRule,
    bonus_tags: Vec<String>,
    scenarios: BTreeMap<String, Entry>,
}

/// How a failed scenario is credited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartialRule {
    /// All or nothing.
    #[default]
    None,
    /// The share of its checks that passed before the failing step.
    Checks,
}

/// How a scenario that failed, then passed when run again, is counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlakyRule {
    /// As passed (it is still reported as flaky).
    #[default]
    Pass,
    /// As failed.
    Fail,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    points: Option<f64>,
    bonus: Option<bool>,
    partial: Option<PartialRule>,
    visibility: Option<Visibility>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawEntry {
    Points(f64),
    Map(Entry),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRubric {
    required: Option<f64>,
    bonus: Option<f64>,
    #[serde(default)]
    partial: PartialRule,
    #[serde(default)]
    flaky: FlakyRule,
    #[serde(default)]
    bonus_tags: Vec<String>,
    #[serde(default)]
    scenarios: BTreeMap<String, RawEntry>,
}

/// Why a rubric cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RubricError {
    /// It could not be read.
    #[error("cannot read the rubric {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// It is not a rubric.
    #[error("rubric {path}: {why}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
}

impl Rubric {
    /// Reads `path` and checks it against `suite`.
    pub fn load(path: &Path, suite: &Suite) -> Result<Rubric, RubricError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RubricError::Read {
            path: shown.clone(),
            source,
        })?;
        Rubric::parse(&text, suite).map_err(|why| RubricError::Invalid { path: shown, why })
    }

    /// Reads a rubric from its text and checks it against `suite`.
    pub fn parse(text: &str, suite: &Suite) -> Result<Rubric, String> {
        let raw: RawRubric = if text.trim().is_empty() {
            RawRubric::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| e.to_string())?
        };
        for total in [raw.required, raw.bonus].into_iter().flatten() {
            if !(total.is_finite() && total >= 0.0) {
                return Err(format!("`{total}` is not a number of points"));
            }
        }
        let mut scenarios = BTreeMap::new();
        for (id, entry) in raw.scenarios {
            if !suite.scenarios.iter().any(|s| s.id == id) {
                return Err(format!(
                    "suite `{}` has no scenario `{id}` (see `conformance list --suite {}`)",
                    suite.name, suite.name
                ));
            }
            let entry = match entry {
                RawEntry::Points(p) => Entry {
                    points: Some(p),
                    ..Entry::default()
                },
                RawEntry::Map(e) => e,
            };
            if entry.points.is_some_and(|p| !(p.is_finite() && p >= 0.0)) {
                return Err(format!("scenario `{id}`: points must be 0 or more"));
            }
            scenarios.insert(id, entry);
        }
        Ok(Rubric {
            required: raw.required,
            bonus: raw.bonus,
            partial: raw.partial,
            flaky: raw.flaky,
            bonus_tags: raw.bonus_tags,
            scenarios,
        })
    }

    /// Gives each scenario of `report` its points, bonus flag and visibility under this rubric,
    /// then tallies the summary again.
    pub fn apply(&self, suite: &Suite, report: &mut RunReport) {
        for r in &mut report.scenarios {
            let entry = self.scenarios.get(&r.id).cloned().unwrap_or_default();
            if let Some(p) = entry.points {
                r.max_points = Points::new(p);
            }
            r.bonus = entry
                .bonus
                .unwrap_or_else(|| r.tags.iter().any(|t| self.bonus_tags.contains(t)));
            if let Some(v) = entry.visibility {
                r.visibility = v;
            }
        }
        self.scale(&mut report.scenarios, false, self.required);
        self.scale(&mut report.scenarios, true, self.bonus);
        for r in &mut report.scenarios {
            let rule = self
                .scenarios
                .get(&r.id)
                .and_then(|e| e.partial)
                .unwrap_or(self.partial);
            let steps = suite
                .scenarios
                .iter()
                .find(|s| s.id == r.id)
                .map_or(&[][..], |s| &s.steps[..]);
            self.credit(r, rule, steps);
        }
        report.summary = Summary::of(&report.scenarios);
    }

    /// Shares `total` among the counted scenarios of one kind, in proportion to their points.
    fn scale(&self, scenarios: &mut [ScenarioReport], bonus: bool, total: Option<f64>) {
        let Some(total) = total else { return };
        let counted: Vec<&mut ScenarioReport> = scenarios
            .iter_mut()
            .filter(|r| r.bonus == bonus && counts(r))
            .collect();
        let weights: Vec<f64> = counted.iter().map(|r| r.max_points.get()).collect();
        for (r, share) in counted.into_iter().zip(apportion(total, &weights)) {
            r.max_points = share;
        }
    }

    fn credit(&self, r: &mut ScenarioReport, rule: PartialRule, steps: &[Step]) {
        let checks = steps.iter().filter(|s| s.action.is_check()).count();
        r.points = match r.status {
            Status::Passed if r.flaky && self.flaky == FlakyRule::Fail => {
                r.status = Status::Failed;
                r.reason = Some(format!(
                    "it failed, then passed on attempt {}: flaky, and the rubric counts flaky scenarios as failed",
                    r.attempts
                ));
                Points::ZERO
            }
            Status::Passed => r.max_points,
            Status::Failed if rule == PartialRule::Checks && checks > 0 => {
                let before = r.failure.as_ref().map_or(0, |f| f.step.saturating_sub(1));
                let passed = steps
                    .iter()
                    .take(before)
                    .filter(|s| s.action.is_check())
                    .count();
                r.partial = Some(PartialCredit {
                    checks_passed: passed,
                    checks,
                });
                Points::new(r.max_points.get() * passed as f64 / checks as f64)
            }
            _ => Points::ZERO,
        };
    }
}

/// Whether a scenario's points count toward the run's maximum or bonus.
fn counts(r: &ScenarioReport) -> bool {
    !r.optional && !matches!(r.status, Status::Skipped | Status::Error)
}

/// `total` shared in proportion to `weights`, in hundredths that add up to `total` exactly
/// (largest remainders first). Equal shares when every weight is zero.
fn apportion(total: f64, weights: &[f64]) -> Vec<Points> {
    if weights.is_empty() {
        return Vec::new();
    }
    let sum: f64 = weights.iter().sum();
    let cents = (total * 100.0).round();
    let exact: Vec<f64> = weights
        .iter()
        .map(|w| {
            if sum > 0.0 {
                cents * w / sum
            } else {
                cents / weights.len() as f64
            }
        })
        .collect();
    let mut shares: Vec<f64> = exact.iter().map(|x| x.floor()).collect();
    let mut left = (cents - shares.iter().sum::<f64>()).round() as usize;
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        shares[i] += 1.0;
        left -= 1;
    }
    shares.into_iter().map(|c| Points::new(c / 100.0)).collect()
}

#[cfg(test)]
mod tests;
