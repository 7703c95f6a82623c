"""Conversations, customers and transcripts: the domain the pipeline and the APIs share."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.core.schema import CamelModel, ViewModel
from shared.model.offers import Offer
from shared.model.skills import RequiredSkill
from shared.wechat import Event, InboundMessage, Message

OPENS_CONVERSATION = frozenset(
    {
        "click",
        "scan",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
    }
)
"""Events in which a customer reaches out (a menu tap, a QR scan…). Following the account
(``subscribe``) does not by itself ask for an agent; it is recorded on the customer."""

IN_TRANSCRIPT = OPENS_CONVERSATION | {"subscribe", "unsubscribe"}
"""Events worth showing an agent; LOCATION reports (every 5 s in a chat), VIEW, job reports and
the like stay in the inbound record only."""


class ConversationState(str, Enum):
    OPEN = "open"  # waiting to be routed or picked
    ACTIVE = "active"  # with an agent
    WAITING = "waiting"  # parked by the agent; capacity released
    WRAPUP = "wrapup"  # the agent is finishing notes
    CLOSED = "closed"


RECENT_CONVERSATIONS = 20


def utc(epoch_seconds: float) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, tz=timezone.utc)


def opens_conversation(message: InboundMessage) -> bool:
    if isinstance(message, Event):
        return message.event in OPENS_CONVERSATION
    return True


def belongs_in_transcript(message: InboundMessage) -> bool:
    if isinstance(message, Event):
        return message.event in IN_TRANSCRIPT
    return True


def conversation_account(conversation_id: str) -> str | None:
    """Conversation ids are ``<accountId>-<sortable id>``: the account is their partition."""
    account_id, sep, rest = conversation_id.partition("-")
    return account_id if sep and account_id and rest else None


SUMMARY_CHARS = 100


class LineSummary(CamelModel):
    """A transcript line in brief, for the agents' lists: the customer's last line is kept on
    the conversation, ours on the reply window, each by a write that happens anyway."""

    model_config = ConfigDict(frozen=True)

    id: str
    conversation_id: str
    direction: Literal["in", "out"]
    type: str
    event: str | None = None
    text: str | None = None
    """The line's text or its one-line description (a file's name, a link's title, a
    location's label), at most 100 characters."""
    created_at: datetime

    @classmethod
    def of(cls, entry: TranscriptEntry) -> LineSummary:
        text = entry.text
        if text is not None and len(text) > SUMMARY_CHARS:
            text = text[: SUMMARY_CHARS - 1] + "…"
        return cls(
            id=entry.key,
            conversation_id=entry.conversation_id,
            direction=entry.direction,
            type=entry.type,
            event=entry.event,
            text=text,
            created_at=utc(entry.create_time),
        )


class Conversation(CamelModel):
    """Also the API's view of a conversation (``json_body``), in camelCase."""

    model_config = ConfigDict(frozen=True)

    id: str
    account_id: str
    open_id: str
    state: ConversationState = ConversationState.OPEN
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime
    last_customer_message_at: datetime | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    workstream_id: str | None = None
    queue_id: str | None = None
    priority: int | None = None
    rule: str | None = None
    """The routing rule that chose the queue (absent: the workstream's fallback queue)."""
    skills: list[RequiredSkill] = []
    """What the agent needs: the routing rule's skills and the workstream's requiredSkills."""
    units: int | None = None
    """Capacity units this conversation takes from its agent (the workstream's setting)."""
    enqueued_at: datetime | None = None
    agent_id: str | None = None
    assigned_at: datetime | None = None
    previous_agent_id: str | None = None
    context: dict[str, Any] = {}
    """Context variables (a bot sets them); routing rules can use them."""
    bot: Literal["active", "escalated", "ended"] | None = None
    """The bot's part: answering, handed over to people, or ended the conversation itself."""
    bot_summary: str | None = None
    """What the bot tells the agent who takes over."""
    rating: int | None = None
    """The customer's answer to the rating survey, 1 to 5."""
    rated_at: datetime | None = None
    customer_lines: int = 0
    """The customer's lines filed in it so far: what an agent's unread count counts."""
    last_customer_line: LineSummary | None = None
    offer: Offer | None = None
    """Offered to an agent who has not accepted yet (the workstream's ``assignmentMode: offer``):
    the conversation stays open meanwhile, with the agent's capacity held for it."""
    declines: dict[str, int] = {}
    """Agent id → how often that agent declined this conversation (``maxDeclines``)."""
    expired_offers: dict[str, int] = {}
    """Agent id → how often an offer of it to that agent ran out unanswered."""
    etag: str | None = Field(default=None, exclude=True)


