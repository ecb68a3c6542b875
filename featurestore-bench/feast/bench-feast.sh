#!/usr/bin/env bash
# Feast's SDK (remote online store) against Feast's own `feast serve` (SQLite) and against our
# server, same data, same run, one client: p50/p99 of get_online_features (issue 11).
#
#   bash featurestore-bench/feast/bench-feast.sh [--entities 1000] [--calls 5000] [--rounds 2]
#
# Needs featurestore-cli/target/featurestore.jar (bin/test or mvn package). Installs feast from
# PyPI into the venv .ci/feast.sh uses (~/.cache/e2i-feast-venv, reused). Prints `uptime` first
# and last, so the figures carry the machine's load. Knobs: FS_JAR, FEAST_VERSION, FEAST_VENV.
set -euo pipefail
cd "$(dirname "$0")/../.."

jar="${FS_JAR:-featurestore-cli/target/featurestore.jar}"
venv="${FEAST_VENV:-$HOME/.cache/e2i-feast-venv}"
version="${FEAST_VERSION:-0.67.*}"
if [ ! -f "$jar" ]; then
  echo "bench-feast: $jar not found; run bin/test (or mvn package) first" >&2
  exit 2
fi
if [ -z "${JAVA_HOME:-}" ]; then
  . bin/java-env.sh
fi
if [ ! -x "$venv/bin/feast" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q "feast==$version" pytest requests
fi
echo "# $(uptime)"
echo "# feast $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("feast"))')," \
  "java $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)"
FEAST_USAGE=False "$venv/bin/python" featurestore-bench/feast/bench_feast.py --jar "$jar" "$@"
echo "# $(uptime)"
