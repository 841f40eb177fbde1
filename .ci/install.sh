#!/usr/bin/env bash
# The installed binaries are the product: what `cargo install --locked` gives must work from any
# folder, with no checkout beside it. This script
#   1. checks that the declared rust-version is no lower than any locked dependency's;
#   2. installs `conformance` and `reference` from a fresh clone of HEAD into a temporary root,
#      moves the clone away, and runs the installed binaries from an empty folder.
# It reuses this checkout's target/ (or $CARGO_TARGET_DIR), so on a built tree it only compiles
# the workspace's own crates: keep it that way, CI runs on 2 cores.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$repo"

# --- 1. rust-version --------------------------------------------------------------------------
# The minimum Rust is the highest rust-version in the locked graph (all platforms, dev-dependencies
# included: `cargo test` needs them) or higher if our own code needs it. This step compares the
# members' declared rust-version with that maximum, in a second. What it cannot see, our code's
# own use of newer Rust, is half covered for free: clippy's `incompatible_msrv` (on by default,
# -D warnings in CI) flags std APIs newer than the declared version. Building again with that old
# toolchain (`cargo +1.89 check -p conformance --all-targets --all-features`: 2 min on 2 cores,
# plus a toolchain download that CI machines are not promised) is left to whoever raises or
# lowers the version; it passed when the version was last set.
cargo metadata --format-version 1 --locked >"$tmp/metadata.json"
python3 - "$tmp/metadata.json" <<'PY'
import json, sys
meta = json.load(open(sys.argv[1]))
def version(v):
    parts = [int(p) for p in v.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))
members = set(meta["workspace_members"])
deps = [p for p in meta["packages"] if p["id"] not in members and p.get("rust_version")]
need = max(deps, key=lambda p: version(p["rust_version"]))
floor = f'{need["rust_version"]} ({need["name"]} {need["version"]}, the highest in Cargo.lock)'
low = [p for p in meta["packages"]
       if p["id"] in members and version(p.get("rust_version") or "0") < version(need["rust_version"])]
for p in low:
    print(f'{p["name"]}: rust-version {p.get("rust_version")} is below {floor}: raise it in Cargo.toml',
          file=sys.stderr)
if low:
    sys.exit(1)
print(f"rust-version: every member declares at least {floor}")
PY

# --- 2. install from a fresh clone, then move the clone away ------------------------------------
git clone --quiet --no-checkout "$repo" "$tmp/src"
git -C "$tmp/src" checkout --quiet --detach "$(git rev-parse HEAD)"
for crate in conformance reference; do
  # --debug: the dev profile's dependencies are already in target/; a release build would
  # compile them all again.
  cargo install --quiet --locked --debug --path "$tmp/src/crates/$crate" \
    --root "$tmp/root" --target-dir "$target_dir"
done
mv "$tmp/src" "$tmp/moved"
mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"
here="$(pwd -P)"
bin="$tmp/root/bin"

fail() {
  echo "install.sh: $*" >&2
  exit 1
}

# --- 3. the installed binaries, from an empty folder --------------------------------------------
"$bin/reference" --help >/dev/null || fail "reference --help failed"

"$bin/conformance" suites >suites.txt || fail "conformance suites failed"
cat suites.txt
grep -q '^core ' suites.txt || fail "conformance suites does not list core"

"$bin/conformance" list >list.txt || fail "conformance list failed"
head -n 1 list.txt | grep -q '^suite `core`' || fail "conformance list did not list core"

# The built-in server on the built-in suite: every scenario must pass.
if ! "$bin/conformance" run >run.txt 2>&1; then
  cat run.txt
  fail "conformance run did not pass"
fi
# Only the score: a 'N passed, N failed' line here would read as the closing line of a test run.
grep '^score:' run.txt

# Every lab suite against its built-in reference, and a student's program spawned from its
# folder: the lab suites work from the installed binary too.
for lab in $(sed -n 's|^\(labs/[a-z-]*\) .*|\1|p' suites.txt); do
  if ! "$bin/conformance" run --suite "$lab" >lab.txt 2>&1; then
    cat lab.txt
    fail "conformance run --suite $lab (built-in reference) did not pass"
  fi
done
mkdir student
cp "$tmp/moved/fixtures/labs/greeter/server_blocking.py" student/server.py
if ! "$bin/conformance" run --suite labs/greeter --spawn 'python3 server.py {port}' \
  --cwd student >lab.txt 2>&1; then
  cat lab.txt
  fail "a correct greeter server, spawned, did not pass labs/greeter"
fi
echo "install.sh: every lab suite passes its reference; a spawned greeter passes"

"$bin/conformance" fixtures export D >export.txt || fail "fixtures export failed"
wrote="$(sed -n 's/^wrote \([0-9][0-9]*\) file(s).*/\1/p' export.txt)"
found="$(find D \( -type f -o -type l \) | wc -l)"
[ -n "$wrote" ] && [ "$wrote" -gt 0 ] && [ "$found" -eq "$wrote" ] ||
  fail "fixtures export: said '$(cat export.txt)', wrote $found file(s)"

# A suite that is nowhere: exit code 2, and the error says where it looked.
set +e
"$bin/conformance" list --suite no-such-suite 2>missing.txt
code=$?
set -e
[ "$code" -eq 2 ] || fail "a missing suite exited with $code, not 2"
grep -qF "$here/conformance/no-such-suite/suite.yaml" missing.txt ||
  fail "the missing-suite error does not name ./conformance/no-such-suite: $(cat missing.txt)"

echo "install.sh: the installed conformance and reference work from $here"
