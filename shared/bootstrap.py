"""Builds the app's dependencies in one place, from settings (STYLE.md: one bootstrap)."""

from __future__ import annotations

import time
from collections.abc import Callable

from .agents import Agent
from .automated import AutomatedMessenger
from .callback import WeChatCallback
from .desk import AgentDesk
from .housekeeping import Housekeeping
from .intake import ConversationIntake
from .registry import AccountRegistry
from .routing.admin import RoutingAdmin
from .routing.assignment import Assigner
from .routing.catalog import RoutingCatalog
from .routing.queues import Queue
from .routing.router import ConversationRouter
from .secretbox import SecretBox
from .settings import Settings
from .store import StorageClients
from .store.accounts import AccountStore
from .store.availability import AvailabilityIndex
from .store.conversations import ConversationStore
from .store.documents import DocumentStore
from .store.inbound import InboundStore
from .store.names import (
    ACCOUNTS_TABLE,
    AGENTS_TABLE,
    ASSIGN_QUEUE,
    AVAILABILITY_TABLE,
    CONVERSATIONS_TABLE,
    INBOUND_QUEUE,
    INBOUND_TABLE,
    MESSAGES_TABLE,
    QUEUES_TABLE,
    ROUTE_QUEUE,
    WAITING_TABLE,
    WORKSTREAMS_TABLE,
    ensure_storage,
)
from .store.queues import WorkQueue
from .store.waiting import WaitingLine
from .workstreams import Workstream

Clock = Callable[[], float]


class Services:
    """What the use cases need, wired from settings, storage and a clock (injectable so tests
    can move time). Built once per worker process; every part is safe to share across threads."""

    def __init__(self, settings: Settings, storage: StorageClients, clock: Clock = time.time):
        self.settings = settings
        self.storage = storage
        self.clock = clock
        route_queue, assign_queue = self.queue(ROUTE_QUEUE), self.queue(ASSIGN_QUEUE)

        self.accounts = AccountRegistry(
            AccountStore(storage.table(ACCOUNTS_TABLE), SecretBox(settings.secrets_keys)),
            settings,
            clock,
        )
        self.inbound = InboundStore(storage.table(INBOUND_TABLE))
        self.conversations = ConversationStore(
            storage.table(CONVERSATIONS_TABLE), storage.table(MESSAGES_TABLE)
        )
        self.catalog = RoutingCatalog(
            workstreams=DocumentStore(
                storage.table(WORKSTREAMS_TABLE),
                "workstreams",
                Workstream,
                unique={"account": lambda w: w.account_id},
            ),
            queues=DocumentStore(storage.table(QUEUES_TABLE), "queues", Queue),
            agents=DocumentStore(
                storage.table(AGENTS_TABLE),
                "agents",
                Agent,
                unique={"token": lambda a: a.token_hash},
            ),
        )
        self.waiting = WaitingLine(storage.table(WAITING_TABLE))
        self.messenger = AutomatedMessenger(self.conversations)
        self.assigner = Assigner(
            self.catalog,
            self.conversations,
            self.waiting,
            AvailabilityIndex(storage.table(AVAILABILITY_TABLE)),
            self.messenger,
            assign_queue,
            clock,
        )
        self.callback = WeChatCallback(
            self.accounts, self.inbound, self.queue(INBOUND_QUEUE), settings, clock
        )
        self.intake = ConversationIntake(
            self.inbound, self.conversations, self.assigner, route_queue, assign_queue, clock
        )
        self.router = ConversationRouter(
            self.catalog, self.conversations, self.waiting, self.messenger, assign_queue, clock
        )
        self.desk = AgentDesk(
            self.catalog,
            self.conversations,
            self.waiting,
            self.assigner,
            self.messenger,
            assign_queue,
            clock,
        )
        self.routing_admin = RoutingAdmin(
            self.catalog,
            self.accounts,
            self.assigner,
            self.conversations,
            route_queue,
            assign_queue,
            clock,
        )
        self.housekeeping = Housekeeping(self.catalog, self.conversations, self.assigner, clock)

    @classmethod
    def build(
        cls, settings: Settings, *, clock: Clock = time.time, ensure: bool = True
    ) -> Services:
        """From settings; ``ensure`` creates missing tables, queues and containers first."""
        storage = StorageClients.from_settings(settings.storage)
        if ensure:
            ensure_storage(storage)
        return cls(settings, storage, clock)

    def queue(self, name: str) -> WorkQueue:
        return WorkQueue(self.storage.queue(name))
