#!/usr/bin/env bash
# Fuzzes the HTTP API against its own /openapi.json with schemathesis (every check, a fixed seed,
# a bounded example count, stateful runs along the document's links) and fails on any finding.
#
#   bash .ci/schemathesis.sh            # after bin/test (it needs featurestore-cli/target/featurestore.jar)
#
# Builds nothing: it starts `java -jar featurestore.jar serve` on a fresh embedded store in a temp
# dir (loopback only), writes a group with a feature of every value type and a value of each through
# the API, then runs `schemathesis run` with .ci/schemathesis.toml (which says why a few operations
# may answer 400 to a schema-valid request). Schemathesis is pip-installed into a venv under
# ~/.cache/e2i-schemathesis-venv (reused when present).
# Environment knobs: FS_JAR, SCHEMATHESIS_VERSION (default 4.32.5, empty for the newest 4.x),
# SCHEMATHESIS_VENV, SCHEMATHESIS_MAX_EXAMPLES (100), SCHEMATHESIS_SEED (42).
set -euo pipefail
cd "$(dirname "$0")/.."

jar="${FS_JAR:-featurestore-cli/target/featurestore.jar}"
venv="${SCHEMATHESIS_VENV:-$HOME/.cache/e2i-schemathesis-venv}"
version="${SCHEMATHESIS_VERSION-4.32.5}"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-100}"
seed="${SCHEMATHESIS_SEED:-42}"

if [ ! -f "$jar" ]; then
  echo "schemathesis: $jar not found; run bin/test (or mvn package) first" >&2
  exit 2
fi
if [ -z "${JAVA_HOME:-}" ]; then
  . bin/java-env.sh
fi

spec="schemathesis>=4,<5"
if [ -n "$version" ]; then
  spec="schemathesis==$version"
fi
if [ ! -x "$venv/bin/st" ] || ! "$venv/bin/python" -c "import sys, importlib.metadata as m; \
    v = m.version('schemathesis'); sys.exit(0 if v.startswith('4.') and ('$version' in ('', v)) else 1)"; then
  echo "# installing $spec into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q "$spec"
fi
echo "# $("$venv/bin/st" --version)" >&2

work="$(mktemp -d "${TMPDIR:-/tmp}/fs-schemathesis.XXXXXX")"
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
fs() {
  env -u FS_TRACKING_URI -u MLFLOW_TRACKING_URI -u FS_ONLINE_URL -u FS_CONFIG -u FS_API_KEY \
    FS_OFFLINE_URL="embedded:$work/data" "$JAVA_HOME/bin/java" -Xmx512m -jar "$jar" "$@"
}

# With API keys (when this build has them) the server runs as in production, and the fuzzer also
# checks that a request without the key is refused. The key's last output line is the key.
key=""
if fs keys --help >/dev/null 2>&1; then
  key="$(fs keys create --name schemathesis --read '*' --write '*' --admin '*' 2>"$work/keys.log" \
    | tail -n 1)"
  if [ -z "$key" ]; then
    echo "schemathesis: could not create an API key:" >&2
    cat "$work/keys.log" >&2
    exit 2
  fi
  echo "# fuzzing with an API key (read, write, admin on '*')" >&2
fi

# exec: the background subshell becomes java itself, so $! is the server's pid and cleanup's kill
# stops it (killing the subshell left the server running after the script).
(exec env -u FS_TRACKING_URI -u MLFLOW_TRACKING_URI -u FS_ONLINE_URL -u FS_CONFIG -u FS_API_KEY \
  FS_OFFLINE_URL="embedded:$work/data" "$JAVA_HOME/bin/java" -Xmx512m -jar "$jar" \
  serve --host 127.0.0.1 --port "$port") >"$work/server.log" 2>&1 </dev/null &
server_pid=$!

FS_FUZZ_KEY="$key" python3 - "$url" <<'PY'
import json, os, sys, time, urllib.error, urllib.request

url = sys.argv[1]
headers = {"content-type": "application/json"}
if os.environ.get("FS_FUZZ_KEY"):
    headers["authorization"] = "Bearer " + os.environ["FS_FUZZ_KEY"]

def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

