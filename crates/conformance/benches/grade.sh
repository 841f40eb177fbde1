#!/usr/bin/env bash
# Benchmark (not a test): a class of N spawned Python servers (default 100) graded with the
# core suite, UDP on, twice in one go:
#   grade   `conformance grade roster.csv --jobs J` (namespaces when the machine allows)
#   loop    a plain shell loop of `conformance run --spawn ... --report-dir ...`, one by one
# and prints the wall time of each, the grader's own peak memory (VmHWM of the `grade`
# process) and the peak resident memory of everything it ran at once (the grader, each
# `conformance run` and each Python server, sampled every 0.2 s).
#
#   crates/conformance/benches/grade.sh [N] [JOBS]
#   CONFORMANCE=target/release/conformance crates/conformance/benches/grade.sh 100 2
#
# Every tenth student's server has a planted defect (fixtures/servers/student_server.py
# --defect), so some scenarios fail as in a real class.
set -euo pipefail
cd "$(dirname "$0")/../../.."
n=${1:-100}
jobs=${2:-$(nproc)}
conformance=${CONFORMANCE:-target/debug/conformance}
[ -x "$conformance" ] || cargo build --quiet -p conformance
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
defects=(get-directory-500 ping-no-token no-close-after-bye crlf-broken relay-to-author)

echo "student,folder,command,port" >"$work/roster.csv"
for i in $(seq -w 1 "$n"); do
  mkdir -p "$work/class/s$i"
  cp fixtures/servers/student_server.py "$work/class/s$i/"
  cmd="python3 student_server.py --port {port} --root . --udp"
  if [ $((10#$i % 10)) = 0 ]; then
    cmd+=" --defect ${defects[$((10#$i / 10 % ${#defects[@]}))]}"
  fi
  echo "s$i,class/s$i,$cmd," >>"$work/roster.csv"
done

# measure LABEL COMMAND...: wall time, the command's own peak memory, the tree's peak memory.
measure() {
  python3 - "$@" <<'PY'
import os, subprocess, sys, time

def rss_kib(pid, field="VmRSS"):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

def tree(root):
    children = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                ppid = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(p))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out

label, argv = sys.argv[1], sys.argv[2:]
start = time.monotonic()
proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
own = peak_tree = 0
while proc.poll() is None:
    own = max(own, rss_kib(proc.pid, "VmHWM"))
    peak_tree = max(peak_tree, sum(rss_kib(p) for p in tree(proc.pid)))
    time.sleep(0.2)
wall = time.monotonic() - start
print(f"{label:<6} {wall:7.1f} s wall   own peak {own / 1024:6.1f} MiB   "
      f"all processes at once, peak {peak_tree / 1024:6.1f} MiB   (exit {proc.returncode})")
PY
}

loop() {
  tail -n +2 "$work/roster.csv" | while IFS=, read -r student folder command _; do
    "$conformance" run --suite core --udp --seed 1 --spawn "$command" --cwd "$work/$folder" \
      --report-dir "$work/loop/$student" --color never >/dev/null 2>&1 || true
  done
}
export -f loop
export work conformance

echo "$n students, core suite with --udp, $jobs at once, $(nproc) CPUs, $conformance"
measure grade "$conformance" grade "$work/roster.csv" --suite core --udp --seed 1 \
  --jobs "$jobs" --out "$work/grade"
measure loop bash -c loop
graded=$(tail -n +2 "$work/grade/gradebook.csv" | wc -l)
looped=$(find "$work/loop" -name grade.json | wc -l)
echo "reports: $graded from grade, $looped from the loop"
