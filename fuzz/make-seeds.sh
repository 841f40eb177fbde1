#!/usr/bin/env bash
# Writes the seed corpora of fuzz/seeds/ from the repository's fixtures (run from anywhere; the
# result is committed). libFuzzer grows its own corpus in fuzz/corpus/ (not committed) from these.
#   wire_client, wire_server  fixtures/wire/{client,server} and their invalid/ twins, each after
#                             two bytes: limits 0 (the spec's minimum), chunks of 8
#   wire_datagram             every wire fixture, after one byte: limits 0
#   scenario_load             conformance/core's scenarios, fixtures/scenarios/invalid/*, and per
#                             lab and fixture suite its suite.yaml, NUL, its first scenario
# wire_roundtrip and report_writers take structured input: they start from an empty corpus.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seeds="$root/fuzz/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{wire_client,wire_server,wire_datagram,scenario_load}

for side in client server; do
  for f in "$root"/fixtures/wire/$side/*.bin "$root"/fixtures/wire/invalid/$side/*.bin; do
    name="$(realpath --relative-to="$root/fixtures/wire" "$f" | tr / - | sed 's/\.bin$//')"
    { printf '\x00\x07'; cat "$f"; } >"$seeds/wire_$side/$name"
    { printf '\x00'; cat "$f"; } >"$seeds/wire_datagram/$name"
  done
done

for f in "$root"/conformance/core/[0-9]*.yaml "$root"/fixtures/scenarios/invalid/*.yaml; do
  cp "$f" "$seeds/scenario_load/$(basename "$(dirname "$f")")-$(basename "$f" .yaml)"
done
for dir in "$root"/conformance/labs/*/ "$root"/fixtures/scenarios/*/; do
  [ -f "$dir/suite.yaml" ] || continue
  first="$(find "$dir" -maxdepth 1 -name '*.yaml' ! -name suite.yaml | sort | head -1)"
  { cat "$dir/suite.yaml"; printf '\0'; [ -z "$first" ] || cat "$first"; } \
    >"$seeds/scenario_load/suite-$(basename "$dir")"
done
