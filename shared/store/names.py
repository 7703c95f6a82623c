"""Every table, queue and container the app uses, created idempotently at start-up."""

from __future__ import annotations

from .clients import StorageClients

ACCOUNTS_TABLE = "accounts"
INBOUND_TABLE = "inbound"
CONVERSATIONS_TABLE = "conversations"
MESSAGES_TABLE = "messages"

INBOUND_QUEUE = "inbound"
ROUTE_QUEUE = "route"

TABLES = (ACCOUNTS_TABLE, INBOUND_TABLE, CONVERSATIONS_TABLE, MESSAGES_TABLE)
QUEUES = (INBOUND_QUEUE, ROUTE_QUEUE)
CONTAINERS: tuple[str, ...] = ()


def ensure_storage(clients: StorageClients) -> None:
    clients.ensure(tables=TABLES, queues=QUEUES, containers=CONTAINERS)
