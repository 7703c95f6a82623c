"""ConversationStore in memory: the customer, conversation and reply-window rows of an account
in one partition (so opening and closing are atomic, as in the real store), transcripts apart.

The methods are those the route, assign and send-side services call, with the real store's
loops and ETag checks; the purge, list and retention queries are not here (their tests use
Azurite).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from shared.core.ids import sortable_id
from shared.model.conversations import (
    RECENT_CONVERSATIONS,
    Conversation,
    ConversationState,
    Customer,
    ReplyWindow,
    TranscriptEntry,
    conversation_account,
)
from shared.store.optimistic import ATTEMPTS, ChangedError
from tests.fakes.changes import FakeChangeFeed
from tests.fakes.rows import Operation, RowChangedError, RowExistsError, Rows

_CONVERSATION = "c:"
_CUSTOMER = "u:"
_WINDOW = "w:"
M = TypeVar("M", bound=BaseModel)


def _read(found: tuple[M, str] | None) -> M | None:
    """A copy of the stored row with its current ETag: callers never share the stored one."""
    if found is None:
        return None
    value, etag = found
    return value.model_copy(deep=True, update={"etag": etag})


class FakeConversationStore:
    def __init__(self, feed: FakeChangeFeed) -> None:
        self._feed = feed
        self.table = Rows()
        """Customers (``u:``), conversations (``c:``) and windows (``w:``) by account."""
        self.messages = Rows()
        """Transcript lines by conversation."""

    def before_next_save(self, conversation_id: str, interleave: Callable[[], None]) -> None:
        """Another worker's write lands just before the next write of this conversation's row
        (see ``Rows.before_next_write``)."""
        account_id = conversation_account(conversation_id) or ""
        self.table.before_next_write(interleave, (account_id, _CONVERSATION + conversation_id))

    def before_next_window_write(
        self, account_id: str, open_id: str, interleave: Callable[[], None]
    ) -> None:
        """The same, before the next write of a customer's reply window."""
        self.table.before_next_write(interleave, (account_id, _WINDOW + open_id))

    # --- reads ----------------------------------------------------------------------------------

    def get(self, conversation_id: str) -> Conversation | None:
        account_id = conversation_account(conversation_id)
        if account_id is None:
            return None
        return _read(self.table.get((account_id, _CONVERSATION + conversation_id)))

    def customer(self, account_id: str, open_id: str) -> Customer | None:
        return _read(self.table.get((account_id, _CUSTOMER + open_id)))

    def current(self, account_id: str, open_id: str) -> Conversation | None:
        return self._open_of(self.customer(account_id, open_id))

    def _open_of(self, customer: Customer | None) -> Conversation | None:
        if customer is None or not customer.open_conversation_id:
            return None
        conversation = self.get(customer.open_conversation_id)
        if conversation is None or conversation.state is ConversationState.CLOSED:
            return None
        return conversation

    def first_inbound(self, conversation_id: str) -> TranscriptEntry | None:
        return next(
            (e for e in self._entries(conversation_id) if e.direction == "in"),
            None,
        )

    def entry(self, conversation_id: str, key: str) -> TranscriptEntry | None:
        found = self.messages.get((conversation_id, key))
        return found[0].model_copy(deep=True) if found else None

    def transcript(
        self, conversation_id: str, *, limit: int, page_token: Any = None
    ) -> tuple[list[TranscriptEntry], Any]:
        """A page in key order; the token is where the next page starts (None: no more)."""
        entries = self._entries(conversation_id)
        start = page_token or 0
        end = start + limit
        return entries[start:end], (end if end < len(entries) else None)

    def _entries(self, conversation_id: str) -> list[TranscriptEntry]:
        rows = self.messages.partition(conversation_id)
        return [entry.model_copy(deep=True) for _, entry, _ in rows]

    # --- writes ---------------------------------------------------------------------------------

    def open_for(self, account_id: str, open_id: str, now: datetime) -> tuple[Conversation, bool]:
        for _ in range(ATTEMPTS):
            customer = self.customer(account_id, open_id)
            if existing := self._open_of(customer):
                return existing, False
            conversation = Conversation(
                id=f"{account_id}-{sortable_id(now.timestamp(), newest_first=True)}",
                account_id=account_id,
                open_id=open_id,
                created_at=now,
                updated_at=now,
                last_activity_at=now,
            )
            earlier = customer.conversation_ids if customer else []
            pointer: dict[str, Any] = {
                "open_conversation_id": conversation.id,
                "last_conversation_id": conversation.id,
                "conversation_ids": [conversation.id, *earlier][:RECENT_CONVERSATIONS],
            }
            customer_key = (account_id, _CUSTOMER + open_id)
            if customer is None:
                customer_op = Operation(
                    "create",
                    customer_key,
                    Customer(account_id=account_id, open_id=open_id, **pointer),
                )
            else:
                customer_op = Operation(
                    "replace", customer_key, customer.model_copy(update=pointer), customer.etag
                )
            conversation_key = (account_id, _CONVERSATION + conversation.id)
            try:
                etags = self.table.transact(
                    [Operation("create", conversation_key, conversation), customer_op]
                )
            except (RowExistsError, RowChangedError):
                continue
            return conversation.model_copy(update={"etag": etags[0]}), True
        raise ChangedError(f"could not open a conversation for {open_id}")

    def save(self, conversation: Conversation, **changes: Any) -> Conversation:
        updated = conversation.model_copy(update=changes)
        key = (conversation.account_id, _CONVERSATION + conversation.id)
        if not conversation.etag:  # what the SDK says of a conditional write without one
            raise ValueError("IfNotModified must be specified with etag.")
        try:
            etag = self.table.replace(key, updated, conversation.etag)
        except RowChangedError:
            raise ChangedError(conversation.id) from None
        self._feed.conversations(conversation, updated)
        return updated.model_copy(update={"etag": etag})

    def change(
        self,
        conversation_id: str,
        update: Callable[[Conversation], dict[str, Any] | None],
        *,
        current: Conversation | None = None,
    ) -> Conversation | None:
        for _ in range(ATTEMPTS):
            conversation, current = current or self.get(conversation_id), None
            if conversation is None:
                return None
            changes = update(conversation)
            if not changes:
                return conversation
            try:
                return self.save(conversation, **changes)
            except ChangedError:
                continue
        raise ChangedError(conversation_id)

    def close(self, conversation_id: str, *, reason: str, now: datetime) -> Conversation | None:
        for _ in range(ATTEMPTS):
            conversation = self.get(conversation_id)
            if conversation is None or conversation.state is ConversationState.CLOSED:
                return conversation
            closed = conversation.model_copy(
                update={
                    "state": ConversationState.CLOSED,
                    "closed_at": now,
                    "close_reason": reason,
                    "updated_at": now,
                }
            )
            key = (conversation.account_id, _CONVERSATION + conversation.id)
            operations = [Operation("replace", key, closed, conversation.etag)]
            customer = self.customer(conversation.account_id, conversation.open_id)
            if customer and customer.open_conversation_id == conversation.id:
                operations.append(
                    Operation(
                        "replace",
                        (conversation.account_id, _CUSTOMER + conversation.open_id),
                        customer.model_copy(update={"open_conversation_id": None}),
                        customer.etag,
                    )
                )
            try:
                etags = self.table.transact(operations)
            except (RowExistsError, RowChangedError):
                continue
            self._feed.conversations(conversation, closed)
            return closed.model_copy(update={"etag": etags[0]})
        raise ChangedError(conversation_id)

    def change_customer(
        self, account_id: str, open_id: str, update: Callable[[Customer], Customer | None]
    ) -> Customer | None:
        key = (account_id, _CUSTOMER + open_id)
        for _ in range(ATTEMPTS):
            current = self.customer(account_id, open_id)
            updated = update(current or Customer(account_id=account_id, open_id=open_id))
            if updated is None:
                return current
            try:
                if current is None:
                    etag = self.table.create(key, updated)
                else:
                    etag = self.table.replace(key, updated, current.etag)
            except (RowExistsError, RowChangedError):
                continue
            return updated.model_copy(update={"etag": etag})
        raise ChangedError(f"customer {open_id}")

    def remember_agent(self, account_id: str, open_id: str, agent_id: str) -> None:
        """An unconditional merge of one property (it creates the row if need be)."""
        current = self.customer(account_id, open_id) or Customer(
            account_id=account_id, open_id=open_id
        )
        self.table.upsert(
            (account_id, _CUSTOMER + open_id),
            current.model_copy(update={"last_agent_id": agent_id}),
        )

    # --- the reply window -----------------------------------------------------------------------

    def window(self, account_id: str, open_id: str) -> ReplyWindow:
        return _read(self.table.get((account_id, _WINDOW + open_id))) or ReplyWindow()

    def change_window(
        self, account_id: str, open_id: str, update: Callable[[ReplyWindow], ReplyWindow | None]
    ) -> ReplyWindow:
        key = (account_id, _WINDOW + open_id)
        for _ in range(ATTEMPTS):
            current = self.window(account_id, open_id)
            changed = update(current)
            if changed is None:
                return current
            try:
                if current.etag is None:
                    self.table.create(key, changed)
                else:
                    self.table.replace(key, changed, current.etag)
            except (RowExistsError, RowChangedError):
                continue
            return changed
        raise ChangedError(f"window of {open_id}")

    # --- transcript -----------------------------------------------------------------------------

    def append(self, entry: TranscriptEntry) -> bool:
        try:
            self.messages.create((entry.conversation_id, entry.key), entry)
        except RowExistsError:
            return False
        return True
