"""The typing indicator against Azurite and the API simulator: one Typing per 15 s per
conversation whoever asks (consoles racing included), CancelTyping only while one shows, nothing
outside the reply window, and WeChat's refusals logged, never raised to the agent."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.core.errors import ForbiddenError, NotFoundError
from shared.desk.typing_indicator import TypingOutcome, TypingRequest
from shared.desk.workspace import Actor

TYPING = TypingRequest(typing=True)
STOPPED = TypingRequest(typing=False)


def calls(world, customer) -> list[tuple[str, int]]:
    return [(c.command, c.errcode) for c in world.wechat_api.typing_calls if c.touser == customer]


def test_typing_goes_once_per_15_seconds_and_cancel_once(chat):
    world, agent, customer, conversation = chat
    typing = world.services.typing
    actor = Actor(world.fresh_agent(agent.id))
    assert typing.report(actor, conversation, TYPING) is TypingOutcome.SENT
    world.clock.advance(5)
    assert typing.report(actor, conversation, TYPING) is TypingOutcome.THROTTLED
    assert typing.report(actor, conversation, STOPPED) is TypingOutcome.SENT
    assert typing.report(actor, conversation, STOPPED) is TypingOutcome.THROTTLED
    world.clock.advance(10)  # 15 s after the first Typing
    assert typing.report(actor, conversation, TYPING) is TypingOutcome.SENT
    world.clock.advance(16)
    assert typing.report(actor, conversation, STOPPED) is TypingOutcome.THROTTLED  # shown out
    assert calls(world, customer.open_id) == [("Typing", 0), ("CancelTyping", 0), ("Typing", 0)]
    assert world.services.workspace.window(world.get(conversation)).messages_left == 5


def test_two_consoles_at_once_send_one_typing(chat):
    """Eight reports racing through the ETag-guarded row: exactly one reaches WeChat."""
    world, agent, customer, conversation = chat
    actor = Actor(world.fresh_agent(agent.id))
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(
            pool.map(lambda _: world.services.typing.report(actor, conversation, TYPING), range(8))
        )
    assert outcomes.count(TypingOutcome.SENT) == 1
    assert outcomes.count(TypingOutcome.THROTTLED) == 7
    assert calls(world, customer.open_id) == [("Typing", 0)]


def test_nothing_is_sent_outside_the_reply_window(chat):
    world, agent, _customer, conversation = chat
    world.clock.advance(48 * 3600 + 1)
    actor = Actor(world.fresh_agent(agent.id))
    outcome = world.services.typing.report(actor, conversation, TYPING)
    assert outcome is TypingOutcome.WINDOW_CLOSED
    assert world.wechat_api.typing_calls == []


def test_a_refusal_from_wechat_is_logged_not_raised(chat, caplog):
    world, agent, customer, conversation = chat
    world.clock.advance(31)  # our window is open; WeChat wants an exchange in the last 30 s
    actor = Actor(world.fresh_agent(agent.id))
    with caplog.at_level("INFO", logger="shared.desk.typing_indicator"):
        outcome = world.services.typing.report(actor, conversation, TYPING)
    assert outcome is TypingOutcome.FAILED
    assert "45080" in caplog.text
    assert calls(world, customer.open_id) == [("Typing", 45080)]


def test_only_the_conversations_agent_may_show_typing(chat):
    world, _agent, _customer, conversation = chat
    queue_id = world.get(conversation).queue_id
    other = world.agent("Wu", [queue_id])
    with pytest.raises(NotFoundError):  # another agent does not even see it
        world.services.typing.report(Actor(world.fresh_agent(other.id)), conversation, TYPING)
    with pytest.raises(ForbiddenError):
        world.services.typing.report(Actor(None), conversation, TYPING)
    assert world.wechat_api.typing_calls == []
