"""The route, assign, send-side and desk services wired as shared/bootstrap.py wires them, on
the in-memory fakes instead of Azure Storage."""

from __future__ import annotations

from typing import Any, cast

from shared.desk.offers import OfferDesk
from shared.desk.work import AgentDesk
from shared.messaging.automated import AutomatedMessenger
from shared.messaging.outbox import Outbox
from shared.messaging.surveys import Surveys
from shared.model.agents import Agent
from shared.model.capacity_profiles import CapacityProfile
from shared.model.queues import Queue
from shared.model.workstreams import Workstream
from shared.pipeline.assign import AssignStep
from shared.pipeline.route import RouteStep
from shared.store.catalog import RoutingCatalog
from shared.store.names import ASSIGN_WORK_QUEUE, OUTBOUND_WORK_QUEUE
from shared.store.work_items import AssignItem, OutboundItem
from tests.fakes.availability import FakeAvailabilityIndex
from tests.fakes.changes import FakeChangeFeed
from tests.fakes.clock import Clock
from tests.fakes.conversations import FakeConversationStore
from tests.fakes.documents import FakeDocumentStore
from tests.fakes.waiting import FakeWaitingLine
from tests.fakes.work_queues import FakeWorkQueue


def _port(fake: object) -> Any:
    """A fake where a service's constructor names the real adapter: they share no base
    class; the contract tests (tests/integration/test_store_contracts.py) keep them alike."""
    return cast(Any, fake)


class FakeServices:
    def __init__(self, clock: Clock, *, window_hours: float = 48, quota: int = 5) -> None:
        self.clock = clock
        self.feed = FakeChangeFeed()
        self.conversations = FakeConversationStore(self.feed)
        self.workstreams = FakeDocumentStore(Workstream, unique={"account": lambda w: w.account_id})
        self.queues = FakeDocumentStore(Queue)
        self.agents = FakeDocumentStore(Agent, unique={"token": lambda a: a.token_hash})
        self.profiles = FakeDocumentStore(CapacityProfile)
        # No cache: a test that changes a queue sees the change in its next step.
        self.catalog = RoutingCatalog(
            _port(self.workstreams),
            _port(self.queues),
            _port(self.agents),
            cache_seconds=0,
            profiles=_port(self.profiles),
        )
        self.waiting = FakeWaitingLine()
        self.availability = FakeAvailabilityIndex()
        self.assign_queue = FakeWorkQueue(ASSIGN_WORK_QUEUE, clock, AssignItem)
        self.send_queue = FakeWorkQueue(OUTBOUND_WORK_QUEUE, clock, OutboundItem)

        conversations, feed = _port(self.conversations), _port(self.feed)
        self.outbox = Outbox(
            conversations,
            _port(self.send_queue),
            feed,
            window_hours=window_hours,
            quota=quota,
            clock=clock,
        )
        self.messenger = AutomatedMessenger(self.outbox)
        self.surveys = Surveys(conversations, self.outbox, clock)
        self.assign_step = AssignStep(
            self.catalog,
            conversations,
            _port(self.waiting),
            _port(self.availability),
            self.messenger,
            self.surveys,
            _port(self.assign_queue),
            feed,
            clock,
        )
        self.route_step = RouteStep(
            self.catalog,
            conversations,
            _port(self.waiting),
            self.messenger,
            _port(self.assign_queue),
            clock,
        )
        self.desk = AgentDesk(
            self.catalog,
            conversations,
            _port(self.waiting),
            self.assign_step,
            self.messenger,
            _port(self.assign_queue),
            clock,
        )
        self.offers = OfferDesk(
            self.catalog, conversations, self.assign_step, _port(self.assign_queue), clock
        )
