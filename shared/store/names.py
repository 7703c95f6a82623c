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
ACCESS_TOKENS_TABLE = "tokens"
LEASES_TABLE = "leases"
CALLBACK_IPS_TABLE = "callbackips"
CHANGES_TABLE = "changes"
FAILURES_TABLE = "failures"
TIMELINE_TABLE = "timeline"
TYPING_TABLE = "typing"
TEMPLATES_TABLE = "templates"
MATERIALS_TABLE = "materials"

INBOUND_WORK_QUEUE = "inbound"
ROUTE_WORK_QUEUE = "route"
ASSIGN_WORK_QUEUE = "assign"
OUTBOUND_WORK_QUEUE = "outbound"
MEDIA_WORK_QUEUE = "media"
BOT_WORK_QUEUE = "bot"

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
    ACCESS_TOKENS_TABLE,
    LEASES_TABLE,
    CALLBACK_IPS_TABLE,
    CHANGES_TABLE,
    FAILURES_TABLE,
    TIMELINE_TABLE,
    TYPING_TABLE,
    TEMPLATES_TABLE,
    MATERIALS_TABLE,
)
WORK_QUEUES = (
    INBOUND_WORK_QUEUE,
    ROUTE_WORK_QUEUE,
    ASSIGN_WORK_QUEUE,
    OUTBOUND_WORK_QUEUE,
    MEDIA_WORK_QUEUE,
    BOT_WORK_QUEUE,
)
CONTAINERS = (ATTACHMENTS_CONTAINER,)


def ensure_storage(clients: StorageClients) -> None:
    clients.ensure(tables=TABLES, queues=WORK_QUEUES, containers=CONTAINERS)
