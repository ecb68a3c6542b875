"""Feast's own Python SDK against our server (issue 11), run by .ci/feast.sh.

A small Feast repo (feature_store.yaml with ``online_store: type: remote`` pointed at our server,
a local registry file, an entity, a push source and a feature view) mirrors a feature group made
over our API. Feast's client writes (``write_to_online_store``, ``push``) and reads
(``get_online_features``); every read is compared with our own ``/api/v1/online-features``.

Environment: FS_FEAST_URL (the server, required), FS_API_KEY (optional bearer key).
"""

from __future__ import annotations

import os
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
import requests
from feast import (
    Entity,
    FeatureService,
    FeatureStore,
    FeatureView,
    Field,
    FileSource,
    PushSource,
    ValueType,
)
from feast.protos.feast.serving.ServingService_pb2 import FieldStatus
from feast.types import Float64, Int64, String

URL = os.environ["FS_FEAST_URL"].rstrip("/")
GROUP = "driver_hourly_stats"
PUSH_SOURCE = "driver_stats_push"
FEATURES = ["conv_rate", "avg_daily_trips", "city"]
REFS = [f"{GROUP}:{f}" for f in FEATURES]
MAX_AGE_HOURS = 24
COMPUTED = "driver_daily_rates"


def _api(method: str, path: str, body: dict | None = None) -> requests.Response:
    headers = {}
    if os.environ.get("FS_API_KEY"):
        headers["Authorization"] = "Bearer " + os.environ["FS_API_KEY"]
    return requests.request(method, URL + path, json=body, headers=headers, timeout=30)


def _ours(driver_id: int) -> dict:
    """Our own online read of the group for one driver: {feature: (value, freshness)}."""
    r = _api(
        "POST",
        "/api/v1/online-features",
        {"entity_values": {"driver_id": driver_id}, "feature_group": GROUP},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    return {
        name: (value, body["metadata"][name]["freshness_status"])
        for name, value in body["features"].items()
    }


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> FeatureStore:
    # The group and features over our API (201 when new, 200 when a rerun finds them).
    r = _api("POST", "/api/v1/feature-groups", {"name": GROUP, "max_age_hours": MAX_AGE_HOURS})
    assert r.status_code in (200, 201), r.text
    for name, value_type in [("conv_rate", "float64"), ("avg_daily_trips", "int64"), ("city", "string")]:
        r = _api(
            "POST",
            f"/api/v1/feature-groups/{GROUP}/features",
            {"name": name, "value_type": value_type, "entity_keys": ["driver_id"]},
        )
        assert r.status_code in (200, 201), r.text

    # The Feast repo: the same view, its online store our server.
    repo: Path = tmp_path_factory.mktemp("feast_repo")
    (repo / "data").mkdir()
    source_file = repo / "data" / "driver_stats.parquet"
    pd.DataFrame(
        {
            "driver_id": pd.Series([], dtype="int64"),
            "conv_rate": pd.Series([], dtype="float64"),
            "avg_daily_trips": pd.Series([], dtype="int64"),
            "city": pd.Series([], dtype="str"),
            "event_timestamp": pd.Series([], dtype="datetime64[ns, UTC]"),
            "created": pd.Series([], dtype="datetime64[ns, UTC]"),
        }
    ).to_parquet(source_file)
    (repo / "feature_store.yaml").write_text(
        textwrap.dedent(
            f"""\
            project: e2i_feast_compat
            provider: local
            registry: {repo / "data" / "registry.db"}
            online_store:
              type: remote
              path: {URL}
            offline_store:
              type: file
            entity_key_serialization_version: 3
            """
        )
    )
    fs = FeatureStore(repo_path=str(repo))
    driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
    batch = FileSource(
        name="driver_stats_source",
        path=str(source_file),
        timestamp_field="event_timestamp",
        created_timestamp_column="created",
    )
    push = PushSource(name=PUSH_SOURCE, batch_source=batch)
    view = FeatureView(
        name=GROUP,
        entities=[driver],
        ttl=timedelta(hours=MAX_AGE_HOURS),
        schema=[
            Field(name="conv_rate", dtype=Float64),
            Field(name="avg_daily_trips", dtype=Int64),
            Field(name="city", dtype=String),
        ],
        source=push,
        online=True,
    )
    # A view our server does not have: Feast's client must surface our 404.
    unknown = FeatureView(
        name="not_in_server",
        entities=[driver],
        ttl=timedelta(hours=1),
        schema=[Field(name="conv_rate", dtype=Float64)],
        source=batch,
        online=True,
    )
    # A feature service is read as the group of its name (all the group's features).
    service = FeatureService(name=GROUP, features=[view])
    # A group our server materializes from a computation_query (a CSV file DuckDB reads).
    rates = repo / "data" / "rates.csv"
    rates.write_text(
        "driver_id,ts,rate\n"
        "2001,2026-01-01 06:00:00+00,0.25\n"
        "2002,2026-01-02 06:00:00+00,0.75\n"
    )
    r = _api("POST", "/api/v1/feature-groups", {"name": COMPUTED})
    assert r.status_code in (200, 201), r.text
    r = _api(
        "POST",
        f"/api/v1/feature-groups/{COMPUTED}/features",
        {
            "name": "rate",
            "value_type": "float64",
            "entity_keys": ["driver_id"],
            "computation_query": "SELECT driver_id, ts AS event_timestamp, rate AS value FROM "
            f"read_csv('{rates}', header = true, columns = {{'driver_id': 'BIGINT', "
            "'ts': 'TIMESTAMPTZ', 'rate': 'DOUBLE'})",
        },
    )
    assert r.status_code in (200, 201), r.text
    computed = FeatureView(
        name=COMPUTED,
        entities=[driver],
        ttl=timedelta(days=3650),
        schema=[Field(name="rate", dtype=Float64)],
        source=batch,
        online=True,
    )
    fs.apply([driver, batch, push, view, unknown, service, computed])
    return fs


def _frame(ids, conv, trips, cities, at: datetime) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "driver_id": ids,
            "conv_rate": conv,
            "avg_daily_trips": trips,
            "city": cities,
            "event_timestamp": [at] * len(ids),
            "created": [at] * len(ids),
        }
    )


