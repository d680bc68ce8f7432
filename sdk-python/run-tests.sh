#!/usr/bin/env bash
# Python SDK tests, on a fresh Debian machine with only python3 (>= 3.11): creates .venv (installing
# python3-venv with apt-get when Debian's python lacks it), installs the package editable with its
# test extras (the build generates the protobuf/gRPC stubs from ../proto), runs pytest.
# The client tests start the gateway jar: build it first (scripts/test-all.sh does) or set
# TIDEGATE_GATEWAY_JAR. Extra arguments go to pytest; the exit code is pytest's.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
PYTHON=${PYTHON:-python3}

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "run-tests: $PYTHON not found; install Python 3.11 or newer" >&2
  exit 2
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "run-tests: $("$PYTHON" --version 2>&1) is too old; Python >= 3.11 is needed" >&2
  exit 2
fi

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  rm -rf .venv
  if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    pyver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    echo "run-tests: installing python3-venv (python$pyver-venv) with apt-get"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv "python$pyver-venv" >/dev/null \
      || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  "$PYTHON" -m venv .venv
fi

.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
exec .venv/bin/python -m pytest "$@"
