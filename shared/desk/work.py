"""The agent's desk: who am I, my presence, the queue I pick from, and what I do with a
conversation (pick, park, close, transfer). Every change goes through the same capacity
reservation and conversation ETags as the assign step."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from itertools import islice

from pydantic import ConfigDict, model_validator

from shared.core.errors import ConflictError, not_found, unknown_reference
from shared.core.schema import ApiModel, one_of
from shared.messaging.automated import AutomatedMessenger
from shared.model.agents import Agent, Presence, ResourceId
from shared.model.conversations import Conversation, ConversationState, utc
from shared.model.lifecycle import check_transition
from shared.model.timeline import EventKind
from shared.model.workstreams import AutomatedMessage, DistributionMode
from shared.pipeline.assign import AssignStep
from shared.store.catalog import RoutingCatalog
from shared.store.conversations import ConversationStore
from shared.store.optimistic import ChangedError
from shared.store.waiting import WaitingLine, in_serving_order
from shared.store.work_items import AssignItem
from shared.store.work_queues import WorkQueue

S = ConversationState


class PresenceChange(ApiModel):
    presence: Presence


class CloseRequest(ApiModel):
    wrap_up: bool = False
    """True: to wrapup (capacity held while the agent finishes notes); a second close ends it."""


class TransferRequest(ApiModel):
    model_config = ConfigDict(json_schema_extra=one_of("queueId", "agentId"))

    queue_id: ResourceId | None = None
    agent_id: ResourceId | None = None

    @model_validator(mode="after")
    def _one_target(self) -> TransferRequest:
        if (self.queue_id is None) == (self.agent_id is None):
            raise ValueError("give exactly one of queueId and agentId")
        return self


class AgentDesk:
    def __init__(
        self,
        catalog: RoutingCatalog,
        conversations: ConversationStore,
        waiting: WaitingLine,
        assign_step: AssignStep,
        messenger: AutomatedMessenger,
        assign_queue: WorkQueue[AssignItem],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._catalog = catalog
        self._conversations = conversations
        self._waiting = waiting
        self._assign_step = assign_step
        self._messenger = messenger
        self._assign_queue = assign_queue
        self._clock = clock

    def _now(self) -> datetime:
        return utc(self._clock())

    def set_presence(self, agent: Agent, change: PresenceChange) -> Agent:
        now = self._now()
        updated = self._assign_step.change_agent(
            agent.id,
            lambda a: (
                None  # disabled since the request was authorised: it stays offline
                if a.disabled
                else a.model_copy(update={"presence": change.presence, "updated_at": now})
            ),
        )
        if updated is None:
            raise not_found(f"agent {agent.id}")
        if updated.presence is not Presence.OFFLINE:
            self._assign_queue.put(AssignItem(agent_id=agent.id))
        return updated

    def queue(self, agent: Agent, limit: int = 50) -> list[Conversation]:
        """Conversations waiting in the agent's queues: lowest queue priority first, then
        each queue's own order."""
        queues = [q for q in (self._catalog.queue(qid) for qid in agent.queue_ids) if q]
        lines = in_serving_order(self._waiting, self._conversations, queues, per_queue=limit)
        return list(islice((c for _, waiting in lines for c in waiting), limit))

    def _own(self, agent: Agent, conversation_id: str) -> Conversation:
        conversation = self._conversations.get(conversation_id)
        if conversation is None or conversation.agent_id != agent.id:
            raise not_found(f"conversation {conversation_id}")
        return conversation

    def _any(self, conversation_id: str) -> Conversation:
        conversation = self._conversations.get(conversation_id)
        if conversation is None:
            raise not_found(f"conversation {conversation_id}")
        return conversation

    def pick(self, agent: Agent, conversation_id: str) -> Conversation:
        conversation = self._conversations.get(conversation_id)
        if conversation is None or conversation.queue_id not in agent.queue_ids:
            raise not_found(f"conversation {conversation_id} in your queues")
        if conversation.state is not S.OPEN:
            raise ConflictError(
                f"conversation {conversation_id} is {conversation.state.value}", code="taken"
            )
        if conversation.offer is not None and conversation.offer.agent_id == agent.id:
            raise ConflictError(
                f"conversation {conversation_id} is offered to you: accept it", code="offered"
            )
        workstream, units, presences = self._assign_step.terms(conversation)
        if agent.presence not in presences:
            raise ConflictError(
                f"your presence {agent.presence.value} cannot take conversations", code="presence"
            )
        profile = self._assign_step.profile(workstream)
        reserved = self._assign_step.reserve(
            agent.id, conversation, units, presences, profile=profile
        )
        if reserved is None:
            raise ConflictError(
                f"you have no free capacity for {units} more units"
                + (f" or room in capacity profile {profile.name}" if profile else ""),
                code="no_capacity",
            )
        active = self._assign_step.commit(conversation, reserved, workstream, via=EventKind.PICKED)
        if active is None:
            self._assign_step.release(agent.id, conversation.id)
            raise ConflictError(f"conversation {conversation_id} was taken meanwhile", code="taken")
        return active

    def park(self, agent: Agent, conversation_id: str) -> Conversation:
        """Active → waiting: the customer is to answer; the agent's capacity is freed."""
        conversation = self._own(agent, conversation_id)
        check_transition(conversation.state, S.WAITING)
        parked = self._save(conversation, state=S.WAITING)
        self._assign_step.release(agent.id, conversation.id, park=True)
        return parked

    def close(self, agent: Agent, conversation_id: str, request: CloseRequest) -> Conversation:
        return self._close(self._own(agent, conversation_id), request, reason="agent_closed")

    def close_as_admin(
        self, conversation_id: str, request: CloseRequest, *, reason: str = "admin_closed"
    ) -> Conversation:
        """Close any conversation whatever its agent: how an admin (or a supervisor) releases
        the work of an agent who cannot (a disabled agent's, say)."""
        return self._close(self._any(conversation_id), request, reason=reason)

    def _close(
        self, conversation: Conversation, request: CloseRequest, *, reason: str
    ) -> Conversation:
        if request.wrap_up and conversation.state is not S.WRAPUP:
            check_transition(conversation.state, S.WRAPUP)
            wrapping = self._save(conversation, state=S.WRAPUP)
            if conversation.agent_id:
                workstream = self._catalog.workstream(conversation.workstream_id or "")
                self._assign_step.enter_wrap_up(conversation.agent_id, conversation.id, workstream)
            return wrapping
        return self.end(conversation, reason=reason)

    def end(self, conversation: Conversation, *, reason: str) -> Conversation:
        check_transition(conversation.state, S.CLOSED)
        closed = self._assign_step.close(conversation, reason=reason, farewell=True)
        if closed is None:
            raise not_found(f"conversation {conversation.id}")
        if reason == "agent_closed":
            agent = self._catalog.agent(conversation.agent_id or "")
            self._messenger.send(
                closed,
                self._catalog.workstream_for_account(closed.account_id),
                AutomatedMessage.AGENT_ENDED_CONVERSATION,
                at=closed.closed_at or self._now(),
                AgentName=agent.name if agent else "",
            )
        return closed

    def transfer(
        self, agent: Agent, conversation_id: str, request: TransferRequest
    ) -> Conversation:
        return self._transfer(self._own(agent, conversation_id), request)

    def transfer_as_admin(self, conversation_id: str, request: TransferRequest) -> Conversation:
        """Transfer any conversation whatever its agent (see ``close_as_admin``)."""
        return self._transfer(self._any(conversation_id), request)

    def _transfer(self, conversation: Conversation, request: TransferRequest) -> Conversation:
        if request.queue_id:
            return self._to_queue(conversation, request.queue_id)
        return self._to_agent(conversation, request.agent_id or "")

    def _to_queue(self, conversation: Conversation, queue_id: str) -> Conversation:
        if self._catalog.queue(queue_id) is None:
            raise unknown_reference("queueId", "queue", queue_id)
        if conversation.state is S.OPEN:
            # Still queued (an admin or a supervisor moves it): from one waiting line to another.
            if conversation.queue_id == queue_id:
                raise ConflictError(
                    f"the conversation waits in queue {queue_id}", code="same_queue"
                )
            self._waiting.discard(conversation)
        else:
            check_transition(conversation.state, S.OPEN)
        now = self._now()
        moved = self._save(
            conversation,
            state=S.OPEN,
            queue_id=queue_id,
            agent_id=None,
            previous_agent_id=None,
            enqueued_at=now,
            offer=None,
        )
        if conversation.agent_id:
            self._assign_step.release(conversation.agent_id, conversation.id)
        if conversation.offer is not None:  # moved while offered: the offer ends with it
            self._assign_step.release(conversation.offer.agent_id, conversation.id, only_offer=True)
        self._waiting.add(moved)
        self._assign_step.timeline.record(
            moved.id,
            EventKind.TRANSFERRED,
            now,
            about=queue_id,
            outcome=queue_id,
            queue_id=queue_id,
            from_queue_id=conversation.queue_id,
            from_agent_id=conversation.agent_id,
        )
        workstream = self._catalog.workstream(moved.workstream_id or "")
        self._messenger.send(moved, workstream, AutomatedMessage.TRANSFER_ACCEPTED, at=now)
        if workstream is None or workstream.distribution_mode is DistributionMode.PUSH:
            self._assign_queue.put(AssignItem(conversation_id=moved.id))
        return moved

    def _to_agent(self, conversation: Conversation, target_id: str) -> Conversation:
        target = self._catalog.agent(target_id)
        if target is None:
            raise unknown_reference("agentId", "agent", target_id)
        if target.id == conversation.agent_id:
            raise ConflictError(
                f"the conversation is with agent {target.id} already", code="same_agent"
            )
        if target.disabled:
            raise ConflictError(f"agent {target_id} is disabled", code="agent_disabled")
        if conversation.state is not S.ACTIVE:
            check_transition(conversation.state, S.ACTIVE)
        workstream, units, presences = self._assign_step.terms(conversation)
        moving = conversation.model_copy(update={"queue_id": None})  # any queue of theirs will do
        profile = self._assign_step.profile(workstream)
        reserved = self._assign_step.reserve(target.id, moving, units, presences, profile=profile)
        if reserved is None:
            raise ConflictError(
                f"agent {target_id} cannot take it now (presence or capacity)", code="no_capacity"
            )
        moved = self._assign_step.commit(
            conversation, reserved, workstream, via=EventKind.TRANSFERRED
        )
        if moved is None:
            self._assign_step.release(target.id, conversation.id)
            raise ConflictError("the conversation changed meanwhile; try again")
        if conversation.agent_id:
            self._assign_step.release(conversation.agent_id, conversation.id)
        return moved

    def _save(self, conversation: Conversation, **changes: object) -> Conversation:
        try:
            return self._conversations.save(conversation, updated_at=self._now(), **changes)
        except ChangedError:
            raise ConflictError("the conversation changed meanwhile; try again") from None
