"""Which change-feed rows a conversation's change touches and an agent watches, and cursors:
what the console polls is only as right as these."""

from __future__ import annotations

import typing
from datetime import datetime, timezone

from shared.desk.workspace import ChangesView
from shared.model.agents import Agent, AgentRole
from shared.model.conversations import Conversation, ConversationState
from shared.store.changes import CURSOR, KINDS, _digests, row_keys, watched

NOW = datetime(2025, 11, 24, tzinfo=timezone.utc)


def conversation(**fields) -> Conversation:
    return Conversation(
        id="acc-1", account_id="acc", open_id="o1", created_at=NOW, updated_at=NOW,
        last_activity_at=NOW, **fields,
    )  # fmt: skip


def agent(role: AgentRole = AgentRole.AGENT, queue_ids=("q2", "q1")) -> Agent:
    return Agent(
        id="a1", name="Lin", queue_ids=list(queue_ids), role=role, token_hash="x",
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def test_a_conversation_touches_its_agent_its_queue_and_while_open_the_waiting_line() -> None:
    assert row_keys(conversation()) == set()  # not routed yet: no console shows it
    assert row_keys(conversation(queue_id="q1")) == {"s:q1", "w:q1"}
    active = conversation(queue_id="q1", agent_id="a1", state=ConversationState.ACTIVE)
    assert row_keys(active) == {"a:a1", "s:q1"}
    parked = conversation(queue_id="q1", agent_id="a1", state=ConversationState.WAITING)
    assert row_keys(parked) == {"a:a1", "s:q1"}


def test_agents_watch_their_queues_waiting_lines_and_supervisors_also_their_conversations():
    assert watched(agent()) == {"agent": ["a:a1"], "waiting": ["w:q1", "w:q2"], "supervised": []}
    assert watched(agent(AgentRole.SUPERVISOR))["supervised"] == ["s:q1", "s:q2"]


def test_a_cursor_we_did_not_hand_out_is_no_cursor() -> None:
    assert _digests(None) is None
    assert _digests("AAAA") is None  # decodes, but is not three hashes
    assert _digests("A") is None  # not base64 at all
    assert _digests("A" * 24) is not None
    assert CURSOR.fullmatch("A" * 24)
    assert not CURSOR.fullmatch("a b")


def test_the_answers_kinds_are_the_feeds() -> None:
    (changed,) = typing.get_args(ChangesView.model_fields["changed"].annotation)
    assert typing.get_args(changed) == KINDS
