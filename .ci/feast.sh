#!/usr/bin/env bash
# Feast's own Python SDK against our server (issue 11): installs `feast` from PyPI into a venv,
# starts `featurestore.jar serve` on a fresh embedded store in a temp dir (loopback only) and runs
# .ci/feast/ with pytest: Feast's client writes (write_to_online_store, push) and reads
# (get_online_features, statuses PRESENT / OUTSIDE_MAX_AGE / NOT_FOUND) through a feature_store.yaml
# with `online_store: type: remote`, and every read is compared with our /api/v1/online-features.
#
#   bash .ci/feast.sh            # after bin/test (it needs featurestore-cli/target/featurestore.jar)
#
# Environment knobs: FS_JAR, FEAST_VERSION (default 0.67.*), FEAST_VENV
# (default ~/.cache/e2i-feast-venv, reused when it holds that version).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

jar="${FS_JAR:-featurestore-cli/target/featurestore.jar}"
venv="${FEAST_VENV:-$HOME/.cache/e2i-feast-venv}"
version="${FEAST_VERSION:-0.67.*}"

if [ ! -f "$jar" ]; then
  echo "feast: $jar not found; run bin/test (or mvn package) first" >&2
  exit 2
fi
if [ -z "${JAVA_HOME:-}" ]; then
  . bin/java-env.sh
fi

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" - "$version" <<'PY' 2>/dev/null; then
import fnmatch, importlib.metadata as m, sys
ok = fnmatch.fnmatch(m.version("feast"), sys.argv[1]) and m.version("pytest")
sys.exit(0 if ok else 1)
PY
  echo "# installing feast==$version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q "feast==$version" pytest requests
fi
echo "# feast $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("feast"))')" >&2

work="$(mktemp -d "${TMPDIR:-/tmp}/fs-feast.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"

# A fresh embedded store, nothing else: no tracking server, no settings from the environment.
env -u FS_TRACKING_URI -u MLFLOW_TRACKING_URI -u FS_ONLINE_URL -u FS_CONFIG -u FS_API_KEY \
  FS_OFFLINE_URL="embedded:$work/data" "$JAVA_HOME/bin/java" -Xmx512m -jar "$jar" \
  serve --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 </dev/null &
server_pid=$!

deadline=$(($(date +%s) + 120))
healthy() {
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/health", timeout=5)' \
    "$url" >/dev/null 2>&1
}
until healthy; do
  if ! kill -0 "$server_pid" 2>/dev/null || [ "$(date +%s)" -gt "$deadline" ]; then
    echo "feast: the server did not answer /health within 120 s" >&2
    tail -n 40 "$work/server.log" >&2 || true
    exit 2
  fi
  sleep 0.5
done

status=0
# No network but the loopback: Feast must not phone home.
(cd "$work" && env -u FS_API_KEY FEAST_USAGE=False FS_FEAST_URL="$url" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/.ci/feast") || status=$?
if [ "$status" -ne 0 ]; then
  echo "# server log (last 60 lines):" >&2
  tail -n 60 "$work/server.log" >&2 || true
fi
exit "$status"
