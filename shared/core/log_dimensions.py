"""The account, conversation and message a log line is about, as fields of the record.

While a push or a step runs, ``log_dimensions(...)`` names what it works on; every record logged
in that block, by any logger, carries them as attributes (``accountId``, ``conversationId``,
``messageKey``), which Azure Monitor's log handler turns into ``customDimensions``. A query can
then find every line of one message without parsing text. The names are reserved: pass them
here, never in a logging call's ``extra`` (the logging module refuses a field set twice).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from opentelemetry import trace

DIMENSIONS = {
    "account_id": "accountId",
    "conversation_id": "conversationId",
    "message_key": "messageKey",
}
"""Each dimension's keyword here, and its name on a record (and in ``customDimensions``)."""

_OUTSIDE: Mapping[str, str] = MappingProxyType({})
"""No block is open: nothing to add to (a thread's context outlives its request)."""
_current: ContextVar[Mapping[str, str]] = ContextVar("log_dimensions", default=_OUTSIDE)


def _named(values: Mapping[str, str | None]) -> dict[str, str]:
    return {DIMENSIONS[name]: value for name, value in values.items() if value}


@contextmanager
def log_dimensions(
    *,
    account_id: str | None = None,
    conversation_id: str | None = None,
    message_key: str | None = None,
) -> Iterator[None]:
    """Within the block, every record carries these (on top of any named outside it), and
    so does the current span, as attributes."""
    named = _named(
        {"account_id": account_id, "conversation_id": conversation_id, "message_key": message_key}
    )
    trace.get_current_span().set_attributes(named)
    token = _current.set({**_current.get(), **named})
    try:
        yield
    finally:
        _current.reset(token)


def add_log_dimensions(
    *,
    account_id: str | None = None,
    conversation_id: str | None = None,
    message_key: str | None = None,
) -> None:
    """What a step learns as it goes (the conversation a push was filed in), until the
    enclosing ``log_dimensions`` block ends; the current span gets them too. Outside a
    block it does nothing: the values would stay with the thread, on its next request's lines."""
    if _current.get() is _OUTSIDE:
        return
    named = _named(
        {"account_id": account_id, "conversation_id": conversation_id, "message_key": message_key}
    )
    trace.get_current_span().set_attributes(named)
    _current.set({**_current.get(), **named})


def current_log_dimensions() -> Mapping[str, str]:
    """The dimensions records get now, by their record names."""
    return _current.get()


_installed = False


def install_log_dimensions() -> None:
    """Make every record from now on carry the current dimensions (once per process)."""
    global _installed
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def with_dimensions(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        for name, value in _current.get().items():
            setattr(record, name, value)
        return record

    logging.setLogRecordFactory(with_dimensions)
    _installed = True
