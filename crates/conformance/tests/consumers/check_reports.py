"""Reads the JUnit and Gradescope reports that `tests/report_consumers.rs` wrote, with the
consumers graders and CI use, and fails if any of them reads something else than the run found.

    check_reports.py REPORTS_DIR JUNIT_10_XSD GRADESCOPE_SCHEMA REPO_ROOT [CLASSROOM_SCHEMA]

- JUnit, family xunit2: valid against junit-10.xsd (xmlschema); xunit1 must not be (it carries
  `file`/`line`, which that schema rejects: proof that the validation bites).
- JUnit, both families: junitparser and xunitparser find the counts of NAME.expected.json, and
  xunitparser calls a run successful exactly when every graded scenario passed.
- Gradescope: valid against the schema written from Gradescope's documented fields (jsonschema),
  scores adding up, not-run tests failed with their points at stake and saying why.
- GitHub Classroom: valid against the schema of its documented fields, scores adding up to
  the run's points, `pass` exactly for a green run.
- HTML: parsed by html5lib in strict mode (any parse error fails), one self-contained file
  that loads nothing from anywhere.
- No report shows a path of the grading machine.
Runs whose server was down (`unreachable`, `crash`) must be unsuccessful whatever the expected
counts say: that is the promise, not a number to copy.
"""

import json
import sys
from pathlib import Path

import html5lib
import jsonschema
import xmlschema
import xunitparser
from junitparser import Error, Failure, JUnitXml, Skipped

RUNS = ["passing", "wrong-answer", "unreachable", "crash"]
SERVER_DOWN = {"unreachable", "crash"}
problems = []


def check(ok, what):
    if not ok:
        problems.append(what)


def junit_schema(schema, name, reports):
    xunit2 = reports / f"{name}.xunit2.xml"
    errors = [str(e.reason) for e in schema.iter_errors(str(xunit2))]
    check(not errors, f"{xunit2.name}: invalid under junit-10.xsd: {errors[:3]}")
    xunit1 = reports / f"{name}.xunit1.xml"
    check(
        not schema.is_valid(str(xunit1)),
        f"{xunit1.name}: junit-10.xsd accepts file/line attributes: the schema check cannot bite",
    )


def junitparser_counts(path, want, family):
    xml = JUnitXml.fromfile(str(path))
    suites = list(xml)
    check(len(suites) == 1, f"{path.name}: {len(suites)} suites")
    check(
        (xml.tests, xml.failures, xml.errors) == (want["tests"], want["failed"], want["bad"]),
        f"{path.name}: junitparser root counts {(xml.tests, xml.failures, xml.errors)}, "
        f"want {(want['tests'], want['failed'], want['bad'])}",
    )
    for suite in suites:
        got = (suite.tests, suite.failures, suite.errors, suite.skipped)
        exp = (want["tests"], want["failed"], want["bad"], want["skipped"])
        check(got == exp, f"{path.name}: junitparser suite counts {got}, want {exp}")
        cases = list(suite)
        kinds = [type(r) for c in cases for r in c.result]
        got = (
            sum(c.is_passed for c in cases),
            kinds.count(Failure),
            kinds.count(Error),
            kinds.count(Skipped),
        )
        exp = (want["passed"], want["failed"], want["bad"], want["skipped"])
        check(got == exp, f"{path.name}: junitparser case verdicts {got}, want {exp}")
        props = {p.name: p.value for p in suite.properties()}
        for key in ["seed", "suite_hash", "version"]:
            check(props.get(key), f"{path.name}: no property {key}")
        check(
            (props.get("score"), props.get("max_score"))
            == (str(want["points"]), str(want["max_points"])),
            f"{path.name}: score properties {props}",
        )
        for case in cases:
            file, line = case._elem.get("file"), case._elem.get("line")
            if family == "xunit1":
                check(
                    file and "/" not in file and file.endswith(".yaml"),
                    f"{path.name}: file={file!r} is not relative to the suite folder",
                )
                check(line and line.isdigit() and int(line) > 0, f"{path.name}: line={line!r}")
            else:
                check((file, line) == (None, None), f"{path.name}: xunit2 has file/line")


def xunitparser_counts(path, name, want):
    with open(path, encoding="utf-8") as f:
        _suite, result = xunitparser.parse(f)
    got = (result.testsRun, len(result.failures), len(result.errors), len(result.skipped))
    exp = (want["tests"], want["failed"], want["bad"], want["skipped"])
    check(got == exp, f"{path.name}: xunitparser counts {got}, want {exp}")
    check(
        result.wasSuccessful() == want["green"],
        f"{path.name}: xunitparser says successful={result.wasSuccessful()}, want {want['green']}",
    )
    if name in SERVER_DOWN:
        check(not result.wasSuccessful(), f"{path.name}: a dead server reads as successful")
    if name == "passing":
        check(result.wasSuccessful(), f"{path.name}: a passing server reads as unsuccessful")


