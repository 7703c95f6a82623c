"""The rules of overflow after queueing (queue overflow.maxWait) and auto-close per state."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shared.model.conversations import ConversationState
from shared.model.queues import Overflow, OverflowAction, QueueFields
from shared.model.workstreams import AutoClose, WorkstreamFields
from shared.upkeep.housekeeping import state_limits
from shared.upkeep.max_wait import queued_at_ms


def test_max_wait_is_an_iso_duration_between_a_minute_and_two_days():
    assert Overflow.model_validate({"maxWait": "PT1M"}).max_wait == timedelta(minutes=1)
    assert Overflow.model_validate({"maxWait": "P2D"}).max_wait == timedelta(days=2)
    for wrong in ("PT59S", "P2DT1S", "soon"):
        with pytest.raises(ValidationError):
            Overflow.model_validate({"maxWait": wrong})


def test_max_wait_ends_by_default_and_transfer_needs_a_target():
    assert (
        Overflow.model_validate({"maxWait": "PT5M"}).max_wait_handling().action
        is OverflowAction.END
    )
    with pytest.raises(ValidationError, match="transferQueueId"):
        Overflow.model_validate({"maxWait": "PT5M", "afterMaxWait": {"action": "transfer"}})
    with pytest.raises(ValidationError, match="afterMaxWait"):
        Overflow.model_validate({"maxWait": "PT5M", "afterMaxWait": {"action": "queueAnyway"}})


def test_a_queue_without_max_wait_keeps_its_old_shape():
    queue = QueueFields.model_validate({"name": "q", "overflow": {"maxWaiting": 3}})
    assert queue.overflow.max_wait is None


def test_auto_close_defaults_are_the_seeds():
    limits = AutoClose()
    assert (limits.open, limits.active, limits.wrap_up, limits.waiting) == (
        timedelta(days=30),
        timedelta(days=30),
        timedelta(days=1),
        None,
    )


def test_auto_close_limits_are_at_least_a_minute_and_null_disables():
    with pytest.raises(ValidationError, match="one minute"):
        AutoClose.model_validate({"wrapUp": "PT30S"})
    workstream = WorkstreamFields.model_validate(
        {
            "name": "w",
            "accountId": "a",
            "fallbackQueueId": "q",
            "autoClose": {"open": None, "waiting": "PT2H"},
            "autoCloseAfterInactivity": "PT30M",
        }
    )
    assert state_limits(workstream) == {
        ConversationState.ACTIVE: timedelta(days=30),
        ConversationState.WRAPUP: timedelta(days=1),
        ConversationState.WAITING: timedelta(hours=2),
    }
    assert workstream.auto_close_after_inactivity == timedelta(minutes=30)


def test_the_waiting_key_carries_the_queueing_time():
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    ms = int(at.timestamp() * 1000)
    assert queued_at_ms(f"0100|{ms:015d}|c1") == ms
