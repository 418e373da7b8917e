#!/usr/bin/env bash
# Runs Eventure 0.4.4's own test suite, unmodified, against the tickcascade
# Python package: the suite comes from the sdist on the package registry (it
# is not copied into this repository), and a shim package named `eventure`,
# on the test run's path only, re-exports `tickcascade`.
#
#   scripts/run_eventure_tests.sh PYTHON
#
# PYTHON is an interpreter where `tickcascade` and pytest are installed.
set -euo pipefail
python="${1:?usage: scripts/run_eventure_tests.sh PYTHON}"
# The tests run from the sdist's directory: make a relative path absolute.
case "$python" in
  /*) ;;
  */*) python="$PWD/$python" ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/target/eventure-tests"
mkdir -p "$work"
if [ ! -f "$work/eventure-0.4.4.tar.gz" ]; then
  "$python" -m pip download --quiet --no-deps --no-binary :all: eventure==0.4.4 -d "$work"
fi
rm -rf "$work/src" "$work/shim"
mkdir -p "$work/src" "$work/shim/eventure"
tar -xzf "$work/eventure-0.4.4.tar.gz" -C "$work/src"
cat > "$work/shim/eventure/__init__.py" <<'PY'
"""Eventure's name for the tickcascade package (test runs only)."""
from tickcascade import *  # noqa: F401,F403
from tickcascade import Event, EventBus, EventLog, EventQuery  # noqa: F401
PY
cd "$work/src/eventure-0.4.4"
# The sdist's tests, as published; only the import path points elsewhere.
PYTHONPATH="$work/shim" "$python" -m pytest -q -p no:cacheprovider tests
