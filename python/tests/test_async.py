"""AsyncFeatureStoreClient: the sync client's surface, awaited, against the same real servers."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect

import pandas as pd
import pytest

from conftest import Server
from e2i_feature_store import AsyncFeatureStoreClient, Conflict, FeatureStoreClient, InvalidArgument, NotFound, Unauthorized


def public(cls: type) -> dict[str, inspect.Signature]:
    return {n: inspect.signature(m) for n, m in vars(cls).items() if callable(m) and not n.startswith("_")}


def test_same_surface_as_the_sync_client() -> None:
    sync = public(FeatureStoreClient)
    async_ = public(AsyncFeatureStoreClient)
    sync.pop("close")
    async_.pop("aclose")
    assert sorted(sync) == sorted(async_)
    for name, signature in sync.items():
        assert inspect.iscoroutinefunction(getattr(AsyncFeatureStoreClient, name)), name
        assert list(signature.parameters) == list(async_[name].parameters), name


async def test_the_seed_flow_awaited(server: Server, unique: str) -> None:
    async with AsyncFeatureStoreClient(server.url, api_key=server.api_key) as fs:
        assert (await fs.health_check())["supabase"] is True
        await fs.create_feature_group(name=unique, expected_update_frequency_hours=24, max_age_hours=720)
        await fs.create_feature(unique, "specialty", "string", ["hcp_id"])
        await fs.create_feature(unique, "visits", "int64", ["hcp_id"])
        with pytest.raises(Conflict):
            await fs.create_feature(unique, "visits", "float64", ["hcp_id"])
        await fs.write_feature_value("specialty", {"hcp_id": "H1"}, "Oncology", dt.datetime.utcnow(), unique)
        count = await fs.write_batch_features(
            [{"feature_name": "visits", "entity_values": {"hcp_id": f"H{i}"}, "value": i, "feature_group": unique}
             for i in range(20)]
        )
        assert count == 20

        # Many agents reading at once over one pooled client.
        answers = await asyncio.gather(*(fs.get_entity_features({"hcp_id": f"H{i}"}, unique) for i in range(20)))
        assert [a.features["visits"] for a in answers] == list(range(20))
        assert answers[1].to_dict() == {"hcp_id": "H1", "specialty": "Oncology", "visits": 1}

        history = await fs.get_historical_features({"hcp_id": "H1"}, ["specialty"], feature_group=unique)
        assert [r["value"] for r in history] == ["Oncology"]
        monitor = await fs.freshness_monitor()
        assert any(r["feature_group"] == unique and r["fresh_count"] == 20 for r in monitor.data)
        assert (await fs.retriever.invalidate_cache({"hcp_id": "H1"}, unique))["invalidated"] is True
        assert (await fs.get_feature(unique, "nope")) is None

        df = await fs.get_training_data(
            pd.DataFrame({"hcp_id": ["H2"], "event_timestamp": [pd.Timestamp.now(tz="UTC")]}), [f"{unique}:visits"]
        )
        assert df.iloc[0, -1] == 2
        csv = await fs.export_training_data(
            [{"hcp_id": "H3", "event_timestamp": dt.datetime.utcnow()}], [f"{unique}:visits"], format="csv",
            save_as=f"{unique}_set",
        )
        assert csv.decode().splitlines()[1].startswith("H3,") and csv.decode().rstrip().endswith(",3")
        assert (await fs.export_training_set(f"{unique}_set", format="csv")) == csv
        assert [s["name"] for s in await fs.list_training_sets()].count(f"{unique}_set") == 1


async def test_errors_are_typed(server: Server, unique: str) -> None:
    async with AsyncFeatureStoreClient(server.url, api_key=server.api_key) as fs:
        with pytest.raises(NotFound):
            await fs.get_entity_features({"hcp_id": "H1"}, unique)
        await fs.create_feature_group(unique)
        await fs.create_feature(unique, "visits", "int64", ["hcp_id"])
        with pytest.raises(InvalidArgument):
            await fs.write_feature_value("visits", {"hcp_id": "H1"}, "lots", feature_group=unique)


async def test_a_wrong_key_is_unauthorized(keyed_server: Server) -> None:
    async with AsyncFeatureStoreClient(keyed_server.url, api_key="fsk_nope") as fs:
        with pytest.raises(Unauthorized):
            await fs.list_feature_groups()
