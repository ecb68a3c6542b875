"""Feast's SDK against Feast's own feature server and against ours, in the same run (issue 11).

One client, one thread: ``FeatureStore.get_online_features`` (Feast's Python SDK with
``online_store: type: remote``) for one random entity and three features, timed end to end
(Feast's client work included: request building, JSON, response protos, ``to_dict()``); and the
bare HTTP request that call sends (``requests``, one keep-alive session), which leaves out the
client's own work.

- Feast: ``feast serve`` (its Python feature server, gunicorn + uvicorn, one worker, access log
  off, no worker recycling) over a SQLite online store, filled by ``write_to_online_store``.
- Ours: ``featurestore.jar serve`` over a fresh embedded store, filled by Feast's client too
  (``write_to_online_store`` through our ``/write-to-online-store``).

The same rows go to both; before timing, the answers of the two servers are compared for a sample
of entities (names, column order, values, statuses). Rounds alternate between the servers.

    python bench_feast.py --jar featurestore-cli/target/featurestore.jar \
        [--entities 1000] [--calls 5000] [--warmup 1000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
from feast import Entity, FeatureStore, FeatureView, Field, FileSource, PushSource, ValueType
from feast.types import Float64, Int64

VIEW = "driver_hourly_stats"
FEATURES = ["conv_rate", "acc_rate", "avg_daily_trips"]
REFS = [f"{VIEW}:{f}" for f in FEATURES]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, limit: float = 120) -> None:
    deadline = time.time() + limit
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url + "/health", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{url} did not answer /health within {limit} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def feast_repo(root: Path, online_store: str, source_file: Path) -> FeatureStore:
    """A Feast repo holding the view, with the given online_store YAML block."""
    root.mkdir(parents=True)
    (root / "feature_store.yaml").write_text(
        f"project: e2i_bench\nprovider: local\nregistry: {root / 'registry.db'}\n"
        + online_store
        + "offline_store:\n  type: file\nentity_key_serialization_version: 3\n"
    )
    fs = FeatureStore(repo_path=str(root))
    driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
    batch = FileSource(
        name="driver_stats_source", path=str(source_file), timestamp_field="event_timestamp"
    )
    push = PushSource(name="driver_stats_push", batch_source=batch)
    view = FeatureView(
        name=VIEW,
        entities=[driver],
        ttl=timedelta(days=30),
        schema=[
            Field(name="conv_rate", dtype=Float64),
            Field(name="acc_rate", dtype=Float64),
            Field(name="avg_daily_trips", dtype=Int64),
        ],
        source=push,
        online=True,
    )
    fs.apply([driver, batch, push, view])
    return fs


def call(fs: FeatureStore, driver_id: int) -> dict:
    return fs.get_online_features(
        features=REFS, entity_rows=[{"driver_id": driver_id}]
    ).to_dict()


def shape(fs: FeatureStore, ids: list[int]) -> tuple:
    """The entity column first, then per name its values and statuses. Feast's server orders a
    view's features as a Python set does (it varies with the server's hash seed), so the order of
    the feature columns is not compared; ours keeps the request's order."""
    resp = fs.get_online_features(features=REFS, entity_rows=[{"driver_id": i} for i in ids])
    names = list(resp.proto.metadata.feature_names.val)
    values = resp.to_dict()
    columns = {
        name: (values[name], list(resp.proto.results[i].statuses)) for i, name in enumerate(names)
    }
    return names[0], sorted(names), columns


def timed(fs: FeatureStore, ids: list[int], calls: int, seed: int) -> list[float]:
    rnd = random.Random(seed)
    out = []
    for _ in range(calls):
        driver_id = rnd.choice(ids)
        t0 = time.perf_counter_ns()
        call(fs, driver_id)
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


