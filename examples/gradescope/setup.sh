#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu). The
# autograder zip holds this folder: setup.sh, run_autograder, grading.env, an optional
# rubric.yaml, and bin/conformance, built for Linux x86-64 from the socket-lab repository:
#
#   cargo build --release -p conformance && cp target/release/conformance examples/gradescope/bin/
#   (cd examples/gradescope && zip -r ../autograder.zip .)
set -euo pipefail
source_dir="${SOURCE:-/autograder/source}"

apt-get update -qq
# The students' programs are Python; util-linux gives runuser.
apt-get install -y -qq --no-install-recommends python3 util-linux >/dev/null
install -m 0755 "$source_dir/bin/conformance" /usr/local/bin/conformance
# Student code runs as this unprivileged user (run_autograder's RUN_AS).
id student >/dev/null 2>&1 || useradd --create-home --shell /usr/sbin/nologin student
conformance --version
