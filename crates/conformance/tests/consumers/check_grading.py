"""What `.ci/grade.sh` checks once it has graded the fixture class and run the examples:

    check_grading.py pages CLASS_DIR DOM_DIR SHOT_DIR
        the class page and student reports as headless chromium rendered them (DOM dumps and
        screenshots): what each page must say, what the student's page must not
    check_grading.py gradescope RESULTS_JSON SCHEMA SCORE
        a results.json written by examples/gradescope/run_autograder: Gradescope's format, the
        score, hidden tests hidden, the log hidden when they are
    check_grading.py classroom WORKFLOW SUBMISSION SCHEMA BIN_DIR POINTS MAX
        the grading step of examples/classroom's workflow, run in a copy of a submission with
        GITHUB_OUTPUT and RUNNER_TEMP as GitHub sets them; its result read back the way the
        grading reporter reads it
    check_grading.py matrix WORKFLOW
        the class-grading workflow parses; its slices cover the roster once, with one seed

Exits 1 with every problem found.
"""

import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import jsonschema
import yaml

problems = []


def check(ok, what):
    if not ok:
        problems.append(what)


def png_summary(path):
    """Width, height and the number of distinct colours of a PNG (8-bit RGB or RGBA)."""
    data = path.read_bytes()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name}: not a PNG")
    pos, idat, width, height, kind = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if tag == b"IHDR":
            width, height, _depth, kind = struct.unpack(">IIBB", body[:10])
        elif tag == b"IDAT":
            idat += body
        pos += 12 + length
    channels = {2: 3, 6: 4}.get(kind, 0)
    raw = zlib.decompress(idat)
    stride = width * channels + 1
    colours = set()
    # Filter bytes aside, every 7th row's raw bytes are enough to tell a blank page.
    for row in range(0, height, 7):
        line = raw[row * stride + 1 : (row + 1) * stride]
        colours.update(line[i : i + 3] for i in range(0, len(line), channels * 5))
    return width, height, len(colours)