def gradescope(path, name, want, validator):
    data = json.loads(path.read_text(encoding="utf-8"))
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
    check(not errors, f"{path.name}: not Gradescope's format: {errors[:3]}")
    tests = data.get("tests", [])
    check(len(tests) == want["graded_tests"], f"{path.name}: {len(tests)} tests")
    check(
        data.get("score") == sum(t["score"] for t in tests) == want["points"],
        f"{path.name}: score {data.get('score')} vs tests and {want['points']}",
    )
    check(
        sum(t["max_score"] for t in tests) == want["max_points"],
        f"{path.name}: max scores do not add up to {want['max_points']}",
    )
    passed = sum(t["status"] == "passed" for t in tests)
    check(passed == want["passed"], f"{path.name}: {passed} passed, want {want['passed']}")
    not_run = [t for t in tests if t["output"].startswith("not run")]
    check(len(not_run) == want["not_run"], f"{path.name}: {len(not_run)} tests say not run")
    for t in not_run:
        check(
            t["status"] == "failed" and t["max_score"] > 0 and t["score"] == 0,
            f"{path.name}: not-run test {t['name']} is not a failed test with points at stake",
        )
    if name in SERVER_DOWN:
        check(passed < len(tests), f"{path.name}: a dead server passes every test")


def classroom(path, want, validator):
    data = json.loads(path.read_text(encoding="utf-8"))
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
    check(not errors, f"{path.name}: not the Classroom result format: {errors[:3]}")
    tests = data.get("tests", [])
    check(len(tests) == want["graded_tests"], f"{path.name}: {len(tests)} tests")
    check(
        sum(t["score"] for t in tests) == want["points"] and data.get("max_score") == want["max_points"],
        f"{path.name}: points do not add up to {want['points']}/{want['max_points']}",
    )
    check((data.get("status") == "pass") == want["green"], f"{path.name}: status {data.get('status')}")


def html_page(path, want):
    text = path.read_text(encoding="utf-8")
    parser = html5lib.HTMLParser(strict=True)
    try:
        doc = parser.parse(text)
    except Exception as e:  # html5lib raises ParseError on the first error in strict mode
        check(False, f"{path.name}: not valid HTML: {e}")
        return
    ns = "{http://www.w3.org/1999/xhtml}"
    loads = [
        el.get(attr)
        for el in doc.iter()
        for attr in ("src", "href")
        if el.get(attr) and el.tag in (ns + "script", ns + "img", ns + "link", ns + "iframe")
    ]
    check(not loads, f"{path.name}: loads {loads}")
    check("url(" not in text and "@import" not in text, f"{path.name}: styles load something")
    scenarios = next(doc.iter(ns + "table"), None)
    rows = [] if scenarios is None else list(scenarios.iter(ns + "tr"))
    check(
        len(rows) == want["tests"] + 1,
        f"{path.name}: {len(rows)} rows in the scenario table for {want['tests']} scenarios",
    )


def negative_controls(validator, schema, reports):
    """The checks must be able to fail: a status Gradescope does not know is refused."""
    data = json.loads((reports / "crash.gradescope.json").read_text(encoding="utf-8"))
    data["tests"][0]["status"] = "not_run"
    check(not validator.is_valid(data), "the Gradescope schema accepts status not_run")
    check(schema.is_valid(str(reports / "crash.xunit2.xml")), "junit-10.xsd rejects xunit2")
    try:
        html5lib.HTMLParser(strict=True).parse("<!DOCTYPE html><title>t</title><p></div>")
        check(False, "html5lib in strict mode accepts a stray </div>: the HTML check cannot bite")
    except Exception:
        pass


def no_machine_paths(reports, repo):
    for path in sorted(reports.iterdir()):
        text = path.read_text(encoding="utf-8")
        for leak in [repo, "conformance/core/"]:
            check(leak not in text, f"{path.name}: shows the path {leak}")


def main():
    reports, xsd, schema_path, repo = map(Path, sys.argv[1:5])
    schema = xmlschema.XMLSchema(str(xsd))
    gs_schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(gs_schema)
    validator = jsonschema.Draft202012Validator(gs_schema)
    classroom_validator = None
    if len(sys.argv) > 5:
        cr_schema = json.loads(Path(sys.argv[5]).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(cr_schema)
        classroom_validator = jsonschema.Draft202012Validator(cr_schema)
    for name in RUNS:
        want = json.loads((reports / f"{name}.expected.json").read_text(encoding="utf-8"))
        if classroom_validator:
            classroom(reports / f"{name}.classroom.json", want, classroom_validator)
            html_page(reports / f"{name}.html", want)
        # JUnit has no "not run": the harness errors and the scenarios not run are <error>.
        want["bad"] = want["errors"] + want["not_run"]
        junit_schema(schema, name, reports)
        for family in ["xunit2", "xunit1"]:
            path = reports / f"{name}.{family}.xml"
            junitparser_counts(path, want, family)
            xunitparser_counts(path, name, want)
        gradescope(reports / f"{name}.gradescope.json", name, want, validator)
    negative_controls(validator, schema, reports)
    no_machine_paths(reports, str(repo.resolve()))
    for p in problems:
        print(f"consumer check failed: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(
        f"junit (xmlschema, junitparser, xunitparser), gradescope and classroom (jsonschema), "
        f"html (html5lib): {len(RUNS)} runs read right"
    )


if __name__ == "__main__":
    main()
