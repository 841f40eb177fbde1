// Reads the GitHub Classroom results that tests/report_consumers.rs wrote the way
// classroom-resources/autograding-grading-reporter does, and fails if it reads something else
// than the run found:
//   node check_classroom.mjs REPORTS_DIR
// The reporter is a GitHub Action, not a package: this is its reading, step for step. Each
// result goes base64-encoded into the environment as `<RUNNER>_RESULTS` (the runner id in
// upper case), is decoded and parsed; "Points X/Y" is the sum of every test's `score` over the
// sum of each runner's `max_score` (a runner without `max_score` counts nothing); the check
// fails when a runner's status is `fail` or `error`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const RUNS = ['passing', 'wrong-answer', 'unreachable', 'crash'];
const SERVER_DOWN = new Set(['unreachable', 'crash']);
const dir = process.argv[2];
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };

function parseRunnerResults(runners) {
  return runners.split(',').map((runner) => {
    const encoded = process.env[`${runner.trim().toUpperCase()}_RESULTS`];
    const json = Buffer.from(encoded, 'base64').toString('utf-8');
    return { runner: runner.trim(), results: JSON.parse(json) };
  });
}

function points(runnerResults) {
  return runnerResults.reduce((acc, { results }) => {
    if (!results.max_score) return acc;
    acc.maxScore += results.max_score;
    results.tests.forEach(({ score }) => { acc.totalScore += score; });
    return acc;
  }, { totalScore: 0, maxScore: 0 });
}

for (const name of RUNS) {
  const want = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8'));
  const raw = readFileSync(join(dir, `${name}.classroom.json`));
  process.env.CONFORMANCE_RESULTS = raw.toString('base64');
  const runners = parseRunnerResults('conformance');
  const { results } = runners[0];
  const { totalScore, maxScore } = points(runners);
  check(totalScore === want.points, `${name}: Points ${totalScore}, want ${want.points}`);
  check(maxScore === want.max_points, `${name}: of ${maxScore}, want ${want.max_points}`);
  const failed = runners.some((r) => r.results.status === 'fail' || r.results.status === 'error');
  check(failed === !want.green, `${name}: the reporter fails the check: ${failed}, green: ${want.green}`);
  if (SERVER_DOWN.has(name)) check(failed, `${name}: a dead server passes the check`);
  check(results.tests.length === want.graded_tests, `${name}: ${results.tests.length} tests`);
  const passed = results.tests.filter((t) => t.status === 'pass').length;
  check(passed === want.passed, `${name}: ${passed} tests pass, want ${want.passed}`);
  for (const t of results.tests) {
    check(Number.isInteger(t.line_no) && t.line_no > 0, `${name}: ${t.name} has no line_no`);
    if (t.status !== 'pass') check(t.message.length > 0, `${name}: ${t.name} says nothing`);
  }
}
for (const p of problems) console.error(`consumer check failed: ${p}`);
if (problems.length) process.exit(1);
console.log(`classroom (the grading reporter's reading): ${RUNS.length} runs read right`);
