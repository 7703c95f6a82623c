"""An agent's answer to an offer (a workstream's ``assignmentMode: offer``): the offers waiting
for the agent, accept (the conversation becomes theirs, as an assignment does) and decline (it
goes on to the next agent). Both are conditional writes on the conversation's ETag, so an
offer that ran out, was answered in another tab or went to someone else is refused."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from shared.core.errors import ConflictError, OfferGoneError, not_found
from shared.core.schema import ViewModel
from shared.model.agents import Agent
from shared.model.conversations import Conversation, ConversationState, LineSummary, utc
from shared.model.offers import Offer
from shared.pipeline.assign import AssignStep
from shared.store.catalog import RoutingCatalog
from shared.store.conversations import ConversationStore
from shared.store.optimistic import ChangedError, retried
from shared.store.work_items import AssignItem
from shared.store.work_queues import WorkQueue


class OfferView(ViewModel):
    """An offer as the agent's console notifies it."""

    conversation_id: str
    queue_id: str | None = None
    queue_name: str | None = None
    open_id: str
    offered_at: datetime
    expires_at: datetime
    first_line: LineSummary | None = None
    """The customer's first line (what they wrote to start the conversation)."""


def offered_to(conversation: Conversation | None, agent_id: str) -> Offer | None:
    """The conversation's offer if it is open and offered to ``agent_id``."""
    if conversation is None or conversation.state is not ConversationState.OPEN:
        return None
    offer = conversation.offer
    return offer if offer is not None and offer.agent_id == agent_id else None


class OfferDesk:
    def __init__(
        self,
        catalog: RoutingCatalog,
        conversations: ConversationStore,
        assign_step: AssignStep,
        assign_queue: WorkQueue[AssignItem],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._catalog = catalog
        self._conversations = conversations
        self._assign_step = assign_step
        self._assign_queue = assign_queue
        self._clock = clock

    def _now(self) -> datetime:
        return utc(self._clock())

    def offers(self, agent: Agent) -> list[OfferView]:
        """The offers waiting for the agent's answer, the soonest to run out first: one read of
        each conversation the agent holds for an offer, and of its first line."""
        now = self._now()
        views = []
        for conversation_id, hold in agent.holds.items():
            if hold.offered_until is None or hold.offered_until <= now:
                continue
            conversation = self._conversations.get(conversation_id)
            offer = offered_to(conversation, agent.id)
            if conversation is None or offer is None or offer.expired(now):
                continue
            first = self._conversations.first_inbound(conversation.id)
            queue = self._catalog.queue(conversation.queue_id or "")
            views.append(
                OfferView(
                    conversation_id=conversation.id,
                    queue_id=conversation.queue_id,
                    queue_name=queue.name if queue else None,
                    open_id=conversation.open_id,
                    offered_at=offer.offered_at,
                    expires_at=offer.expires_at,
                    first_line=LineSummary.of(first) if first else None,
                )
            )
        return sorted(views, key=lambda view: view.expires_at)

    def _offered(self, agent: Agent, conversation_id: str) -> Conversation:
        """The conversation, while it is offered to the agent and the offer has not run out."""
        conversation = self._conversations.get(conversation_id)
        if conversation is None:
            raise not_found(f"conversation {conversation_id}")
        offer = offered_to(conversation, agent.id)
        if offer is not None and offer.expired(self._now()):
            # Its timeout is on the way; moving it on now lets the next agent have it sooner.
            self._assign_queue.put(AssignItem(conversation_id=conversation_id))
        if offer is None or offer.expired(self._now()):
            if offer is not None or agent.id in conversation.expired_offers:
                raise OfferGoneError(
                    f"the offer of conversation {conversation_id} ran out", code="offer_expired"
                )
            raise OfferGoneError(f"conversation {conversation_id} is not offered to you")
        return conversation

    def accept(self, agent: Agent, conversation_id: str) -> Conversation:
        """The conversation becomes the agent's, as an assignment (its hold was taken with
        the offer): ``assigned`` on the timeline and ``agentAssigned`` to the customer."""

        def attempt() -> Conversation:
            conversation = self._offered(agent, conversation_id)
            workstream = self._catalog.workstream(conversation.workstream_id or "")
            active = self._assign_step.commit(conversation, agent, workstream)
            if active is None:
                raise ChangedError(conversation_id)  # a customer's line, say: read it again
            return active

        return retried(
            attempt, exhausted=ConflictError("the conversation kept changing; try again")
        )

    def decline(self, agent: Agent, conversation_id: str) -> Conversation:
        """The offer ends, counted against the agent (``maxDeclines``), its capacity goes back
        and the conversation is offered to the next agent."""

        def attempt() -> Conversation:
            conversation = self._offered(agent, conversation_id)
            return self._assign_step.withdraw_offer(conversation, declined=True)

        declined = retried(
            attempt, exhausted=ConflictError("the conversation kept changing; try again")
        )
        self._assign_queue.put(AssignItem(conversation_id=conversation_id))
        return declined