def pages(class_dir, dom_dir, shot_dir):
    dom = lambda name: (dom_dir / name).read_text(encoding="utf-8")
    index = dom("index.html")
    for text in ["Class results", "Scores", "Scenarios that failed across the class",
                 "Submissions that did not start", "Gradebook", "client-after-client",
                 "TypeError: 'str' object cannot be interpreted as an integer",
                 "Cannot assign requested address", "90%+"]:
        check(text in index, f"index.html (rendered): no {text!r}")
    for student in ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]:
        check(f'href="{student}/report.html"' in index, f"index.html: no link to {student}'s report")
    full, student = dom("dave-report.html"), dom("dave-student.html")
    hidden = "030-waiting-client.yaml"
    check(hidden in full, "dave/report.html: the hidden scenario's details are missing for the instructor")
    check(hidden not in student, "dave/student.html: the hidden scenario's details show")
    check("details are hidden for this scenario" in student, "dave/student.html: no word on the hidden scenario")
    check("0 / 10 points" in student, "dave/student.html: not 0 / 10 points")
    check("nothing, before the deadline" in student, "dave/student.html: the failure is not shown")
    erin = dom("erin-report.html")
    check("of them left out; the last lines" in erin, "erin/report.html: the flood is not said to be cut")
    for path in sorted(class_dir.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for loads in ["<script", "<img", "<link", "url(", "@import", "src="]:
            check(loads not in text, f"{path.relative_to(class_dir)}: {loads} (must be self-contained)")
    for shot in sorted(shot_dir.glob("*.png")):
        width, height, colours = png_summary(shot)
        check(width == 1280 and height >= 800, f"{shot.name}: {width}x{height}")
        check(colours > 20, f"{shot.name}: {colours} colours: the page did not render")


def gradescope(results, schema, score):
    data = json.loads(results.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(json.loads(schema.read_text(encoding="utf-8")))
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
    check(not errors, f"{results}: not Gradescope's format: {errors[:3]}")
    check(data.get("score") == float(score), f"{results}: score {data.get('score')}, want {score}")
    hidden = [t["name"] for t in data.get("tests", []) if t.get("visibility") != "visible"]
    if hidden:
        check(data.get("stdout_visibility") == "hidden", f"{results}: the log shows hidden tests")


def classroom(workflow, submission, schema, bin_dir, points, max_score):
    flow = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    steps = flow["jobs"]["run-autograding-tests"]["steps"]
    grade = next(s for s in steps if s.get("id") == "conformance")
    reporter = next(s for s in steps if "autograding-grading-reporter" in s.get("uses", ""))
    runners = reporter["with"]["runners"]
    check(runners == "conformance", f"reporter runners: {runners}")
    check("steps.conformance.outputs.result" in reporter["env"].get("CONFORMANCE_RESULTS", ""),
          "the reporter does not read the grading step's result")
    with tempfile.TemporaryDirectory() as tmp:
        repo, output = Path(tmp) / "repo", Path(tmp) / "github_output"
        shutil.copytree(submission, repo)
        output.write_text("")
        env = dict(os.environ, GITHUB_OUTPUT=str(output), RUNNER_TEMP=tmp,
                   PATH=f"{bin_dir}:{os.environ['PATH']}", **grade.get("env", {}))
        run = subprocess.run(["bash", "-e", "-c", grade["run"]], cwd=repo, env=env,
                             capture_output=True, text=True, timeout=300)
        check(run.returncode == 0, f"the grading step failed: {run.stderr[-2000:]}")
        log = run.stdout
        check("score:" in log, "the grading step's log has no score")
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    # The reporter's reading: <RUNNER>_RESULTS, base64, JSON; the sum of the tests' scores over
    # the sum of the runners' max_score.
    encoded = {f"{runners.upper()}_RESULTS": outputs.get("result", "")}
    result = json.loads(base64.b64decode(encoded["CONFORMANCE_RESULTS"]).decode("utf-8"))
    validator = jsonschema.Draft202012Validator(json.loads(schema.read_text(encoding="utf-8")))
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(result)]
    check(not errors, f"classroom result: not the format: {errors[:3]}")
    total = sum(t["score"] for t in result["tests"])
    check((total, result["max_score"]) == (float(points), float(max_score)),
          f"classroom result: Points {total}/{result['max_score']}, want {points}/{max_score}")
    check(result["status"] == "fail", f"classroom result: status {result['status']}")


def matrix(workflow):
    flow = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    grade, merge = flow["jobs"]["grade"], flow["jobs"]["merge"]
    slices = grade["strategy"]["matrix"]["slice"]
    count = int(flow["env"]["SLICES"])
    check(slices == list(range(1, count + 1)), f"matrix slices {slices} do not cover 1..{count}")
    command = next(s["run"] for s in grade["steps"] if "grade roster" in s.get("run", ""))
    for part in ["--partition \"${{ matrix.slice }}/${{ env.SLICES }}\"", "--seed \"${{ github.run_id }}\"",
                 "--out \"slice-${{ matrix.slice }}\""]:
        check(part in command, f"the grading step lacks {part}")
    check(merge["needs"] == "grade", "the merge job does not wait for the slices")
    check(any("grade merge slices/slice-*" in s.get("run", "") for s in merge["steps"]),
          "the merge job does not merge every slice")


def main():
    what, args = sys.argv[1], [Path(a) for a in sys.argv[2:]]
    if what == "pages":
        pages(*args)
    elif what == "gradescope":
        gradescope(args[0], args[1], str(args[2]))
    elif what == "classroom":
        classroom(args[0], args[1], args[2], args[3], str(args[4]), str(args[5]))
    elif what == "matrix":
        matrix(args[0])
    for p in problems:
        print(f"grading check failed: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"{what}: ok")


if __name__ == "__main__":
    main()
