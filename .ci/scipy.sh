#!/usr/bin/env bash
# A venv with numpy and scipy for the data-quality tests (featurestore-quality's ScipyParityTest
# compares the KS statistic and p-value with scipy.stats.ks_2samp(method="asymp")). Created under
# ~/.cache/e2i-scipy-venv when missing, reused after; prints the interpreter's path.
# .ci/run sources it before bin/test and exports FS_SCIPY_PYTHON, so the test runs (it fails
# under CI=true when no interpreter with scipy is found, and is skipped elsewhere).
#
#   bash .ci/scipy.sh        # creates the venv and prints its python
set -euo pipefail
venv="${E2I_SCIPY_VENV:-$HOME/.cache/e2i-scipy-venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import scipy, numpy' 2>/dev/null; then
  echo "# creating $venv (numpy, scipy)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip >&2
  "$venv/bin/pip" install -q numpy scipy >&2
fi
echo "$venv/bin/python"
