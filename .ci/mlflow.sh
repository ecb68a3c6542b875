#!/usr/bin/env bash
# Starts a local MLflow tracking server for the featurestore-mlflow tests.
#
#   source .ci/mlflow.sh          # exports MLFLOW_TRACKING_URI and MLFLOW_SERVER_PID
#   bash .ci/mlflow.sh            # prints the export lines (eval "$(bash .ci/mlflow.sh)")
#   bash .ci/mlflow.sh stop       # stops a server this script started
#
# MLflow is pip-installed into a venv under ~/.cache/e2i-mlflow-venv (reused when present). The
# server listens on loopback only, keeps its runs in SQLite under a temp dir and proxies artifacts
# (--serve-artifacts), which the tracker needs to upload description.txt / computation_query.sql.
# Environment knobs: MLFLOW_PORT (5055), MLFLOW_VERSION (default 3.17.2, empty for the latest), MLFLOW_VENV,
# MLFLOW_WAIT_SECONDS (120).

# GET url -> 0 when it answers 200; curl if present, else python (a fresh machine may lack curl).
_e2i_mlflow_ok() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -m 2 "$1" >/dev/null 2>&1
  else
    python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" \
      >/dev/null 2>&1
  fi
}

_e2i_mlflow_main() {
  local port="${MLFLOW_PORT:-5055}"
  local venv="${MLFLOW_VENV:-$HOME/.cache/e2i-mlflow-venv}"
  # Pinned to the version the tests were written against; MLFLOW_VERSION= (empty) takes the latest.
  local version="${MLFLOW_VERSION-3.17.2}"
  local spec="mlflow"
  if [ -n "$version" ]; then
    spec="mlflow==$version"
  fi
  local wait_s="${MLFLOW_WAIT_SECONDS:-120}"
  local state="${TMPDIR:-/tmp}/e2i-mlflow-$port"
  local uri="http://127.0.0.1:$port"

  if [ "${1:-}" = "stop" ]; then
    if [ -f "$state/pid" ]; then
      # The server is a session leader (setsid): end its whole group, workers included.
      kill -- "-$(cat "$state/pid")" 2>/dev/null || kill "$(cat "$state/pid")" 2>/dev/null || true
      rm -f "$state/pid"
      echo "# mlflow server on port $port stopped" >&2
    fi
    return 0
  fi

  # Already up (e.g. a previous call in the same CI run): reuse it.
  if _e2i_mlflow_ok "$uri/health"; then
    echo "# mlflow server already answering on $uri" >&2
    echo "export MLFLOW_TRACKING_URI=$uri"
    export MLFLOW_TRACKING_URI="$uri"
    return 0
  fi

  if [ ! -x "$venv/bin/mlflow" ]; then
    echo "# installing $spec into $venv (first run takes a few minutes)" >&2
    python3 -m venv "$venv" >&2 || return 1
    "$venv/bin/pip" install -q --upgrade pip >&2 || return 1
    "$venv/bin/pip" install -q "$spec" >&2 || return 1
  fi
  echo "# $("$venv/bin/mlflow" --version 2>/dev/null)" >&2

  rm -rf "$state"
  mkdir -p "$state/artifacts"
  # Own process group (setsid) so `stop` ends the uvicorn workers too. The GenAI job runner
  # (a dozen huey consumers) is of no use to tracking and would eat the shared CPUs.
  MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false setsid "$venv/bin/mlflow" server \
    --host 127.0.0.1 --port "$port" \
    --backend-store-uri "sqlite:///$state/mlflow.db" \
    --serve-artifacts --artifacts-destination "$state/artifacts" \
    --workers 1 \
    >"$state/server.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$state/pid"

  local waited=0
  until _e2i_mlflow_ok "$uri/health"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "# mlflow server exited; log:" >&2
      tail -n 40 "$state/server.log" >&2
      return 1
    fi
    if [ "$waited" -ge "$wait_s" ]; then
      echo "# mlflow server not answering on $uri after ${wait_s}s; log:" >&2
      tail -n 40 "$state/server.log" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "# mlflow server up on $uri after ${waited}s (pid $pid, log $state/server.log)" >&2
  echo "export MLFLOW_TRACKING_URI=$uri"
  echo "export MLFLOW_SERVER_PID=$pid"
  echo "# stop with: bash .ci/mlflow.sh stop" >&2
  export MLFLOW_TRACKING_URI="$uri"
  export MLFLOW_SERVER_PID="$pid"
  export MLFLOW_PID="$pid" # the name .ci/run's cleanup uses
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  _e2i_mlflow_main "$@"
  exit $?
else
  _e2i_mlflow_main "$@"
fi
