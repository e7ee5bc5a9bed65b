#!/usr/bin/env bash
# Builds nektos/act from the Go module proxy, once per machine, and prints the binary's path.
#
# The GitHub workflows mlgen generates run for real under act in the tests
# (tests/engines/github/act.ts). act is pinned: a new act can change how it runs jobs, and a
# test run must not depend on the day it ran. v0.2.89 is the newest release on the proxy and
# builds with go 1.26. The binary is cached under ${XDG_CACHE_HOME:-$HOME/.cache}: the build takes
# a minute or more on a 2-core machine, a rerun takes nothing. Running this again is a no-op.
#
# Usage: scripts/install-act.sh            prints /…/mlgen-tests/act-v0.2.89/act
set -euo pipefail

ACT_VERSION=v0.2.89
cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/mlgen-tests
bin_dir=$cache_root/act-$ACT_VERSION
act=$bin_dir/act

# The version check, not just the file's existence: a binary cut short by an interrupted build
# or replaced by hand is rebuilt.
if [ -x "$act" ] && "$act" --version 2>/dev/null | grep -qx "act version ${ACT_VERSION#v}"; then
  echo "$act"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-act: go is not on PATH; install Go 1.22 or newer (act $ACT_VERSION is built from source)" >&2
  exit 1
fi

mkdir -p "$bin_dir"
# Built into a scratch GOBIN first and moved into place, so a failed build never leaves a
# half-written binary where the check above would find it.
scratch=$(mktemp -d "$bin_dir/.build.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# Progress goes to stderr: stdout carries only the path, for `MLGEN_ACT=$(scripts/install-act.sh)`.
if ! GOBIN=$scratch GOFLAGS=-buildvcs=false go install "github.com/nektos/act@$ACT_VERSION" >&2; then
  echo "install-act: 'go install github.com/nektos/act@$ACT_VERSION' failed (the error above is the Go module proxy's or the compiler's)" >&2
  exit 1
fi
mv "$scratch/act" "$act"
echo "$act"