class Customer(BaseModel):
    model_config = ConfigDict(frozen=True)

    account_id: str
    open_id: str
    subscribed: bool | None = None
    subscription_changed_at: int | None = None
    scene: str | None = None
    open_conversation_id: str | None = None
    last_conversation_id: str | None = None
    last_agent_id: str | None = None
    conversation_ids: list[str] = []
    """The customer's most recent conversations in this account, newest first (at most
    ``RECENT_CONVERSATIONS``): kept by the write that opens one."""
    tags: list[str] = []
    notice_sent_at: datetime | None = None
    """When the workstream's privacy notice went to this customer (it goes once)."""
    survey_conversation_id: str | None = None
    survey_expires_at: datetime | None = None
    """A rating survey waiting for this customer's answer (1-5)."""
    # The profile WeChat keeps (``user/info``: shared/channel/profiles.py); ``scene`` and
    # ``tags`` above are fed from it too (shared/model/customer_profiles.py).
    remark: str | None = None
    """The account's note on the follower, shown as the customer's name."""
    tag_ids: list[int] = []
    union_id: str | None = None
    subscribe_time: int | None = None
    subscribe_scene: str | None = None
    qr_scene: str | None = None
    """The follow's QR scene (``qr_scene_str``, or ``qr_scene`` as text), if any."""
    scanned_at: int | None = None
    """When the last SCAN event set ``scene`` (a later scan than the follow wins)."""
    profile_fetched_at: datetime | None = None
    profile_claimed_until: datetime | None = None
    """A worker is fetching the profile until then, or (``profile_failed_at`` set) the last
    fetch failed and the next try waits until then."""
    profile_failed_at: datetime | None = None
    etag: str | None = Field(default=None, exclude=True)


class ReplyWindow(BaseModel):
    """WeChat's customer-service window for one customer (docs/protocol.md §6.2): after each
    customer message, ``quota`` messages within ``hours``."""

    model_config = ConfigDict(frozen=True)

    last_customer_message_at: datetime | None = None
    sent: int = 0
    last_outbound: LineSummary | None = None
    """The last line queued to the customer (its slot is taken in this row anyway)."""
    etag: str | None = Field(default=None, exclude=True)

    def expires_at(self, hours: float) -> datetime | None:
        if self.last_customer_message_at is None:
            return None
        return self.last_customer_message_at + timedelta(hours=hours)

    def refusal(self, now: datetime, *, hours: float, quota: int) -> str | None:
        """Why a message cannot go now, or None if it can."""
        expires = self.expires_at(hours)
        if expires is None or now >= expires:
            return (
                f"WeChat's {hours:g}-hour reply window is closed: the customer must write again "
                "before anyone can reply"
            )
        if self.sent >= quota:
            return (
                f"the {quota} replies WeChat allows per customer message are used up: "
                "wait for the customer to write again"
            )
        return None


