"""The sync client against real servers: registry semantics, value types, UTC, versions, errors."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import socket
import threading
from typing import Any, Iterator

import pytest

from conftest import Server
from e2i_feature_store import (
    Conflict,
    FeatureStoreClient,
    FeatureStoreError,
    InternalServerError,
    InvalidArgument,
    NotFound,
    TypeMismatch,
    Unavailable,
)

UTC = dt.timezone.utc


def group_with(fs: FeatureStoreClient, name: str, *features: tuple[str, str], keys: list[str] | None = None) -> None:
    fs.create_feature_group(name, expected_update_frequency_hours=24, max_age_hours=720)
    for feature, value_type in features:
        fs.create_feature(name, feature, value_type, keys or ["hcp_id"])


def test_registry_create_is_idempotent_and_conflicts_name_the_fields(fs: FeatureStoreClient, unique: str) -> None:
    first = fs.create_feature_group(unique, owner="qa", tags=["a"])
    again = fs.create_feature_group(unique, owner="qa", tags=["a"])
    assert again["created_at"] == first["created_at"]
    with pytest.raises(Conflict) as e:
        fs.create_feature_group(unique, owner="someone-else")
    assert e.value.status == 409 and e.value.code == "CONFLICT" and "owner" in e.value.message
    assert fs.get_feature_group(unique)["owner"] == "qa"  # nothing changed

    updated = fs.update_feature_group(unique, owner="someone-else")
    assert updated["owner"] == "someone-else" and updated["tags"] == []
    assert unique in [g["name"] for g in fs.list_feature_groups()]
    assert fs.get_feature_group(unique + "_missing") is None


def test_every_value_type_round_trips(fs: FeatureStoreClient, unique: str) -> None:
    values: dict[str, Any] = {
        "string": "Oncology",
        "int64": 2**40,
        "float64": 0.25,
        "bool": True,
        "timestamp": dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        "string_list": ["a", "b"],
        "int64_list": [1, 2],
        "float64_list": [0.5, 1.5],
        "bool_list": [True, False],
    }
    group_with(fs, unique, *[(f"f_{t}", t) for t in values])
    count = fs.write_batch_features(
        [{"feature_name": f"f_{t}", "entity_values": {"hcp_id": "H1"}, "value": v} for t, v in values.items()],
        feature_group=unique,
    )
    assert count == len(values)
    got = fs.get_entity_features({"hcp_id": "H1"}, unique).features
    expected = {f"f_{t}": v for t, v in values.items()}
    expected["f_timestamp"] = "2025-01-02T03:04:05Z"  # timestamp values come back as ISO-8601 text
    assert got == expected


def test_naive_datetimes_are_utc(fs: FeatureStoreClient, unique: str) -> None:
    group_with(fs, unique, ("score", "float64"))
    naive = dt.datetime(2025, 6, 1, 12, 30, 0, 123456)
    plus_two = dt.datetime(2025, 6, 1, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # 14:00 UTC
    fs.write_feature_value("score", {"hcp_id": "H1"}, 1.0, naive, unique)
    fs.write_feature_value("score", {"hcp_id": "H1"}, 2.0, plus_two, unique)
    history = fs.get_historical_features(
        {"hcp_id": "H1"}, ["score"], start_time=dt.datetime(2025, 6, 1, 12, 30), end_time=dt.datetime(2025, 6, 1, 14),
        feature_group=unique,
    )
    assert [(r["value"], r["event_timestamp"]) for r in history] == [
        (1.0, dt.datetime(2025, 6, 1, 12, 30, 0, 123456, tzinfo=UTC)),
        (2.0, dt.datetime(2025, 6, 1, 14, 0, tzinfo=UTC)),
    ]
    # as_of in the past: the online read as it was before the second write's event time
    at = fs.get_entity_features({"hcp_id": "H1"}, unique, as_of=dt.datetime(2025, 6, 1, 13))
    assert at.features == {"score": 1.0}


def test_versions_are_readable_as_group_feature_at_version(fs: FeatureStoreClient, unique: str) -> None:
    group_with(fs, unique, ("visits", "int64"))
    fs.write_feature_value("visits", {"hcp_id": "H1"}, 7, feature_group=unique)
    v2 = fs.update_feature(unique, "visits", "float64", ["hcp_id"], description="now a rate")
    assert v2["version"] == 2
    fs.write_feature_value("visits", {"hcp_id": "H1"}, 0.5, feature_group=unique)

    assert [v["version"] for v in fs.list_feature_versions(unique, "visits")] == [1, 2]
    assert fs.get_feature(unique, "visits")["value_type"] == "float64"
    assert fs.get_feature(unique, "visits", version=1)["value_type"] == "int64"
    assert fs.get_feature(unique, "visits@1")["value_type"] == "int64"
    assert fs.get_feature(unique, "visits", version=9) is None
    assert fs.get_entity_features({"hcp_id": "H1"}, unique).features == {"visits": 0.5}
    old = fs.get_entity_features({"hcp_id": "H1"}, unique, feature_names=["visits@1"])
    assert old.features == {"visits": 7} and old.metadata["visits"]["version"] == 1
    history = fs.get_historical_features({"hcp_id": "H1"}, [f"{unique}:visits@1"])
    assert [r["value"] for r in history] == [7]


def test_statistics_freshness_cache_and_metrics(fs: FeatureStoreClient, unique: str) -> None:
    group_with(fs, unique, ("score", "float64"))
    fs.write_batch_features(
        [{"feature_name": "score", "entity_values": {"hcp_id": f"H{i}"}, "value": float(i)} for i in range(10)],
        feature_group=unique,
    )
    stats = fs.compute_statistics(unique, "score")
    assert stats["count"] == 10 and stats["min"] == 0.0 and stats["max"] == 9.0
    assert isinstance(stats["computed_at"], dt.datetime)

    rows = [r for r in fs.freshness_monitor() if r["feature_group"] == unique]
    assert [(r["feature_name"], r["fresh_count"], r["total_entities"]) for r in rows] == [("score", 10, 10)]
    assert isinstance(rows[0]["time_since_last_event"], dt.timedelta)
    assert fs.update_freshness_status() >= 0

    assert fs.get_entity_features({"hcp_id": "H3"}, unique).features == {"score": 3.0}
    answer = fs.invalidate_cache({"hcp_id": "H3"}, unique)
    assert answer["invalidated"] is True
    assert fs.retriever.invalidate_cache({"hcp_id": "H3"})["feature_group"] is None
    assert "# TYPE" in fs.metrics()


# ------------------------------------------------------------------------------ wrong input


def test_unknown_group_is_not_found(fs: FeatureStoreClient, unique: str) -> None:
    with pytest.raises(NotFound) as e:
        fs.get_entity_features({"hcp_id": "H1"}, unique)
    assert e.value.status == 404 and unique in e.value.message
    with pytest.raises(NotFound):
        fs.create_feature(unique, "x", "int64", ["hcp_id"])
    with pytest.raises(NotFound):
        fs.write_feature_value("nope", {"hcp_id": "H1"}, 1, feature_group=unique)


def test_bad_value_type_writes_nothing(fs: FeatureStoreClient, unique: str) -> None:
    group_with(fs, unique, ("visits", "int64"))
    with pytest.raises(InvalidArgument) as e:
        fs.write_feature_value("visits", {"hcp_id": "H1"}, "many", feature_group=unique)
    assert e.value.status == 400 and "visits" in e.value.message and "many" in e.value.message
    assert isinstance(e.value, TypeMismatch) == (e.value.code == "TYPE_MISMATCH")
    with pytest.raises(InvalidArgument):
        fs.write_batch_features(
            [
                {"feature_name": "visits", "entity_values": {"hcp_id": "H2"}, "value": 1},
                {"feature_name": "visits", "entity_values": {"hcp_id": "H3"}, "value": 1.5},
            ],
            feature_group=unique,
        )
    assert fs.get_entity_features({"hcp_id": "H2"}, unique).features == {}  # one bad value: nothing written


def test_wrong_shapes_are_invalid_arguments(fs: FeatureStoreClient, unique: str) -> None:
    group_with(fs, unique, ("visits", "int64"))
    with pytest.raises(InvalidArgument, match="brand_id|hcp_id"):
        fs.write_feature_value("visits", {"brand_id": "B1"}, 1, feature_group=unique)  # missing entity key
    with pytest.raises(InvalidArgument, match="constraintz"):
        fs.create_feature(unique, "other", "int64", ["hcp_id"], constraintz={"min": 0})  # unknown field
    with pytest.raises(InvalidArgument, match="value_type|decimal"):
        fs.create_feature(unique, "other", "decimal", ["hcp_id"])
    with pytest.raises(ValueError):
        fs.write_feature_value("visits", {"hcp_id": "H1"}, float("nan"), feature_group=unique)


def test_unreachable_server_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with FeatureStoreClient(f"http://127.0.0.1:{port}", retries=1, timeout=2) as fs:
        with pytest.raises(Unavailable):
            fs.health_check()
        with pytest.raises(Unavailable):
            fs.get_entity_features({"hcp_id": "H1"}, "g")
        with pytest.raises(Unavailable):
            fs.write_feature_value("f", {"hcp_id": "H1"}, 1, feature_group="g")


# ------------------------------------------------------------------------------ retries and 500s
# A scripted HTTP listener stands in for a server that fails: the real one never answers 503 to a
# read while its backends are up, nor 500 without a bug to trigger.


class Scripted(http.server.BaseHTTPRequestHandler):
    script: list[tuple[int, dict[str, Any]]] = []
    seen: list[str] = []

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        Scripted.seen.append(f"{self.command} {self.path}")
        status, body = Scripted.script.pop(0) if Scripted.script else (200, {})
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    Scripted.script, Scripted.seen = [], []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


UNAVAILABLE = (503, {"error": {"code": "UNAVAILABLE", "message": "the offline store is down"}})


def test_reads_are_retried_writes_are_not(scripted: str) -> None:
    online = {"entity_values": {"hcp_id": "H1"}, "features": {"x": 1}, "metadata": {}}
    for fast in (True, False):
        Scripted.script = [UNAVAILABLE, UNAVAILABLE, (200, online)]
        Scripted.seen = []
        with FeatureStoreClient(scripted, retries=2, fast_reads=fast) as fs:
            assert fs.get_entity_features({"hcp_id": "H1"}, "g").features == {"x": 1}
        assert len(Scripted.seen) == 3

    Scripted.script = [UNAVAILABLE, (200, {"written": 1})]
    Scripted.seen = []
    with FeatureStoreClient(scripted, retries=2) as fs:
        with pytest.raises(Unavailable, match="offline store is down"):
            fs.write_feature_value("x", {"hcp_id": "H1"}, 1, feature_group="g")
    assert Scripted.seen == ["POST /api/v1/feature-values"]

    Scripted.script = [UNAVAILABLE, UNAVAILABLE]
    with FeatureStoreClient(scripted, retries=1) as fs:
        with pytest.raises(Unavailable):
            fs.list_feature_groups()


def test_a_500_carries_its_error_id(scripted: str) -> None:
    Scripted.script = [
        (500, {"error": {"code": "INTERNAL", "message": "internal server error (error id e-42)", "error_id": "e-42"}})
    ]
    with FeatureStoreClient(scripted) as fs:
        with pytest.raises(FeatureStoreError) as e:
            fs.list_feature_groups()
    assert isinstance(e.value, InternalServerError)
    assert e.value.error_id == "e-42" and e.value.status == 500
    assert len(Scripted.seen) == 1  # a bug is not retried


def test_api_key_is_sent_as_bearer(keyed_server: Server) -> None:
    with keyed_server.client() as fs:
        assert fs.list_feature_groups() is not None


def test_wave2_definition_fields(fs: FeatureStoreClient, unique: str) -> None:
    """Constraints, validation, drift thresholds and a group's schedule/retention go through by name."""
    group = fs.create_feature_group(unique, validation="warn", schedule="0 3 * * *", retention_days=30)
    assert (group["validation"], group["schedule"], group["retention_days"]) == ("warn", "0 3 * * *", 30)
    feature = fs.create_feature(
        unique, "score", "float64", ["hcp_id"],
        constraints={"min": 0, "max": 1, "nullable": False},
        validation="reject",
        drift_thresholds={"psi_warn": 0.1, "psi_drift": 0.25},
    )
    assert feature["constraints"]["min"] == 0 and feature["constraints"]["max"] == 1
    assert feature["validation"] == "reject"
    assert feature["drift_thresholds"] == {"psi_warn": 0.1, "psi_drift": 0.25}
    with pytest.raises(InvalidArgument, match="min|max"):
        fs.create_feature(unique, "bad", "float64", ["hcp_id"], constraints={"min": 2, "max": 1})
    with pytest.raises(InvalidArgument, match="validation|sometimes"):
        fs.create_feature(unique, "bad", "float64", ["hcp_id"], validation="sometimes")