deadline = time.time() + 120
while True:
    try:
        if call("GET", "/health")[0] == 200:
            break
    except OSError:
        pass
    if time.time() > deadline:
        sys.exit("schemathesis: the server did not answer /health within 120 s")
    time.sleep(0.5)

def ok(status_body, *expected):
    status, body = status_body
    if status not in expected:
        sys.exit(f"schemathesis: seeding failed with {status}: {body[:300]!r}")

ok(call("POST", "/api/v1/feature-groups", {
    "name": "hcp_demographics", "description": "seeded for the fuzzer", "owner": "ci",
    "tags": ["hcp"], "expected_update_frequency_hours": 24, "max_age_hours": 720}), 201)
values = {
    "string": "Oncology", "int64": 12, "float64": 0.5, "bool": True,
    "timestamp": "2025-01-02T03:04:05Z",
    "string_list": ["a", "b"], "int64_list": [1, 2], "float64_list": [0.5, 1.5],
    "bool_list": [True, False], "timestamp_list": ["2025-01-02T03:04:05Z"],
}
for value_type, value in values.items():
    ok(call("POST", "/api/v1/feature-groups/hcp_demographics/features", {
        "name": "f_" + value_type, "value_type": value_type, "entity_keys": ["hcp_id"]}), 201)
    ok(call("POST", "/api/v1/feature-values", {
        "feature_name": "f_" + value_type, "feature_group": "hcp_demographics",
        "entity_values": {"hcp_id": "HCP1"}, "value": value,
        "event_timestamp": "2025-01-02T00:00:00Z"}), 201)
ok(call("POST", "/api/v1/feature-groups", {"name": "no_bounds"}), 201)
ok(call("POST", "/api/v1/feature-groups/no_bounds/features", {
    "name": "visits", "value_type": "int64", "entity_keys": ["hcp_id", "brand_id"]}), 201)
ok(call("POST", "/api/v1/feature-values", {
    "feature_name": "visits", "entity_values": {"hcp_id": "HCP1", "brand_id": "B1"},
    "value": 3}), 201)
print("# seeded: 2 groups, 11 features, 11 values", file=sys.stderr)
PY

echo "# schemathesis run $url/openapi.json --checks all --seed $seed --max-examples $max_examples" >&2
started=$(date +%s)
status=0
config="$PWD/.ci/schemathesis.toml"
auth=()
if [ -n "$key" ]; then
  auth=(--header "Authorization: Bearer $key")
fi
# Run inside the temp dir: schemathesis keeps a cache (.schemathesis/) in its working directory.
(cd "$work" && "$venv/bin/st" --config-file "$config" run "$url/openapi.json" \
  --checks all \
  --seed "$seed" \
  --max-examples "$max_examples" \
  "${auth[@]}" \
  --phases examples,coverage,fuzzing,stateful \
  --request-timeout 30 \
  --no-color \
  --report junit --report-dir "$work/report") | tee "$work/st.out" || status=$?
echo "# schemathesis finished in $(($(date +%s) - started)) s with exit code $status" >&2
# Its own summary ends like pytest's ("N warnings in Ns"); say plainly what ran, as the last line.
cases="$(grep -A1 '^Test cases:' "$work/st.out" | tail -n 1 || true)"
passed="$(grep -oE '[0-9]+ passed' <<<"$cases" | grep -oE '[0-9]+' || echo 0)"
failed="$(grep -oE '[0-9]+ failed' <<<"$cases" | grep -oE '[0-9]+' || echo 0)"
# With failures the line reads "N generated, 1 found F unique failure(s), S skipped".
if grep -qE 'unique failure' <<<"$cases"; then
  failed="$(grep -oE '[0-9]+ unique failure' <<<"$cases" | grep -oE '[0-9]+')"
  generated="$(grep -oE '[0-9]+ generated' <<<"$cases" | grep -oE '[0-9]+' || echo 0)"
  passed="$generated cases generated, not all"
fi
if [ "$status" -ne 0 ] && [ "$failed" = "0" ]; then
  failed=1
fi
if [ "$status" -ne 0 ]; then
  echo "# server log (last 60 lines):" >&2
  tail -n 60 "$work/server.log" >&2 || true
fi
echo "schemathesis: $passed passed, $failed failed"
exit "$status"
