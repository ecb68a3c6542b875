#!/usr/bin/env bash
# Tests the Python SDK (python/, distribution e2i-feature-store) against real feature servers.
#
#   bash .ci/python.sh            # after bin/test (it needs featurestore-cli/target/featurestore.jar)
#   bash .ci/python.sh -k seed    # extra arguments go to pytest
#
# Builds nothing: the tests start `java -jar featurestore.jar serve` themselves, on free loopback
# ports over temp folders (one store without API keys, one with a key made by `keys create`).
# The package is pip-installed with its extras (pip install './python[pandas,test]') into a venv
# under ~/.cache/e2i-python-venv, created when missing and reused after; it is reinstalled on every
# run so the tests always see this checkout's SDK.
# Environment knobs: FS_JAR, E2I_PYTHON_VENV, PYTHON (the interpreter that makes the venv: 3.10+).
set -euo pipefail
cd "$(dirname "$0")/.."

jar="${FS_JAR:-featurestore-cli/target/featurestore.jar}"
venv="${E2I_PYTHON_VENV:-$HOME/.cache/e2i-python-venv}"
python="${PYTHON:-python3}"

if [ ! -f "$jar" ]; then
  echo "python: $jar not found; run bin/test (or mvn package) first" >&2
  exit 2
fi
if [ -z "${JAVA_HOME:-}" ]; then
  . bin/java-env.sh
fi
export FS_JAR="$PWD/$jar"
case "$jar" in /*) export FS_JAR="$jar" ;; esac

if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "python: the SDK needs Python 3.10+, $("$python" --version 2>&1) found (set PYTHON=...)" >&2
  exit 2
fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  echo "# creating $venv" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
fi
echo "# pip install ./python[pandas,test] into $venv" >&2
"$venv/bin/pip" install -q './python[pandas,test]'
# A path requirement of an unchanged version may count as installed already: this checkout's SDK wins.
"$venv/bin/pip" install -q --force-reinstall --no-deps ./python
echo "# $("$venv/bin/python" --version), $("$venv/bin/pip" show e2i-feature-store | grep -i '^version' || true)" >&2

# Run from the tests' folder with the installed package (not python/src), as a user would import it.
cd python
status=0
"$venv/bin/python" -m pytest -p no:cacheprovider -ra "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "python: pytest collected no tests" >&2
fi
exit "$status"