def test_lineage_run_tags_and_search(fs: FeatureStoreClient, unique: str) -> None:
    import pandas as pd

    fs.create_feature_group(unique, source_table="hcps", description="lineage probe", tags=["probe"])
    fs.create_feature(unique, "visits", "int64", ["hcp_id"], computation_query="SELECT 1")
    fs.write_feature_value("visits", {"hcp_id": "H1"}, 3, dt.datetime(2025, 1, 1), unique)
    spine = pd.DataFrame({"hcp_id": ["H1"], "event_timestamp": [dt.datetime(2025, 2, 1)]})
    fs.get_training_data(spine, [f"{unique}:visits"], save_as=f"{unique}_set")
    tagged = fs.tag_training_set_run(f"{unique}_set", "mlflow-run-123")
    assert tagged["run_id"] == "mlflow-run-123"

    graph = fs.lineage(f"{unique}:visits@1", direction="both")
    kinds = {n["type"] for n in graph["nodes"]}
    assert {"feature_version", "training_set", "source_table"} <= kinds, graph
    assert any(n["name"] == f"{unique}_set" for n in graph["nodes"])
    assert graph["edges"]
    with pytest.raises(InvalidArgument, match="depth"):
        fs.lineage(f"{unique}:visits@1", depth=99)

    hits = fs.search(f"{unique} visits")
    assert hits and hits[0]["group"] == unique and hits[0]["name"] == "visits"