def _feast_read(store: FeatureStore, ids):
    resp = store.get_online_features(features=REFS, entity_rows=[{"driver_id": i} for i in ids])
    statuses = {
        name: list(resp.proto.results[i].statuses)
        for i, name in enumerate(resp.proto.metadata.feature_names.val)
    }
    return resp.to_dict(), statuses


def _assert_same_as_ours(feast_dict: dict, ids) -> None:
    for row, driver_id in enumerate(ids):
        ours = _ours(driver_id)
        for name in FEATURES:
            assert feast_dict[name][row] == ours[name][0], (driver_id, name, feast_dict, ours)


def test_write_to_online_store_then_read_back(store: FeatureStore) -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
    ids = [1001, 1002]
    store.write_to_online_store(
        GROUP, _frame(ids, [0.25, 0.75], [12, 30], ["Berlin", "Paris"], now)
    )
    got, statuses = _feast_read(store, ids)
    assert list(got) == ["driver_id", *FEATURES]  # entity column first, then request order
    assert got["driver_id"] == ids
    assert got["conv_rate"] == [0.25, 0.75]
    assert got["avg_daily_trips"] == [12, 30]
    assert got["city"] == ["Berlin", "Paris"]
    for name in FEATURES:
        assert statuses[name] == [FieldStatus.PRESENT, FieldStatus.PRESENT], name
    _assert_same_as_ours(got, ids)
    assert _ours(1001)["conv_rate"] == (0.25, "fresh")


def test_push_through_feast_client_replaces_values(store: FeatureStore) -> None:
    ids = [1001, 1002]
    before, _ = _feast_read(store, ids)  # cached on our side now
    later = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=1)
    store.push(PUSH_SOURCE, _frame(ids, [0.5, 0.9], [13, 31], ["Rome", "Oslo"], later))
    got, statuses = _feast_read(store, ids)
    assert got["conv_rate"] == [0.5, 0.9] != before["conv_rate"]
    assert got["avg_daily_trips"] == [13, 31]
    assert got["city"] == ["Rome", "Oslo"]
    assert statuses["city"] == [FieldStatus.PRESENT, FieldStatus.PRESENT]
    _assert_same_as_ours(got, ids)


