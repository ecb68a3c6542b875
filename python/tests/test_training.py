"""Training data into pandas: point-in-time joins from an entity DataFrame, saved sets, re-runs."""

from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import pytest

from e2i_feature_store import FeatureStoreClient, InvalidArgument, NotFound

UTC = dt.timezone.utc


@pytest.fixture
def history(fs: FeatureStoreClient, unique: str) -> str:
    """Two features of one group with values on Dec 1 and Dec 15 (2025) for H1 and H2."""
    fs.create_feature_group(unique, max_age_hours=24 * 365 * 10)
    fs.create_feature(unique, "specialty", "string", ["hcp_id"])
    fs.create_feature(unique, "visits", "int64", ["hcp_id"])
    values = []
    for hcp, day, specialty, visits in [("H1", 1, "Oncology", 3), ("H1", 15, "Cardiology", 5), ("H2", 15, "Neurology", 9)]:
        t = dt.datetime(2025, 12, day)  # naive: UTC
        values += [
            {"feature_name": "specialty", "entity_values": {"hcp_id": hcp}, "value": specialty, "event_timestamp": t},
            {"feature_name": "visits", "entity_values": {"hcp_id": hcp}, "value": visits, "event_timestamp": t},
        ]
    fs.write_batch_features(values, feature_group=unique)
    return unique


def spine() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hcp_id": ["H1", "H1", "H2", "H3"],
            "event_timestamp": pd.to_datetime(["2025-12-10", "2025-12-20", "2025-12-10", "2025-12-20"]),
            "label": [1, 0, 1, None],
        }
    )


def test_point_in_time_join_into_a_dataframe(fs: FeatureStoreClient, history: str) -> None:
    df = fs.get_training_data(spine(), [f"{history}:specialty", f"{history}:visits"])
    assert list(df["hcp_id"]) == ["H1", "H1", "H2", "H3"]  # spine order and extra columns kept
    assert df["label"].tolist()[:3] == [1, 0, 1] and pd.isna(df["label"].iloc[3])
    feature_columns = [c for c in df.columns if c not in ("hcp_id", "event_timestamp", "label")]
    specialty = next(c for c in feature_columns if "specialty" in c)
    visits = next(c for c in feature_columns if "visits" in c)
    # Dec 10: H1's Dec 1 value; Dec 20: its Dec 15 value; H2 on Dec 10: nothing yet; H3: nothing.
    assert df[specialty].tolist()[:2] == ["Oncology", "Cardiology"]
    assert df[specialty].isna().tolist()[2:] == [True, True]
    assert df[visits].tolist()[:2] == [3, 5]
    assert df.attrs["features"] == [f"{history}:specialty@1", f"{history}:visits@1"]
    assert df.attrs["as_of"] <= dt.datetime.now(UTC)


def test_a_saved_training_set_reruns_identically_after_late_data(fs: FeatureStoreClient, history: str) -> None:
    name = f"{history}_v1"
    first = fs.get_training_data(spine(), [f"{history}:visits"], save_as=name)
    assert first.attrs["training_set"] == name
    # A late correction of H1's Dec 1 value must not change the saved set's rows.
    fs.write_feature_value("visits", {"hcp_id": "H1"}, 300, dt.datetime(2025, 12, 1), history)
    again = fs.rerun_training_set(name)
    pd.testing.assert_frame_equal(first, again, check_like=False)
    fresh = fs.get_training_data(spine(), [f"{history}:visits"])
    assert 300 in fresh.iloc[:, -1].tolist()

    saved = {s["name"]: s for s in fs.list_training_sets()}
    assert saved[name]["features"] == [f"{history}:visits@1"]
    assert saved[name]["spine"]["row_count"] == 4
    assert fs.export_training_set(name, format="csv").decode().splitlines()[0].startswith("hcp_id,event_timestamp,label")


def test_spines_from_rows_without_pandas_and_other_formats(fs: FeatureStoreClient, history: str) -> None:
    rows = [
        {"hcp_id": "H1", "ts": dt.datetime(2025, 12, 20)},
        {"hcp_id": "H2", "ts": "2025-12-20T00:00:00Z"},
    ]
    body = fs.export_training_data(rows, [f"{history}:visits"], format="json", timestamp_column="ts")
    answer = json.loads(body)
    assert [r["hcp_id"] for r in answer["rows"]] == ["H1", "H2"]
    assert [list(r.values())[-1] for r in answer["rows"]] == [5, 9]
    csv = fs.export_training_data({"hcp_id": ["H1"], "event_timestamp": ["2025-12-02T00:00:00Z"]}, [f"{history}:visits"], format="csv")
    assert pd.read_csv(io.BytesIO(csv)).iloc[0, -1] == 3


def test_timezone_aware_spines_and_versions(fs: FeatureStoreClient, history: str) -> None:
    fs.update_feature(history, "visits", "float64", ["hcp_id"])  # version 2, no values yet
    fs.write_feature_value("visits", {"hcp_id": "H1"}, 0.5, dt.datetime(2025, 12, 2), history)
    aware = spine()
    # 2025-12-10 00:00 in New York is 05:00 UTC: still after Dec 2 and Dec 1
    aware["event_timestamp"] = aware["event_timestamp"].dt.tz_localize("America/New_York")
    old = fs.get_training_data(aware.iloc[:1], [f"{history}:visits@1"])
    new = fs.get_training_data(aware.iloc[:1], [f"{history}:visits"])
    assert (old.attrs["features"], new.attrs["features"]) == ([f"{history}:visits@1"], [f"{history}:visits@2"])
    assert (old.iloc[0, -1], new.iloc[0, -1]) == (3, 0.5)
    assert new["event_timestamp"].iloc[0] == pd.Timestamp("2025-12-10T05:00:00Z")


def test_unknown_features_and_sets_are_not_found(fs: FeatureStoreClient, unique: str) -> None:
    with pytest.raises(NotFound):
        fs.get_training_data(spine(), [f"{unique}:nothing"])
    with pytest.raises(NotFound):
        fs.rerun_training_set(f"{unique}_no_such_set")
    with pytest.raises(ValueError):
        fs.export_training_data(spine(), ["g:f"], format="xlsx")
    with pytest.raises(InvalidArgument, match="timestamp column 'ts'"):
        fs.get_training_data(spine(), [f"{unique}:nothing"], timestamp_column="ts")


def test_a_large_spine_is_streamed_in_chunks(fs: FeatureStoreClient, history: str) -> None:
    """120,000 rows: three chunks of the request body; rows stay in spine order."""
    n = 120_000
    big = pd.DataFrame({
        "hcp_id": ["H1", "H2", "H9"] * (n // 3),
        "event_timestamp": pd.to_datetime(["2025-12-02", "2025-12-16", "2025-12-16"] * (n // 3)),
    })
    df = fs.get_training_data(big, [f"{history}:visits"])
    assert len(df) == n
    assert df.iloc[:6, -1].tolist()[:2] == [3, 9] and pd.isna(df.iloc[2, -1])
    assert df["hcp_id"].tolist() == big["hcp_id"].tolist()
