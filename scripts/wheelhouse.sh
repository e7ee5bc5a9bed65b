#!/usr/bin/env bash
# Builds the examples' wheelhouse: every pinned package of examples/*/requirements.txt as a
# wheel in one directory, so tests (and CI engines on this machine) install offline in seconds:
#
#   eval "$(scripts/wheelhouse.sh --env)"      # builds if needed, prints the PIP_* variables
#   python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
#
# The directory is $MLGEN_WHEELHOUSE, or ~/.cache/mlgen/wheelhouse. It is rebuilt only when the
# requirements files change (a stamp holds their hash), so a second run needs no network.
# `pip wheel` rather than `pip download`: some pins are source-only on PyPI (DVC's
# antlr4-python3-runtime), and an offline install cannot build them without setuptools.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${MLGEN_WHEELHOUSE:-${HOME}/.cache/mlgen/wheelhouse}
python=${PYTHON:-python3}
print_env=false
if [ "${1:-}" = "--env" ]; then print_env=true; fi

requirements=(examples/*/requirements.txt)
hash=$({ "$python" --version; cat "${requirements[@]}"; } | sha256sum | cut -d' ' -f1)
stamp="$dir/.stamp"

if [ "$(cat "$stamp" 2>/dev/null || true)" != "$hash" ]; then
  mkdir -p "$dir"
  args=()
  for file in "${requirements[@]}"; do args+=(-r "$file"); done
  echo "wheelhouse: building $dir from ${requirements[*]}" >&2
  # --find-links: wheels already there are reused, only new pins are fetched.
  "$python" -m pip wheel --quiet --find-links "$dir" --wheel-dir "$dir" "${args[@]}" >&2
  echo "$hash" >"$stamp"
else
  echo "wheelhouse: $dir is up to date" >&2
fi

if $print_env; then
  # PIP_COMPILE=false: byte-compiling ~8,000 modules is most of an install's time (measured:
  # 48 s with, 9 s without, for fraud-canary); Python compiles what it imports on first use.
  printf 'export PIP_FIND_LINKS=%q PIP_NO_INDEX=1 PIP_COMPILE=false PIP_DISABLE_PIP_VERSION_CHECK=1\n' "$dir"
fi
