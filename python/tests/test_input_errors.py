"""Wrong input to the SDK fails in Python with an exception naming the argument, before anything is
sent (no server runs here: a request reaching the wire would be an Unavailable, not these errors)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import pytest

from e2i_feature_store import AsyncFeatureStoreClient, FeatureStoreClient, InvalidArgument

NOWHERE = "http://127.0.0.1:1"  # nothing listens: only checks made before sending can pass
NOW = dt.datetime(2025, 1, 2, 3, 4, 5)


@pytest.fixture
def fs() -> Any:
    client = FeatureStoreClient(NOWHERE, retries=0)
    yield client
    client.close()


CASES: list[tuple[str, Callable[[FeatureStoreClient], Any], type[Exception], str]] = [
    ("tags int", lambda fs: fs.create_feature_group("g", tags=5), TypeError, "tags"),
    ("entity_keys int", lambda fs: fs.create_feature("g", "f", "string", 5), TypeError, "entity_keys"),
    ("entity_keys dict", lambda fs: fs.create_feature("g", "f", "string", {"id": 1}), TypeError, "entity_keys"),
    ("constraints list", lambda fs: fs.create_feature("g", "f", "string", ["id"], constraints=["min"]),
     TypeError, "constraints"),
    ("drift_thresholds list", lambda fs: fs.create_feature("g", "f", "float64", ["id"], drift_thresholds=[1]),
     TypeError, "drift_thresholds"),
    ("group None", lambda fs: fs.get_feature(None, "f"), TypeError, "feature_group"),
    ("feature_names int", lambda fs: fs.get_entity_features({"id": "a"}, "g", 5), TypeError, "feature_names"),
    ("use_cache str", lambda fs: fs.get_entity_features({"id": "a"}, "g", use_cache="no"), TypeError, "use_cache"),
    ("as_of int", lambda fs: fs.get_entity_features({"id": "a"}, "g", as_of=5), TypeError, "as_of"),
    ("event_timestamp int", lambda fs: fs.write_feature_value("f", {"id": "a"}, 1, 12345), TypeError,
     "event_timestamp"),
    ("history start int", lambda fs: fs.get_historical_features({"id": "a"}, ["f"], 5), TypeError, "start_time"),
    ("batch int", lambda fs: fs.write_batch_features(5), TypeError, "feature_values"),
    ("batch of ints", lambda fs: fs.write_batch_features([1, 2]), TypeError, "item #1"),
    ("batch item ts int", lambda fs: fs.write_batch_features([{"feature_name": "f", "event_timestamp": 5}]),
     TypeError, "item #1: event_timestamp"),
    ("key scopes int", lambda fs: fs.create_api_key("k", read=5), TypeError, "read"),
    ("drift window value int", lambda fs: fs.feature_drift("g", "f", {"start": 5}, "t"), TypeError, "reference"),
    ("audit since int", lambda fs: fs.audit_log(since=5), TypeError, "since"),
    ("spine int", lambda fs: fs.export_training_data(5, ["g:f"]), TypeError, "entity_df"),
    ("spine None", lambda fs: fs.export_training_data(None, ["g:f"]), TypeError, "entity_df"),
    ("spine rows of ints", lambda fs: fs.export_training_data([1, 2], ["g:f"]), TypeError, "row #1"),
    ("spine uneven columns", lambda fs: fs.export_training_data({"id": ["a", "b"], "event_timestamp": [NOW]},
                                                                ["g:f"]), ValueError, "same length"),
    ("spine column str", lambda fs: fs.export_training_data({"id": "a", "event_timestamp": [NOW]}, ["g:f"]),
     TypeError, "'id'"),
]


@pytest.mark.parametrize("call, error, names", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_wrong_input_names_the_argument(
    fs: FeatureStoreClient, call: Callable[[FeatureStoreClient], Any], error: type[Exception], names: str
) -> None:
    with pytest.raises(error) as raised:
        call(fs)
    assert names in str(raised.value)


def test_a_dataframe_as_a_batch_says_how_to_pass_it(fs: FeatureStoreClient) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([{"feature_name": "f", "entity_values": {"id": "a"}, "value": 1}])
    with pytest.raises(TypeError, match=r"to_dict\('records'\)"):
        fs.write_batch_features(frame)


def test_nat_is_not_sent_as_a_time(fs: FeatureStoreClient) -> None:
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match="event_timestamp is NaT"):
        fs.write_feature_value("f", {"id": "a"}, 1, pd.NaT)
    with pytest.raises(ValueError, match="as_of is NaT"):
        fs.export_training_data([{"id": "a", "event_timestamp": NOW}], ["g:f"], as_of=pd.NaT)


def test_a_spine_time_column_that_is_not_times_is_invalid(fs: FeatureStoreClient) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": ["a"], "event_timestamp": ["garbage"]})
    with pytest.raises(InvalidArgument, match="spine column 'event_timestamp'"):
        fs.export_training_data(frame, ["g:f"])


@pytest.mark.parametrize("kwargs, names", [
    ({"url": 8080}, "url"),
    ({"url": "localhost:8080"}, "url"),
    ({"url": NOWHERE, "api_key": "abc\ndef"}, "api_key"),
    ({"url": NOWHERE, "api_key": "ключ"}, "api_key"),
    ({"url": NOWHERE, "api_key": 123}, "api_key"),
    ({"url": NOWHERE, "timeout": "x"}, "timeout"),
    ({"url": NOWHERE, "timeout": 0}, "timeout"),
    ({"url": NOWHERE, "retries": "x"}, "retries"),
    ({"url": NOWHERE, "retries": -1}, "retries"),
])
@pytest.mark.parametrize("client", [FeatureStoreClient, AsyncFeatureStoreClient])
def test_wrong_settings_fail_at_construction(client: type, kwargs: dict[str, Any], names: str) -> None:
    with pytest.raises(ValueError, match=names) as raised:
        client(**kwargs)
    assert "ключ" not in str(raised.value) and "def" not in str(raised.value)  # the key is not echoed


def test_async_client_checks_arguments_too() -> None:
    import asyncio

    async def run() -> None:
        async with AsyncFeatureStoreClient(NOWHERE, retries=0) as fs:
            await fs.create_feature_group("g", tags=5)

    with pytest.raises(TypeError, match="tags"):
        asyncio.run(run())
