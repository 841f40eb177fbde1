// Reads the TAP reports that tests/report_consumers.rs wrote with tap-parser (node-tap's
// parser) and fails if it reads something else than the run found:
//   node check_tap.mjs REPORTS_DIR      (with tap-parser resolvable, e.g. NODE_PATH)
// The version line, one plan that covers every test point, the pass/fail/skip counts of
// NAME.expected.json, a YAML `message` under every `not ok` that says why, and never `ok` for a
// run whose server was down.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

// NODE_PATH is honoured by require, not by import: resolve tap-parser through require.
const { Parser } = createRequire(join(process.cwd(), 'noop.js'))('tap-parser');

const RUNS = ['passing', 'wrong-answer', 'unreachable', 'crash'];
const SERVER_DOWN = new Set(['unreachable', 'crash']);
const dir = process.argv[2];
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };

function read(name) {
  const want = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8'));
  const text = readFileSync(join(dir, `${name}.tap`), 'utf8');
  const parser = new Parser();
  const asserts = [];
  let version = null;
  let result = null;
  parser.on('version', (v) => { version = v; });
  parser.on('assert', (a) => asserts.push(a));
  parser.on('complete', (r) => { result = r; });
  parser.end(text);
  return { want, version, asserts, result };
}

for (const name of RUNS) {
  const { want, version, asserts, result: r } = read(name);
  const file = `${name}.tap`;
  const bad = want.failed + want.errors + want.not_run;
  check(version === 13, `${file}: version ${version}, want 13`);
  check(r.plan.start === 1 && r.plan.end === want.tests, `${file}: plan ${r.plan.start}..${r.plan.end}, want 1..${want.tests}`);
  check(r.count === want.tests, `${file}: ${r.count} test points, want ${want.tests}`);
  check(r.fail === bad, `${file}: ${r.fail} failed, want ${bad}`);
  check(r.skip === want.skipped, `${file}: ${r.skip} skipped, want ${want.skipped}`);
  check(r.pass === want.passed + want.skipped, `${file}: ${r.pass} ok, want ${want.passed + want.skipped}`);
  check(r.ok === want.green, `${file}: ok=${r.ok}, want ${want.green}`);
  if (SERVER_DOWN.has(name)) check(!r.ok, `${file}: a dead server reads as ok`);
  if (name === 'passing') check(r.ok, `${file}: a passing server reads as not ok`);
  const errors = r.failures.filter((f) => f.tapError);
  check(errors.length === 0, `${file}: parse errors ${JSON.stringify(errors)}`);
  const notRun = asserts.filter((a) => !a.ok && a.diag && a.diag.status === 'not_run');
  check(notRun.length === want.not_run, `${file}: ${notRun.length} not-run points, want ${want.not_run}`);
  for (const a of asserts.filter((a) => !a.ok)) {
    const message = a.diag && a.diag.message;
    check(typeof message === 'string' && message.length > 0, `${file}: #${a.id} has no YAML message`);
    if (a.diag && a.diag.status === 'not_run') {
      check(message.startsWith('not run, because'), `${file}: #${a.id} does not say why it was not run`);
    }
  }
}
for (const p of problems) console.error(`consumer check failed: ${p}`);
if (problems.length > 0) process.exit(1);
console.log(`tap (tap-parser): ${RUNS.length} runs read right`);
