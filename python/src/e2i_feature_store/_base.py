"""What the sync and the async client share: configuration, local mode, retries, error mapping."""

from __future__ import annotations

import os
from typing import Any, Mapping, TypeVar

import httpx

from . import _local
from ._errors import FeatureStoreError, Unavailable, error_from_response
from ._version import __version__
from ._wire import Answer, Call

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
DEFAULT_TRAINING_TIMEOUT = 600.0
DEFAULT_RETRIES = 2
RETRY_BACKOFF = 0.1  # seconds, doubled per attempt


class ClientBase:
    """Connection settings; ``url=None`` runs a local server from the project's jar."""

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
        _check_settings(url, api_key, timeout, retries)
        self._server: _local.LocalServer | None = None
        if url is None:
            self._server = _local.acquire(data_dir, jar, startup_timeout)
            url = self._server.url
        elif data_dir is not None or jar is not None:
            raise ValueError("data_dir and jar are for local mode (no url); a url names a running server")
        self.url = url.rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("FS_API_KEY") or None
        self.timeout = timeout
        self.retries = retries
        self.verify = verify
        self._headers = {"accept": "application/json", "user-agent": f"e2i-feature-store-python/{__version__}"}
        if self.api_key:
            self._headers["authorization"] = f"Bearer {self.api_key}"
        connect = min(timeout, 10.0)
        self._timeout = httpx.Timeout(timeout, connect=connect)
        self._long_timeout = httpx.Timeout(training_timeout, connect=connect)
        self._closed = False

    @property
    def local_server(self) -> "_local.LocalServer | None":
        """The server local mode started (its ``data_dir``, ``log_path``, ``url``), else None."""
        return self._server

    def _request_headers(self, call: Call[Any]) -> dict[str, str]:
        headers = dict(self._headers)
        if call.json is not None:
            headers["content-type"] = "application/json"
        if call.headers:
            headers.update(call.headers)
        return headers

    def _attempts(self, call: Call[Any]) -> int:
        return 1 + (self.retries if call.idempotent else 0)

    @staticmethod
    def _retryable(call: Call[Any], answer: Answer) -> bool:
        return answer.status == 503 and 503 not in call.accept

    @staticmethod
    def _result(call: Call[T], answer: Answer) -> T:
        if 200 <= answer.status < 300 or answer.status in call.accept:
            return call.parse(answer)
        raise error_from_response(answer.status, answer.content, call.method, call.path)

    def _lost(self, call: Call[Any], error: BaseException) -> FeatureStoreError:
        what = "timed out" if isinstance(error, (httpx.TimeoutException, TimeoutError)) else "failed"
        return Unavailable(f"{call.method} {self.url}{call.path} {what}: {error or type(error).__name__}")

    def _release_server(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            _local.release(server)

    def __repr__(self) -> str:
        mode = f", local data_dir={str(self._server.data_dir)!r}" if self._server else ""
        return f"{type(self).__name__}(url={self.url!r}{mode})"


def _check_settings(url: Any, api_key: Any, timeout: Any, retries: Any) -> None:
    """Wrong settings fail here, naming the argument, not later inside httpx or http.client."""
    if url is not None and (not isinstance(url, str) or not url.lower().startswith(("http://", "https://"))):
        raise ValueError(f"url must be an http:// or https:// URL such as 'http://localhost:8080', got {url!r}")
    if api_key is not None:
        # Sent as an HTTP header: printable ASCII only (a newline or a non-ASCII letter is a copy slip).
        if not isinstance(api_key, str) or not all(" " < ch < "\x7f" for ch in api_key):
            raise ValueError("api_key must be a string of printable ASCII characters without spaces")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a whole number >= 0, got {retries!r}")


def answer_of(response: httpx.Response) -> Answer:
    return Answer(response.status_code, response.headers, response.content)


def retry_delay(attempt: int) -> float:
    return float(RETRY_BACKOFF * (2**attempt))


def entity_check(entity_values: Mapping[str, Any]) -> None:
    if not isinstance(entity_values, Mapping):
        raise TypeError(f"entity_values must be a mapping, got {type(entity_values).__name__}")
