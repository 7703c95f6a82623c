"""The supervisor's view: the live work of the queues a supervisor watches (the admin: every
queue), the agents of those queues, and closing or transferring a conversation on its agent's
behalf.

Live work is read from the two places that already index it, never by scanning
conversations: each queue's waiting line (what is queued) and the agents' holds and parks
(what is with someone). A supervisor is authorised per queue: a conversation is theirs to see
and act on while its ``queueId`` is one of their queues, whoever holds it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from shared.core.errors import ForbiddenError, InvalidRequestError, not_found
from shared.core.schema import ViewModel
from shared.desk.work import AgentDesk, CloseRequest, TransferRequest
from shared.desk.workspace import Actor, ChangesView, CustomerRef, WindowView
from shared.model.agents import Agent, AgentRole, Presence
from shared.model.conversations import Conversation, ConversationState, LineSummary
from shared.model.queues import Queue
from shared.model.timeline import TimelineView
from shared.store.catalog import RoutingCatalog
from shared.store.changes import CURSOR, ChangeFeed
from shared.store.conversations import ConversationStore
from shared.store.timeline import UNRECORDED, TimelineStore
from shared.store.waiting import WaitingLine

S = ConversationState
LIVE_STATES = (S.OPEN, S.ACTIVE, S.WAITING, S.WRAPUP)
QUEUED_READ = 200
"""Queued conversations read per queue: the count says ``queuedMore`` beyond that."""
LiveState = Literal["open", "active", "waiting", "wrapup"]


class QueueLoad(ViewModel):
    id: str
    name: str
    queued: int
    """Conversations waiting in the queue for an agent (state ``open``)."""
    queued_more: bool
    """More than ``queued`` wait: only the first 200 are read."""
    oldest_queued_at: datetime | None = None
    """When the longest-waiting of them was queued."""
    active: int
    parked: int
    """With an agent, waiting for the customer (state ``waiting``)."""
    wrap_up: int


class AgentLoad(ViewModel):
    id: str
    name: str
    role: AgentRole
    presence: Presence
    shown_presence: Presence
    """``busy`` while an ``available`` agent is at full capacity (``Agent.shown_presence``)."""
    disabled: bool
    queue_ids: list[str]
    capacity: int
    used_capacity: int
    free_capacity: int
    conversations: int
    """Live conversations the agent holds or parked."""


class SupervisorOverview(ViewModel):
    queues: list[QueueLoad]
    agents: list[AgentLoad]
    """The agents of the queues (the admin: every agent), by name."""


class SupervisedConversation(Conversation):
    window: WindowView
    customer: CustomerRef
    last_line: LineSummary | None = None


class SupervisedConversationList(ViewModel):
    conversations: list[SupervisedConversation]
    """Queued ones first, longest waiting first; then the rest, latest activity first."""


@dataclass(frozen=True)
class Scope:
    """What a caller supervises: ``queue_ids`` None means every queue (the admin)."""

    queue_ids: frozenset[str] | None
    agent: Agent | None

    def covers(self, conversation: Conversation) -> bool:
        if self.queue_ids is None:
            return True
        return conversation.queue_id is not None and conversation.queue_id in self.queue_ids

    def covers_queue(self, queue_id: str) -> bool:
        return self.queue_ids is None or queue_id in self.queue_ids

    def covers_agent(self, agent: Agent) -> bool:
        return self.queue_ids is None or bool(self.queue_ids & set(agent.queue_ids))


def scope_of(actor: Actor) -> Scope:
    """``ForbiddenError`` for an agent who is not a supervisor."""
    agent = actor.agent
    if agent is None:
        return Scope(None, None)
    if agent.role is not AgentRole.SUPERVISOR:
        raise ForbiddenError(
            f"agent {agent.id} is not a supervisor: this needs a supervisor's token or the "
            "admin's (an admin can make an agent a supervisor: role supervisor)"
        )
    return Scope(frozenset(agent.queue_ids), agent)


class Supervision:
    def __init__(
        self,
        catalog: RoutingCatalog,
        conversations: ConversationStore,
        waiting: WaitingLine,
        desk: AgentDesk,
        feed: ChangeFeed,
        summarise: Callable[[Conversation], tuple[WindowView, LineSummary | None]],
        timeline: TimelineStore = UNRECORDED,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._timeline = timeline
        self._clock = clock
        self._catalog = catalog
        self._conversations = conversations
        self._waiting = waiting
        self._desk = desk
        self._feed = feed
        self._summarise = summarise

    # --- reading ------------------------------------------------------------------------------

    def _queued(self, queue_id: str) -> tuple[list[Conversation], bool]:
        """The queue's waiting line as it stands (rows whose conversation moved on skipped)."""
        entries = list(self._waiting.entries(queue_id, limit=QUEUED_READ + 1))
        found = []
        for entry in entries[:QUEUED_READ]:
            conversation = self._conversations.get(entry.conversation_id)
            if conversation and conversation.state is S.OPEN and conversation.queue_id == queue_id:
                found.append(conversation)
        return found, len(entries) > QUEUED_READ

    def _held(self, agents: list[Agent], scope: Scope) -> list[Conversation]:
        """What agents hold or parked, in the scope's queues (held by anyone: a conversation
        transferred to an agent outside the queue keeps its queue)."""
        ids = [cid for agent in agents for cid in (*agent.holds, *agent.parked)]
        found = []
        for conversation_id in dict.fromkeys(ids):
            conversation = self._conversations.get(conversation_id)
            if (
                conversation
                and conversation.state in (S.ACTIVE, S.WAITING, S.WRAPUP)
                and scope.covers(conversation)
            ):
                found.append(conversation)
        return found

    def _live(self, scope: Scope) -> tuple[list[Queue], list[Agent], list[Conversation], set[str]]:
        queues = sorted(
            (q for q in self._catalog.queues.list_all() if scope.covers_queue(q.id)),
            key=lambda q: (q.priority, q.name, q.id),
        )
        agents = self._catalog.agents.list_all()
        live: list[Conversation] = []
        more: set[str] = set()
        for queue in queues:
            queued, over = self._queued(queue.id)
            live += queued
            if over:
                more.add(queue.id)
        live += self._held(agents, scope)
        return queues, agents, live, more

    def overview(self, actor: Actor) -> SupervisorOverview:
        scope = scope_of(actor)
        queues, agents, live, more = self._live(scope)
        now = datetime.fromtimestamp(self._clock(), UTC)
        loads = []
        for queue in queues:
            mine = [c for c in live if c.queue_id == queue.id]
            queued = [c for c in mine if c.state is S.OPEN]
            loads.append(
                QueueLoad(
                    id=queue.id,
                    name=queue.name,
                    queued=len(queued),
                    queued_more=queue.id in more,
                    oldest_queued_at=min(
                        (c.enqueued_at for c in queued if c.enqueued_at), default=None
                    ),
                    active=sum(c.state is S.ACTIVE for c in mine),
                    parked=sum(c.state is S.WAITING for c in mine),
                    wrap_up=sum(c.state is S.WRAPUP for c in mine),
                )
            )
        held = {c.id for c in live if c.agent_id}
        shown = [
            AgentLoad(
                id=a.id,
                name=a.name,
                role=a.role,
                presence=a.presence,
                shown_presence=a.shown_presence(now),
                disabled=a.disabled,
                queue_ids=a.queue_ids,
                capacity=a.capacity,
                used_capacity=a.used_capacity,
                free_capacity=a.free_capacity,
                conversations=sum(cid in held for cid in (*a.holds, *a.parked)),
            )
            for a in sorted(agents, key=lambda a: (a.name, a.id))
            if scope.covers_agent(a)
        ]
        return SupervisorOverview(queues=loads, agents=shown)

    def conversations(
        self,
        actor: Actor,
        *,
        queue_id: str | None = None,
        agent_id: str | None = None,
        state: str | None = None,
    ) -> SupervisedConversationList:
        scope = scope_of(actor)
        if queue_id and not scope.covers_queue(queue_id):
            raise ForbiddenError(f"queue {queue_id} is not one you supervise", field="queueId")
        wanted = _live_state(state)
        _, _, live, _ = self._live(scope)
        chosen = [
            c
            for c in live
            if (not queue_id or c.queue_id == queue_id)
            and (not agent_id or c.agent_id == agent_id)
            and (wanted is None or c.state is wanted)
        ]
        queued = sorted(
            (c for c in chosen if c.state is S.OPEN),
            key=lambda c: (c.enqueued_at or c.created_at, c.id),
        )
        rest = sorted(
            (c for c in chosen if c.state is not S.OPEN),
            key=lambda c: c.last_activity_at,
            reverse=True,
        )
        return SupervisedConversationList(conversations=[self._item(c) for c in [*queued, *rest]])

    def _item(self, conversation: Conversation) -> SupervisedConversation:
        window, last = self._summarise(conversation)
        return SupervisedConversation(
            **conversation.model_dump(),
            window=window,
            customer=CustomerRef(open_id=conversation.open_id),
            last_line=last,
        )

    def changes(self, actor: Actor, since: str | None) -> ChangesView | None:
        """None while nothing the supervisor's view shows changed since ``since``: the
        conversations of the scope's queues (``supervised``) or its agents (``agent``)."""
        scope = scope_of(actor)
        if since is not None and not CURSOR.fullmatch(since):
            raise InvalidRequestError(
                "since must be the cursor of an earlier answer (letters, digits, - and _)",
                field="since",
            )
        if scope.queue_ids is None:
            poll = self._feed.poll_everything(since)
        else:
            agent_ids = [a.id for a in self._catalog.agents.list_all() if scope.covers_agent(a)]
            poll = self._feed.poll_supervision(sorted(scope.queue_ids), agent_ids, since)
        if since is not None and not poll.changed:
            return None
        return ChangesView(cursor=poll.cursor, changed=list(poll.changed))

    # --- on an agent's behalf -----------------------------------------------------------------

    def _covered(self, actor: Actor, conversation_id: str) -> tuple[Scope, Conversation]:
        scope = scope_of(actor)
        conversation = self._conversations.get(conversation_id)
        if conversation is None or not scope.covers(conversation):
            raise not_found(f"conversation {conversation_id} in the queues you supervise")
        return scope, conversation

    def timeline(self, actor: Actor, conversation_id: str) -> TimelineView:
        """What each step did to the conversation, in order (the admin: any conversation)."""
        _, conversation = self._covered(actor, conversation_id)
        return TimelineView.of(conversation.id, self._timeline.events(conversation.id))

    def close(self, actor: Actor, conversation_id: str, request: CloseRequest) -> Conversation:
        scope, _ = self._covered(actor, conversation_id)
        reason = "admin_closed" if scope.agent is None else "supervisor_closed"
        return self._desk.close_as_admin(conversation_id, request, reason=reason)

    def transfer(
        self, actor: Actor, conversation_id: str, request: TransferRequest
    ) -> Conversation:
        self._covered(actor, conversation_id)
        return self._desk.transfer_as_admin(conversation_id, request)


def _live_state(state: str | None) -> ConversationState | None:
    if not state:
        return None
    try:
        found = ConversationState(state)
    except ValueError:
        found = None
    if found not in LIVE_STATES:
        states = ", ".join(s.value for s in LIVE_STATES)
        raise InvalidRequestError(f"state must be one of {states}", field="state")
    return found
