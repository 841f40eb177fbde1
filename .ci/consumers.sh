#!/usr/bin/env bash
# The machine-read reports, judged by the programs that read them for graders and CI (issue 8:
# reports that never lie). The report_consumers test writes the reports of four runs (a passing
# server, a wrong answer with a scenario not selected, an unreachable server, a server that
# crashes after its first scenario), then:
#   JUnit      xmlschema against junit-10.xsd (Jenkins' and pytest's schema), junitparser, xunitparser
#   TAP        Debian's prove 3.44 and its TAP::Parser, and tap-parser (node-tap's parser)
#   Gradescope jsonschema against the schema of its documented fields in tests/consumers/
#   Classroom  jsonschema likewise, and the grading reporter's own reading (check_classroom.mjs)
#   HTML       html5lib, strict: any parse error fails; nothing loaded from outside
# and fails if any of them reads another count or calls a dead server's run a success.
# Everything it installs goes to a temporary folder; nothing fetched is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
checks=crates/conformance/tests/consumers
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Pinned, so that a consumer's new release changes what CI judges only with a commit.
PYTEST=8.3.5 # its source distribution ships testing/example_scripts/junit-10.xsd
PY_TOOLS=(xmlschema==4.3.2 junitparser==5.0.3 xunitparser==1.3.4 jsonschema==4.26.0 html5lib==1.1)
TAP_PARSER=tap-parser@18.3.4

debian() {
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

echo "consumers: installing xmlschema, junitparser, xunitparser, jsonschema, html5lib, tap-parser"
if ! python3 -m venv "$work/venv" >/dev/null 2>&1; then
  debian python3-venv python3-pip
  python3 -m venv "$work/venv"
fi
py=$work/venv/bin/python
"$py" -m pip install -q --disable-pip-version-check "${PY_TOOLS[@]}"
# junit-10.xsd is no package of its own: pytest's sdist carries it for its own tests.
"$py" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
  -d "$work/sdist" "pytest==$PYTEST"
tar -xzf "$work/sdist/pytest-$PYTEST.tar.gz" -C "$work" --strip-components=3 \
  "pytest-$PYTEST/testing/example_scripts/junit-10.xsd"
command -v npm >/dev/null 2>&1 || debian nodejs npm
npm install --silent --no-audit --no-fund --prefix "$work/node" "$TAP_PARSER" >/dev/null
command -v prove >/dev/null 2>&1 || debian perl

reports=$work/reports
# The flags of .ci/run's `cargo test --workspace --all-features`, so its build is reused.
CONFORMANCE_REPORTS_DIR=$reports cargo test --workspace --all-features --test report_consumers
runs=(passing wrong-answer unreachable crash)
for name in "${runs[@]}"; do
  for ext in xunit2.xml xunit1.xml tap gradescope.json classroom.json html expected.json; do
    [ -s "$reports/$name.$ext" ] || { echo "consumers: $name.$ext was not written" >&2; exit 1; }
  done
done

status=0
"$py" "$checks/check_reports.py" "$reports" "$work/junit-10.xsd" \
  "$checks/gradescope-results.schema.json" "$PWD" "$checks/classroom-result.schema.json" || status=1
node "$checks/check_classroom.mjs" "$reports" || status=1
NODE_PATH=$work/node/node_modules node "$checks/check_tap.mjs" "$reports" || status=1
perl "$checks/check_tap.pl" "$reports" || status=1

# prove itself: its exit status is what a TAP harness acts on. Exit 0 exactly for a run in which
# every graded scenario passed, and never a parse error (what `TAP version 14` gets from 3.44).
for name in "${runs[@]}"; do
  green=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["green"])' \
    "$reports/$name.expected.json")
  set +e
  out=$(prove -e cat "$reports/$name.tap" 2>&1)
  rc=$?
  set -e
  if [[ "$out" == *"Parse errors"* ]] || { [ "$green" = True ] && [ $rc -ne 0 ]; } ||
    { [ "$green" = False ] && [ $rc -eq 0 ]; }; then
    echo "consumer check failed: prove on $name.tap (exit $rc, want green=$green):" >&2
    echo "$out" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "tap (prove $(prove --version | awk '{print $2}')): ${#runs[@]} runs read right"
exit $status
