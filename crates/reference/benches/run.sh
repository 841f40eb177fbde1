#!/usr/bin/env bash
# The load bench with its baselines: installs `ncat` and `iperf3` when missing (Debian/Ubuntu,
# as root or with sudo), then runs `cargo bench -p reference --bench load` with the arguments
# given (`--help` lists them). Not run in CI: it takes about 30 s and a quiet machine.
set -euo pipefail
missing=()
for tool in ncat iperf3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})) && command -v apt-get >/dev/null; then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "installing ${missing[*]} for the baselines" >&2
  $sudo apt-get install -y "${missing[@]}" >&2 || echo "could not install ${missing[*]}: their figures are skipped" >&2
fi
cd "$(dirname "$0")/../../.."
exec cargo bench -p reference --bench load -- "$@"
