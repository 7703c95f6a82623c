"""positionInQueue: the waiting customer's place in line, every ``positionUpdateEvery``.

A message nobody asked for must not spend the reply window the agent will need: an update
goes only while it leaves ``POSITION_RESERVE`` of the window's messages for the agent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime

from shared.messaging.automated import AutomatedMessenger, automated_key
from shared.model.conversations import Conversation, utc
from shared.model.queues import Queue
from shared.model.workstreams import AutomatedMessage, WorkstreamFields
from shared.store.catalog import RoutingCatalog
from shared.store.conversations import ConversationStore
from shared.store.waiting import WaitingLine, in_serving_order

POSITION_RESERVE = 2
"""Reply-window messages a position update always leaves for the agent: it is queued only if
at least this many of the window's messages remain after it (of WeChat's 5 per customer
message, the greeting, queued and updates together then use at most 3)."""
LINE_DEPTH = 200
"""How far down each line updates go (further back, the position is not worth a read)."""


def due_at(
    conversation: Conversation, workstream: WorkstreamFields, now: datetime
) -> datetime | None:
    """The last update time that has passed (joined + k × every, k ≥ 1), or None."""
    every = workstream.position_update_every
    if every is None or conversation.enqueued_at is None:
        return None
    periods = (now - conversation.enqueued_at) // every
    return conversation.enqueued_at + periods * every if periods >= 1 else None


class PositionUpdates:
    def __init__(
        self,
        catalog: RoutingCatalog,
        conversations: ConversationStore,
        waiting: WaitingLine,
        messenger: AutomatedMessenger,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._catalog = catalog
        self._conversations = conversations
        self._waiting = waiting
        self._messenger = messenger
        self._clock = clock

    def send_due(self, queues: Iterable[Queue]) -> int:
        """Send every update that is due; keyed by its due time, so a rerun sends none twice."""
        now = utc(self._clock())
        sent = 0
        for _, line in in_serving_order(
            self._waiting, self._conversations, queues, per_queue=LINE_DEPTH
        ):
            for position, conversation in enumerate(line, start=1):
                workstream = self._catalog.workstream(conversation.workstream_id or "")
                if workstream is None or not workstream.message(AutomatedMessage.POSITION_IN_QUEUE):
                    continue
                due = due_at(conversation, workstream, now)
                if due is None or self._said(conversation, due):
                    continue
                entry = self._messenger.send(
                    conversation,
                    workstream,
                    AutomatedMessage.POSITION_IN_QUEUE,
                    at=due,
                    keep=POSITION_RESERVE,
                    Position=position,
                )
                sent += entry is not None
        return sent

    def _said(self, conversation: Conversation, due: datetime) -> bool:
        """Already queued: a point read spares the window's slot a take and a give-back."""
        key = automated_key(AutomatedMessage.POSITION_IN_QUEUE, due)
        return self._conversations.entry(conversation.id, key) is not None
