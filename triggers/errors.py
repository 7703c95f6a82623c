"""The one place the domain's errors become HTTP: each kind's status, and the JSON body
``{"error": {"code", "message", "field"?}}`` every API route answers with.

A kind missing here is a bug, not a client's mistake: ``status_of`` raises, and the host
answers 500 without the message (it goes to the log).
"""

from __future__ import annotations

from typing import Any

from shared.core.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    IllegalTransitionError,
    InvalidRequestError,
    NotFoundError,
    OfferGoneError,
    TooLargeError,
    UnauthorizedError,
    UpstreamError,
    WindowClosedError,
)
from shared.core.schema import ViewModel

STATUS: dict[type[DomainError], int] = {
    InvalidRequestError: 400,
    UnauthorizedError: 401,
    ForbiddenError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    IllegalTransitionError: 409,
    WindowClosedError: 409,
    OfferGoneError: 409,
    TooLargeError: 413,
    UpstreamError: 502,
}


class ErrorDetail(ViewModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(ViewModel):
    error: ErrorDetail


def status_of(error: DomainError) -> int:
    """The HTTP status of ``error``'s kind (its exact class: a subclass needs its own row)."""
    try:
        return STATUS[type(error)]
    except KeyError:
        name = type(error).__name__
        raise LookupError(f"{name} has no HTTP status in triggers/errors.py") from error


def error_body(error: DomainError) -> dict[str, Any]:
    detail = ErrorDetail(code=error.code, message=error.message, field=error.field or None)
    return ErrorBody(error=detail).json_body()
