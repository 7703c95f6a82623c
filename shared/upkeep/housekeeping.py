"""Timer work: the safety nets behind the event-driven steps, and inactivity auto-close."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from shared.channel.draining import ChannelDrain
from shared.core import metrics
from shared.messaging.positions import PositionUpdates
from shared.model.conversations import Conversation, ConversationState, utc
from shared.model.workstreams import Workstream
from shared.pipeline.assign import AssignStep
from shared.store.catalog import RoutingCatalog
from shared.store.conversations import ConversationStore
from shared.store.waiting import WaitingLine
from shared.upkeep.erasure import Eraser
from shared.upkeep.max_wait import MaxWaitSweep

log = logging.getLogger(__name__)


class Housekeeping:
    def __init__(
        self,
        catalog: RoutingCatalog,
        conversations: ConversationStore,
        assign_step: AssignStep,
        eraser: Eraser,
        clock: Callable[[], float] = time.time,
        waiting: WaitingLine | None = None,
        positions: PositionUpdates | None = None,
        drain: ChannelDrain | None = None,
        max_wait: MaxWaitSweep | None = None,
    ) -> None:
        """``waiting``: when given, each sweep measures every queue's line (the waiting gauges);
        ``positions``: when given, each sweep sends the positionInQueue updates that are due;
        ``drain``: when given, each sweep makes drained channels inactive;
        ``max_wait``: when given, each sweep first applies the queues' overflow.maxWait."""
        self._max_wait = max_wait
        self._catalog = catalog
        self._conversations = conversations
        self._assign_step = assign_step
        self._eraser = eraser
        self._clock = clock
        self._waiting = waiting
        self._positions = positions
        self._drain = drain

    def sweep_assignments(self) -> dict[str, int]:
        """Repair what a crashed worker could leave behind, then serve waiting conversations:
        capacity appears through events (close, presence, new agents), and this catches any
        event that was lost."""
        offers_expired = self._assign_step.expire_due_offers()
        released = self._assign_step.release_orphan_holds()
        fixed = self._assign_step.rebuild_availability()
        all_queues = list(self._catalog.queues.list_all())
        overdue = self._max_wait.sweep(all_queues) if self._max_wait else {}
        queues = [queue.id for queue in all_queues]
        assigned = self._assign_step.drain(queues)
        if self._positions is not None:
            self._positions.send_due(all_queues)
        if self._drain is not None:
            self._drain.settle_all()
        if self._waiting is not None:
            self._measure_waiting(self._waiting, queues)
        if released or fixed:
            log.warning(
                "assignment sweep: released %d orphan holds, fixed %d index rows", released, fixed
            )
        return {
            "released": released,
            "indexFixed": fixed,
            "assigned": assigned,
            "offersExpired": offers_expired,
            **overdue,
        }

    def _measure_waiting(self, waiting: WaitingLine, queue_ids: list[str]) -> None:
        """What is left waiting after the sweep served what it could: the gauges' readings."""
        now = self._clock()
        for queue_id in queue_ids:
            count, oldest = waiting.census(queue_id)
            metrics.waiting_line(queue_id, count, now - oldest if oldest is not None else 0.0)

    def close_inactive(self) -> int:
        """Close conversations idle longer than their workstream allows: its autoClose limit
        for the state they are in, or autoCloseAfterInactivity (any state), whichever is first."""
        now = utc(self._clock())
        closed = 0
        for workstream in self._catalog.workstreams.list_all():
            for state, limit in state_limits(workstream).items():
                cutoff = now - limit
                for conversation in self._conversations.inactive(
                    workstream.account_id, cutoff, state
                ):
                    if self._assign_step.close(
                        conversation,
                        reason=f"inactivity_{state.value}",
                        farewell=True,
                        only_if=_still_idle(state, cutoff),
                    ):
                        closed += 1
            if workstream.auto_close_after_inactivity is None:
                continue
            cutoff = now - workstream.auto_close_after_inactivity
            for conversation in self._conversations.inactive(workstream.account_id, cutoff):
                if self._assign_step.close(
                    conversation,
                    reason="inactivity",
                    farewell=True,
                    only_if=_still_idle(None, cutoff),
                ):
                    closed += 1
        return closed

    def purge_expired(self) -> dict[str, int]:
        """Retention: what has been closed longer than the retention days goes, attachments too."""
        removed = self._eraser.purge_expired()
        if any(removed.values()):
            log.info("retention purged %s", removed)
        return removed


def state_limits(workstream: Workstream) -> dict[ConversationState, timedelta]:
    """The idle limit of each state that has one (workstream.autoClose)."""
    limits = workstream.auto_close
    by_state = {
        ConversationState.OPEN: limits.open,
        ConversationState.ACTIVE: limits.active,
        ConversationState.WRAPUP: limits.wrap_up,
        ConversationState.WAITING: limits.waiting,
    }
    return {state: limit for state, limit in by_state.items() if limit is not None}


def _still_idle(
    state: ConversationState | None, cutoff: datetime
) -> Callable[[Conversation], bool]:
    """The guard of a close: the conversation as stored now is still idle (and in ``state``),
    so one revived or moved on since the query is left alone and none closes twice."""

    def holds(conversation: Conversation) -> bool:
        if conversation.state is ConversationState.CLOSED:
            return False
        if state is not None and conversation.state is not state:
            return False
        return conversation.last_activity_at < cutoff

    return holds
