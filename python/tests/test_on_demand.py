"""On-demand (CEL) features in online reads: ``request_values`` reach the expression's ``request`` map."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import Server
from e2i_feature_store import AsyncFeatureStoreClient, FeatureStoreClient

UTC = dt.timezone.utc


def _define(fs: FeatureStoreClient, group: str) -> None:
    """Two stored counts per HCP and three features computed from them and from the request."""
    fs.create_feature_group(group, max_age_hours=720)
    fs.create_feature(group, "trx", "int64", ["hcp_id"])
    fs.create_feature(group, "nrx", "int64", ["hcp_id"])
    fs.create_feature(group, "new_share", "float64", ["hcp_id"], expression="trx == 0 ? 0.0 : double(nrx) / double(trx)")
    fs.create_feature(group, "weighted_trx", "float64", ["hcp_id"], expression="double(trx) * request.weight")
    fs.create_feature(group, "recent", "bool", ["hcp_id"],
                      expression="timestamp(request.since) < timestamp('2030-01-01T00:00:00Z')")
    now = dt.datetime.now(UTC)
    fs.write_batch_features(
        [{"feature_name": "trx", "entity_values": {"hcp_id": "H1"}, "value": 8, "event_timestamp": now},
         {"feature_name": "nrx", "entity_values": {"hcp_id": "H1"}, "value": 3, "event_timestamp": now}],
        feature_group=group,
    )


def test_request_values_feed_on_demand_features(fs: FeatureStoreClient, unique: str) -> None:
    _define(fs, unique)
    since = dt.datetime(2026, 1, 1, 12, 30)  # naive = UTC; sent as ISO-8601 text
    for _ in range(2):  # a load, then a cache hit
        ef = fs.get_entity_features({"hcp_id": "H1"}, unique, request_values={"weight": 0.5, "since": since})
        assert ef.features == {"new_share": 3 / 8, "nrx": 3, "recent": True, "trx": 8, "weighted_trx": 4.0}
    # Another request, other values: computed per read, never cached.
    other = fs.get_entity_features({"hcp_id": "H1"}, unique, ["weighted_trx"], request_values={"weight": 2.5})
    assert other.features == {"weighted_trx": 20.0}
    # Without the request value the feature is absent; the others are still computed.
    plain = fs.get_entity_features({"hcp_id": "H1"}, unique)
    assert "weighted_trx" not in plain.features and "recent" not in plain.features
    assert plain.features["new_share"] == 3 / 8
    with pytest.raises(TypeError, match="request_values"):
        fs.get_entity_features({"hcp_id": "H1"}, unique, request_values=[("weight", 1.0)])  # type: ignore[arg-type]


async def test_request_values_awaited(server: Server, unique: str) -> None:
    with server.client() as fs:
        _define(fs, unique)
    async with AsyncFeatureStoreClient(server.url, api_key=server.api_key) as afs:
        ef = await afs.get_entity_features({"hcp_id": "H1"}, unique, ["weighted_trx", "trx"],
                                           request_values={"weight": 0.25})
        assert ef.features == {"trx": 8, "weighted_trx": 2.0}
        assert ef.metadata["weighted_trx"]["feature_group"] == unique
