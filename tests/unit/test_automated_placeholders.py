"""Automated messages' placeholders, checked on save, and when a position update is due."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shared.messaging.positions import due_at
from shared.model.conversations import Conversation
from shared.model.workstreams import (
    AutomatedMessage,
    Workstream,
    WorkstreamFields,
    unknown_placeholders,
)

BASE = {"name": "ws", "accountId": "acc1", "fallbackQueueId": "q1"}
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_known_placeholders_context_and_stray_braces_pass():
    text = "{AgentName} of {QueueName}: number {Position}, order {context.order} {} { x }"
    assert unknown_placeholders(text) == []


def test_an_unknown_placeholder_is_refused_by_name():
    with pytest.raises(ValidationError) as raised:
        WorkstreamFields.model_validate(
            {**BASE, "automatedMessages": {"en": {"positionInQueue": "You are {Positon}"}}}
        )
    error = raised.value.errors()[0]
    assert error["loc"] == ("automatedMessages",)
    assert "{Positon}" in error["msg"]
    assert "en.positionInQueue" in error["msg"]


def test_the_new_messages_come_after_the_old_ones():
    assert list(AutomatedMessage)[-5:] == [
        AutomatedMessage.AGENT_NOT_ASSIGNED,
        AutomatedMessage.TRANSFER_ACCEPTED,
        AutomatedMessage.NEXT_IN_LINE,
        AutomatedMessage.POSITION_IN_QUEUE,
        AutomatedMessage.AGENT_ENDED_CONVERSATION,
    ]


def test_position_update_every_is_at_least_a_minute():
    with pytest.raises(ValidationError):
        WorkstreamFields.model_validate({**BASE, "positionUpdateEvery": "PT30S"})


@pytest.mark.parametrize(
    ("elapsed", "due"),
    [(timedelta(minutes=4), None), (timedelta(minutes=5), 5), (timedelta(minutes=14), 10)],
)
def test_the_last_passed_period_is_due(elapsed, due):
    workstream = WorkstreamFields.model_validate({**BASE, "positionUpdateEvery": "PT5M"})
    waiting = Conversation.model_construct(enqueued_at=T0)
    expected = None if due is None else T0 + timedelta(minutes=due)
    assert due_at(waiting, workstream, T0 + elapsed) == expected


def test_no_period_no_update():
    workstream = WorkstreamFields.model_validate(BASE)
    waiting = Conversation.model_construct(enqueued_at=T0)
    assert due_at(waiting, workstream, T0 + timedelta(hours=1)) is None


def test_a_stored_workstream_with_an_unknown_placeholder_still_loads():
    stored = {
        **BASE,
        "id": "ws1",
        "createdAt": T0.isoformat(),
        "updatedAt": T0.isoformat(),
        "language": "en",
        "automatedMessages": {"en": {"greeting": "Hi {Name}"}},
    }
    assert Workstream.model_validate(stored).message(AutomatedMessage.GREETING) == "Hi {Name}"
