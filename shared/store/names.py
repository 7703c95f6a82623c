"""Every table, queue and container the app uses, created idempotently at start-up."""

from __future__ import annotations

from shared.store.clients import StorageClients

ACCOUNTS_TABLE = "accounts"
INBOUND_TABLE = "inbound"
CONVERSATIONS_TABLE = "conversations"
MESSAGES_TABLE = "messages"
WORKSTREAMS_TABLE = "workstreams"
QUEUES_TABLE = "queues"
AGENTS_TABLE = "agents"
WAITING_TABLE = "waiting"
AVAILABILITY_TABLE = "availability"
TOKENS_TABLE = "tokens"
LEASES_TABLE = "leases"
CALLBACK_IPS_TABLE = "callbackips"
CHANGES_TABLE = "changes"
FAILURES_TABLE = "failures"

INBOUND_QUEUE = "inbound"
ROUTE_QUEUE = "route"
ASSIGN_QUEUE = "assign"
OUTBOUND_QUEUE = "outbound"
MEDIA_QUEUE = "media"
BOT_QUEUE = "bot"

ATTACHMENTS_CONTAINER = "attachments"

TABLES = (
    ACCOUNTS_TABLE,
    INBOUND_TABLE,
    CONVERSATIONS_TABLE,
    MESSAGES_TABLE,
    WORKSTREAMS_TABLE,
    QUEUES_TABLE,
    AGENTS_TABLE,
    WAITING_TABLE,
    AVAILABILITY_TABLE,
    TOKENS_TABLE,
    LEASES_TABLE,
    CALLBACK_IPS_TABLE,
    CHANGES_TABLE,
    FAILURES_TABLE,
)
QUEUES = (INBOUND_QUEUE, ROUTE_QUEUE, ASSIGN_QUEUE, OUTBOUND_QUEUE, MEDIA_QUEUE, BOT_QUEUE)
CONTAINERS = (ATTACHMENTS_CONTAINER,)


def ensure_storage(clients: StorageClients) -> None:
    clients.ensure(tables=TABLES, queues=QUEUES, containers=CONTAINERS)
