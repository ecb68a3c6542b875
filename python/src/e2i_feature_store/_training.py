"""Training data: an entity DataFrame (or rows) out as the JSON spine, Parquet back into pandas."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import quote

from . import _wire as w
from ._errors import InvalidArgument
from ._wire import Answer, Call

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

FORMATS = ("parquet", "csv", "json")
_EXTRA_HINT = "training data as a DataFrame needs pandas and pyarrow: pip install 'e2i-feature-store[pandas]'"


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(_EXTRA_HINT) from e
    return pandas


def _is_frame(value: Any) -> bool:
    return type(value).__module__.startswith("pandas") and hasattr(value, "columns")


def _frame_columns(df: Any, ts_column: str) -> tuple[list[str], list[list[Any]]]:
    """Column names and values, vectorised: times as ISO-8601 UTC strings, NaN/NaT as None."""
    import numpy as np

    pd = _pandas()
    names = [str(c) for c in df.columns]
    columns: list[list[Any]] = []
    for name, c in zip(names, df.columns):
        s = df[c]
        if name == ts_column or pd.api.types.is_datetime64_any_dtype(s.dtype):
            try:
                times = pd.to_datetime(s, utc=True)  # naive times are UTC
            except (ValueError, TypeError, OverflowError) as e:
                raise InvalidArgument(f"spine column {name!r} holds a value that is not a time: {e}") from None
            columns.append(_iso_times(times))
        elif s.hasnans:
            columns.append(s.astype(object).where(s.notna(), None).tolist())
        else:
            columns.append(s.tolist())
    return names, columns


def _iso_times(t: Any) -> list[str | None]:
    """ISO-8601 UTC text per time, in whole seconds when no time has a fraction (shorter JSON)."""
    import numpy as np

    arr = t.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    missing = np.isnat(arr)
    whole = bool((arr[~missing].astype("int64") % 1_000_000 == 0).all())
    out = np.datetime_as_string(arr, unit="s" if whole else "us", timezone="UTC").astype(object)
    if missing.any():
        out[missing] = None
    values: list[str | None] = out.tolist()
    return values


def _row_columns(rows: Any, ts_column: str) -> tuple[list[str], list[list[Any]]]:
    """A list of dicts, or a dict of lists, without pandas."""
    if isinstance(rows, Mapping):
        names = [str(k) for k in rows]
        for k, v in rows.items():
            if isinstance(v, (str, bytes, Mapping)) or not isinstance(v, Iterable):
                raise TypeError(f"entity_df column {k!r} must be a list of values, got {type(v).__name__}: {v!r}")
        columns = [list(v) for v in rows.values()]
        lengths = {n: len(c) for n, c in zip(names, columns)}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"entity_df columns must have the same length, got {lengths}")
    else:
        if isinstance(rows, (str, bytes)) or not isinstance(rows, Iterable):
            raise TypeError(
                "entity_df must be a pandas DataFrame, a list of dicts or a dict of lists, "
                f"got {type(rows).__name__}: {rows!r}"
            )
        items = []
        for i, r in enumerate(rows, start=1):
            if not isinstance(r, Mapping):
                raise TypeError(f"entity_df row #{i} must be a dict, got {type(r).__name__}: {r!r}")
            items.append(dict(r))
        names = []
        for r in items:
            for k in r:
                if k not in names:
                    names.append(str(k))
        columns = [[r.get(n) for r in items] for n in names]
    if ts_column in names:
        i = names.index(ts_column)
        columns[i] = [None if v is None else w.format_time(v, f"spine column {ts_column!r}") for v in columns[i]]
    return names, columns


def _check_times(column: Any, name: str) -> None:
    """A time column that is not datetime64 is parsed once up front: the rows are encoded while
    they are sent, where an error would surface from inside the HTTP library."""
    pd = _pandas()
    if not pd.api.types.is_datetime64_any_dtype(column.dtype):
        try:
            pd.to_datetime(column, utc=True)
        except (ValueError, TypeError, OverflowError) as e:
            raise InvalidArgument(f"spine column {name!r} holds a value that is not a time: {e}") from None


class RequestBody:
    """The request as byte chunks of ``rows_per_chunk`` spine rows, encoded as they are sent: the
    server parses the first rows while the rest are encoded (2 cores: the encoding mostly hides
    behind the server's parse). Iterable again for a retry."""

    def __init__(self, prefix: bytes, rows: int, encode: Callable[[int, int], bytes], rows_per_chunk: int) -> None:
        self.prefix = prefix
        self.rows = rows
        self._encode = encode
        self._chunk = rows_per_chunk

    def __iter__(self) -> Iterator[bytes]:
        yield self.prefix
        for start in range(0, self.rows, self._chunk):
            part = self._encode(start, min(self.rows, start + self._chunk))
            yield part if start == 0 else b"," + part
        yield b"]}}"

    def __bytes__(self) -> bytes:
        return b"".join(self)


def request_body(
    entity_df: Any,
    features: Sequence[str] | str,
    timestamp_column: str,
    as_of: Any,
    save_as: str | None,
    fmt: str,
    rows_per_chunk: int = 50_000,
) -> RequestBody:
    """``{"features": .., "spine": {"columns": [..], "rows": [[..], ..]}, ..}``, rows encoded lazily."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    feature_list = [features] if isinstance(features, str) else list(features)
    head = w.body(
        features=feature_list,
        timestamp_column=None if timestamp_column == "event_timestamp" else timestamp_column,
        as_of=None if as_of is None else w.format_time(as_of, "as_of"),
        save_as=save_as,
        format=fmt,
    )
    if _is_frame(entity_df):
        names = [str(c) for c in entity_df.columns]
        rows = len(entity_df)
        if timestamp_column in names:
            _check_times(entity_df[entity_df.columns[names.index(timestamp_column)]], timestamp_column)

        def encode(start: int, end: int) -> bytes:
            _, columns = _frame_columns(entity_df.iloc[start:end], timestamp_column)
            return w.dumps(list(zip(*columns)))[1:-1]

    else:
        names, all_columns = _row_columns(entity_df, timestamp_column)
        rows = len(all_columns[0]) if all_columns else 0

        def encode(start: int, end: int) -> bytes:
            return w.dumps(list(zip(*(c[start:end] for c in all_columns))))[1:-1]

    if timestamp_column not in names:
        raise InvalidArgument(f"the spine has no timestamp column {timestamp_column!r}; columns: {names}")
    prefix = w.dumps(head)[:-1] + b',"spine":{"columns":' + w.dumps(names) + b',"rows":['
    return RequestBody(prefix, rows, encode, rows_per_chunk)


def training_data(
    entity_df: Any,
    features: Sequence[str] | str,
    timestamp_column: str,
    as_of: Any,
    save_as: str | None,
    fmt: str,
) -> Call[Answer]:
    content = request_body(entity_df, features, timestamp_column, as_of, save_as, fmt)
    return Call(
        "POST",
        "/api/v1/training-data",
        w.raw,
        content=content,
        headers={"content-type": "application/json"},
        long_running=True,
        # A saved training set is a registry write; a plain join is a read.
        idempotent=save_as is None,
    )


def rerun_training_set(name: str, fmt: str) -> Call[Answer]:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    return Call(
        "POST",
        f"/api/v1/training-sets/{quote(name, safe='')}/run",
        w.raw,
        params={"format": fmt},
        long_running=True,
        idempotent=True,
    )


def list_training_sets(limit: int | None = None, offset: int | None = None) -> Call[list[dict[str, Any]]]:
    params = w.body(limit=None if limit is None else str(limit), offset=None if offset is None else str(offset))
    return Call("GET", "/api/v1/training-sets", w.field_of("training_sets"), params=params or None, idempotent=True)


def to_frame(answer: Answer) -> "pd.DataFrame":
    """Parquet into a DataFrame; ``df.attrs`` carries the pinned as-of, feature versions and name."""
    _pandas()
    try:
        import pyarrow.parquet as pq
    except ImportError as e:  # pragma: no cover
        raise ImportError(_EXTRA_HINT) from e
    df = pq.read_table(io.BytesIO(answer.content)).to_pandas()
    df.attrs.update(pinned(answer))
    return df


def pinned(answer: Answer) -> dict[str, Any]:
    """What the rows were built from, from the X-Training-Set-* headers."""
    h = {k.lower(): v for k, v in answer.headers.items()}
    as_of = h.get("x-training-set-as-of")
    features = h.get("x-training-set-features")
    info: dict[str, Any] = {
        "as_of": w.parse_time(as_of) if as_of else None,
        "features": features.split(",") if features else [],
    }
    if h.get("x-training-set-name"):
        info["training_set"] = h["x-training-set-name"]
    return info


def records(answer: Answer) -> list[dict[str, Any]]:
    """JSON training data as row dicts (no pandas needed)."""
    return list(answer.json().get("rows", []))

