"""Forgetting customers: erasure on request and purging by retention.

A conversation is purged with everything that carries it: its transcript, its timeline, its
attachments, its place in a waiting line, its send lease, its hold on an agent. Erasing a
customer purges all of their conversations, their inbound records (the dedupe keys, which hold
their OpenID for events), their customer and reply-window rows, and any poison-queue message
that names them (the live queues' messages carry ids only, and their steps find nothing left).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContainerClient

from shared.core.errors import InvalidRequestError, not_found
from shared.model.conversations import Conversation, utc
from shared.pipeline.assign import AssignStep
from shared.pipeline.media import blob_prefix
from shared.store import StorageClients
from shared.store.catalog import RoutingCatalog
from shared.store.changes import ChangeFeed
from shared.store.conversations import ConversationStore
from shared.store.inbound import InboundStore
from shared.store.leases import Leases
from shared.store.names import WORK_QUEUES
from shared.store.timeline import TimelineStore
from shared.store.typing_indicator import TypingTable
from shared.store.waiting import WaitingLine
from shared.store.work_queues import message_body
from shared.wechat import is_open_id

log = logging.getLogger(__name__)

QUEUE_SWEEP_VISIBILITY = 60  # seconds a swept message stays hidden before it is released


class Eraser:
    def __init__(
        self,
        storage: StorageClients,
        attachments: ContainerClient,
        send_leases: Leases,
        conversations: ConversationStore,
        inbound: InboundStore,
        waiting: WaitingLine,
        assign_step: AssignStep,
        catalog: RoutingCatalog,
        feed: ChangeFeed,
        *,
        retention_days: int,
        timeline: TimelineStore,
        clock: Callable[[], float] = time.time,
        typing: TypingTable | None = None,
    ) -> None:
        self._typing = typing
        self._timeline = timeline
        self._storage = storage
        self._feed = feed
        self._attachments = attachments
        self._send_leases = send_leases
        self._conversations = conversations
        self._inbound = inbound
        self._waiting = waiting
        self._assign_step = assign_step
        self._catalog = catalog
        self._retention_days = retention_days
        self._clock = clock

    # --- one conversation ---------------------------------------------------------------------

    def purge_conversation(
        self, conversation: Conversation, *, unlink_customer: bool = True
    ) -> Counter[str]:
        """Delete a conversation with its transcript and attachments; ``unlink_customer`` clears
        the customer's pointers to it (not needed when the customer row goes too). Agents' read
        markers of it are the caller's to forget (``ChangeFeed.forget``), once per batch."""
        removed: Counter[str] = Counter()
        if conversation.agent_id:
            self._assign_step.release(conversation.agent_id, conversation.id)
        self._waiting.discard(conversation)
        removed["messages"] = self._conversations.delete_transcript(conversation.id)
        removed["events"] = self._timeline.remove(conversation.id)
        prefix = blob_prefix(conversation.account_id, conversation.id)
        for blob in self._attachments.list_blobs(name_starts_with=prefix):
            with suppress(ResourceNotFoundError):
                self._attachments.delete_blob(blob.name)
            removed["attachments"] += 1
        self._send_leases.forget(conversation.id)
        if self._typing is not None:
            self._typing.forget(conversation.id)
        if unlink_customer:
            self._conversations.forget_conversation(conversation)
        self._conversations.delete(conversation)
        removed["conversations"] += 1
        return removed

    # --- a customer, on request ---------------------------------------------------------------

    def erase_customer(self, account_id: str, open_id: str) -> dict[str, int]:
        """Everything of one customer of one account → how many of each kind went; invalid for
        an OpenID of the wrong shape, not found when the account has nothing of theirs."""
        if not is_open_id(open_id):
            raise InvalidRequestError(
                "openId must be a WeChat OpenID: 1 to 64 letters, digits, '-' or '_'",
                field="openId",
            )
        removed: Counter[str] = Counter()
        conversations = list(self._conversations.of_customer(account_id, open_id))
        for conversation in conversations:
            removed += self.purge_conversation(conversation, unlink_customer=False)
        self._feed.forget(c.id for c in conversations)
        inbound_keys = self._inbound.remove_from(account_id, open_id)
        removed["inbound"] = len(inbound_keys)
        customer, window = self._conversations.delete_customer(account_id, open_id)
        removed["customer"], removed["window"] = int(customer), int(window)
        if not (conversations or inbound_keys or customer or window):
            raise not_found(f"customer {open_id} of account {account_id}")
        removed["queueMessages"] = self._sweep_queues(
            _Names(account_id, frozenset(inbound_keys), frozenset(c.id for c in conversations))
        )
        return {name: removed[name] for name in sorted(set(removed) | _ALWAYS)}

    def _sweep_queues(self, names: _Names) -> int:
        """Delete the poison-queue messages ``names`` matches; put every other one back at once.

        Only the poison queues: nothing consumes them, so a message stays there (for days) until
        someone looks. The live queues are left alone, because receiving a message counts as a
        delivery and each erasure would use up one of every waiting message's tries
        (maxDequeueCount); theirs carry only ids, and their steps find nothing left to do.
        The raw client reads what the app did not write, too, without failing on it."""
        swept = 0
        for name in (f"{q}-poison" for q in WORK_QUEUES):
            queue = self._storage.queues.get_queue_client(name)
            held = []
            try:
                while batch := list(
                    queue.receive_messages(
                        max_messages=32, visibility_timeout=QUEUE_SWEEP_VISIBILITY
                    )
                ):
                    for message in batch:
                        if names.match(message.content):
                            queue.delete_message(message)
                            swept += 1
                        else:
                            held.append(message)
            except ResourceNotFoundError:
                continue  # a poison queue that was never needed
            for message in held:
                with suppress(ResourceNotFoundError):
                    queue.update_message(message.id, message.pop_receipt, visibility_timeout=0)
        return swept

    # --- retention ----------------------------------------------------------------------------

    def purge_expired(self) -> dict[str, int]:
        """Closed conversations older than their workstream's retention (or the deployment's),
        with their attachments; inbound records older than the deployment's retention; the
        callback's remembered nonces, whose timestamps are stale anyway."""
        now = utc(self._clock())
        removed: Counter[str] = Counter()
        own_retention = set()
        for workstream in self._catalog.workstreams.list_all():
            if workstream.retention_days is not None:
                own_retention.add(workstream.account_id)
                cutoff = now - timedelta(days=workstream.retention_days)
                removed += self._purge(
                    self._conversations.closed_before(cutoff, workstream.account_id)
                )
        default_cutoff = now - timedelta(days=self._retention_days)
        removed += self._purge(
            c
            for c in self._conversations.closed_before(default_cutoff, None)
            if c.account_id not in own_retention
        )
        removed["inbound"] += self._inbound.remove_before(default_cutoff)
        removed["nonces"] += self._inbound.remove_expired_nonces(now)
        return dict(removed)

    def _purge(self, conversations: Iterable[Conversation]) -> Counter[str]:
        removed: Counter[str] = Counter()
        purged = list(conversations)
        for conversation in purged:
            removed += self.purge_conversation(conversation)
        self._feed.forget(c.id for c in purged)  # agents' read markers: one pass for all
        return removed


@dataclass(frozen=True)
class _Names:
    """What queue messages about one erased customer carry: the inbound step's
    ``{"accountId", "key"}`` of one of their pushes, or a later step's ``{"conversationId"}`` of
    one of their conversations. Matched field by field, never as text: another customer's
    OpenID may contain theirs, and another account may have a customer with the same one."""

    account_id: str
    inbound_keys: frozenset[str]
    conversation_ids: frozenset[str]

    def match(self, content: str | None) -> bool:
        message = _queued(content or "")
        if not isinstance(message, dict):
            return False  # not one of ours: leave it
        conversation_id, account_id, key = (
            message.get(name) for name in ("conversationId", "accountId", "key")
        )
        if isinstance(conversation_id, str) and conversation_id in self.conversation_ids:
            return True
        return account_id == self.account_id and isinstance(key, str) and key in self.inbound_keys


def _queued(content: str) -> Any:
    """A queue message's JSON: base64 as the app writes it (the host's encoding), or as is."""
    for text in (message_body(content), content):
        if text is not None:
            try:
                return json.loads(text)
            except ValueError:
                continue
    return None


_ALWAYS = {
    "conversations",
    "messages",
    "events",
    "attachments",
    "inbound",
    "customer",
    "window",
    "queueMessages",
}
