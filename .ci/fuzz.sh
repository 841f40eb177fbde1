#!/usr/bin/env bash
# Fuzz smoke run (issue 12): builds every target of fuzz/ (cargo-fuzz layout, libFuzzer) and runs
# each for a few seconds from its committed seeds; any crash, timeout or out-of-memory fails CI.
#
# No cargo-fuzz and no nightly: installing cargo-fuzz costs over 2 minutes of compiling, so this
# script passes plain cargo the flags `cargo fuzz build --sanitizer none` passes (sanitizer
# coverage, `--cfg fuzzing`, debug assertions and overflow checks), for the host target only so
# that build scripts and proc macros are not instrumented. No sanitizer: the workspace forbids
# unsafe code. libfuzzer-sys compiles libFuzzer itself, which needs a C++ compiler (g++).
#
# Its own target directory (fuzz/target): the flags differ from the workspace's, sharing would
# rebuild both. Profile `smoke` (fuzz/Cargo.toml): unoptimised, a cold build in a fraction of
# release's time; a few seconds of fuzzing do not need the speed. Cost on the 2-core CI machine: README.md, "Fuzzing".
#
#   FUZZ_SECONDS=N    seconds per target (default 3)
#   FUZZ_TARGETS="a b" only these targets
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-3}"
targets="${FUZZ_TARGETS:-wire_client wire_server wire_datagram wire_roundtrip scenario_load report_writers}"
start=$SECONDS

if ! command -v g++ >/dev/null 2>&1; then
  echo "fuzz: installing g++ (libFuzzer is C++)"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends g++ >/dev/null
fi

host="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
bins=()
for t in $targets; do bins+=(--bin "$t"); done
cargo build --locked --profile smoke --target "$host" "${bins[@]}"
built=$SECONDS
echo "fuzz: built in $((built - start)) s"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for t in $targets; do
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  seeds=()
  [ -d "seeds/$t" ] && seeds=("seeds/$t")
  if [ "$t" = scenario_load ]; then
    # Unoptimised, the loader takes about a second a file, and libFuzzer runs every seed before
    # its clock starts: the smoke run reads the invalid files and the suite manifests only
    # (the core scenarios are loaded by `cargo test` already).
    mkdir -p "$work/$t/seeds"
    cp seeds/$t/invalid-* seeds/$t/suite-* "$work/$t/seeds/"
    seeds=("$work/$t/seeds")
  fi
  # New inputs go to a scratch corpus; the committed seeds are only read.
  if ! "${CARGO_TARGET_DIR:-target}/$host/smoke/$t" "$work/$t/corpus" "${seeds[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/$t/artifacts/" >"$work/$t/log" 2>&1; then
    tail -n 60 "$work/$t/log"
    for a in "$work/$t/artifacts"/*; do
      [ -f "$a" ] && echo "fuzz: $t failed on input (base64): $(base64 -w0 "$a")"
    done
    echo "fuzz: $t FAILED; reproduce with: cargo fuzz run $t <the input above, decoded>"
    exit 1
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log")"
  cov="$(grep -a -o 'cov: [0-9]* ft: [0-9]*' "$work/$t/log" | tail -n 1)"
  echo "fuzz: $t ok, $runs runs in ${seconds} s, $cov"
done
echo "fuzz: $(echo $targets | wc -w) targets passed, build $((built - start)) s, total $((SECONDS - start)) s"
