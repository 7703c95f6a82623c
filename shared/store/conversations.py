"""Customers, conversations and transcripts in Table storage.

A customer row (``u:<openId>``) and that customer's conversation rows (``c:<id>``) share the
account's partition, so opening a conversation and pointing the customer at it is one atomic
transaction, and two workers racing to open one for the same customer cannot both win.
Transcript rows live in their own table, one partition per conversation, keyed so that they
list in WeChat's CreateTime-then-MsgId order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from enum import Enum
from typing import Any

from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, TableEntity, TableTransactionError, UpdateMode

from shared.core.ids import sortable_id
from shared.model.conversations import (
    RECENT_CONVERSATIONS,
    Conversation,
    ConversationState,
    Customer,
    LineSummary,
    ReplyWindow,
    TranscriptEntry,
    conversation_account,
)
from shared.store.changes import ChangeFeed
from shared.store.entities import (
    first_page,
    get_text,
    if_match,
    int64,
    lost_race,
    one_page,
    plain,
    prefix_range,
    put_text,
)
from shared.store.optimistic import ChangedError, retried

_CONVERSATION = "c:"
_CUSTOMER = "u:"
_WINDOW = "w:"

_CONVERSATION_FIELDS = {
    "open_id": "OpenId",
    "state": "State",
    "created_at": "CreatedAt",
    "updated_at": "UpdatedAt",
    "last_activity_at": "LastActivityAt",
    "last_customer_message_at": "LastCustomerMessageAt",
    "closed_at": "ClosedAt",
    "close_reason": "CloseReason",
    "workstream_id": "WorkstreamId",
    "queue_id": "QueueId",
    "priority": "Priority",
    "rule": "Rule",
    "skills": "Skills",
    "units": "Units",
    "enqueued_at": "EnqueuedAt",
    "agent_id": "AgentId",
    "assigned_at": "AssignedAt",
    "previous_agent_id": "PreviousAgentId",
    "context": "Context",
    "bot": "Bot",
    "bot_summary": "BotSummary",
    "rating": "Rating",
    "rated_at": "RatedAt",
    "customer_lines": "CustomerLines",
    "last_customer_line": "LastCustomerLine",
    "offer": "Offer",
    "declines": "Declines",
    "expired_offers": "ExpiredOffers",
}
_CUSTOMER_FIELDS = {
    "subscribed": "Subscribed",
    "subscription_changed_at": "SubscriptionChangedAt",
    "scene": "Scene",
    "open_conversation_id": "OpenConversationId",
    "last_conversation_id": "LastConversationId",
    "last_agent_id": "LastAgentId",
    "conversation_ids": "ConversationIds",
    "tags": "Tags",
    "notice_sent_at": "NoticeSentAt",
    "survey_conversation_id": "SurveyConversationId",
    "survey_expires_at": "SurveyExpiresAt",
    "remark": "Remark",
    "tag_ids": "TagIds",
    "union_id": "UnionId",
    "subscribe_time": "SubscribeTime",
    "subscribe_scene": "SubscribeScene",
    "qr_scene": "QrScene",
    "scanned_at": "ScannedAt",
    "profile_fetched_at": "ProfileFetchedAt",
    "profile_claimed_until": "ProfileClaimedUntil",
    "profile_failed_at": "ProfileFailedAt",
}
_JSON_FIELDS = {
    "skills",
    "context",
    "tags",
    "tag_ids",
    "last_customer_line",
    "conversation_ids",
    "offer",
    "declines",
    "expired_offers",
}


def _to_entity(pk: str, rk: str, fields: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
    entity: dict[str, Any] = {"PartitionKey": pk, "RowKey": rk}
    for name, column in fields.items():
        value = values.get(name)
        if value is None:
            value = ""  # not a missing property: a merge must be able to clear a field
        elif isinstance(value, Enum):
            value = value.value
        elif isinstance(value, int) and not isinstance(value, bool):
            value = int64(value)
        elif name in _JSON_FIELDS:
            value = json.dumps(value, ensure_ascii=False, default=_json_default)
        entity[column] = value
    return entity


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _from_entity(entity: TableEntity, fields: dict[str, str]) -> dict[str, Any]:
    values = {name: plain(entity.get(column)) for name, column in fields.items()}
    values = {name: (None if value == "" else value) for name, value in values.items()}
    for name in _JSON_FIELDS & values.keys():
        values[name] = json.loads(values[name]) if values[name] else None
    values = {name: value for name, value in values.items() if value is not None}
    values["etag"] = entity.metadata["etag"]
    return values


class ConversationStore:
    """Every write of a conversation's row is announced on the agents' change feed (``feed``)
    once made; transcript lines are announced by those who write them (the intake through its
    write of the conversation, the outbox, the send and media steps)."""

    def __init__(self, conversations: TableClient, messages: TableClient, feed: ChangeFeed) -> None:
        self._table = conversations
        self._messages = messages
        self._feed = feed

    # --- mapping ----------------------------------------------------------------------------

    @staticmethod
    def _conversation_entity(conversation: Conversation) -> dict[str, Any]:
        return _to_entity(
            conversation.account_id,
            _CONVERSATION + conversation.id,
            _CONVERSATION_FIELDS,
            conversation.model_dump(),
        )

    @staticmethod
    def _conversation(entity: TableEntity) -> Conversation:
        values = _from_entity(entity, _CONVERSATION_FIELDS)
        return Conversation(
            id=entity["RowKey"][len(_CONVERSATION) :], account_id=entity["PartitionKey"], **values
        )

    @staticmethod
    def _customer(entity: TableEntity) -> Customer:
        values = _from_entity(entity, _CUSTOMER_FIELDS)
        return Customer(
            account_id=entity["PartitionKey"], open_id=entity["RowKey"][len(_CUSTOMER) :], **values
        )

    @staticmethod
    def _customer_entity(customer: Customer) -> dict[str, Any]:
        return _to_entity(
            customer.account_id,
            _CUSTOMER + customer.open_id,
            _CUSTOMER_FIELDS,
            customer.model_dump(),
        )

    # --- reads ------------------------------------------------------------------------------

    def get(self, conversation_id: str) -> Conversation | None:
        account_id = conversation_account(conversation_id)
        if account_id is None:
            return None
        try:
            return self._conversation(
                self._table.get_entity(account_id, _CONVERSATION + conversation_id)
            )
        except ResourceNotFoundError:
            return None

    def customer(self, account_id: str, open_id: str) -> Customer | None:
        try:
            return self._customer(self._table.get_entity(account_id, _CUSTOMER + open_id))
        except ResourceNotFoundError:
            return None

    def current(self, account_id: str, open_id: str) -> Conversation | None:
        """The customer's conversation that is not closed, if any."""
        return self._open_of(self.customer(account_id, open_id))

    def _open_of(self, customer: Customer | None) -> Conversation | None:
        if customer is None or not customer.open_conversation_id:
            return None
        conversation = self.get(customer.open_conversation_id)
        if conversation is None or conversation.state is ConversationState.CLOSED:
            return None
        return conversation

    def list_conversations(
        self,
        *,
        account_id: str | None,
        state: ConversationState | None,
        limit: int,
        page_token: Any = None,
    ) -> tuple[list[Conversation], Any]:
        """Newest first within an account (ids sort that way); one page and the next token."""
        conditions = ["RowKey ge @lo", "RowKey lt @hi"]
        parameters: dict[str, Any] = prefix_range(_CONVERSATION)
        if account_id:
            conditions.append("PartitionKey eq @account")
            parameters["account"] = account_id
        if state:
            conditions.append("State eq @state")
            parameters["state"] = state.value
        query = self._table.query_entities(
            " and ".join(conditions), parameters=parameters, results_per_page=limit
        )
        page, token = one_page(query, page_token)
        return [self._conversation(e) for e in page], token

    def first_inbound(self, conversation_id: str) -> TranscriptEntry | None:
        """The customer's first line: what routing rules look at."""
        entities = self._messages.query_entities(
            "PartitionKey eq @c and Direction eq 'in'",
            parameters={"c": conversation_id},
            results_per_page=1,
        ).by_page()
        first = next(iter(first_page(entities)), None)
        return self._entry(first) if first is not None else None

    def of_customer(self, account_id: str, open_id: str) -> Iterator[Conversation]:
        entities = self._table.query_entities(
            "PartitionKey eq @a and RowKey ge @lo and RowKey lt @hi and OpenId eq @o",
            parameters={"a": account_id, "o": open_id, **prefix_range(_CONVERSATION)},
        )
        for entity in entities:
            yield self._conversation(entity)

    def closed_before(self, cutoff: datetime, account_id: str | None) -> Iterator[Conversation]:
        """Closed conversations (of one account, or of all) that closed before ``cutoff``."""
        conditions = "RowKey ge @lo and RowKey lt @hi and State eq 'closed' and ClosedAt lt @cut"
        parameters: dict[str, Any] = {"cut": cutoff, **prefix_range(_CONVERSATION)}
        if account_id is not None:
            conditions = "PartitionKey eq @a and " + conditions
            parameters["a"] = account_id
        for entity in self._table.query_entities(conditions, parameters=parameters):
            yield self._conversation(entity)

    def delete(self, conversation: Conversation) -> None:
        self._table.delete_entity(conversation.account_id, _CONVERSATION + conversation.id)
        self._feed.conversations(conversation)

    def delete_transcript(self, conversation_id: str) -> int:
        """Delete every transcript line of a conversation → how many there were."""
        deleted = 0
        for entity in self._messages.query_entities(
            "PartitionKey eq @c", parameters={"c": conversation_id}, select=["RowKey"]
        ):
            self._messages.delete_entity(conversation_id, entity["RowKey"])
            deleted += 1
        return deleted

    def forget_conversation(self, conversation: Conversation) -> None:
        """Clear the customer's pointers to a conversation that is being purged, and the reply
        window's summary of our last line if it was one of that conversation's."""
        pointers = ("open_conversation_id", "last_conversation_id", "survey_conversation_id")

        def unpoint(customer: Customer) -> Customer | None:
            cleared: dict[str, Any] = {
                name: None for name in pointers if getattr(customer, name) == conversation.id
            }
            if conversation.id in customer.conversation_ids:
                cleared["conversation_ids"] = [
                    cid for cid in customer.conversation_ids if cid != conversation.id
                ]
            return customer.model_copy(update=cleared) if cleared else None

        def unsummarise(window: ReplyWindow) -> ReplyWindow | None:
            last = window.last_outbound
            if last is None or last.conversation_id != conversation.id:
                return None
            return window.model_copy(update={"last_outbound": None})

        self.change_customer(conversation.account_id, conversation.open_id, unpoint)
        self.change_window(conversation.account_id, conversation.open_id, unsummarise)

    def delete_customer(self, account_id: str, open_id: str) -> tuple[bool, bool]:
        """The customer's row and reply-window row → whether each was there."""
        found = []
        for row_key in (_CUSTOMER + open_id, _WINDOW + open_id):
            try:
                self._table.get_entity(account_id, row_key, select=["RowKey"])
            except ResourceNotFoundError:
                found.append(False)
                continue
            self._table.delete_entity(account_id, row_key)
            found.append(True)
        return found[0], found[1]

    def has_unclosed(self, account_id: str) -> bool:
        """Whether any conversation of the account is not closed (reads one row at most)."""
        entities = self._table.query_entities(
            "PartitionKey eq @a and RowKey ge @lo and RowKey lt @hi and State ne 'closed'",
            parameters={"a": account_id, **prefix_range(_CONVERSATION)},
            select=["RowKey"],
            results_per_page=1,
        )
        return next(iter(entities), None) is not None

    def inactive(
        self, account_id: str, before: datetime, state: ConversationState | None = None
    ) -> Iterator[Conversation]:
        """Conversations of an account, not closed (or in ``state``), with no activity since
        ``before``."""
        entities = self._table.query_entities(
            "PartitionKey eq @a and RowKey ge @lo and RowKey lt @hi "
            + ("and State eq @s " if state else "and State ne 'closed' ")
            + "and LastActivityAt lt @before",
            parameters={
                "a": account_id,
                "before": before,
                **({"s": state.value} if state else {}),
                **prefix_range(_CONVERSATION),
            },
        )
        for entity in entities:
            yield self._conversation(entity)

    def entry(self, conversation_id: str, key: str) -> TranscriptEntry | None:
        try:
            return self._entry(self._messages.get_entity(conversation_id, key))
        except ResourceNotFoundError:
            return None

    def customer_lines_after(self, conversation_id: str, key: str) -> int:
        """How many of the customer's lines come after the line ``key``."""
        entities = self._messages.query_entities(
            "PartitionKey eq @c and RowKey gt @k and Direction eq 'in'",
            parameters={"c": conversation_id, "k": key},
            select=["RowKey"],
        )
        return sum(1 for _ in entities)

    def pending_outbound(self, conversation_id: str, limit: int = 20) -> list[TranscriptEntry]:
        """Outbound lines not yet sent or failed, in transcript order."""
        entities = self._messages.query_entities(
            "PartitionKey eq @c and Direction eq 'out' "
            "and ( Status eq 'queued' or Status eq 'sending' )",
            parameters={"c": conversation_id},
            results_per_page=limit,
        ).by_page()
        return [self._entry(e) for e in first_page(entities)]

    def update_entry(self, entry: TranscriptEntry, **changes: Any) -> TranscriptEntry:
        """Change an entry's status or details (one writer: the sender holding the lease)."""
        updated = entry.model_copy(update=changes)
        entity: dict[str, Any] = {
            "PartitionKey": entry.conversation_id,
            "RowKey": entry.key,
            "Status": updated.status or "",
        }
        put_text(entity, "Details", json.dumps(updated.details, ensure_ascii=False))
        self._messages.update_entity(entity, mode=UpdateMode.MERGE)
        return updated

    def transcript(
        self, conversation_id: str, *, limit: int, page_token: Any = None
    ) -> tuple[list[TranscriptEntry], Any]:
        query = self._messages.query_entities(
            "PartitionKey eq @c", parameters={"c": conversation_id}, results_per_page=limit
        )
        page, token = one_page(query, page_token)
        return [self._entry(e) for e in page], token

    # --- writes -----------------------------------------------------------------------------

    def open_for(self, account_id: str, open_id: str, now: datetime) -> tuple[Conversation, bool]:
        """The customer's open conversation, or a new one → (conversation, whether it is new)."""

        def attempt() -> tuple[Conversation, bool]:
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
            pointer: dict[str, Any] = {  # Customer's fields, for a new one or an update
                "open_conversation_id": conversation.id,
                "last_conversation_id": conversation.id,
                "conversation_ids": [conversation.id, *earlier][:RECENT_CONVERSATIONS],
            }
            if customer is None:
                customer_op: tuple[Any, ...] = (
                    "create",
                    self._customer_entity(
                        Customer(account_id=account_id, open_id=open_id, **pointer)
                    ),
                )
            else:
                customer_op = (
                    "update",
                    self._customer_entity(customer.model_copy(update=pointer)),
                    if_match(customer.etag),
                )
            try:
                written = self._table.submit_transaction(
                    [("create", self._conversation_entity(conversation)), customer_op]
                )
            except TableTransactionError as error:
                if error.status_code in (409, 412):
                    raise ChangedError(open_id) from None  # another worker opened one first
                raise
            return conversation.model_copy(update={"etag": written[0]["etag"]}), True

        return retried(
            attempt, exhausted=ChangedError(f"could not open a conversation for {open_id}")
        )

    def save(self, conversation: Conversation, **changes: Any) -> Conversation:
        """Apply ``changes`` if nobody changed the conversation since it was read (ETag)."""
        updated = conversation.model_copy(update=changes)
        try:
            written = self._table.update_entity(
                self._conversation_entity(updated), **if_match(conversation.etag)
            )
        except HttpResponseError as error:
            if lost_race(error):
                raise ChangedError(conversation.id) from None
            raise
        self._feed.conversations(conversation, updated)
        return updated.model_copy(update={"etag": written["etag"]})

    def change(
        self,
        conversation_id: str,
        update: Callable[[Conversation], dict[str, Any] | None],
        *,
        current: Conversation | None = None,
    ) -> Conversation | None:
        """Read, compute ``update(conversation)`` (None: nothing to do) and save, retrying on
        conflicts: the way every concurrent change to a conversation is made. ``current``, a
        copy just read, saves the first read; its ETag still guards the write."""

        def attempt() -> Conversation | None:
            nonlocal current
            conversation, current = current or self.get(conversation_id), None
            if conversation is None:
                return None
            changes = update(conversation)
            if not changes:
                return conversation
            return self.save(conversation, **changes)

        return retried(attempt, exhausted=ChangedError(conversation_id))

    def close(
        self,
        conversation_id: str,
        *,
        reason: str,
        now: datetime,
        only_if: Callable[[Conversation], bool] | None = None,
    ) -> Conversation | None:
        """Close the conversation and clear the customer's pointer to it, atomically. With
        ``only_if``, only while it holds of the conversation as read (checked again on every
        retry, the write guarded by the ETag): else None, and nothing is written."""

        def attempt() -> Conversation | None:
            conversation = self.get(conversation_id)
            if conversation is not None and only_if is not None and not only_if(conversation):
                return None
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
            operations: list[Any] = [
                ("update", self._conversation_entity(closed), if_match(conversation.etag))
            ]
            customer = self.customer(conversation.account_id, conversation.open_id)
            if customer and customer.open_conversation_id == conversation.id:
                operations.append(
                    (
                        "update",
                        self._customer_entity(
                            customer.model_copy(update={"open_conversation_id": None})
                        ),
                        if_match(customer.etag),
                    )
                )
            try:
                written = self._table.submit_transaction(operations)
            except TableTransactionError as error:
                if error.status_code in (404, 409, 412):
                    raise ChangedError(conversation_id) from None
                raise
            self._feed.conversations(conversation, closed)
            return closed.model_copy(update={"etag": written[0]["etag"]})

        return retried(attempt, exhausted=ChangedError(conversation_id))

    def change_customer(
        self, account_id: str, open_id: str, update: Callable[[Customer], Customer | None]
    ) -> Customer | None:
        """Read the customer (a blank one if new), ``update`` it (None: leave it) and write it
        under its ETag, retrying when another worker wrote first."""

        def attempt() -> Customer | None:
            current = self.customer(account_id, open_id)
            updated = update(current or Customer(account_id=account_id, open_id=open_id))
            if updated is None:
                return current
            try:
                if current is None:
                    written = self._table.create_entity(self._customer_entity(updated))
                else:
                    written = self._table.update_entity(
                        self._customer_entity(updated), **if_match(current.etag)
                    )
            except HttpResponseError as error:
                if lost_race(error):
                    raise ChangedError(f"customer {open_id}") from None
                raise
            return updated.model_copy(update={"etag": written["etag"]})

        return retried(attempt, exhausted=ChangedError(f"customer {open_id}"))

    def record_subscription(
        self, account_id: str, open_id: str, *, subscribed: bool, at: int, scene: str | None
    ) -> None:
        """Follow state from (un)subscribe events; an older event never overwrites a newer one."""

        def apply(customer: Customer) -> Customer | None:
            if (customer.subscription_changed_at or 0) > at:
                return None
            return customer.model_copy(
                update={
                    "subscribed": subscribed,
                    "subscription_changed_at": at,
                    "scene": scene if subscribed else customer.scene,
                }
            )

        self.change_customer(account_id, open_id, apply)

    def remember_agent(self, account_id: str, open_id: str, agent_id: str) -> None:
        """The customer's last agent, for keep-same-agent (a merge of that one property)."""
        self._table.upsert_entity(
            {"PartitionKey": account_id, "RowKey": _CUSTOMER + open_id, "LastAgentId": agent_id},
            mode=UpdateMode.MERGE,
        )

    # --- the reply window (one row per customer: WeChat's window is per customer) ------------

    def window(self, account_id: str, open_id: str) -> ReplyWindow:
        try:
            entity = self._table.get_entity(account_id, _WINDOW + open_id)
        except ResourceNotFoundError:
            return ReplyWindow()
        last_outbound = entity.get("LastOutbound")
        return ReplyWindow(
            last_customer_message_at=entity.get("LastCustomerMessageAt"),
            sent=plain(entity.get("Sent", 0)),
            last_outbound=LineSummary.model_validate_json(last_outbound) if last_outbound else None,
            etag=entity.metadata["etag"],
        )

    def change_window(
        self, account_id: str, open_id: str, update: Callable[[ReplyWindow], ReplyWindow | None]
    ) -> ReplyWindow:
        """Read, ``update`` (None: leave it) and write the window row under its ETag."""

        def attempt() -> ReplyWindow:
            current = self.window(account_id, open_id)
            changed = update(current)
            if changed is None:
                return current
            entity = {
                "PartitionKey": account_id,
                "RowKey": _WINDOW + open_id,
                "LastCustomerMessageAt": changed.last_customer_message_at,
                "Sent": changed.sent,
                "LastOutbound": changed.last_outbound.model_dump_json()
                if changed.last_outbound
                else "",
            }
            try:
                if current.etag is None:
                    self._table.create_entity(entity)
                else:
                    self._table.update_entity(entity, **if_match(current.etag))
            except HttpResponseError as error:
                if lost_race(error):
                    raise ChangedError(f"window of {open_id}") from None
                raise
            return changed

        return retried(attempt, exhausted=ChangedError(f"window of {open_id}"))

    # --- transcript ------------------------------------------------------------------------

    def append(self, entry: TranscriptEntry) -> bool:
        """Add ``entry`` unless it is there already (the same push twice → one row)."""
        entity: dict[str, Any] = {
            "PartitionKey": entry.conversation_id,
            "RowKey": entry.key,
            "Direction": entry.direction,
            "Type": entry.type,
            "Event": entry.event or "",
            "MediaId": entry.media_id or "",
            "MsgId": entry.msg_id or "",
            "CreateTime": int64(entry.create_time),
            "ReceivedAt": entry.received_at,
            "InboundKey": entry.inbound_key or "",
            "Status": entry.status or "",
            "Sender": entry.sender or "",
        }
        put_text(entity, "Text", entry.text or "")
        put_text(entity, "Details", json.dumps(entry.details, ensure_ascii=False))
        try:
            self._messages.create_entity(entity)
        except ResourceExistsError:
            return False
        return True

    @staticmethod
    def _entry(entity: TableEntity) -> TranscriptEntry:
        return TranscriptEntry(
            conversation_id=entity["PartitionKey"],
            key=entity["RowKey"],
            direction=entity["Direction"],
            type=entity["Type"],
            event=entity.get("Event") or None,
            text=get_text(entity, "Text") or None,
            media_id=entity.get("MediaId") or None,
            msg_id=entity.get("MsgId") or None,
            create_time=plain(entity["CreateTime"]),
            received_at=entity["ReceivedAt"],
            inbound_key=entity.get("InboundKey") or None,
            details=json.loads(get_text(entity, "Details") or "{}"),
            status=entity.get("Status") or None,
            sender=entity.get("Sender") or None,
        )

    def outbound_of_type(self, conversation_id: str, message_type: str) -> list[TranscriptEntry]:
        """The conversation's outbound lines of one type (tap-to-reply menus, say), in order."""
        entities = self._messages.query_entities(
            "PartitionKey eq @c and Direction eq 'out' and Type eq @t",
            parameters={"c": conversation_id, "t": message_type},
        )
        return [self._entry(e) for e in entities]
