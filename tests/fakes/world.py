"""An account with queues, a workstream and agents made straight in the fakes, and customers
whose lines are filed as the intake files them (the reply window opened, the line kept)."""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from shared.core.bearer_tokens import bearer_token_hash
from shared.core.ids import short_id
from shared.desk.work import PresenceChange
from shared.model.agents import Agent, AgentFields, Presence
from shared.model.conversations import Conversation, TranscriptEntry, utc
from shared.model.queues import Queue, QueueFields
from shared.model.workstreams import Workstream, WorkstreamFields
from tests.fakes.services import FakeServices

_msg_ids = itertools.count(1)


class FakeWorld:
    def __init__(self, services: FakeServices) -> None:
        self.services = services
        self.clock = services.clock
        self.account_id = short_id()

    def queue(self, name: str = "q", queue_id: str | None = None, **fields: Any) -> Queue:
        now = utc(self.clock())
        request = QueueFields.model_validate({"name": name, **fields})
        queue = Queue(
            **request.model_dump(), id=queue_id or short_id(), created_at=now, updated_at=now
        )
        self.services.queues.create(queue)
        return queue

    def workstream(self, fallback_queue_id: str, **fields: Any) -> Workstream:
        now = utc(self.clock())
        body = {"name": "ws", "accountId": self.account_id, "fallbackQueueId": fallback_queue_id}
        request = WorkstreamFields.model_validate({**body, **fields})
        workstream = Workstream(
            **request.model_dump(), id=short_id(), created_at=now, updated_at=now
        )
        self.services.workstreams.create(workstream)
        return workstream

    def agent(
        self,
        name: str,
        queue_ids: list[str],
        capacity: int = 2,
        presence: str = "available",
        **fields: Any,
    ) -> Agent:
        """Created offline as the admin creates agents, then given ``presence`` at the desk
        (which lists it in the availability index)."""
        now = utc(self.clock())
        request = AgentFields.model_validate(
            {"name": name, "queueIds": queue_ids, "capacity": capacity, **fields}
        )
        agent = Agent(
            **request.model_dump(),
            id=short_id(),
            token_hash=bearer_token_hash(secrets.token_hex(8)),
            created_at=now,
            updated_at=now,
        )
        self.services.agents.create(agent)
        return self.services.desk.set_presence(agent, PresenceChange(presence=Presence(presence)))

    def write(self, text: str, open_id: str | None = None) -> str:
        """A customer's text line → the conversation it went to (a new one unless theirs is
        still open)."""
        open_id = open_id or "o" + secrets.token_hex(8)
        now = utc(self.clock())
        self.services.outbox.customer_wrote(self.account_id, open_id, now)
        conversation, _ = self.services.conversations.open_for(self.account_id, open_id, now)
        create_time = int(self.clock())
        self.services.conversations.append(
            TranscriptEntry(
                conversation_id=conversation.id,
                key=f"{create_time:010d}-m{next(_msg_ids):020d}",
                direction="in",
                type="text",
                text=text,
                create_time=create_time,
                received_at=now,
            )
        )
        return conversation.id

    def conversation(self, text: str = "hello", open_id: str | None = None) -> str:
        """A new conversation, routed."""
        conversation_id = self.write(text, open_id)
        self.services.route_step.route(conversation_id)
        return conversation_id

    def get(self, conversation_id: str) -> Conversation:
        conversation = self.services.conversations.get(conversation_id)
        assert conversation is not None, conversation_id
        return conversation

    def fresh_agent(self, agent_id: str) -> Agent:
        agent = self.services.catalog.agent(agent_id)
        assert agent is not None, agent_id
        return agent

    def outbound_texts(self, conversation_id: str) -> list[str | None]:
        entries, _ = self.services.conversations.transcript(conversation_id, limit=200)
        return [e.text for e in entries if e.direction == "out"]