def test_push_over_http_with_feasts_request_shape(store: FeatureStore) -> None:
    at = (datetime.now(timezone.utc) - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%S")
    r = _api(
        "POST",
        "/push",
        {
            "push_source_name": GROUP,  # push sources are our feature groups
            "df": {
                "driver_id": [1004],
                "conv_rate": [0.125],
                "avg_daily_trips": [4],
                "city": ["Lima"],
                "event_timestamp": [at],
            },
            "to": "online_and_offline",
        },
    )
    assert r.status_code == 200, r.text
    got, _ = _feast_read(store, [1004])
    assert got["conv_rate"] == [0.125] and got["city"] == ["Lima"]
    _assert_same_as_ours(got, [1004])


def test_feature_service_reads_the_group(store: FeatureStore) -> None:
    service = store.get_feature_service(GROUP)
    got = store.get_online_features(features=service, entity_rows=[{"driver_id": 1001}]).to_dict()
    assert sorted(got) == sorted(["driver_id", *FEATURES])
    _assert_same_as_ours(got, [1001])


def test_outside_max_age_and_not_found(store: FeatureStore) -> None:
    old = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=MAX_AGE_HOURS + 6)
    store.write_to_online_store(GROUP, _frame([1003], [0.3], [3], ["Kyiv"], old))
    got, statuses = _feast_read(store, [1003, 999999])
    for name in FEATURES:
        assert statuses[name] == [FieldStatus.OUTSIDE_MAX_AGE, FieldStatus.NOT_FOUND], name
    # the value past max age is still returned (as Feast's Go and Java servers do), none if absent
    assert got["conv_rate"] == [0.3, None]
    assert _ours(1003)["conv_rate"] == (0.3, "expired")
    assert _ours(999999) == {}


def test_materialize_through_feasts_client(store: FeatureStore) -> None:
    def rates():
        resp = store.get_online_features(
            features=[f"{COMPUTED}:rate"], entity_rows=[{"driver_id": 2001}, {"driver_id": 2002}]
        )
        return resp.to_dict()["rate"], list(resp.proto.results[1].statuses)

    assert rates()[1] == [FieldStatus.NOT_FOUND, FieldStatus.NOT_FOUND]
    # Feast's SDK posts /materialize (remote topology): our server runs the computation_query
    store.materialize(
        start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
        end_date=datetime(2026, 1, 2, tzinfo=timezone.utc),
        feature_views=[COMPUTED],
    )
    assert rates() == ([0.25, None], [FieldStatus.PRESENT, FieldStatus.NOT_FOUND])
    # ... and /materialize-incremental: from the group's watermark (none yet: the beginning)
    store.materialize_incremental(
        end_date=datetime(2026, 1, 3, tzinfo=timezone.utc), feature_views=[COMPUTED]
    )
    assert rates() == ([0.25, 0.75], [FieldStatus.PRESENT, FieldStatus.PRESENT])


def test_errors_reach_feasts_client(store: FeatureStore) -> None:
    now = datetime.now(timezone.utc)
    frame = _frame([1], [0.1], [1], ["X"], now)[["driver_id", "conv_rate", "event_timestamp", "created"]]
    with pytest.raises(RuntimeError, match="404") as write_error:
        store.write_to_online_store("not_in_server", frame)
    assert "feature view 'not_in_server' not found" in str(write_error.value)
    with pytest.raises(RuntimeError, match="404") as read_error:
        store.get_online_features(features=["not_in_server:conv_rate"], entity_rows=[{"driver_id": 1}])
    assert "not_in_server" in str(read_error.value)
    # Unknown fields are a 400 naming them; Feast's own fields are all accepted.
    r = _api("POST", "/write-to-online-store", {"feature_view_name": GROUP, "df": {}, "mode": "x"})
    assert r.status_code == 400 and "unknown field 'mode'" in r.json()["error"]["message"]
