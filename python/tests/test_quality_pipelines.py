"""Wave-2 calls against the server: constraints and validation, drift, materialization."""

from __future__ import annotations

import datetime as dt

import pytest

from e2i_feature_store import FeatureStoreClient, InvalidArgument, NotFound

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