def timed_http(url: str, ids: list[int], calls: int, seed: int) -> list[float]:
    """The same request Feast's remote store sends, over one keep-alive session: the server and
    HTTP without Feast's client-side work."""
    import requests

    session = requests.Session()
    rnd = random.Random(seed)
    out = []
    for _ in range(calls):
        body = {
            "entities": {"driver_id": [rnd.choice(ids)]},
            "full_feature_names": False,
            "include_feature_view_version_metadata": False,
            "features": REFS,
        }
        t0 = time.perf_counter_ns()
        r = session.post(url + "/get-online-features", json=body)
        r.json()
        out.append((time.perf_counter_ns() - t0) / 1e6)
        if r.status_code != 200:
            sys.exit(f"{url}: {r.status_code} {r.text}")
    session.close()
    return out


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", required=True)
    ap.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "java"))
    ap.add_argument("--entities", type=int, default=1000)
    ap.add_argument("--calls", type=int, default=5000)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fs-feast-bench."))
    procs: list[subprocess.Popen] = []
    try:
        source_file = work / "driver_stats.parquet"
        now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
        rnd = random.Random(7)
        ids = list(range(1000, 1000 + args.entities))
        df = pd.DataFrame(
            {
                "driver_id": ids,
                "conv_rate": [round(rnd.random(), 6) for _ in ids],
                "acc_rate": [round(rnd.random(), 6) for _ in ids],
                "avg_daily_trips": [rnd.randrange(1000) for _ in ids],
                "event_timestamp": [now] * len(ids),
            }
        )
        df.head(0).to_parquet(source_file)

        # Ours: the group over our API, the rows through Feast's client.
        ours_port = free_port()
        ours_url = f"http://127.0.0.1:{ours_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FS_", "MLFLOW_"))}
        env["FS_OFFLINE_URL"] = f"embedded:{work / 'ours-data'}"
        ours_log = work / "ours.log"
        ours = subprocess.Popen(
            [args.java, "-jar", args.jar, "serve", "--host", "127.0.0.1", "--port", str(ours_port)],
            env=env, stdout=ours_log.open("w"), stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        procs.append(ours)
        wait_healthy(ours_url, ours, ours_log)
        import requests

        r = requests.post(ours_url + "/api/v1/feature-groups", json={"name": VIEW}, timeout=30)
        assert r.status_code in (200, 201), r.text
        for name, t in [("conv_rate", "float64"), ("acc_rate", "float64"), ("avg_daily_trips", "int64")]:
            r = requests.post(
                f"{ours_url}/api/v1/feature-groups/{VIEW}/features",
                json={"name": name, "value_type": t, "entity_keys": ["driver_id"]},
                timeout=30,
            )
            assert r.status_code in (200, 201), r.text
        ours_client = feast_repo(
            work / "client-ours", f"online_store:\n  type: remote\n  path: {ours_url}\n", source_file
        )
        ours_client.write_to_online_store(VIEW, df)

        # Feast: a SQLite online store filled locally, served by `feast serve`.
        server_repo = work / "feast-server"
        local = feast_repo(
            server_repo,
            f"online_store:\n  type: sqlite\n  path: {server_repo / 'online.db'}\n",
            source_file,
        )
        local.write_to_online_store(VIEW, df)
        feast_port = free_port()
        feast_url = f"http://127.0.0.1:{feast_port}"
        feast_log = work / "feast.log"
        feast_bin = str(Path(sys.executable).with_name("feast"))
        feast = subprocess.Popen(
            [feast_bin, "serve", "-h", "127.0.0.1", "-p", str(feast_port), "--workers", "1",
             "--no-access-log", "--max-requests", "0"],
            cwd=server_repo, env={**os.environ, "FEAST_USAGE": "False"},
            stdout=feast_log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        procs.append(feast)
        wait_healthy(feast_url, feast, feast_log)
        feast_client = feast_repo(
            work / "client-feast", f"online_store:\n  type: remote\n  path: {feast_url}\n",
            source_file,
        )

        # Same answers (names, order, values, statuses), including an unknown entity.
        sample = ids[:5] + [10**9]
        a, b = shape(feast_client, sample), shape(ours_client, sample)
        if a != b:
            sys.exit(f"the servers disagree:\nfeast: {a}\nours:  {b}")
        print(f"# same answers from both servers for {len(sample)} entities: {a[1]}")

        # Feast's SDK end to end, and the bare HTTP request it sends, against each server.
        runs = {
            "feast server, Feast SDK": lambda n, seed: timed(feast_client, ids, n, seed),
            "our server,   Feast SDK": lambda n, seed: timed(ours_client, ids, n, seed),
            "feast server, bare HTTP": lambda n, seed: timed_http(feast_url, ids, n, seed),
            "our server,   bare HTTP": lambda n, seed: timed_http(ours_url, ids, n, seed),
        }
        results: dict[str, list[float]] = {name: [] for name in runs}
        for run in runs.values():
            run(args.warmup, 1)
        for rnd_no in range(args.rounds):
            for name, run in runs.items():
                xs = run(args.calls, 100 + rnd_no)
                results[name] += xs
                print(
                    f"round {rnd_no + 1} {name}: p50 {pct(xs, 50):.3f} ms  p99 {pct(xs, 99):.3f} ms"
                    f"  mean {statistics.fmean(xs):.3f} ms  ({len(xs)} calls)"
                )
        for name, xs in results.items():
            print(
                f"all     {name}: p50 {pct(xs, 50):.3f} ms  p99 {pct(xs, 99):.3f} ms"
                f"  mean {statistics.fmean(xs):.3f} ms  ({len(xs)} calls)"
            )
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
