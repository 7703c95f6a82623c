"""The outbox on the store fakes: a message is accepted only into a slot of WeChat's reply
window (docs/protocol.md §6.2), a rerun takes no second slot, and two writers racing for the
last slot cannot both have it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.messaging.automated import REPLY_RANK, outbound_entry
from shared.messaging.outbox import WindowClosedError
from shared.model.conversations import Conversation, utc
from triggers.errors import status_of

QUOTA = 5


@pytest.fixture
def conversation(world) -> Conversation:
    """A customer who has just written (their window is open, no slot taken)."""
    return world.get(world.write("hello"))


def reply(conversation: Conversation, clock, tag: str = "r1"):
    return outbound_entry(
        conversation.id,
        utc(clock()),
        REPLY_RANK,
        tag,
        sender="agent:lin",
        type="text",
        text=f"reply {tag}",
    )


def sent(services, conversation: Conversation) -> int:
    return services.conversations.window(conversation.account_id, conversation.open_id).sent


def test_a_message_takes_a_slot_and_asks_the_send_step(services, conversation, clock):
    added = services.outbox.add(conversation, reply(conversation, clock))
    assert services.conversations.entry(conversation.id, added.key).status == "queued"
    assert sent(services, conversation) == 1
    window = services.outbox.window(conversation)
    assert services.outbox.messages_left(window) == QUOTA - 1
    assert window.last_outbound.id == added.key  # what the agents' lists show
    assert services.send_queue.peek() == [{"conversationId": conversation.id}]


def test_the_quota_refuses_the_next_message_and_records_nothing(services, conversation, clock):
    for number in range(QUOTA):
        services.outbox.add(conversation, reply(conversation, clock, f"r{number}"))
    with pytest.raises(WindowClosedError) as refused:
        services.outbox.add(conversation, reply(conversation, clock, "one too many"))
    assert (status_of(refused.value), refused.value.code) == (409, "reply_window")
    assert "wait for the customer to write again" in refused.value.message
    assert sent(services, conversation) == QUOTA
    entries, _ = services.conversations.transcript(conversation.id, limit=50)
    assert len([e for e in entries if e.direction == "out"]) == QUOTA
    assert len(services.send_queue.peek()) == QUOTA


def test_after_the_window_hours_nothing_goes(services, conversation, clock):
    clock.advance(timedelta(hours=48).total_seconds())
    with pytest.raises(WindowClosedError) as refused:
        services.outbox.add(conversation, reply(conversation, clock))
    assert "48-hour reply window is closed" in refused.value.message
    assert services.outbox.messages_left(services.outbox.window(conversation)) == 0
    assert services.send_queue.peek() == []


def test_a_rerun_of_the_same_message_takes_no_second_slot(services, conversation, clock):
    entry = reply(conversation, clock)
    services.outbox.add(conversation, entry)
    again = services.outbox.add(conversation, entry)
    assert again.key == entry.key
    assert sent(services, conversation) == 1
    assert services.send_queue.peek() == [{"conversationId": conversation.id}]


def test_offer_skips_what_does_not_fit(services, conversation, clock):
    clock.advance(timedelta(hours=49).total_seconds())
    assert services.outbox.offer(conversation, reply(conversation, clock), "automated") is None
    entries, _ = services.conversations.transcript(conversation.id, limit=50)
    assert [e.direction for e in entries] == ["in"]


def test_a_customer_message_opens_a_fresh_window_and_an_older_one_does_not(
    services, conversation, clock
):
    for number in range(QUOTA):
        services.outbox.add(conversation, reply(conversation, clock, f"r{number}"))
    services.outbox.customer_wrote(conversation.account_id, conversation.open_id, utc(clock() - 60))
    assert sent(services, conversation) == QUOTA  # late news of an earlier message
    clock.advance(1)
    services.outbox.customer_wrote(conversation.account_id, conversation.open_id, utc(clock()))
    assert sent(services, conversation) == 0
    services.outbox.add(conversation, reply(conversation, clock, "fresh"))


def test_two_writers_racing_for_the_last_slot_cannot_both_have_it(services, conversation, clock):
    for number in range(QUOTA - 1):
        services.outbox.add(conversation, reply(conversation, clock, f"r{number}"))
    other = reply(conversation, clock, "the other writer's")

    def other_writer() -> None:
        services.outbox.add(conversation, other)

    services.conversations.before_next_window_write(
        conversation.account_id, conversation.open_id, other_writer
    )
    with pytest.raises(WindowClosedError):
        services.outbox.add(conversation, reply(conversation, clock, "ours"))
    assert sent(services, conversation) == QUOTA
    assert services.conversations.entry(conversation.id, other.key) is not None


def test_giving_a_slot_back_never_goes_below_zero(services, conversation, clock):
    services.outbox.add(conversation, reply(conversation, clock))
    services.outbox.give_back(conversation)
    services.outbox.give_back(conversation)
    assert sent(services, conversation) == 0


def test_keep_leaves_the_last_slots_for_the_agent(world, clock, conversation):
    outbox = world.services.outbox
    for n in range(QUOTA - 2):
        assert outbox.offer(conversation, reply(conversation, clock, f"u{n}"), "update", keep=2)
    assert outbox.offer(conversation, reply(conversation, clock, "u9"), "update", keep=2) is None
    assert sent(world.services, conversation) == QUOTA - 2
    outbox.add(conversation, reply(conversation, clock, "agent"))  # the agent still can
