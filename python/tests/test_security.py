"""API keys over HTTP: create/list/revoke through the SDK, and 401/403 as typed exceptions."""

from __future__ import annotations

import time

import pytest

from conftest import Server
from e2i_feature_store import FeatureStoreClient, Forbidden, Unauthorized


def test_no_key_or_a_wrong_key_is_unauthorized(keyed_server: Server) -> None:
    for key in ("", "fsk_wrong_key"):
        with FeatureStoreClient(keyed_server.url, api_key=key) as fs:
            with pytest.raises(Unauthorized) as e:
                fs.list_feature_groups()
            assert e.value.status == 401 and e.value.code == "UNAUTHENTICATED"
            assert fs.health_check()["healthy"] is True  # /health stays open


def test_keys_created_listed_scoped_and_revoked(keyed_server: Server, unique: str) -> None:
    with keyed_server.client() as admin:
        admin.create_feature_group(unique)
        admin.create_feature(unique, "visits", "int64", ["hcp_id"])
        created = admin.create_api_key(f"{unique}-reader", read=[unique])
        assert created["key"].startswith("fsk_")
        listed = {k["name"]: k for k in admin.list_api_keys()}
        assert f"{unique}-reader" in listed and "key" not in listed[f"{unique}-reader"]

        with FeatureStoreClient(keyed_server.url, api_key=created["key"]) as reader:
            assert reader.get_entity_features({"hcp_id": "H1"}, unique).features == {}
            with pytest.raises(Forbidden) as e:
                reader.write_feature_value("visits", {"hcp_id": "H1"}, 1, feature_group=unique)
            assert e.value.status == 403 and f"{unique}-reader" in e.value.message
            with pytest.raises(Forbidden):
                reader.list_api_keys()

            admin.revoke_api_key(f"{unique}-reader")
            deadline = time.monotonic() + 5
            while True:
                try:
                    reader.list_feature_groups()
                except Unauthorized:
                    break
                assert time.monotonic() < deadline, "a revoked key still works after 5 s"
                time.sleep(0.2)

        actions = {e["action"] for e in admin.audit_log(limit=50)}
        assert {"create_api_key", "revoke_api_key", "create_feature_group"} <= actions


def test_a_keyless_server_refuses_to_create_the_first_key(open_server: Server) -> None:
    with open_server.client() as fs:
        with pytest.raises(Forbidden, match="keys create"):
            fs.create_api_key("first", admin=["*"])
