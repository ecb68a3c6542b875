"""JSON on the wire: encoding (naive datetimes are UTC), timestamps, and the seed's result shapes."""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable, Generic, Iterable, Iterator, Mapping, TypeVar

UTC = _dt.timezone.utc
T = TypeVar("T")


# ------------------------------------------------------------------------------------- times


def to_utc(value: _dt.datetime) -> _dt.datetime:
    """A naive datetime is UTC (the seed writes ``datetime.utcnow()``); an aware one is converted."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_time(value: _dt.datetime | _dt.date | str, what: str = "time") -> str:
    """ISO-8601 with a ``Z``; strings pass through (the server checks them)."""
    if isinstance(value, str):
        return value
    # pandas' NaT is a datetime that equals nothing, itself included; its isoformat() is "NaT".
    if isinstance(value, _dt.date) and value != value:
        raise ValueError(f"{what} is NaT (a missing time); give a time, or None where a time may be left out")
    if isinstance(value, _dt.datetime):
        return to_utc(value).replace(tzinfo=None).isoformat() + "Z"
    if isinstance(value, _dt.date):
        return value.isoformat() + "T00:00:00Z"
    raise TypeError(f"{what} must be a datetime or ISO-8601 string, got {type(value).__name__}: {value!r}")


_FRACTION = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(?:\.(\d+))?(.*)$")


@lru_cache(maxsize=4096)
def parse_time(text: str) -> _dt.datetime:
    """The server's ISO-8601 instants (``Z`` or an offset, 0-9 fraction digits) as aware UTC datetimes."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        parsed = _dt.datetime.fromisoformat(s)
    except ValueError:
        # Python 3.10's fromisoformat takes only 3 or 6 fraction digits.
        m = _FRACTION.match(s)
        if not m:
            raise
        fraction = ((m.group(2) or "") + "000000")[:6]
        parsed = _dt.datetime.fromisoformat(f"{m.group(1)}.{fraction}{m.group(3)}")
    return to_utc(parsed)


def optional_time(value: Any) -> Any:
    return parse_time(value) if isinstance(value, str) else value


def parse_duration(text: str | None) -> _dt.timedelta | None:
    """Java's ``Duration.toString()`` (``PT26H3M4.5S``, ``PT-1S``) as a timedelta."""
    if text is None:
        return None
    m = re.fullmatch(r"-?P(?:(-?\d+)D)?T?(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?\d+(?:\.\d+)?)S)?", text)
    if not m:
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    delta = _dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return -delta if text.startswith("-") else delta


# ------------------------------------------------------------------------------------- JSON


def _default(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return format_time(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return item()
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist):
        return tolist()
    raise TypeError(f"cannot send a {type(value).__name__} as JSON: {value!r}")


_ENCODER = json.JSONEncoder(default=_default, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def dumps(value: Any) -> bytes:
    try:
        return _ENCODER.encode(value).encode("utf-8")
    except ValueError as e:
        raise ValueError(f"cannot send as JSON: {e}; use None for a missing value") from None


def loads(content: bytes) -> Any:
    return json.loads(content) if content else None


def body(**fields: Any) -> dict[str, Any]:
    """The request fields that were given (None leaves a field out, so the server's default holds)."""
    return {k: v for k, v in fields.items() if v is not None}


# ------------------------------------------------------------------------------------- calls


@dataclass(frozen=True)
class Call(Generic[T]):
    """One HTTP exchange, the same for the sync and the async client."""

    method: str
    path: str
    parse: Callable[["Answer"], T]
    json: Any = None
    content: "bytes | Iterable[bytes] | None" = None
    params: Mapping[str, Any] | None = None
    headers: Mapping[str, str] | None = None
    # Reads only: retried on a lost connection or a 503 (a write might have happened).
    idempotent: bool = False
    # Statuses that are answers, not errors (health answers 503 with its report).
    accept: tuple[int, ...] = ()
    long_running: bool = False
    fast: bool = False

    def payload(self) -> "bytes | Iterable[bytes] | None":
        """The body: bytes, or chunks to stream (chunked transfer encoding)."""
        if self.content is not None:
            return self.content
        return None if self.json is None else dumps(self.json)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any:
        return loads(self.content)


# ------------------------------------------------------------------------------------- results


@dataclass
class EntityFeatures:
    """``get_entity_features``' answer, as in the seed: ``.features``, ``.metadata``, ``.to_dict()``."""

    entity_values: dict[str, Any]
    features: dict[str, Any]
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Entity keys and feature values in one flat dict (the seed's model input)."""
        flat = dict(self.entity_values)
        flat.update(self.features)
        return flat

    def __getitem__(self, name: str) -> Any:
        return self.features[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.features.get(name, default)


class FreshnessMonitor(list):  # type: ignore[type-arg]
    """The seed's ``feature_freshness_monitor`` rows: a list of records, also as ``.data``.

    The seed read the view with ``fs.supabase.table("feature_freshness_monitor").select("*").execute()``
    and iterated ``.data``; ``fs.freshness_monitor()`` answers the same records.
    """

    @property
    def data(self) -> list[dict[str, Any]]:
        return self

    def __repr__(self) -> str:
        return f"FreshnessMonitor({list.__repr__(self)})"


_TIME_FIELDS = ("event_timestamp", "written_at", "created_at", "as_of", "checked_at", "last_event_timestamp",
                "last_used_at", "revoked_at", "first_used_at", "at", "time", "started_at", "finished_at",
                "computed_at")


def with_times(record: dict[str, Any]) -> dict[str, Any]:
    """Timestamps of a record as aware UTC datetimes."""
    for name in _TIME_FIELDS:
        v = record.get(name)
        if isinstance(v, str):
            try:
                record[name] = parse_time(v)
            except ValueError:
                pass
    return record


def records(items: Iterable[Any]) -> list[dict[str, Any]]:
    return [with_times(r) if isinstance(r, dict) else r for r in items]


def entity_features(answer: Answer) -> EntityFeatures:
    b = answer.json()
    metadata = b.get("metadata") or {}
    for md in metadata.values():
        ts = md.get("event_timestamp")
        if isinstance(ts, str):
            md["event_timestamp"] = parse_time(ts)
    return EntityFeatures(b.get("entity_values") or {}, b.get("features") or {}, metadata)


def freshness(answer: Answer) -> FreshnessMonitor:
    rows = FreshnessMonitor()
    for r in answer.json().get("data", []):
        with_times(r)
        seconds = r.get("time_since_last_event_seconds")
        if isinstance(seconds, (int, float)):
            r["time_since_last_event"] = _dt.timedelta(seconds=seconds)
        else:
            r["time_since_last_event"] = parse_duration(r.get("time_since_last_event"))
        rows.append(r)
    return rows


def field_of(name: str) -> Callable[[Answer], Any]:
    def parse(answer: Answer) -> Any:
        value = answer.json().get(name)
        if isinstance(value, dict):
            return with_times(value)
        return records(value) if isinstance(value, list) else value

    return parse


def record(answer: Answer) -> dict[str, Any]:
    return with_times(answer.json())


def raw(answer: Answer) -> Answer:
    return answer


def nothing(answer: Answer) -> None:
    return None

