"""The assign step: give an open conversation to an agent who can take it, exactly once.

Two conditional writes make it safe with many workers:
1. reserve: the agent document gains a hold for the conversation if, on the version just
   read, the presence is allowed, the free capacity covers the units and the workstream's
   capacity profile (if any) has an item of room (ETag) — so neither used capacity nor a
   profile's items ever exceed their limits;
2. commit: the conversation turns from open to active with that agent (ETag) — so it is
   never assigned twice. A worker that loses this race releases the hold it took.
   In a workstream's offer mode the second write is the offer instead (the conversation stays
   open with ``offer`` set, guarded by the same ETag, so it is never offered to two agents at
   once); the agent's accept is the commit, a decline or the offer's timeout gives the hold
   back and offers the conversation to the next agent (``shared/model/offers.py``).
A crash between the two leaves a hold without a conversation; the maintenance sweep releases
holds that no active conversation backs.

Contention is normal in a burst (many steps want the same best agent at once) and never fails
an invocation: a reservation that loses its race on one agent tries the next candidate, a step
that lost on every candidate retries at once after a short random pause, and one that still
loses hands the work back to the assign queue with a short delay (docs/architecture.md §9).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from enum import Enum

from shared.core import metrics
from shared.core.log_dimensions import add_log_dimensions
from shared.core.telemetry import traced
from shared.messaging.automated import AutomatedMessenger, automated_key
from shared.messaging.surveys import Surveys
from shared.model.agents import POLL_RECORD_EVERY, Agent, AgentFields, Hold, Presence
from shared.model.capacity_profiles import CapacityProfile, WrapUpBlocking, items_used
from shared.model.conversations import Conversation, ConversationState, utc
from shared.model.lifecycle import HOLDS_CAPACITY
from shared.model.offers import AssignmentMode, Offer, offer_order
from shared.model.skills import HeldSkill, combined, ranked
from shared.model.timeline import EventKind
from shared.model.workstreams import AutomatedMessage, DistributionMode, Workstream
from shared.store.availability import AvailabilityIndex, Candidate, is_listed
from shared.store.catalog import RoutingCatalog
from shared.store.changes import ChangeFeed
from shared.store.conversations import ConversationStore
from shared.store.optimistic import ATTEMPTS, ChangedError, retried
from shared.store.timeline import UNRECORDED, TimelineStore
from shared.store.waiting import WaitingLine, in_serving_order, waiting_key
from shared.store.work_items import AssignItem
from shared.store.work_queues import WorkQueue

log = logging.getLogger(__name__)

DRAIN_BATCH = 20
CANDIDATES = 8
MATCHED_CANDIDATES = 32
"""Rows read from the availability index: more when skills or a capacity profile filter
them, so the matching agents are among those read."""
RESERVE_ATTEMPTS = 2
"""Writes tried on one candidate in the assign step before moving on to the next: a lost
race means other steps are taking that agent now, and the next is the best one they are not."""
CONTENDED_ROUNDS = 4
CONTENDED_PAUSE = 0.02
"""A step that lost on every candidate tries again up to CONTENDED_ROUNDS times, after a random
pause of up to CONTENDED_PAUSE · 2^round seconds (0.3 s in all at most), so the losers of one
race do not meet again in the next."""
HAND_BACK_DELAY = 1
"""Seconds before work handed back to the assign queue is seen again: short, so a burst still
reaches agents in about a second, not after the queue's visibility timeout."""
ORPHAN_HOLD_AGE = timedelta(minutes=2)
OWN_FIELDS = {*AgentFields.model_fields, "presence"}
"""What an agent's console shows of the agent itself; holds change with the conversations,
which announce themselves."""


def _contended_pause(round_: int) -> None:
    time.sleep(random.uniform(0, CONTENDED_PAUSE * 2**round_))  # noqa: S311


class Outcome(str, Enum):
    ASSIGNED = "assigned"
    OFFERED = "offered"  # offered to an agent, who accepts or declines it (offer mode)
    WAITING = "waiting"  # no agent can take it now; it stays in the queue's waiting line
    SKIPPED = "skipped"  # not (or no longer) for this step: taken, closed, pick mode…
    HANDED_BACK = "handedBack"  # lost every race; queued again to be tried in a moment


class _NoFitError(Exception):
    pass


