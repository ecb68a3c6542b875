"""Wave-2 calls against the server: constraints and validation, drift (and its history), materialization,
training-set paging."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import Server
from e2i_feature_store import AsyncFeatureStoreClient, FeatureStoreClient, InvalidArgument, NotFound

UTC = dt.timezone.utc


def test_constraints_reject_or_warn_and_validation_reports(fs: FeatureStoreClient, unique: str) -> None:
    fs.create_feature_group(unique)
    fs.create_feature(unique, "strict", "int64", ["hcp_id"], constraints={"min": 0, "max": 10})
    fs.create_feature(unique, "lenient", "int64", ["hcp_id"], constraints={"max": 10}, validation="warn")

    with pytest.raises(InvalidArgument, match="max"):
        fs.write_feature_value("strict", {"hcp_id": "H1"}, 50, feature_group=unique)
    assert fs.get_entity_features({"hcp_id": "H1"}, unique).features == {}  # nothing written

    fs.write_batch_features(
        [{"feature_name": "lenient", "entity_values": {"hcp_id": f"H{i}"}, "value": v} for i, v in enumerate([5, 50, 70])],
        feature_group=unique,
    )
    report = fs.validate_feature_group(unique, start=dt.datetime(2000, 1, 1), end=dt.datetime.utcnow() + dt.timedelta(hours=1))
    lenient = next(f for f in report["features"] if f["feature_name"] == "lenient")
    assert lenient["checked"] == 3 and lenient["violations"] == 2
    assert any(r["constraint"].startswith("max") and r["violations"] == 2 for r in lenient["rules"])
    with pytest.raises(NotFound):
        fs.validate_feature_group(unique + "_missing")


def test_drift_between_windows(fs: FeatureStoreClient, unique: str) -> None:
    fs.create_feature_group(unique, max_age_hours=24 * 3650)
    fs.create_feature(unique, "score", "float64", ["hcp_id"], drift_thresholds={"psi_warn": 0.1, "psi_drift": 0.25})
    values = []
    for i in range(200):
        values.append({"feature_name": "score", "entity_values": {"hcp_id": f"H{i}"}, "value": float(i % 100),
                       "event_timestamp": dt.datetime(2025, 1, 10)})
        values.append({"feature_name": "score", "entity_values": {"hcp_id": f"H{i}"}, "value": float(100 + i % 100),
                       "event_timestamp": dt.datetime(2025, 2, 10)})
    fs.write_batch_features(values, feature_group=unique)

    jan = (dt.datetime(2025, 1, 1), dt.datetime(2025, 2, 1))
    same = fs.feature_drift(unique, "score", jan, {"start": dt.datetime(2025, 1, 1), "end": dt.datetime(2025, 2, 1)})
    assert same["status"] == "ok" and same["psi"] == pytest.approx(0.0, abs=1e-9)
    shifted = fs.feature_drift(unique, "score", jan, (dt.datetime(2025, 2, 1), dt.datetime(2025, 3, 1)))
    assert shifted["status"] == "drift" and shifted["psi"] > 0.25
    assert shifted["reference"]["count"] == 200 and shifted["current"]["count"] == 200

    assert isinstance(fs.run_drift_monitors(unique), list)
    assert isinstance(fs.list_drift(), list)
    with pytest.raises(TypeError):
        fs.feature_drift(unique, "score", 42, jan)


def test_materialize_a_computation_query(fs: FeatureStoreClient, unique: str) -> None:
    fs.create_feature_group(unique, max_age_hours=24 * 3650)
    fs.create_feature(
        unique, "trx", "int64", ["hcp_id"],
        computation_query=(
            "SELECT * FROM (VALUES ('H1', TIMESTAMPTZ '2025-01-02 00:00:00+00', 5),"
            " ('H2', TIMESTAMPTZ '2025-01-03 00:00:00+00', 7)) AS t(hcp_id, event_timestamp, value)"
        ),
    )
    run = fs.materialize(unique, start=dt.datetime(2025, 1, 1), end=dt.datetime(2025, 2, 1))
    assert run["rows"] == 2 and run["feature_group"] == unique and run["error"] is None
    assert fs.get_entity_features({"hcp_id": "H2"}, unique).features == {"trx": 7}
    runs = fs.list_materializations(unique, limit=5)
    assert [r["id"] for r in runs][:1] == [run["id"]]
    with pytest.raises(NotFound):
        fs.materialize(unique + "_missing")


def _drifting_feature(fs: FeatureStoreClient, group: str) -> None:
    """Reference values (3 days ago) around 0.3, current ones (the last hour) around 0.8."""
    fs.create_feature_group(group, max_age_hours=24 * 3650)
    fs.create_feature(group, "score", "float64", ["hcp_id"], drift_thresholds={"psi_warn": 0.1, "psi_drift": 0.2})
    now = dt.datetime.now(UTC)
    values = []
    for i in range(200):
        values.append({"feature_name": "score", "entity_values": {"hcp_id": f"R{i}"}, "value": 0.3 + (i % 20) / 100,
                       "event_timestamp": now - dt.timedelta(days=3, seconds=i)})
        values.append({"feature_name": "score", "entity_values": {"hcp_id": f"C{i}"}, "value": 0.8 + (i % 20) / 100,
                       "event_timestamp": now - dt.timedelta(seconds=60 + i)})
    fs.write_batch_features(values, feature_group=group)


def test_drift_history_lists_the_kept_runs_newest_first(fs: FeatureStoreClient, unique: str) -> None:
    _drifting_feature(fs, unique)
    assert fs.drift_history(unique, "score") == []
    runs = [next(r for r in fs.run_drift_monitors(unique) if r["feature_name"] == "score") for _ in range(3)]
    history = fs.drift_history(unique, "score")
    assert [h["computed_at"] for h in history] == [r["computed_at"] for r in reversed(runs)]
    assert isinstance(history[0]["computed_at"], dt.datetime)
    assert history[0]["status"] == "drift" and history[0]["psi"] == pytest.approx(runs[-1]["psi"])
    assert history[0]["thresholds"] == {"psi_warn": 0.1, "psi_drift": 0.2}
    assert len(fs.drift_history(unique, "score", limit=2)) == 2
    with pytest.raises(InvalidArgument, match="limit"):
        fs.drift_history(unique, "score", limit=0)
    with pytest.raises(NotFound):
        fs.drift_history(unique, "missing")


async def test_drift_history_awaited(server: Server, unique: str) -> None:
    with server.client() as fs:
        _drifting_feature(fs, unique)
        fs.run_drift_monitors(unique)
    async with AsyncFeatureStoreClient(server.url, api_key=server.api_key) as afs:
        history = await afs.drift_history(unique, "score", limit=5)
        assert len(history) == 1 and history[0]["feature_name"] == "score"
        with pytest.raises(NotFound):
            await afs.drift_history(unique + "_missing", "score")


def test_training_sets_page_in_name_order(fs: FeatureStoreClient, unique: str) -> None:
    fs.create_feature_group(unique)
    fs.create_feature(unique, "visits", "int64", ["hcp_id"])
    fs.write_feature_value("visits", {"hcp_id": "H1"}, 3, dt.datetime.utcnow() - dt.timedelta(minutes=1), unique)
    spine = pd.DataFrame({"hcp_id": ["H1"], "event_timestamp": [dt.datetime.utcnow()]})
    for name in ("b", "a", "c"):
        fs.get_training_data(spine, [f"{unique}:visits"], save_as=f"{unique}_{name}")
    mine = [s["name"] for s in fs.list_training_sets() if s["name"].startswith(unique)]
    assert mine == [f"{unique}_a", f"{unique}_b", f"{unique}_c"]
    everything = [s["name"] for s in fs.list_training_sets()]
    start = everything.index(f"{unique}_b")
    assert [s["name"] for s in fs.list_training_sets(limit=2, offset=start)] == everything[start:start + 2]
    with pytest.raises(InvalidArgument, match="offset"):
        fs.list_training_sets(offset=-1)
