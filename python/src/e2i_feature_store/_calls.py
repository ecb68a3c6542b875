"""Each SDK call as one HTTP exchange (path, body, how to read the answer), shared by both clients."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import quote

from . import _wire as w
from ._wire import Answer, Call


GROUPS = "/api/v1/feature-groups"


def _seg(name: str, what: str = "name") -> str:
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a string, got {type(name).__name__}: {name!r}")
    return quote(name, safe="")


def _time(value: Any, what: str = "time") -> str | None:
    return None if value is None else w.format_time(value, what)


def _list(value: Iterable[str] | str | None, what: str = "value") -> list[str] | None:
    """A string or an iterable of them; anything else is a TypeError naming the argument."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise TypeError(f"{what} must be a string or a list of strings, got {type(value).__name__}: {value!r}")
    return list(value)


def _mapping(value: Mapping[str, Any] | None, what: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be a mapping (dict), got {type(value).__name__}: {value!r}")
    return dict(value)


def _entity(entity_values: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(entity_values, Mapping):
        raise TypeError(f"entity_values must be a mapping of entity key to value, got {entity_values!r}")
    return dict(entity_values)


# ------------------------------------------------------------------------------------- health


def health(answer: Answer) -> dict[str, Any]:
    report: dict[str, Any] = answer.json()
    return report


def health_check() -> Call[dict[str, Any]]:
    return Call("GET", "/health", health, idempotent=True, accept=(503,))


# ------------------------------------------------------------------------------------- registry


def group_fields(
    description: str | None,
    owner: str | None,
    source_table: str | None,
    expected_update_frequency_hours: int | None,
    max_age_hours: int | None,
    tags: Sequence[str] | None,
    mlflow_experiment_name: str | None,
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    return w.body(
        description=description,
        owner=owner,
        tags=_list(tags, "tags"),
        source_table=source_table,
        expected_update_frequency_hours=expected_update_frequency_hours,
        max_age_hours=max_age_hours,
        mlflow_experiment_name=mlflow_experiment_name,
        **extra,
    )


def create_feature_group(name: str, fields: dict[str, Any]) -> Call[dict[str, Any]]:
    return Call("POST", GROUPS, w.record, json={"name": name, **fields})


def update_feature_group(name: str, fields: dict[str, Any]) -> Call[dict[str, Any]]:
    return Call("PUT", f"{GROUPS}/{_seg(name)}", w.record, json=fields)


def list_feature_groups() -> Call[list[dict[str, Any]]]:
    return Call("GET", GROUPS, w.field_of("feature_groups"), idempotent=True)


def get_feature_group(name: str) -> Call[dict[str, Any] | None]:
    return Call("GET", f"{GROUPS}/{_seg(name)}", _record_or_none, idempotent=True, accept=(404,))


def _record_or_none(answer: Answer) -> dict[str, Any] | None:
    return None if answer.status == 404 else w.record(answer)


def feature_fields(
    value_type: str | None,
    entity_keys: Sequence[str] | str | None,
    description: str | None,
    owner: str | None,
    tags: Sequence[str] | None,
    computation_query: str | None,
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    return w.body(
        value_type=value_type,
        entity_keys=_list(entity_keys, "entity_keys"),
        description=description,
        owner=owner,
        tags=_list(tags, "tags"),
        computation_query=computation_query,
        **extra,
    )


def group_options(validation: str | None, schedule: str | None, retention_days: int | None) -> dict[str, Any]:
    return w.body(validation=validation, schedule=schedule, retention_days=retention_days)


def feature_options(
    expression: str | None,
    constraints: Mapping[str, Any] | None,
    validation: str | None,
    drift_thresholds: Mapping[str, float] | None,
) -> dict[str, Any]:
    return w.body(
        expression=expression,
        constraints=_mapping(constraints, "constraints"),
        validation=validation,
        drift_thresholds=_mapping(drift_thresholds, "drift_thresholds"),
    )


def create_feature(group: str, name: str, fields: dict[str, Any]) -> Call[dict[str, Any]]:
    return Call("POST", f"{GROUPS}/{_seg(group, 'feature_group')}/features", w.record, json={"name": name, **fields})


def update_feature(group: str, name: str, fields: dict[str, Any]) -> Call[dict[str, Any]]:
    return Call("PUT", f"{GROUPS}/{_seg(group, 'feature_group')}/features/{_seg(name)}", w.record, json=fields)


def split_version(name: str, version: int | None) -> tuple[str, int | None]:
    """``"specialty@2"`` names version 2, as in ``group:feature@2`` references."""
    if version is None and "@" in name:
        base, _, v = name.rpartition("@")
        if v.isdigit():
            return base, int(v)
    return name, version


def get_feature(group: str, name: str, version: int | None) -> Call[dict[str, Any] | None]:
    name, version = split_version(name, version)
    params = None if version is None else {"version": str(version)}
    return Call(
        "GET",
        f"{GROUPS}/{_seg(group, 'feature_group')}/features/{_seg(name)}",
        _record_or_none,
        params=params,
        idempotent=True,
        accept=(404,),
    )


def list_features(group: str) -> Call[list[dict[str, Any]]]:
    return Call("GET", f"{GROUPS}/{_seg(group, 'feature_group')}/features", w.field_of("features"), idempotent=True)


def list_feature_versions(group: str, name: str) -> Call[list[dict[str, Any]]]:
    return Call(
        "GET", f"{GROUPS}/{_seg(group, 'feature_group')}/features/{_seg(name)}/versions", w.field_of("versions"), idempotent=True
    )


def compute_statistics(group: str, name: str) -> Call[dict[str, Any]]:
    return Call(
        "POST", f"{GROUPS}/{_seg(group, 'feature_group')}/features/{_seg(name)}/statistics", w.field_of("statistics"), json={}
    )


# ------------------------------------------------------------------------------------- writes


def _written(answer: Answer) -> int:
    return int(answer.json().get("written", 0))


def write_feature_value(
    feature_name: str,
    entity_values: Mapping[str, Any],
    value: Any,
    event_timestamp: Any,
    feature_group: str | None,
) -> Call[int]:
    b: dict[str, Any] = {"feature_name": feature_name, "entity_values": _entity(entity_values), "value": value}
    if event_timestamp is not None:
        b["event_timestamp"] = w.format_time(event_timestamp, "event_timestamp")
    if feature_group is not None:
        b["feature_group"] = feature_group
    return Call("POST", "/api/v1/feature-values", _written, json=b)


_WRITE_FIELDS = ("feature_name", "entity_values", "value", "event_timestamp", "feature_group")


def write_batch_features(feature_values: Iterable[Mapping[str, Any]], feature_group: str | None) -> Call[int]:
    """The seed's list of dicts, as one request (one transaction on the server)."""
    if type(feature_values).__module__.startswith("pandas"):
        raise TypeError("feature_values must be a list of dicts, got a pandas object: pass df.to_dict('records')")
    if isinstance(feature_values, (str, bytes, Mapping)) or not isinstance(feature_values, Iterable):
        raise TypeError(f"feature_values must be a list of dicts, got {type(feature_values).__name__}: {feature_values!r}")
    values = []
    for i, v in enumerate(feature_values, start=1):
        if not isinstance(v, Mapping):
            raise TypeError(f"feature_values item #{i} must be a dict, got {type(v).__name__}: {v!r}")
        item = dict(v)
        ts = item.get("event_timestamp")
        if ts is not None and not isinstance(ts, str):
            item["event_timestamp"] = w.format_time(ts, f"feature_values item #{i}: event_timestamp")
        values.append(item)
    b: Any = values if feature_group is None else {"feature_values": values, "feature_group": feature_group}
    return Call("POST", "/api/v1/feature-values/batch", _written, json=b, long_running=True)


# ------------------------------------------------------------------------------------- reads


def get_entity_features(
    entity_values: Mapping[str, Any],
    feature_group: str,
    feature_names: Sequence[str] | None,
    use_cache: bool,
    as_of: Any,
    request_values: Mapping[str, Any] | None = None,
) -> Call[w.EntityFeatures]:
    b: dict[str, Any] = {"entity_values": _entity(entity_values), "feature_group": feature_group}
    if feature_names is not None:
        b["feature_names"] = _list(feature_names, "feature_names")
    # A string such as "no" is truthy: it would read the cache when the caller meant not to.
    if use_cache is None or isinstance(use_cache, (str, bytes)):
        raise TypeError(f"use_cache must be True or False, got {type(use_cache).__name__}: {use_cache!r}")
    if not use_cache:
        b["use_cache"] = False
    if as_of is not None:
        b["as_of"] = w.format_time(as_of, "as_of")
    if request_values is not None:
        if not isinstance(request_values, Mapping):
            raise TypeError(f"request_values must be a mapping of name to value, got {request_values!r}")
        b["request_values"] = dict(request_values)
    return Call("POST", "/api/v1/online-features", w.entity_features, json=b, idempotent=True, fast=True)


def get_historical_features(
    entity_values: Mapping[str, Any],
    feature_names: Sequence[str] | str,
    start_time: Any,
    end_time: Any,
    feature_group: str | None,
) -> Call[list[dict[str, Any]]]:
    b = w.body(
        entity_values=_entity(entity_values),
        feature_names=_list(feature_names, "feature_names"),
        start_time=_time(start_time, "start_time"),
        end_time=_time(end_time, "end_time"),
        feature_group=feature_group,
    )
    return Call("POST", "/api/v1/historical-features", w.field_of("records"), json=b, idempotent=True)


# ------------------------------------------------------------------------------------- operations


def freshness_monitor() -> Call[w.FreshnessMonitor]:
    return Call("GET", "/api/v1/freshness", w.freshness, idempotent=True)


def update_freshness_status() -> Call[int]:
    return Call("POST", "/api/v1/freshness/update", lambda a: int(a.json().get("updated", 0)))


def invalidate_cache(entity_values: Mapping[str, Any], feature_group: str | None) -> Call[dict[str, Any]]:
    b = w.body(entity_values=_entity(entity_values), feature_group=feature_group)
    return Call("POST", "/api/v1/cache/invalidate", lambda a: a.json(), json=b)


def metrics() -> Call[str]:
    return Call("GET", "/metrics", lambda a: a.content.decode("utf-8"), idempotent=True)


# ------------------------------------------------------------------------------------- security


def create_api_key(
    name: str, read: Sequence[str] | str, write: Sequence[str] | str, admin: Sequence[str] | str
) -> Call[dict[str, Any]]:
    b = {"name": name, "read": _list(read, "read") or [], "write": _list(write, "write") or [], "admin": _list(admin, "admin") or []}
    return Call("POST", "/api/v1/keys", w.record, json=b)


def list_api_keys() -> Call[list[dict[str, Any]]]:
    return Call("GET", "/api/v1/keys", w.field_of("keys"), idempotent=True)


def revoke_api_key(name: str) -> Call[dict[str, Any]]:
    return Call("DELETE", f"/api/v1/keys/{_seg(name)}", w.record)


def audit_log(since: Any, actor: str | None, action: str | None, limit: int | None) -> Call[list[dict[str, Any]]]:
    params = w.body(since=_time(since, "since"), actor=actor, action=action, limit=None if limit is None else str(limit))
    return Call("GET", "/api/v1/audit", w.field_of("entries"), params=params or None, idempotent=True)


# ------------------------------------------------------------------------------------- discovery


def lineage(node: str, depth: int | None, direction: str | None) -> Call[dict[str, Any]]:
    params = w.body(node=node, depth=None if depth is None else str(depth), direction=direction)
    return Call("GET", "/api/v1/lineage", lambda a: a.json(), params=params, idempotent=True)


def tag_training_set_run(name: str, run_id: str) -> Call[dict[str, Any]]:
    return Call("POST", f"/api/v1/training-sets/{_seg(name)}/runs", lambda a: a.json(), json={"run_id": run_id})


def search(query: str, limit: int | None) -> Call[list[dict[str, Any]]]:
    params = w.body(q=query, limit=None if limit is None else str(limit))
    return Call("GET", "/api/v1/search", w.field_of("results"), params=params, idempotent=True)


# ------------------------------------------------------------------------------------- quality


def _window(side: str, value: Any) -> dict[str, Any]:
    """A drift side: a training set's name, a ``(start, end)`` pair, or ``{"start": .., "end": ..}``."""
    if isinstance(value, str):
        return {"training_set": value}
    if isinstance(value, Mapping):
        if "training_set" in value:
            return dict(value)
        return {k: (None if v is None else w.format_time(v, f"{side}[{k!r}]")) for k, v in value.items()}
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return w.body(start=_time(value[0], f"{side} start"), end=_time(value[1], f"{side} end"))
    raise TypeError(
        f"{side} must be a training set name, a (start, end) pair or {{'start': .., 'end': ..}}, got {value!r}"
    )


def validate_feature_group(group: str, start: Any, end: Any) -> Call[dict[str, Any]]:
    b = w.body(start=_time(start, "start"), end=_time(end, "end"))
    return Call("POST", f"{GROUPS}/{_seg(group, 'feature_group')}/validate", w.record, json=b, idempotent=True)


def feature_drift(group: str, name: str, reference: Any, current: Any) -> Call[dict[str, Any]]:
    b = {"reference": _window("reference", reference), "current": _window("current", current)}
    return Call("POST", f"{GROUPS}/{_seg(group, 'feature_group')}/features/{_seg(name)}/drift", w.record, json=b, idempotent=True)


def run_drift_monitors(group: str) -> Call[list[dict[str, Any]]]:
    return Call("POST", f"{GROUPS}/{_seg(group, 'feature_group')}/drift/run", w.field_of("results"))


def list_drift() -> Call[list[dict[str, Any]]]:
    return Call("GET", "/api/v1/drift", w.field_of("results"), idempotent=True)


def drift_history(group: str, name: str, limit: int | None) -> Call[list[dict[str, Any]]]:
    params = w.body(limit=None if limit is None else str(limit))
    return Call(
        "GET",
        f"{GROUPS}/{_seg(group, 'feature_group')}/features/{_seg(name)}/drift/history",
        w.field_of("results"),
        params=params or None,
        idempotent=True,
    )


# ------------------------------------------------------------------------------------- pipelines


def materialize(group: str, start: Any, end: Any) -> Call[dict[str, Any]]:
    b = w.body(start=_time(start, "start"), end=_time(end, "end"))
    return Call("POST", f"{GROUPS}/{_seg(group, 'feature_group')}/materialize", w.record, json=b, long_running=True)


def list_materializations(group: str | None, limit: int | None) -> Call[list[dict[str, Any]]]:
    params = w.body(group=group, limit=None if limit is None else str(limit))
    return Call("GET", "/api/v1/materializations", w.field_of("materializations"), params=params or None, idempotent=True)
