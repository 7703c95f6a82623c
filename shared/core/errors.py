"""What the domain refuses, by kind: each error carries a stable ``code`` a client can act on,
a message that says what was wrong (and what to do), and the request field it is about, if any.

The domain speaks no HTTP: ``triggers/errors.py`` gives each kind its status and JSON body.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Base of the refusals the APIs answer; ``code`` defaults to the kind's own."""

    default_code: ClassVar[str]

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field


class InvalidRequestError(DomainError):
    """The request is malformed, or names something that does not exist."""

    default_code = "invalid_request"


class UnauthorizedError(DomainError):
    """No credentials, or credentials that belong to no one."""

    default_code = "unauthorized"


class ForbiddenError(DomainError):
    """Who asks is known, and may not do this."""

    default_code = "forbidden"


class NotFoundError(DomainError):
    """It does not exist, or the caller may not know that it does."""

    default_code = "not_found"


class ConflictError(DomainError):
    """The current state or a unique value does not allow it; the code says which."""

    default_code = "conflict"


class OfferGoneError(DomainError):
    """An accept or decline of an offer that is not (or no longer) the caller's: it ran out, was
    answered already, or went to another agent."""

    default_code = "not_offered"


class IllegalTransitionError(DomainError):
    """The conversation's state machine has no such step (``shared/model/lifecycle.py``)."""

    default_code = "illegal_transition"


class WindowClosedError(DomainError):
    """WeChat's reply window for the customer is closed or its quota is used up."""

    default_code = "reply_window"


class TooLargeError(DomainError):
    """A body or file over its size limit."""

    default_code = "body_too_large"


class UpstreamError(DomainError):
    """WeChat refused a change made on a caller's behalf, or did not answer: the message says
    which and why (WeChat's errcode in it)."""

    default_code = "wechat_error"


def not_found(what: str) -> NotFoundError:
    return NotFoundError(f"{what} was not found")


def unknown_reference(field: str, what: str, value: str) -> InvalidRequestError:
    """A body that names something which does not exist: well formed, so not
    ``invalid_request``, and no schema could have said so."""
    return InvalidRequestError(f"{field}: no {what} {value}", code="unknown_reference", field=field)