def has_room(agent: Agent, profile: CapacityProfile, now: datetime) -> bool:
    """Whether the agent holds ``profile`` and has an item of it free at ``now``."""
    if profile.id not in agent.capacity_profile_ids:
        return False
    return items_used(agent.holds, profile, now) < profile.max_items


class AssignStep:
    def __init__(
        self,
        catalog: RoutingCatalog,
        conversations: ConversationStore,
        waiting: WaitingLine,
        availability: AvailabilityIndex,
        messenger: AutomatedMessenger,
        surveys: Surveys,
        assign_queue: WorkQueue[AssignItem],
        feed: ChangeFeed,
        clock: Callable[[], float] = time.time,
        timeline: TimelineStore = UNRECORDED,
        after_close: Callable[[str], None] | None = None,
    ) -> None:
        """``after_close``: told the account of each conversation that closes (a draining
        channel becomes inactive at its last close)."""
        self.timeline = timeline
        self._after_close = after_close
        self._catalog = catalog
        self._surveys = surveys
        self._feed = feed
        self._conversations = conversations
        self._waiting = waiting
        self._availability = availability
        self._messenger = messenger
        self._assign_queue = assign_queue
        self._clock = clock

    def _now(self) -> datetime:
        return utc(self._clock())

    # --- capacity -----------------------------------------------------------------------------

    def change_agent(
        self,
        agent_id: str,
        change: Callable[[Agent], Agent | None],
        *,
        attempts: int = ATTEMPTS,
    ) -> Agent | None:
        """Update an agent (ETag, retried) and keep the availability index in step."""
        result = self._catalog.agents.update(agent_id, change, attempts=attempts)
        if result is None:
            return None
        before, after = result
        if after is not before:
            queue_ids = sorted(set(before.queue_ids) | set(after.queue_ids))
            methods = self._catalog.methods(queue_ids)
            self._availability.sync(before, after, methods, self._now())
            if before.model_dump(include=OWN_FIELDS) != after.model_dump(include=OWN_FIELDS):
                self._feed.agent(agent_id)
        return after

    def record_poll(self, agent: Agent) -> None:
        """Keep ``last_polled_at`` fresh, writing at most every ``POLL_RECORD_EVERY``. Routing
        treats an agent whose console stopped polling as offline and the minute sweep takes
        it out of the index; the poll that comes back lists it again and serves its queues."""
        now = self._now()
        if agent.last_polled_at and now - agent.last_polled_at < POLL_RECORD_EVERY:
            return
        returning = not agent.polled_recently(now)

        def polled(current: Agent) -> Agent | None:
            if current.last_polled_at and now - current.last_polled_at < POLL_RECORD_EVERY:
                return None
            return current.model_copy(update={"last_polled_at": now})

        try:
            updated = self.change_agent(agent.id, polled)
        except ChangedError:  # others kept writing; the next poll records it
            return
        if returning and updated is not None and is_listed(updated, now):
            self._assign_queue.put(AssignItem(agent_id=agent.id))

    def reserve(
        self,
        agent_id: str,
        conversation: Conversation,
        units: int,
        presences: Iterable[Presence],
        *,
        attempts: int = ATTEMPTS,
        profile: CapacityProfile | None = None,
        offered_until: datetime | None = None,
    ) -> Agent | None:
        """Hold ``units`` of the agent's capacity for ``conversation``, if it fits now, and
        with ``profile`` one of its items (the agent must hold the profile). A disabled agent
        never fits: checked on the version the write is conditional on, this keeps work from
        it whatever a stale availability row or a preferred agent id says.

        None also when a hold for it exists already: that one belongs to another worker (or
        an attempt that died), and releasing it on a lost race would free someone else's.
        ``offered_until``: the hold is for an offer running out then (``Hold.offered_until``).
        ChangedError when other writers won all ``attempts``.
        """
        allowed = set(presences)
        now = self._now()

        def hold(agent: Agent) -> Agent | None:
            if conversation.id in agent.holds:
                raise _NoFitError
            if conversation.queue_id and conversation.queue_id not in agent.queue_ids:
                raise _NoFitError
            if agent.disabled or agent.free_capacity < units:
                raise _NoFitError
            if agent.routing_presence(now) not in allowed:  # a console gone quiet: offline
                raise _NoFitError
            if profile is not None and not has_room(agent, profile, now):
                raise _NoFitError
            held = Hold(
                units=units,
                since=now,
                profile_id=profile.id if profile else None,
                offered_until=offered_until,
            )
            holds = {**agent.holds, conversation.id: held}
            parked = [cid for cid in agent.parked if cid != conversation.id]
            return agent.model_copy(
                update={"holds": holds, "parked": parked, "last_assigned_at": now}
            )

        try:
            return self.change_agent(agent_id, hold, attempts=attempts)
        except _NoFitError:
            return None

    def release(
        self,
        agent_id: str,
        conversation_id: str,
        *,
        park: bool = False,
        only_offer: bool = False,
    ) -> None:
        """Give back what ``conversation_id`` held, then let waiting work use it. ``park``
        keeps the conversation on the agent's list (waiting for the customer); ``only_offer``
        gives the hold back only while it is an offer's (an accepted one stays)."""
        now = self._now()
        freed: list[bool] = []  # set by the write that actually removed the hold

        def unhold(agent: Agent) -> Agent | None:
            hold = agent.holds.get(conversation_id)
            if only_offer and (hold is None or hold.offered_until is None):
                return None
            parked = [cid for cid in agent.parked if cid != conversation_id]
            if park:
                parked.append(conversation_id)
            held = hold is not None
            if not held and parked == agent.parked:
                return None
            freed[:] = [held]
            holds = {cid: h for cid, h in agent.holds.items() if cid != conversation_id}
            return agent.model_copy(
                update={
                    "holds": holds,
                    "parked": parked,
                    "last_freed_at": now if held else agent.last_freed_at,
                }
            )

        self.change_agent(agent_id, unhold)
        if freed == [True]:
            self._assign_queue.put(AssignItem(agent_id=agent_id))

    def enter_wrap_up(
        self, agent_id: str, conversation_id: str, workstream: Workstream | None
    ) -> None:
        """Mark the hold as in wrap-up: its profile then says whether it still takes room.
        Room that frees (now, or after a fixed duration) is offered to waiting work then."""
        now = self._now()

        def mark(agent: Agent) -> Agent | None:
            hold = agent.holds.get(conversation_id)
            if hold is None or hold.wrap_up_since is not None:
                return None
            holds = {**agent.holds, conversation_id: hold.model_copy(update={"wrap_up_since": now})}
            return agent.model_copy(update={"holds": holds})

        self.change_agent(agent_id, mark)
        profile = self.profile(workstream)
        if profile is None:
            return
        blocking = profile.block_assignment_during_wrap_up
        if blocking is WrapUpBlocking.NEVER:
            self._assign_queue.put(AssignItem(agent_id=agent_id))
        elif blocking is WrapUpBlocking.FIXED and profile.wrap_up_duration:
            delay = int(profile.wrap_up_duration.total_seconds()) + 1
            self._assign_queue.put(AssignItem(agent_id=agent_id), delay_seconds=delay)

    def profile(self, workstream: Workstream | None) -> CapacityProfile | None:
        """The workstream's capacity profile; None when it names none (or it is gone)."""
        if workstream is None or workstream.capacity_profile_id is None:
            return None
        profile = self._catalog.profile(workstream.capacity_profile_id)
        if profile is None:
            log.warning(
                "workstream %s: capacity profile %s is gone",
                workstream.id,
                workstream.capacity_profile_id,
            )
        return profile

    # --- assignment ---------------------------------------------------------------------------

    @traced("assign")
    def assign(self, conversation_id: str) -> Outcome:
        """Assign now if an agent can take it; never raises for a lost race (§9)."""
        outcome = self._assign_contended(conversation_id)
        if outcome is None:
            self._assign_queue.put(
                AssignItem(conversation_id=conversation_id), delay_seconds=HAND_BACK_DELAY
            )
            log.info("conversation %s: lost every race; handed back", conversation_id)
            return Outcome.HANDED_BACK
        return outcome

    def _assign_contended(self, conversation_id: str) -> Outcome | None:
        """``_assign`` on a fresh read, again after a random pause when other steps won every
        race; None when they still do."""

        def attempt() -> Outcome:
            conversation = self._conversations.get(conversation_id)
            if conversation is None:
                return Outcome.SKIPPED
            add_log_dimensions(account_id=conversation.account_id, conversation_id=conversation.id)
            return self._assign(conversation)

        try:
            return retried(attempt, attempts=CONTENDED_ROUNDS, pause=_contended_pause)
        except ChangedError:
            return None

    def _assign(self, conversation: Conversation) -> Outcome:
        """Reserve a candidate and commit (or offer); ChangedError when other steps won every
        race (none of this attempt is kept then)."""
        if conversation.offer is not None:
            if not conversation.offer.expired(self._now()):
                return Outcome.SKIPPED  # the agent it is offered to has still time to answer
            conversation = self.withdraw_offer(conversation, declined=False)
        if conversation.queue_id is None:
            return Outcome.SKIPPED
        if conversation.state is ConversationState.WAITING:
            return self._revive(conversation)
        if conversation.state is not ConversationState.OPEN:
            return Outcome.SKIPPED
        workstream = self._catalog.workstream(conversation.workstream_id or "")
        queue = self._catalog.queue(conversation.queue_id)
        if workstream is None or queue is None:
            log.warning("conversation %s: workstream or queue is gone", conversation.id)
            return Outcome.SKIPPED
        if workstream.distribution_mode is DistributionMode.PICK:
            return Outcome.SKIPPED
        units = conversation.units or workstream.capacity_units
        profile = self.profile(workstream)
        contended = False
        offering = workstream.assignment_mode is AssignmentMode.OFFER
        candidates = self._candidates(conversation, workstream, units, profile)
        if offering:
            candidates = offer_order(
                candidates,
                conversation.declines,
                conversation.expired_offers,
                workstream.max_declines,
            )
        if not candidates:
            self._tell_not_assigned(conversation, workstream)
        for agent_id in candidates:
            offered_until = self._now() + workstream.offer_timeout if offering else None
            try:
                agent = self.reserve(
                    agent_id,
                    conversation,
                    units,
                    workstream.allowed_presences,
                    attempts=RESERVE_ATTEMPTS,
                    profile=profile,
                    offered_until=offered_until,
                )
            except ChangedError:
                contended = True  # other steps are taking this agent now: try the next
                continue
            if agent is None:
                continue
            if offered_until is not None:
                return self._offer(conversation, agent, offered_until)
            try:
                committed = self.commit(conversation, agent, workstream)
            except Exception:
                self._release_unless_committed(agent_id, conversation.id)
                raise
            if committed:
                return Outcome.ASSIGNED
            self.release(agent_id, conversation.id)
            # Another step assigned it, or a customer's line changed it meanwhile: a fresh
            # read tells which.
            raise ChangedError(conversation.id)
        if contended:
            raise ChangedError(conversation.id)
        return Outcome.WAITING

    def _tell_not_assigned(self, conversation: Conversation, workstream: Workstream) -> None:
        """agentNotAssigned: no agent of the queue is present (in an allowed presence) with
        room. Keyed by the time the conversation joined the line: once per time in line, however
        often the sweep retries."""
        kind, at = AutomatedMessage.AGENT_NOT_ASSIGNED, conversation.enqueued_at
        if at is None or not workstream.message(kind):
            return
        if self._conversations.entry(conversation.id, automated_key(kind, at)) is None:
            self._messenger.send(conversation, workstream, kind, at=at)

    def _tell_next_in_line(self, served: Conversation, now: datetime) -> None:
        """nextInLine for whoever heads ``served``'s line now, if ``served`` was ahead of them:
        they have just become first (commits happen once, so this says it once each time)."""
        queue = self._catalog.queue(served.queue_id) if served.queue_id else None
        if queue is None or served.enqueued_at is None:
            return
        for _, waiting in in_serving_order(
            self._waiting, self._conversations, [queue], per_queue=5
        ):
            head = next(waiting, None)
            if head is None or head.enqueued_at is None:
                return
            if waiting_key(served) > waiting_key(head):
                return  # it was served out of turn (picked): the head was first already
            workstream = self._catalog.workstream(head.workstream_id or "")
            self._messenger.send(head, workstream, AutomatedMessage.NEXT_IN_LINE, at=now)

    def _release_unless_committed(self, agent_id: str, conversation_id: str) -> None:
        """After a commit that raised (storage failed mid-way): the hold goes unless the
        conversation's write landed, which a fresh read tells. Left alone, the hold would keep
        the agent's capacity until the sweep, and a rerun would pass the agent over. When
        storage cannot even say, the sweep releases it (ORPHAN_HOLD_AGE)."""
        try:
            if not _backs(self._conversations.get(conversation_id), agent_id):
                self.release(agent_id, conversation_id)
        except Exception as error:
            log.warning(
                "conversation %s: its hold on %s stays for the sweep (%s)",
                conversation_id,
                agent_id,
                type(error).__name__,
            )

    def _candidates(
        self,
        conversation: Conversation,
        workstream: Workstream,
        units: int,
        profile: CapacityProfile | None = None,
    ) -> list[str]:
        preferred: list[str] = []
        if conversation.previous_agent_id:
            preferred.append(conversation.previous_agent_id)
        if workstream.keep_same_agent:
            customer = self._conversations.customer(conversation.account_id, conversation.open_id)
            if customer and customer.last_agent_id:
                preferred.append(customer.last_agent_id)
        required = combined(conversation.skills, workstream.required_skills)
        filtered = bool(required) or profile is not None
        passed_over = bool(conversation.declines)  # skipped agents: read enough to pass them
        listed = self._availability.listed(
            conversation.queue_id or "",
            units=units,
            presences=workstream.allowed_presences,
            limit=MATCHED_CANDIDATES if filtered or passed_over else CANDIDATES,
        )
        ids = list(dict.fromkeys(preferred + [candidate.agent_id for candidate in listed]))
        if not filtered:
            return ids
        if profile is not None:  # room in a profile is only on the agent document
            now = self._now()
            agents = [a for a in (self._catalog.agent(agent_id) for agent_id in ids) if a]
            fitting = [(a.id, a.skills) for a in agents if has_room(a, profile, now)]
            return ranked(fitting, required, workstream.skill_matching)
        return ranked(self._held_skills(ids, listed), required, workstream.skill_matching)

    def _held_skills(
        self, ids: list[str], listed: list[Candidate]
    ) -> list[tuple[str, list[HeldSkill]]]:
        """Each candidate's skills, from its index row where it has one: the preferred agents
        and rows older than skills on rows cost a read of the agent."""
        indexed = {candidate.agent_id: candidate.skills for candidate in listed}
        held = []
        for agent_id in ids:
            skills = indexed.get(agent_id)
            if skills is None:
                agent = self._catalog.agent(agent_id)
                if agent is None:
                    continue
                skills = agent.skills
            held.append((agent_id, skills))
        return held

    def terms(self, conversation: Conversation) -> tuple[Workstream | None, int, list[Presence]]:
        """The conversation's workstream, the capacity units it takes and the presences that
        may take it (defaults when the workstream is gone)."""
        workstream = self._catalog.workstream(conversation.workstream_id or "")
        units = conversation.units or (workstream.capacity_units if workstream else 1)
        presences = workstream.allowed_presences if workstream else list(Presence)
        return workstream, units, presences

    def commit(
        self,
        conversation: Conversation,
        agent: Agent,
        workstream: Workstream | None,
        *,
        via: EventKind = EventKind.ASSIGNED,
    ) -> Conversation | None:
        """Make the reserved conversation active with ``agent``; None if it moved on. ``via``
        names it on the timeline: assigned, picked or transferred. An offer on it ends: the
        agent's accept (its hold becomes a plain one) or, taken by someone else, withdrawn."""
        now = self._now()
        try:
            active = self._conversations.save(
                conversation,
                state=ConversationState.ACTIVE,
                agent_id=agent.id,
                assigned_at=now,
                updated_at=now,
                offer=None,
            )
        except ChangedError:
            return None
        offer = conversation.offer
        if offer is not None and offer.agent_id == agent.id:
            self._settle_offered_hold(agent.id, conversation.id)
        elif offer is not None:
            self.release(offer.agent_id, conversation.id, only_offer=True)
        self._waiting.discard(conversation)
        metrics.assigned(active, now, first=conversation.assigned_at is None)
        self.timeline.record(
            active.id,
            via,
            now,
            about=agent.id,
            outcome=agent.name,
            agent_id=agent.id,
            from_agent_id=conversation.agent_id,
            queue_id=conversation.queue_id,
            text="offer accepted" if offer is not None and offer.agent_id == agent.id else None,
        )
        self._conversations.remember_agent(conversation.account_id, conversation.open_id, agent.id)
        if via is EventKind.TRANSFERRED:
            self._messenger.send(
                active, workstream, AutomatedMessage.TRANSFER_ACCEPTED, at=now, AgentName=agent.name
            )
        self._messenger.send(
            active, workstream, AutomatedMessage.AGENT_ASSIGNED, at=now, AgentName=agent.name
        )
        if conversation.state is ConversationState.OPEN:
            self._tell_next_in_line(conversation, now)
        return active

    # --- offers (a workstream's assignmentMode offer) --------------------------------------

    def _offer(self, conversation: Conversation, agent: Agent, expires_at: datetime) -> Outcome:
        """Offer the reserved conversation to ``agent`` until ``expires_at`` (ETag: a step that
        offered it meanwhile wins, and this one gives its hold back); a delayed assign request
        moves it on if the agent does not answer."""
        now = self._now()
        offer = Offer(agent_id=agent.id, offered_at=now, expires_at=expires_at)
        try:
            self._conversations.save(conversation, offer=offer, updated_at=now)
        except ChangedError:
            self.release(agent.id, conversation.id)
            raise
        except Exception:
            self._release_unless_committed(agent.id, conversation.id)
            raise
        self.timeline.record(
            conversation.id,
            EventKind.OFFERED,
            now,
            about=f"{agent.id}|offered",
            outcome="offered",
            agent_id=agent.id,
            queue_id=conversation.queue_id,
        )
        delay = int((expires_at - now).total_seconds()) + 1
        self._assign_queue.put(AssignItem(conversation_id=conversation.id), delay_seconds=delay)
        return Outcome.OFFERED

    def withdraw_offer(self, conversation: Conversation, *, declined: bool) -> Conversation:
        """End the conversation's offer: the agent declined it, or (``declined`` False) it ran
        out. Counted per agent, on the conversation's ETag (ChangedError when it changed since
        it was read); the agent's hold goes back. Offering it on is the caller's part."""
        offer = conversation.offer
        if offer is None:
            return conversation
        now = self._now()
        tally = conversation.declines if declined else conversation.expired_offers
        counted = {**tally, offer.agent_id: tally.get(offer.agent_id, 0) + 1}
        withdrawn = self._conversations.save(
            conversation,
            offer=None,
            updated_at=now,
            **({"declines": counted} if declined else {"expired_offers": counted}),
        )
        self.release(offer.agent_id, conversation.id, only_offer=True)
        self.timeline.record(
            conversation.id,
            EventKind.OFFERED,
            now if declined else offer.expires_at,
            about=f"{offer.agent_id}|{'declined' if declined else 'expired'}",
            outcome="declined" if declined else "expired",
            agent_id=offer.agent_id,
            queue_id=conversation.queue_id,
        )
        return withdrawn

    def _settle_offered_hold(self, agent_id: str, conversation_id: str) -> None:
        """The agent accepted: its hold is a plain one from now on."""

        def settle(agent: Agent) -> Agent | None:
            hold = agent.holds.get(conversation_id)
            if hold is None or hold.offered_until is None:
                return None
            settled = hold.model_copy(update={"offered_until": None})
            return agent.model_copy(update={"holds": {**agent.holds, conversation_id: settled}})

        self.change_agent(agent_id, settle)

    def expire_due_offers(self) -> int:
        """The safety net behind each offer's delayed assign request: offers past their time
        move on (as a timeout), and holds of offers that ended otherwise are settled or given
        back. Returns how many offers it moved on."""
        now = self._now()
        expired = 0
        for agent in self._catalog.agents.list_all():
            for conversation_id, hold in agent.holds.items():
                if hold.offered_until is None or hold.offered_until > now:
                    continue
                conversation = self._conversations.get(conversation_id)
                offer = conversation.offer if conversation else None
                if offer is not None and offer.agent_id == agent.id:
                    expired += self._assign_contended(conversation_id) is not None
                elif _backs(conversation, agent.id):
                    self._settle_offered_hold(agent.id, conversation_id)
                else:
                    self.release(agent.id, conversation_id, only_offer=True)
        return expired

    def _revive(self, conversation: Conversation) -> Outcome:
        """The customer wrote to a parked conversation: back to its agent if there is room,
        else back to the queue with that agent preferred."""
        workstream, units, presences = self.terms(conversation)
        agent_id = conversation.agent_id
        profile = self.profile(workstream)
        if agent_id and self.reserve(agent_id, conversation, units, presences, profile=profile):
            try:
                self._conversations.save(
                    conversation, state=ConversationState.ACTIVE, updated_at=self._now()
                )
                return Outcome.ASSIGNED
            except ChangedError:
                self.release(agent_id, conversation.id)
                return Outcome.SKIPPED
        now = self._now()
        try:
            reopened = self._conversations.save(
                conversation,
                state=ConversationState.OPEN,
                agent_id=None,
                previous_agent_id=agent_id,
                enqueued_at=now,
                updated_at=now,
            )
        except ChangedError:
            return Outcome.SKIPPED
        if agent_id:
            self.release(agent_id, conversation.id)  # off the agent's parked list
        self._waiting.add(reopened)
        return self._assign(reopened)

    def close(
        self,
        conversation: Conversation,
        *,
        reason: str,
        farewell: bool,
        only_if: Callable[[Conversation], bool] | None = None,
    ) -> Conversation | None:
        """Close from any state: the conversation (and the customer's pointer), the agent's
        capacity, its place in line and, with ``farewell``, the conversationClosed message.
        ``only_if``: close only while it holds of the stored conversation (None otherwise);
        the agent and line released are then those of that stored copy."""
        now = self._now()
        if only_if is not None:
            seen: list[Conversation] = []

            def holds(stored: Conversation) -> bool:
                seen[:] = [stored]
                return only_if(stored)

            closed = self._conversations.close(
                conversation.id, reason=reason, now=now, only_if=holds
            )
            if closed is None or not seen:
                return None
            conversation = seen[0]
        else:
            closed = self._conversations.close(conversation.id, reason=reason, now=now)
        if closed is None:
            return None
        self.timeline.record(
            closed.id,
            EventKind.CLOSED,
            now,
            about="closed",
            outcome=reason,
            reason=reason,
            agent_id=conversation.agent_id,
        )
        if conversation.agent_id:
            self.release(conversation.agent_id, conversation.id)
        if conversation.offer is not None:
            self.release(conversation.offer.agent_id, conversation.id, only_offer=True)
        self._waiting.discard(conversation)
        if farewell:
            workstream = self._catalog.workstream_for_account(conversation.account_id)
            self._messenger.send(closed, workstream, AutomatedMessage.CONVERSATION_CLOSED, at=now)
            self._surveys.after_close(closed, workstream)
        if self._after_close is not None:
            self._after_close(closed.account_id)
        return closed

    def drain(self, queue_ids: Iterable[str]) -> int:
        """Serve waiting conversations of these queues, lowest queue priority first, each
        queue in its waiting order; stop a queue when its next conversation finds no agent."""
        queues = [q for q in (self._catalog.queue(qid) for qid in set(queue_ids)) if q]
        assigned = 0
        lines = in_serving_order(
            self._waiting, self._conversations, queues, per_queue=DRAIN_BATCH, prune=True
        )
        for queue, waiting in lines:
            for conversation in waiting:
                outcome = self._assign_contended(conversation.id)
                if outcome is None:  # the line's order holds: hand the rest back, skip none
                    self._assign_queue.put(
                        AssignItem(queue_id=queue.id), delay_seconds=HAND_BACK_DELAY
                    )
                    break
                if outcome is Outcome.WAITING:
                    break
                assigned += outcome is Outcome.ASSIGNED
        return assigned

    def drain_for_agent(self, agent_id: str) -> int:
        agent = self._catalog.agent(agent_id)
        return self.drain(agent.queue_ids) if agent else 0

    # --- repairs (the maintenance sweep) --------------------------------------------------------

    def release_orphan_holds(self) -> int:
        """Release holds no active conversation backs (a worker died between reserve and
        commit, or a close never got to release); young holds may still be committing."""
        released = 0
        cutoff = self._now() - ORPHAN_HOLD_AGE
        for agent in self._catalog.agents.list_all():
            for conversation_id, hold in agent.holds.items():
                if hold.since > cutoff:
                    continue
                conversation = self._conversations.get(conversation_id)
                if not _backs(conversation, agent.id):
                    self.release(agent.id, conversation_id)
                    released += 1
        return released

    def rebuild_availability(self) -> int:
        agents = self._catalog.agents.list_all()
        now = self._now()
        return sum(
            self._availability.rebuild(queue.id, agents, queue.assignment_method, now)
            for queue in self._catalog.queues.list_all()
        )


def _backs(conversation: Conversation | None, agent_id: str) -> bool:
    """Whether ``conversation`` (as stored) accounts for a hold on the agent: it is theirs and
    holds capacity, or it is open and offered to them."""
    if conversation is None:
        return False
    if conversation.agent_id == agent_id and conversation.state in HOLDS_CAPACITY:
        return True
    offer = conversation.offer
    return (
        conversation.state is ConversationState.OPEN
        and offer is not None
        and offer.agent_id == agent_id
    )
