#!/usr/bin/env bash
# Grading a class (issue 11) the way instructors and platforms do, beyond `cargo test` (whose
# tests/grade*.rs grade the fixture class and assert every score):
#   1. `conformance grade` on fixtures/roster, then the class page and student reports in a real
#      headless browser (Debian's chromium): the rendered DOM says what each page promises, the
#      student's page hides what is hidden, the pages load nothing and render (screenshots);
#   2. examples/gradescope's run_autograder in a simulated /autograder layout (temp folders),
#      for a buggy submission, a crashing one, and with conformance missing;
#   3. examples/classroom's grading step run in a copy of a submission, its result read back
#      the way GitHub Classroom's grading reporter reads it;
#   4. examples/github-actions/grade-class.yml parses, and its slices cover the roster.
# With DOCS_SCREENSHOTS=1 the screenshots are also copied to docs/ (how the PNGs there are made).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
checks=crates/conformance/tests/consumers

debian() {
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

echo "grade: installing chromium, PyYAML, jsonschema"
command -v chromium >/dev/null 2>&1 || debian chromium
if ! python3 -m venv "$work/venv" >/dev/null 2>&1; then
  debian python3-venv python3-pip
  python3 -m venv "$work/venv"
fi
py=$work/venv/bin/python
"$py" -m pip install -q --disable-pip-version-check PyYAML==6.0.3 jsonschema==4.26.0
# The flags of .ci/run's `cargo test --workspace --all-features`, so its build is reused.
cargo build --quiet -p conformance --all-features
bin_dir=$PWD/target/debug
conformance=$bin_dir/conformance

# --- 1. the fixture class, in a browser ------------------------------------------------------
class=$work/class
"$conformance" grade fixtures/roster/roster.csv --suite labs/greeter \
  --rubric fixtures/roster/rubric.yaml --seed 7 --jobs 2 --out "$class" 2>"$work/grade.log" ||
  { cat "$work/grade.log" >&2; exit 1; }
browse() { # browse MODE FILE OUT [HEIGHT]: --dump-dom or --screenshot, with a deadline
  local profile
  profile=$(mktemp -d -p "$work")
  local args=(--headless --no-sandbox --disable-gpu --disable-background-networking
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars
    --user-data-dir="$profile" --window-size="1280,${4:-900}")
  if [ "$1" = dom ]; then
    timeout 60 chromium "${args[@]}" --dump-dom "file://$2" >"$3" 2>/dev/null
  else
    timeout 60 chromium "${args[@]}" --screenshot="$3" "file://$2" >/dev/null 2>&1
  fi
}
mkdir -p "$work/dom" "$work/shots"
browse dom "$class/index.html" "$work/dom/index.html"
browse dom "$class/dave/report.html" "$work/dom/dave-report.html"
browse dom "$class/dave/student.html" "$work/dom/dave-student.html"
browse dom "$class/erin/report.html" "$work/dom/erin-report.html"
browse shot "$class/index.html" "$work/shots/class-page.png" 1500
browse shot "$class/dave/student.html" "$work/shots/student-report.png" 1250
"$py" "$checks/check_grading.py" pages "$class" "$work/dom" "$work/shots"
if [ "${DOCS_SCREENSHOTS:-}" = 1 ]; then
  cp "$work/shots/class-page.png" "$work/shots/student-report.png" docs/
fi

# --- 2. the Gradescope autograder, in a simulated /autograder ---------------------------------
autograde() { # autograde SUBMISSION [CONFORMANCE]: results.json path on stdout
  local root
  root=$(mktemp -d -p "$work")
  mkdir -p "$root/source" "$root/submission"
  cp -r examples/gradescope/. "$root/source/"
  cp -r "$1/." "$root/submission/"
  AUTOGRADER=$root CONFORMANCE="${2:-$conformance}" RUN_AS=nobody-here \
    timeout 600 examples/gradescope/run_autograder >"$root/log" 2>&1
  echo "$root/results/results.json"
}
schema=$checks/gradescope-results.schema.json
"$py" "$checks/check_grading.py" gradescope "$(autograde fixtures/roster/bob)" "$schema" 6
carol=$(autograde fixtures/roster/carol)
"$py" "$checks/check_grading.py" gradescope "$carol" "$schema" 0
grep -q "TypeError: 'str' object cannot be interpreted as an integer" "$carol" ||
  { echo "grade: carol's results.json does not show her traceback" >&2; exit 1; }
missing=$(autograde fixtures/roster/alice /nonexistent/conformance)
"$py" "$checks/check_grading.py" gradescope "$missing" "$schema" 0
grep -q "could not grade this submission" "$missing" ||
  { echo "grade: no fallback results.json without conformance" >&2; exit 1; }

# --- 3. the Classroom workflow's grading step ------------------------------------------------
"$py" "$checks/check_grading.py" classroom examples/classroom/.github/workflows/classroom.yml \
  fixtures/roster/bob "$checks/classroom-result.schema.json" "$bin_dir" 2 5

# --- 4. the class across runners -------------------------------------------------------------
"$py" "$checks/check_grading.py" matrix examples/github-actions/grade-class.yml
echo "grade: the class page and reports in chromium $(chromium --version 2>/dev/null | awk '{print $2}'), Gradescope, Classroom and the matrix workflow: ok"