class TranscriptEntry(BaseModel):
    """One line of a conversation: a customer's message or event (later, an outbound one)."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    key: str
    direction: Literal["in", "out"]
    type: str
    event: str | None = None
    text: str | None = None
    media_id: str | None = None
    msg_id: str | None = None
    create_time: int
    received_at: datetime
    inbound_key: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    """Written by the server only (``attachment``, ``placeholder``, the send step's notes);
    a push's own fields live apart, under ``fields`` (``push_fields``)."""
    status: str | None = None
    """Outbound only: queued → sent | failed."""
    sender: str | None = None
    """Outbound only: ``system`` (automated messages), ``agent:<id>`` or ``bot``."""

    @property
    def push_fields(self) -> dict[str, Any]:
        """Inbound only: the push's fields as the customer's side sent them. Anyone who knows
        the callback URL and token can put any element in a push, so nothing the server decides
        (which file to serve, whether media was kept) may be read from here."""
        fields = self.details.get(PUSH_FIELDS)
        return fields if isinstance(fields, dict) else {}


_SUMMARY_FIELDS = ("content", "recognition", "title", "label", "event_key")
"""Where an entry's one-line ``text`` comes from, in order of preference."""
PUSH_FIELDS = "fields"
"""The one key of ``details`` that holds what a push carried; everything beside it is ours."""
_OMIT = {"to_user_name", "from_user_name", "create_time", "msg_type", "msg_id", "event", "media_id"}


def transcript_key(message: InboundMessage) -> str:
    """Orders a transcript by WeChat's CreateTime, then MsgId, whatever the arrival order."""
    if isinstance(message, Message):
        suffix = f"m{message.msg_id:020d}"
    elif isinstance(message, Event):
        suffix = f"e{message.event}"
    else:
        suffix = "x" + message.dedupe_key
    return f"{message.create_time:010d}-{suffix}"


WORDED_TYPES = frozenset({"text", "voice"})
"""Lines whose ``text`` is what the customer said: a text's content, a voice message's
``Recognition`` (WeChat's speech-to-text, when the account has it on)."""


def customer_words(entry: TranscriptEntry) -> str | None:
    """What the customer said in ``entry``, for routing rules (``message.text``) and the FAQ
    bot: a text message's text or a voice message's recognition; None for anything else."""
    return entry.text if entry.type in WORDED_TYPES and entry.direction == "in" else None


def transcript_entry(
    conversation_id: str, message: InboundMessage, *, received_at: datetime, inbound_key: str
) -> TranscriptEntry:
    fields = message.model_dump(exclude_none=True)
    text = next((str(fields[name]) for name in _SUMMARY_FIELDS if name in fields), None)
    msg_id = getattr(message, "msg_id", None)
    pushed = json.loads(
        json.dumps({k: v for k, v in fields.items() if k not in _OMIT}, default=str)
    )
    return TranscriptEntry(
        conversation_id=conversation_id,
        key=transcript_key(message),
        direction="in",
        type=message.msg_type,
        event=getattr(message, "event", None),
        text=text,
        media_id=getattr(message, "media_id", None),
        msg_id=None if msg_id is None else str(msg_id),
        create_time=message.create_time,
        received_at=received_at,
        inbound_key=inbound_key,
        details={PUSH_FIELDS: pushed} if pushed else {},
    )


# --- views (the supervisor's and, later, the agent's) ------------------------------------------


class TranscriptEntryView(ViewModel):
    id: str
    direction: str
    type: str
    event: str | None = None
    text: str | None = None
    media_id: str | None = None
    msg_id: str | None = None
    created_at: datetime
    received_at: datetime
    details: dict[str, Any]
    status: str | None = None
    sender: str | None = None

    @classmethod
    def of(cls, entry: TranscriptEntry) -> TranscriptEntryView:
        return cls(
            id=entry.key,
            direction=entry.direction,
            type=entry.type,
            event=entry.event,
            text=entry.text,
            media_id=entry.media_id,
            msg_id=entry.msg_id,
            created_at=utc(entry.create_time),
            received_at=entry.received_at,
            details=entry.details,
            status=entry.status,
            sender=entry.sender,
        )
