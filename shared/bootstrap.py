"""Builds the app's dependencies in one place, from settings (STYLE.md: one bootstrap)."""

from __future__ import annotations

import time
from collections.abc import Callable

from .callback import WeChatCallback
from .intake import ConversationIntake
from .registry import AccountRegistry
from .secretbox import SecretBox
from .settings import Settings
from .store import StorageClients
from .store.accounts import AccountStore
from .store.conversations import ConversationStore
from .store.inbound import InboundStore
from .store.names import (
    ACCOUNTS_TABLE,
    CONVERSATIONS_TABLE,
    INBOUND_QUEUE,
    INBOUND_TABLE,
    MESSAGES_TABLE,
    ROUTE_QUEUE,
    ensure_storage,
)
from .store.queues import WorkQueue

Clock = Callable[[], float]


class Services:
    """What the use cases need, wired from settings, storage and a clock (injectable so tests
    can move time). Built once per worker process; every part is safe to share across threads."""

    def __init__(self, settings: Settings, storage: StorageClients, clock: Clock = time.time):
        self.settings = settings
        self.storage = storage
        self.clock = clock
        self.accounts = AccountRegistry(
            AccountStore(storage.table(ACCOUNTS_TABLE), SecretBox(settings.secrets_keys)),
            settings,
            clock,
        )
        self.inbound = InboundStore(storage.table(INBOUND_TABLE))
        self.conversations = ConversationStore(
            storage.table(CONVERSATIONS_TABLE), storage.table(MESSAGES_TABLE)
        )
        self.callback = WeChatCallback(
            self.accounts, self.inbound, self.queue(INBOUND_QUEUE), settings, clock
        )
        self.intake = ConversationIntake(
            self.inbound, self.conversations, self.queue(ROUTE_QUEUE), clock
        )

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
