"""The asyncio client: the same calls as :class:`FeatureStoreClient`, awaited."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

import httpx

from . import _calls as c
from . import _training as tr
from ._base import DEFAULT_RETRIES, DEFAULT_TIMEOUT, DEFAULT_TRAINING_TIMEOUT, ClientBase, T, answer_of, retry_delay
from ._wire import Answer, Call, EntityFeatures, FreshnessMonitor

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class AsyncRetriever:
    """``await fs.retriever.invalidate_cache({"hcp_id": "HCP123"})``."""

    def __init__(self, client: "AsyncFeatureStoreClient") -> None:
        self._client = client

    async def invalidate_cache(
        self, entity_values: Mapping[str, Any], feature_group: str | None = None
    ) -> dict[str, Any]:
        return await self._client.invalidate_cache(entity_values, feature_group)


class AsyncFeatureStoreClient(ClientBase):
    """:class:`FeatureStoreClient` for asyncio agents: same arguments, same calls, each awaited.

    One pooled ``httpx.AsyncClient``; use ``async with AsyncFeatureStoreClient(...) as fs`` or
    ``await fs.aclose()``. Local mode (no URL) starts the server in the constructor (it blocks until
    the server answers, a few seconds once).
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        retries: int = DEFAULT_RETRIES,
        training_timeout: float = DEFAULT_TRAINING_TIMEOUT,
        verify: bool | str = True,
        data_dir: str | os.PathLike[str] | None = None,
        jar: str | os.PathLike[str] | None = None,
        startup_timeout: float = 120.0,
    ) -> None:
        super().__init__(
            url,
            api_key,
            timeout,
            retries=retries,
            training_timeout=training_timeout,
            verify=verify,
            data_dir=data_dir,
            jar=jar,
            startup_timeout=startup_timeout,
        )
        try:
            self._http = httpx.AsyncClient(
                base_url=self.url,
                headers=self._headers,
                timeout=self._timeout,
                verify=verify,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            )
        except BaseException:
            self._release_server()
            raise
        self.retriever = AsyncRetriever(self)

    # ----------------------------------------------------------------------------- plumbing

    async def _exchange(self, call: Call[Any]) -> Answer:
        payload = call.payload()
        if payload is not None and not isinstance(payload, bytes):
            # httpx's async client streams only async iterables; the encoding is CPU work anyway.
            payload = b"".join(payload)
        response = await self._http.request(
            call.method,
            call.path,
            content=payload,
            params=call.params,
            headers=self._request_headers(call),
            timeout=self._long_timeout if call.long_running else self._timeout,
        )
        return answer_of(response)

    async def _run(self, call: Call[T]) -> T:
        if self._closed:
            raise RuntimeError("this AsyncFeatureStoreClient is closed")
        attempts = self._attempts(call)
        for attempt in range(attempts):
            try:
                answer = await self._exchange(call)
            except (httpx.TransportError, OSError) as e:
                if attempt + 1 < attempts:
                    await asyncio.sleep(retry_delay(attempt))
                    continue
                raise self._lost(call, e) from e
            if self._retryable(call, answer) and attempt + 1 < attempts:
                await asyncio.sleep(retry_delay(attempt))
                continue
            return self._result(call, answer)
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        """Closes the connections and, in local mode, stops the server (when no other client uses it)."""
        if self._closed:
            return
        self._closed = True
        await self._http.aclose()
        self._release_server()

    async def __aenter__(self) -> "AsyncFeatureStoreClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ----------------------------------------------------------------------------- health

    async def health_check(self) -> dict[str, Any]:
        """``{'supabase': bool, 'redis': bool, 'mlflow': bool, ...}`` (also ``offline``, ``online``,
        ``tracking``, ``healthy`` and ``details``); a server with a backend down answers too."""
        return await self._run(c.health_check())

    # ----------------------------------------------------------------------------- registry

    async def create_feature_group(
        self,
        name: str,
        description: str | None = None,
        owner: str | None = None,
        source_table: str | None = None,
        expected_update_frequency_hours: int | None = None,
        max_age_hours: int | None = None,
        tags: Sequence[str] | None = None,
        mlflow_experiment_name: str | None = None,
        validation: str | None = None,
        schedule: str | None = None,
        retention_days: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Creates a group; the same definition again changes nothing, another raises Conflict.
        ``validation``: ``reject`` (default) or ``warn`` for the group's features; ``schedule`` and
        ``retention_days`` for materialization. ``extra`` fields go to the server as they are."""
        fields = c.group_fields(
            description, owner, source_table, expected_update_frequency_hours, max_age_hours, tags,
            mlflow_experiment_name, {**c.group_options(validation, schedule, retention_days), **extra},
        )
        return await self._run(c.create_feature_group(name, fields))

    async def update_feature_group(
        self,
        name: str,
        description: str | None = None,
        owner: str | None = None,
        source_table: str | None = None,
        expected_update_frequency_hours: int | None = None,
        max_age_hours: int | None = None,
        tags: Sequence[str] | None = None,
        mlflow_experiment_name: str | None = None,
        validation: str | None = None,
        schedule: str | None = None,
        retention_days: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Replaces the whole definition (a field not given becomes unset)."""
        fields = c.group_fields(
            description, owner, source_table, expected_update_frequency_hours, max_age_hours, tags,
            mlflow_experiment_name, {**c.group_options(validation, schedule, retention_days), **extra},
        )
        return await self._run(c.update_feature_group(name, fields))

    async def get_feature_group(self, name: str) -> dict[str, Any] | None:
        return await self._run(c.get_feature_group(name))

    async def list_feature_groups(self) -> list[dict[str, Any]]:
        return await self._run(c.list_feature_groups())

    async def create_feature(
        self,
        feature_group_name: str,
        name: str,
        value_type: str,
        entity_keys: Sequence[str],
        description: str | None = None,
        owner: str | None = None,
        tags: Sequence[str] | None = None,
        computation_query: str | None = None,
        expression: str | None = None,
        constraints: Mapping[str, Any] | None = None,
        validation: str | None = None,
        drift_thresholds: Mapping[str, float] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """``value_type``: string, int64, float64, bool, timestamp, or ``<type>_list``.
        ``constraints``: ``nullable``, ``min``, ``max``, ``allowed``, ``pattern``, ``max_length``,
        ``min_items``, ``max_items``; ``validation``: ``reject`` or ``warn``; ``expression``: CEL
        over the group's other features (an on-demand feature); ``drift_thresholds``:
        ``{"psi_warn": .., "psi_drift": ..}``."""
        fields = c.feature_fields(
            value_type, entity_keys, description, owner, tags, computation_query,
            {**c.feature_options(expression, constraints, validation, drift_thresholds), **extra},
        )
        return await self._run(c.create_feature(feature_group_name, name, fields))

    async def update_feature(
        self,
        feature_group_name: str,
        name: str,
        value_type: str,
        entity_keys: Sequence[str],
        description: str | None = None,
        owner: str | None = None,
        tags: Sequence[str] | None = None,
        computation_query: str | None = None,
        expression: str | None = None,
        constraints: Mapping[str, Any] | None = None,
        validation: str | None = None,
        drift_thresholds: Mapping[str, float] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A new type, keys or computation makes the next version (``group:feature@2``)."""
        fields = c.feature_fields(
            value_type, entity_keys, description, owner, tags, computation_query,
            {**c.feature_options(expression, constraints, validation, drift_thresholds), **extra},
        )
        return await self._run(c.update_feature(feature_group_name, name, fields))

    async def get_feature(self, feature_group_name: str, feature_name: str, version: int | None = None) -> dict[str, Any] | None:
        """The latest version (or ``version``, or ``"name@2"``); None when there is none."""
        return await self._run(c.get_feature(feature_group_name, feature_name, version))

    async def list_features(self, feature_group_name: str) -> list[dict[str, Any]]:
        return await self._run(c.list_features(feature_group_name))

    async def list_feature_versions(self, feature_group_name: str, feature_name: str) -> list[dict[str, Any]]:
        return await self._run(c.list_feature_versions(feature_group_name, feature_name))

    async def compute_statistics(self, feature_group_name: str, feature_name: str) -> dict[str, Any]:
        """Computes, stores (and tracks in MLflow) the latest version's statistics."""
        return await self._run(c.compute_statistics(feature_group_name, feature_name))

    # ----------------------------------------------------------------------------- writes

    async def write_feature_value(
        self,
        feature_name: str,
        entity_values: Mapping[str, Any],
        value: Any,
        event_timestamp: Any = None,
        feature_group: str | None = None,
    ) -> int:
        """Writes one value (checked against the feature's type); returns 1."""
        return await self._run(c.write_feature_value(feature_name, entity_values, value, event_timestamp, feature_group))

    async def write_batch_features(
        self, feature_values: Iterable[Mapping[str, Any]], feature_group: str | None = None
    ) -> int:
        """Writes the seed's list of ``{feature_name, entity_values, value, event_timestamp,
        feature_group?}`` in one transaction; returns the count. One bad value writes nothing."""
        return await self._run(c.write_batch_features(feature_values, feature_group))

    # ----------------------------------------------------------------------------- reads

    async def get_entity_features(
        self,
        entity_values: Mapping[str, Any],
        feature_group: str,
        feature_names: Sequence[str] | None = None,
        use_cache: bool = True,
        as_of: Any = None,
        request_values: Mapping[str, Any] | None = None,
    ) -> EntityFeatures:
        """The latest value of each of the group's features for one entity (``.features``,
        ``.metadata``, ``.to_dict()``); ``feature_names`` may pin versions (``"specialty@1"``).
        ``request_values`` are the inputs of on-demand features (their CEL expressions'
        ``request`` map, e.g. ``{"weight": 0.5}``); a value an expression needs but lacks leaves
        that feature out."""
        return await self._run(
            c.get_entity_features(entity_values, feature_group, feature_names, use_cache, as_of, request_values)
        )

    async def get_historical_features(
        self,
        entity_values: Mapping[str, Any],
        feature_names: Sequence[str],
        start_time: Any = None,
        end_time: Any = None,
        feature_group: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every value in ``[start_time, end_time]`` as records (``record['feature_name']``,
        ``['value']``, ``['event_timestamp']``...), ordered by feature then time."""
        return await self._run(c.get_historical_features(entity_values, feature_names, start_time, end_time, feature_group))

    # ----------------------------------------------------------------------------- training data

    async def get_training_data(
        self,
        entity_df: Any,
        features: Sequence[str],
        timestamp_column: str = "event_timestamp",
        as_of: Any = None,
        save_as: str | None = None,
    ) -> "pd.DataFrame":
        """Point-in-time correct training data as a DataFrame: per row of ``entity_df`` (entity keys
        and ``timestamp_column``; other columns are kept), each feature's latest value at or before
        that time. ``features`` are ``group:feature`` or ``group:feature@version``; ``save_as``
        stores the definition (pinned versions and as-of) for :meth:`rerun_training_set`.
        ``df.attrs`` holds ``as_of``, ``features`` (pinned) and ``training_set``."""
        return tr.to_frame(await self._run(tr.training_data(entity_df, features, timestamp_column, as_of, save_as, "parquet")))

    async def export_training_data(
        self,
        entity_df: Any,
        features: Sequence[str],
        format: str = "parquet",
        timestamp_column: str = "event_timestamp",
        as_of: Any = None,
        save_as: str | None = None,
    ) -> bytes:
        """The same join as the server's bytes: ``parquet``, ``csv`` or ``json`` (no pandas needed)."""
        return (await self._run(tr.training_data(entity_df, features, timestamp_column, as_of, save_as, format))).content

    async def list_training_sets(self, limit: int | None = None, offset: int | None = None) -> list[dict[str, Any]]:
        """Saved training sets in name order; ``limit``/``offset`` page them (no limit: all)."""
        return await self._run(tr.list_training_sets(limit, offset))

    async def rerun_training_set(self, name: str) -> "pd.DataFrame":
        """A saved training set again: same spine, versions and as-of, same rows."""
        return tr.to_frame(await self._run(tr.rerun_training_set(name, "parquet")))

    async def export_training_set(self, name: str, format: str = "parquet") -> bytes:
        return (await self._run(tr.rerun_training_set(name, format))).content

    # ----------------------------------------------------------------------------- operations

    async def freshness_monitor(self) -> FreshnessMonitor:
        """The seed's ``feature_freshness_monitor`` records (also as ``.data``): ``feature_group``,
        ``feature_name``, ``fresh_count``, ``stale_count``, ``expired_count``, ``total_entities``,
        ``time_since_last_event`` (a timedelta), ``last_event_timestamp``."""
        return await self._run(c.freshness_monitor())

    async def update_freshness_status(self) -> int:
        """Persists every value's freshness status; returns how many changed."""
        return await self._run(c.update_freshness_status())

    async def invalidate_cache(self, entity_values: Mapping[str, Any], feature_group: str | None = None) -> dict[str, Any]:
        """Drops cached reads of an entity (in one group, or in every group)."""
        return await self._run(c.invalidate_cache(entity_values, feature_group))

    async def metrics(self) -> str:
        """The server's Prometheus text."""
        return await self._run(c.metrics())

    # ----------------------------------------------------------------------------- quality

    async def validate_feature_group(self, feature_group: str, start: Any = None, end: Any = None) -> dict[str, Any]:
        """Checks stored values (event times in [start, end]) against their features'
        constraints: per feature ``checked``, ``violations`` and ``rules`` with example entities."""
        return await self._run(c.validate_feature_group(feature_group, start, end))

    async def feature_drift(self, feature_group: str, feature_name: str, reference: Any, current: Any) -> dict[str, Any]:
        """Drift of ``current`` against ``reference``; each a ``(start, end)`` pair, a
        ``{"start": .., "end": ..}`` window or a saved training set's name. Returns ``status``
        (``ok``/``warn``/``drift``), ``psi``, ``ks``, ``ks_p_value``, ``js_distance``, both sides'
        counts and null rates, ``bins``."""
        return await self._run(c.feature_drift(feature_group, feature_name, reference, current))

    async def run_drift_monitors(self, feature_group: str) -> list[dict[str, Any]]:
        """Runs the group's drift monitors now (results kept; a status change goes to the webhook)."""
        return await self._run(c.run_drift_monitors(feature_group))

    async def list_drift(self) -> list[dict[str, Any]]:
        """The latest drift monitor result of every feature this key may read."""
        return await self._run(c.list_drift())

    async def drift_history(self, feature_group: str, feature_name: str, limit: int | None = None) -> list[dict[str, Any]]:
        """The feature's drift over time: the kept monitor results, newest first (at most
        ``limit``, 1 to 1000; the server's default is 50), each with ``computed_at``, ``status``,
        ``psi``, ``ks_p_value`` and ``thresholds``."""
        return await self._run(c.drift_history(feature_group, feature_name, limit))

    # ----------------------------------------------------------------------------- pipelines

    async def materialize(self, feature_group: str, start: Any = None, end: Any = None) -> dict[str, Any]:
        """Runs the group's ``computation_query`` features over [start, end) (incremental from the
        watermark when start is None) through the write path, in one transaction: the run record."""
        return await self._run(c.materialize(feature_group, start, end))

    async def list_materializations(self, feature_group: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Materialization runs, newest first (status, rows, duration, error)."""
        return await self._run(c.list_materializations(feature_group, limit))

    # ----------------------------------------------------------------------------- discovery

    async def lineage(self, node: str, depth: int | None = None, direction: str | None = None) -> dict[str, Any]:
        """``{"nodes": [...], "edges": [...]}`` around ``node`` (``group:feature@1``, a group, a
        table or a training set): source table -> computation -> feature version -> training set
        -> run; ``direction`` ``upstream``, ``downstream`` or ``both``, ``depth`` 1-10 (5)."""
        return await self._run(c.lineage(node, depth, direction))

    async def tag_training_set_run(self, training_set: str, run_id: str) -> dict[str, Any]:
        """Records that a run (e.g. an MLflow run id) trained on a saved training set (lineage)."""
        return await self._run(c.tag_training_set_run(training_set, run_id))

    async def search(self, query: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Groups and features matching every word of ``query`` (names first, then tags, owner,
        group, description), each with ``kind``, ``group``, ``name``, ``version``, ``score``."""
        return await self._run(c.search(query, limit))

    # ----------------------------------------------------------------------------- security

    async def create_api_key(
        self,
        name: str,
        read: Sequence[str] = (),
        write: Sequence[str] = (),
        admin: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Creates a key (needs an ``admin '*'`` key); the answer's ``key`` is shown this once."""
        return await self._run(c.create_api_key(name, read, write, admin))

    async def list_api_keys(self) -> list[dict[str, Any]]:
        return await self._run(c.list_api_keys())

    async def revoke_api_key(self, name: str) -> dict[str, Any]:
        return await self._run(c.revoke_api_key(name))

    async def audit_log(
        self, since: Any = None, actor: str | None = None, action: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Registry changes and key use, newest first (needs an ``admin '*'`` key)."""
        return await self._run(c.audit_log(since, actor, action, limit))
