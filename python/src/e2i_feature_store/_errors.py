"""Typed exceptions, mapped from the server's ``{"error": {"code": ..., "message": ...}}`` answers."""

from __future__ import annotations

import json
from typing import Any, Mapping


class FeatureStoreError(Exception):
    """Base of every error the SDK raises.

    ``status`` is the HTTP status (``None`` when no answer came), ``code`` the server's error code
    (``INVALID_ARGUMENT``, ``NOT_FOUND``, ...), ``error_id`` the id under which the server logged a
    500 (quote it when reporting a bug; the server's log has the whole failure).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        error_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.error_id = error_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r}, message={self.message!r})"


class InvalidArgument(FeatureStoreError):
    """400: malformed or unknown input (the message names what was wrong); nothing changed."""


class TypeMismatch(InvalidArgument):
    """400 ``TYPE_MISMATCH``: a value does not fit its feature's type; nothing was written."""


class PayloadTooLarge(InvalidArgument):
    """413: the request body is over the server's limit."""


class Unauthorized(FeatureStoreError):
    """401: no API key, or a wrong, unknown or revoked one."""


class Forbidden(FeatureStoreError):
    """403: the API key has no scope for this call on that group (or the server disables it)."""


class NotFound(FeatureStoreError):
    """404: unknown feature group, feature, version or training set."""


class Conflict(FeatureStoreError):
    """409: another definition is stored under that name, or a bare feature name is ambiguous."""


class Unavailable(FeatureStoreError):
    """503, or no answer at all (refused connection, timeout): a backend or the server is down."""


class InternalServerError(FeatureStoreError):
    """500: a bug in the server; ``error_id`` finds the failure in the server's log."""


_BY_CODE: dict[str, type[FeatureStoreError]] = {
    "INVALID_ARGUMENT": InvalidArgument,
    "TYPE_MISMATCH": TypeMismatch,
    "PAYLOAD_TOO_LARGE": PayloadTooLarge,
    "METHOD_NOT_ALLOWED": InvalidArgument,
    "UNAUTHENTICATED": Unauthorized,
    "UNAUTHORIZED": Unauthorized,
    "FORBIDDEN": Forbidden,
    "NOT_FOUND": NotFound,
    "CONFLICT": Conflict,
    "UNAVAILABLE": Unavailable,
    "INTERNAL": InternalServerError,
}

_BY_STATUS: dict[int, type[FeatureStoreError]] = {
    400: InvalidArgument,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: InvalidArgument,
    409: Conflict,
    413: PayloadTooLarge,
    422: InvalidArgument,
    500: InternalServerError,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}


def error_from_response(status: int, content: bytes, method: str, path: str) -> FeatureStoreError:
    """The typed exception for an error answer; the server's code wins over the status."""
    code: str | None = None
    message: str | None = None
    error_id: str | None = None
    try:
        body: Any = json.loads(content) if content else None
    except ValueError:
        body = None
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        err = body["error"]
        code = err.get("code") if isinstance(err.get("code"), str) else None
        message = err.get("message") if isinstance(err.get("message"), str) else None
        error_id = err.get("error_id") if isinstance(err.get("error_id"), str) else None
    cls = _BY_CODE.get(code or "") or _BY_STATUS.get(status)
    if cls is None:
        cls = InternalServerError if status >= 500 else InvalidArgument if status >= 400 else FeatureStoreError
    if message is None:
        text = content[:200].decode("utf-8", "replace").strip()
        message = f"{method} {path} answered {status}" + (f": {text}" if text else "")
    return cls(message, status=status, code=code, error_id=error_id)
