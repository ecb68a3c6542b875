"""Python SDK figures (issue 11), on a warm embedded server over loopback.

1. online: ``fs.get_entity_features`` from one client, one call at a time: p50/p90/p99/p99.9 in ms
   (targets: p50 < 0.5 ms, p99 < 2 ms), also through httpx alone (``fast_reads=False``).
2. training: 1,000,000 spine rows x 10 features into a pandas DataFrame with
   ``fs.get_training_data`` vs the server's own Parquet export of the same request (the JSON body
   built beforehand, the Parquet bytes streamed to a file): target no more than 2 s slower.

    python python/bench/bench_online.py                       # starts the jar (FS_JAR or the checkout's)
    python python/bench/bench_online.py --url http://127.0.0.1:8080 --skip-training
    python python/bench/bench_online.py --rows 100000 --entities 10000   # a quick run

Needs ``pip install './python[pandas]'``. Prints one line per figure and ``uptime`` before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from e2i_feature_store import FeatureStoreClient, LocalServer
from e2i_feature_store import _training

GROUP = "bench_hcp"
FEATURES = [f"f{i}" for i in range(10)]


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "uptime: n/a"


def setup(fs: FeatureStoreClient, entities: int, days: int) -> None:
    """10 float64 features of one group; ``days`` daily values per entity and feature."""
    fs.create_feature_group(GROUP, expected_update_frequency_hours=24, max_age_hours=24 * 400)
    for name in FEATURES:
        fs.create_feature(GROUP, name, "float64", ["hcp_id"])
    start = dt.datetime(2025, 1, 1)
    batch: list[dict[str, object]] = []
    written = 0
    t0 = time.perf_counter()
    for day in range(days):
        ts = start + dt.timedelta(days=day)
        for e in range(entities):
            entity = {"hcp_id": f"HCP{e:07d}"}
            for i, name in enumerate(FEATURES):
                batch.append({"feature_name": name, "entity_values": entity, "value": e * 0.001 + i + day,
                              "event_timestamp": ts})
            if len(batch) >= 200_000:
                written += fs.write_batch_features(batch, feature_group=GROUP)
                batch = []
    if batch:
        written += fs.write_batch_features(batch, feature_group=GROUP)
    print(f"setup: {written:,} values ({entities:,} entities x {len(FEATURES)} features x {days} days) "
          f"in {time.perf_counter() - t0:.1f} s", flush=True)


def percentiles(samples: list[float]) -> str:
    s = sorted(samples)
    pick = lambda q: s[min(len(s) - 1, int(q * len(s)))] * 1000  # noqa: E731
    return (f"p50 {pick(0.50):.3f} ms, p90 {pick(0.90):.3f} ms, p99 {pick(0.99):.3f} ms, "
            f"p99.9 {pick(0.999):.3f} ms, mean {statistics.fmean(s) * 1000:.3f} ms (n={len(s):,})")


def bench_online(url: str, api_key: str | None, entities: int, calls: int, fast: bool) -> None:
    rng = random.Random(42)
    with FeatureStoreClient(url, api_key=api_key, fast_reads=fast) as fs:
        ids = [f"HCP{rng.randrange(entities):07d}" for _ in range(calls)]
        for i in range(min(5_000, calls)):  # warm: JIT, caches, connections
            fs.get_entity_features({"hcp_id": ids[i]}, GROUP)
        samples = []
        clock = time.perf_counter
        for hcp in ids:
            t = clock()
            ef = fs.get_entity_features({"hcp_id": hcp}, GROUP)
            samples.append(clock() - t)
        assert len(ef.features) == len(FEATURES), ef.features
    lane = "SDK (http.client fast lane)" if fast else "SDK over httpx only (fast_reads=False)"
    print(f"online get_entity_features, {lane}, 10 features, one client: {percentiles(samples)}", flush=True)


def spine(rows: int, entities: int, days: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    start = np.datetime64("2025-01-01T12:00:00")
    return pd.DataFrame({
        "hcp_id": [f"HCP{e:07d}" for e in rng.integers(0, entities, rows)],
        "event_timestamp": start + rng.integers(0, days * 86_400, rows).astype("timedelta64[s]"),
        "label": rng.integers(0, 2, rows),
    })


def bench_training(url: str, api_key: str | None, df: pd.DataFrame, rounds: int, out_dir: Path) -> None:
    import httpx

    refs = [f"{GROUP}:{f}" for f in FEATURES]
    headers = {"content-type": "application/json"}
    if api_key:
        headers["authorization"] = f"Bearer {api_key}"
    body = bytes(_training.request_body(df, refs, "event_timestamp", None, None, "parquet"))
    print(f"training: spine {len(df):,} rows, request body {len(body) / 1e6:.1f} MB", flush=True)
    with FeatureStoreClient(url, api_key=api_key, training_timeout=1800) as fs, \
            httpx.Client(base_url=url, timeout=1800) as http:
        for r in range(1, rounds + 1):
            t0 = time.perf_counter()
            size = 0
            with http.stream("POST", "/api/v1/training-data", content=body, headers=headers) as res:
                res.raise_for_status()
                with open(out_dir / "export.parquet", "wb") as f:
                    for chunk in res.iter_bytes(1 << 20):
                        f.write(chunk)
                        size += len(chunk)
            export = time.perf_counter() - t0

            t0 = time.perf_counter()
            frame = fs.get_training_data(df, refs)
            sdk = time.perf_counter() - t0
            assert frame.shape == (len(df), 3 + len(FEATURES)), frame.shape
            print(f"training round {r}: server Parquet export {export:.2f} s ({size / 1e6:.1f} MB), "
                  f"SDK into a DataFrame {sdk:.2f} s ({sdk - export:+.2f} s) shape {frame.shape}", flush=True)

        # Where the SDK's extra time goes: encoding the spine, and decoding the Parquet.
        t0 = time.perf_counter()
        bytes(_training.request_body(df, refs, "event_timestamp", None, None, "parquet"))
        encode = time.perf_counter() - t0
        data = (out_dir / "export.parquet").read_bytes()
        t0 = time.perf_counter()
        _training.to_frame(_training.Answer(200, {}, data))
        decode = time.perf_counter() - t0
        print(f"training: spine to JSON {encode:.2f} s, Parquet to DataFrame {decode:.2f} s", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="a running server (it must not hold the bench group yet); default: start the jar")
    p.add_argument("--api-key", default=os.environ.get("FS_API_KEY"))
    p.add_argument("--entities", type=int, default=100_000)
    p.add_argument("--days", type=int, default=10, help="values per entity and feature")
    p.add_argument("--calls", type=int, default=20_000)
    p.add_argument("--rows", type=int, default=1_000_000, help="spine rows for the training figure")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--skip-training", action="store_true")
    args = p.parse_args()

    print(f"# {uptime()}", flush=True)
    print(f"# python {sys.version.split()[0]}, pandas {pd.__version__}", flush=True)
    with tempfile.TemporaryDirectory(prefix="fs-pybench-") as tmp:
        server = None
        url = args.url
        if url is None:
            server = LocalServer(Path(tmp) / "data", java_options=["-Xmx3g"])
            url = server.url
        try:
            with FeatureStoreClient(url, api_key=args.api_key, training_timeout=1800) as fs:
                setup(fs, args.entities, args.days)
            bench_online(url, args.api_key, args.entities, args.calls, fast=True)
            bench_online(url, args.api_key, args.entities, args.calls, fast=False)
            bench_online(url, args.api_key, args.entities, args.calls, fast=True)
            if not args.skip_training:
                bench_training(url, args.api_key, spine(args.rows, args.entities, args.days), args.rounds, Path(tmp))
        finally:
            if server is not None:
                server.stop()
    print(f"# {uptime()}", flush=True)


if __name__ == "__main__":
    main()
