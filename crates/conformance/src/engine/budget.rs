//! How many bytes a connection may hold for one payload. The harness buffers a `FILE` payload
//! whole to compare it, so its limit is what the scenario can rightly receive (the largest suite
//! file, `bytes` variable or expected size), doubled so a wrong file of about the right size is
//! still compared and its size reported, and never under 1 MiB. A server announcing more gets
//! a verdict naming the size it announced, without the harness reading it: memory stays bounded
//! per connection by what the suite needs, not by what a flooding server sends, whatever
//! `--jobs` is.

use wire::Limits;

use super::conn::HARNESS_LIMITS;
use crate::scenario::{Action, Expectation, PayloadMatcher, Scenario, Suite, VarKind};

/// The smallest payload limit, whatever the scenario expects.
const FLOOR: u64 = 1024 * 1024;

/// The decoder limits for the connections of `scenario`.
pub fn limits_for(suite: &Suite, scenario: &Scenario) -> Limits {
    Limits {
        max_payload: largest_payload(suite, scenario)
            .saturating_mul(2)
            .max(FLOOR),
        ..HARNESS_LIMITS
    }
}

/// The largest payload `scenario` can rightly receive.
fn largest_payload(suite: &Suite, scenario: &Scenario) -> u64 {
    let files = suite.files.iter().map(|f| f.content.len() as u64);
    let vars = scenario.vars.iter().filter_map(|(_, kind)| match kind {
        VarKind::Bytes(n) => Some(*n as u64),
        _ => None,
    });
    let sizes = scenario
        .steps
        .iter()
        .filter_map(|step| match &step.action {
            Action::Expect(e) => Some(&e.alternatives),
            _ => None,
        })
        .flatten()
        .filter_map(|alt| match alt {
            Expectation::Message(m) => match m.payload {
                Some(PayloadMatcher::Size(n)) => Some(n),
                _ => None,
            },
            Expectation::Close(_) => None,
        });
    files.chain(vars).chain(sizes).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_suite;

    #[test]
    fn the_core_suite_holds_what_its_largest_file_needs() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/core");
        let suite = load_suite(&dir).expect("the core suite loads");
        let largest = suite.files.iter().map(|f| f.content.len() as u64).max();
        for scenario in &suite.scenarios {
            let limit = limits_for(&suite, scenario).max_payload;
            assert!(limit >= 2 * largest.unwrap_or(0), "{}", scenario.id);
            assert!(limit >= FLOOR);
            assert!(
                limit < HARNESS_LIMITS.max_payload,
                "{}: {limit}",
                scenario.id
            );
        }
    }
}
