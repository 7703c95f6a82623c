"""What agents read and send: their conversations (supervisors: their queues'; the admin: all)
with what a list shows of each, transcripts with attachments, the customer beside them, who
they can transfer to, what changed since they last looked, and replies in text or files,
checked against WeChat's reply window and the workstream's attachment switch before anything
is queued."""

from __future__ import annotations

import itertools
import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContainerClient
from pydantic import ConfigDict, Field, field_validator, model_validator

from shared.channel.profiles import CustomerProfiles
from shared.core.bearer_tokens import bearer_token_hash, bearer_tokens_match
from shared.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    TooLargeError,
    UnauthorizedError,
    not_found,
    unknown_reference,
)
from shared.core.files import safe_name
from shared.core.ids import ROUTE_ID
from shared.core.schema import ApiModel, ViewModel, one_of
from shared.messaging.automated import REPLY_RANK, fill, outbound_entry, unfilled_context
from shared.messaging.outbox import Outbox
from shared.model.agents import Agent, AgentRole, Presence
from shared.model.conversations import (
    Conversation,
    ConversationState,
    LineSummary,
    ReplyWindow,
    TranscriptEntry,
    TranscriptEntryView,
    conversation_account,
    utc,
)
from shared.model.rich_messages import (
    CARD_THUMB_MAX_BYTES,
    CARD_THUMB_SIGNATURES,
    JPEG,
    THUMB_MAX_BYTES,
    VIDEO_MAX_BYTES,
    MiniProgramCard,
    NewsMessageRequest,
    VideoDetails,
    is_mp4,
)
from shared.model.tap_menus import MENU_DETAILS, MENU_TYPE, TapMenuRequest
from shared.pipeline.assign import AssignStep
from shared.pipeline.media import THUMBNAIL, blob_prefix, store_attachment
from shared.store.catalog import RoutingCatalog
from shared.store.changes import CURSOR, ChangeFeed, ReadMarker
from shared.store.conversations import ConversationStore
from shared.wechat.users import MAX_REMARK_CHARS, MAX_TAGS_PER_USER

S = ConversationState
MAX_TEXT_BYTES = 2048  # WeChat's practical text limit (docs/protocol.md §12); longer → 45002
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# What WeChat carries as temporary media for customer-service messages (docs/protocol.md §8), by
# the file's first bytes; the limits follow the team's safe reading (images ≤ 2 MB).
MEDIA_KINDS: tuple[tuple[str, tuple[bytes, ...], str, int], ...] = (
    ("image", (b"\xff\xd8\xff",), "image/jpeg", 2 * 1024 * 1024),
    ("image", (b"\x89PNG\r\n\x1a\n",), "image/png", 2 * 1024 * 1024),
    ("image", (b"GIF87a", b"GIF89a"), "image/gif", 2 * 1024 * 1024),
    ("voice", (b"#!AMR",), "audio/amr", 2 * 1024 * 1024),
    ("voice", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"), "audio/mpeg", 2 * 1024 * 1024),
)
SENDABLE_STATES = (S.ACTIVE, S.WAITING)
_ATTACHMENT_KEYS = {"blob", "contentType", "size", "sha256", "filename"}
_REPLY_SEQUENCE = itertools.count(time.time_ns() // 1000)
"""Orders replies created within the same millisecond (in this process) as they were made."""


def check_text_size(text: str) -> str:
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise ValueError(f"is {size} bytes; WeChat takes at most {MAX_TEXT_BYTES} per message")
    return text


class TextMessageRequest(ApiModel):
    """``text``, or the name of one of the workstream's quick replies (filled when sent)."""

    model_config = ConfigDict(json_schema_extra=one_of("text", "quickReply"))

    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_BYTES)] | None = None
    """At most 2048 UTF-8 bytes (WeChat's limit), which is 2048 characters only in ASCII."""
    quick_reply: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    @field_validator("text")
    @classmethod
    def _fits(cls, text: str | None) -> str | None:
        return text if text is None else check_text_size(text)

    @model_validator(mode="after")
    def _one(self) -> TextMessageRequest:
        if (self.text is None) == (self.quick_reply is None):
            raise ValueError("give exactly one of text and quickReply")
        return self


class QuickReplyView(ViewModel):
    name: str
    text: str


@dataclass(frozen=True)
class Actor:
    """Who calls the agent API: an agent (or supervisor), or the admin (``agent`` None)."""

    agent: Agent | None

    def can_see(self, conversation: Conversation) -> bool:
        if self.agent is None:
            return True
        if conversation.agent_id == self.agent.id:
            return True
        return (
            self.agent.role is AgentRole.SUPERVISOR
            and conversation.queue_id in self.agent.queue_ids
        )

    def require_agent(self) -> Agent:
        if self.agent is None:
            raise ForbiddenError("this needs an agent's token, not the admin's")
        return self.agent


class WindowView(ViewModel):
    expires_at: datetime | None = None
    messages_left: int


class CustomerRef(ViewModel):
    open_id: str
    name: str | None = None
    """The customer's profile name: WeChat no longer gives it to accounts, so absent for now."""


class AgentConversation(Conversation):
    """A conversation as an agent's lists show it."""

    window: WindowView
    customer: CustomerRef
    last_line: LineSummary | None = None
    """The transcript's last message, the customer's or ours (events are left out)."""
    unread: int
    """The customer's lines the calling agent has not marked read."""
    read_up_to: str | None = None
    """The line the calling agent has read up to."""


class MediaLimit(ViewModel):
    type: str
    """What the file goes to WeChat as (recognised by its first bytes, not its name)."""
    content_types: list[str]
    max_bytes: int


MEDIA_LIMITS = [
    MediaLimit(
        type=kind,
        content_types=[content_type for k, _, content_type, _ in MEDIA_KINDS if k == kind],
        max_bytes=max(limit for k, _, _, limit in MEDIA_KINDS if k == kind),
    )
    for kind in dict.fromkeys(kind for kind, _, _, _ in MEDIA_KINDS)
] + [MediaLimit(type="video", content_types=["video/mp4"], max_bytes=VIDEO_MAX_BYTES)]


class Capabilities(ViewModel):
    """What the calling agent may do with the conversation now, so a console offers only that
    (each route still checks for itself)."""

    can_reply: bool
    """The conversation is the caller's and active or waiting (the window may still be full:
    see ``window.messagesLeft``)."""
    can_send_files: bool
    """``canReply``, and the workstream lets agents send files."""
    max_file_bytes: int
    """Any file up to this size; other files than ``mediaLimits`` go as a link."""
    media_limits: list[MediaLimit]
    """Files WeChat carries as media, with their own, lower limits."""
    can_park: bool
    can_close: bool
    can_wrap_up: bool
    """Closing may go to wrap-up first (``{"wrapUp": true}``)."""
    can_transfer: bool
    can_pick: bool
    mini_program_app_ids: list[str] = []
    """With ``canReply``: the account's linked mini-programs, whose cards the agent may send."""


class ReadRequest(ApiModel):
    up_to: Annotated[str, Field(pattern=f"^{ROUTE_ID.pattern}$")] | None = None
    """A line's id; absent: everything the customer has written so far."""


class ReadView(ViewModel):
    unread: int
    read_up_to: str | None = None


class EarlierConversation(ViewModel):
    id: str
    state: ConversationState
    created_at: datetime
    closed_at: datetime | None = None
    agent_id: str | None = None
    agent_name: str | None = None
    visible: bool
    """Whether the caller may open it."""


class CustomerPanel(ViewModel):
    open_id: str
    name: str | None = None
    """See ``CustomerRef.name``."""
    subscribed: bool | None = None
    """Following the account, as WeChat's profile or the last (un)subscribe event said;
    absent: neither seen yet."""
    subscription_changed_at: datetime | None = None
    scene: str | None = None
    """The QR scene of the follow or of a later scan, else how they followed
    (``ADD_SCENE_…``): what ``customer.scene`` is in routing rules."""
    tags: list[str]
    """The tags' ids as text, then their names (``customer.tags`` in routing rules)."""
    conversations: list[EarlierConversation]
    """The customer's other conversations in this account, newest first (at most 20)."""
    remark: str | None = None
    """The account's remark on the customer (at most 30 characters)."""
    tag_ids: list[int] = []
    union_id: str | None = None
    """Only when the account is bound to an Open Platform account."""
    subscribe_time: datetime | None = None
    """When they last followed, as WeChat says."""
    subscribe_scene: str | None = None
    """How they followed: ``ADD_SCENE_QR_CODE``, ``ADD_SCENE_SEARCH``, …"""
    qr_scene: str | None = None
    profile_fetched_at: datetime | None = None
    """When WeChat's profile was last read (absent: not yet)."""


class CustomerUpdate(ApiModel):
    """What an agent or the admin changes of a customer, in WeChat and here (neither field:
    nothing changes)."""

    remark: Annotated[str, Field(max_length=MAX_REMARK_CHARS)] | None = None
    """The new remark; ``""`` clears it."""
    tag_ids: (
        Annotated[
            list[Annotated[int, Field(ge=0, le=2**31 - 1)]],
            Field(max_length=MAX_TAGS_PER_USER, json_schema_extra={"uniqueItems": True}),
        ]
        | None
    ) = None
    """Every tag the customer should carry (ids from ``…/customer/tags``); absent: unchanged."""

    @field_validator("tag_ids")
    @classmethod
    def _unique(cls, tag_ids: list[int] | None) -> list[int] | None:
        if tag_ids is not None and len(set(tag_ids)) != len(tag_ids):
            raise ValueError("lists a tag twice")
        return tag_ids


class TagView(ViewModel):
    id: int
    name: str
    count: int
    """Followers carrying it."""


class TagList(ViewModel):
    tags: list[TagView]


class DirectoryQueue(ViewModel):
    id: str
    name: str


class DirectoryAgent(ViewModel):
    id: str
    name: str
    presence: Presence


class Directory(ViewModel):
    """Where a conversation can be transferred: every queue, and every enabled agent."""

    queues: list[DirectoryQueue]
    agents: list[DirectoryAgent]


class ChangesView(ViewModel):
    cursor: str
    """Give it as ``since`` in the next poll."""
    changed: list[Literal["agent", "waiting", "supervised"]]
    """What to refetch: ``agent``: the caller's conversations, ``me`` and an open conversation;
    ``waiting``: the queue (pick mode); ``supervised``: the supervised queues' conversations."""


class AgentWorkspace:
    def __init__(
        self,
        catalog: RoutingCatalog,
        conversations: ConversationStore,
        outbox: Outbox,
        container: ContainerClient,
        feed: ChangeFeed,
        assign_step: AssignStep,
        admin_token: str,
        clock: Callable[[], float] = time.time,
        profiles: CustomerProfiles | None = None,
        mini_programs: Callable[[str], tuple[str, ...]] = lambda _account_id: (),
    ) -> None:
        """``profiles``: where remarks and tags are written to WeChat (None: refused).
        ``mini_programs``: the Mini Program AppIDs an account has linked (cards for them)."""
        self._profiles = profiles
        self._mini_programs = mini_programs
        self._catalog = catalog
        self._assign_step = assign_step
        self._conversations = conversations
        self._outbox = outbox
        self._feed = feed
        self._container = container
        self._admin_token = admin_token
        self._clock = clock

    def _now(self) -> datetime:
        return utc(self._clock())

    def actor(self, token: str) -> Actor:
        """Who ``token`` (a bearer token) belongs to: the admin, or an enabled agent."""
        if bearer_tokens_match(self._admin_token, token):
            return Actor(None)
        hashed = bearer_token_hash(token)
        agent = self._catalog.agents.find("token", hashed)
        # The document is read after its index row: a rotation in between shows here.
        if agent is None or not bearer_tokens_match(agent.token_hash, hashed):
            raise UnauthorizedError("the bearer token is not an agent's token")
        if agent.disabled:
            raise ForbiddenError(
                f"agent {agent.id} is disabled; an admin can enable it again", code="agent_disabled"
            )
        return Actor(agent)

    # --- reading ------------------------------------------------------------------------------

    def visible(self, actor: Actor, conversation_id: str) -> Conversation:
        conversation = self._conversations.get(conversation_id)
        if conversation is None or not actor.can_see(conversation):
            raise not_found(f"conversation {conversation_id}")
        return conversation

    def conversations(self, actor: Actor) -> list[Conversation]:
        """An agent's own active, waiting and wrap-up conversations; a supervisor's also those
        of the supervised queues' agents and waiting lines."""
        agent = actor.require_agent()
        ids = _held(agent) + list(agent.parked)
        if agent.role is AgentRole.SUPERVISOR:
            for other in self._catalog.agents.list_all():
                if set(other.queue_ids) & set(agent.queue_ids):
                    ids += _held(other) + list(other.parked)
        found = []
        for conversation_id in dict.fromkeys(ids):
            conversation = self._conversations.get(conversation_id)
            if conversation and conversation.state is not S.CLOSED and actor.can_see(conversation):
                found.append(conversation)
        return sorted(found, key=lambda c: c.last_activity_at, reverse=True)

    def window(self, conversation: Conversation) -> WindowView:
        return self._window_view(self._outbox.window(conversation))

    def _window_view(self, window: ReplyWindow) -> WindowView:
        return WindowView(
            expires_at=window.expires_at(self._outbox.window_hours),
            messages_left=self._outbox.messages_left(window, self._now()),
        )

    def items(self, actor: Actor, conversations: list[Conversation]) -> list[AgentConversation]:
        """What a list shows of each: two reads per conversation (its reply window, which also
        keeps our last line, and its customer, whose remark names them) and one for all the
        caller's read markers."""
        markers = self._feed.read_markers(actor.agent.id) if actor.agent else {}
        return [self.item(c, markers) for c in conversations]

    def summary(self, conversation: Conversation) -> tuple[WindowView, LineSummary | None]:
        """Its reply window and last line, the customer's or ours: one read."""
        window = self._outbox.window(conversation)
        ours = window.last_outbound
        lines = [conversation.last_customer_line]
        if ours is not None and ours.conversation_id == conversation.id:
            lines.append(ours)
        last = max((line for line in lines if line), key=lambda line: line.id, default=None)
        return self._window_view(window), last

    def item(self, conversation: Conversation, markers: dict[str, ReadMarker]) -> AgentConversation:
        window, last = self.summary(conversation)
        marker = markers.get(conversation.id)
        return AgentConversation(
            **conversation.model_dump(),
            window=window,
            customer=self._customer_ref(conversation),
            last_line=last,
            unread=max(conversation.customer_lines - (marker.lines if marker else 0), 0),
            read_up_to=marker.up_to if marker else None,
        )

    def detail(
        self,
        conversation: Conversation,
        *,
        limit: int,
        page_token: Any,
        actor: Actor | None = None,
    ) -> tuple[dict[str, Any], Any]:
        """What the lists show, what ``actor`` (by default the admin) may do, and one page of
        the transcript."""
        actor = actor or Actor(None)
        entries, token = self._conversations.transcript(
            conversation.id, limit=limit, page_token=page_token
        )
        body = self.items(actor, [conversation])[0].json_body()
        body["capabilities"] = self.capabilities(actor, conversation).json_body()
        body["messages"] = [self.entry_view(entry) for entry in entries]
        return body, token

    def capabilities(self, actor: Actor, conversation: Conversation) -> Capabilities:
        agent = actor.agent
        mine = agent is not None and conversation.agent_id == agent.id
        state = conversation.state
        workstream = self._catalog.workstream_for_account(conversation.account_id)
        files = workstream is None or workstream.file_attachments.agents_can_send
        can_reply = mine and state in SENDABLE_STATES
        return Capabilities(
            can_reply=can_reply,
            can_send_files=can_reply and files,
            max_file_bytes=MAX_UPLOAD_BYTES,
            media_limits=MEDIA_LIMITS,
            can_park=mine and state is S.ACTIVE,
            can_close=mine and state is not S.CLOSED,
            can_wrap_up=mine and state in (S.ACTIVE, S.WAITING),
            can_transfer=mine and state in (S.ACTIVE, S.WAITING),
            can_pick=agent is not None
            and state is S.OPEN
            and conversation.queue_id is not None
            and conversation.queue_id in agent.queue_ids,
            mini_program_app_ids=list(self._mini_programs(conversation.account_id))
            if can_reply
            else [],
        )

    # --- what the agent has read, and what changed ------------------------------------------

    def mark_read(self, actor: Actor, conversation_id: str, request: ReadRequest) -> ReadView:
        """Mark the customer's lines read up to ``upTo`` (or all); a marker never goes back."""
        agent = actor.require_agent()
        conversation = self.visible(actor, conversation_id)
        last = conversation.last_customer_line
        up_to = request.up_to
        lines = conversation.customer_lines
        if up_to is None:
            up_to = last.id if last else None
        else:
            if self._conversations.entry(conversation.id, up_to) is None:
                raise unknown_reference("upTo", "line", up_to)
            if last is not None and up_to < last.id:
                lines -= self._conversations.customer_lines_after(conversation.id, up_to)
        kept = self._feed.mark_read(agent.id, conversation.id, ReadMarker(max(lines, 0), up_to))
        return ReadView(
            unread=max(conversation.customer_lines - kept.lines, 0), read_up_to=kept.up_to
        )

    def changes(self, actor: Actor, since: str | None) -> ChangesView | None:
        """None when nothing the agent's console shows changed since the cursor ``since``."""
        agent = actor.require_agent()
        if since is not None and not CURSOR.fullmatch(since):
            raise InvalidRequestError(
                "since must be the cursor of an earlier answer (letters, digits, - and _)",
                field="since",
            )
        self._assign_step.record_poll(agent)
        poll = self._feed.poll(agent, since)
        if since is not None and not poll.changed:
            return None
        return ChangesView(cursor=poll.cursor, changed=list(poll.changed))

    # --- beside the conversation --------------------------------------------------------------

    def customer(self, actor: Actor, conversation_id: str) -> CustomerPanel:
        """The conversation's customer and their other conversations in this account."""
        conversation = self.visible(actor, conversation_id)
        customer = self._conversations.customer(conversation.account_id, conversation.open_id)
        ids = list(customer.conversation_ids) if customer else []
        if customer and not ids:  # kept before conversations were listed on the customer
            ids = [i for i in (customer.last_conversation_id,) if i]
        others = [
            found
            for found in (self._conversations.get(i) for i in ids if i != conversation.id)
            if found is not None
        ]
        names = {a.id: a.name for a in self._catalog.agents.list_all()} if others else {}
        changed_at = customer.subscription_changed_at if customer else None
        followed = customer.subscribe_time if customer else None
        return CustomerPanel(
            open_id=conversation.open_id,
            name=customer.remark if customer else None,
            remark=customer.remark if customer else None,
            tag_ids=customer.tag_ids if customer else [],
            union_id=customer.union_id if customer else None,
            subscribe_time=utc(followed) if followed else None,
            subscribe_scene=customer.subscribe_scene if customer else None,
            qr_scene=customer.qr_scene if customer else None,
            profile_fetched_at=customer.profile_fetched_at if customer else None,
            subscribed=customer.subscribed if customer else None,
            subscription_changed_at=utc(changed_at) if changed_at else None,
            scene=customer.scene if customer else None,
            tags=customer.tags if customer else [],
            conversations=[
                EarlierConversation(
                    id=other.id,
                    state=other.state,
                    created_at=other.created_at,
                    closed_at=other.closed_at,
                    agent_id=other.agent_id,
                    agent_name=names.get(other.agent_id or ""),
                    visible=actor.can_see(other),
                )
                for other in sorted(others, key=lambda c: c.created_at, reverse=True)
            ],
        )

    def _customer_ref(self, conversation: Conversation) -> CustomerRef:
        customer = self._conversations.customer(conversation.account_id, conversation.open_id)
        return CustomerRef(open_id=conversation.open_id, name=customer.remark if customer else None)

    def _profile_editor(self, actor: Actor, conversation_id: str) -> Conversation:
        """The conversation, if the caller may change its customer: the admin, or the agent
        it is with."""
        conversation = self.visible(actor, conversation_id)
        if actor.agent is not None and conversation.agent_id != actor.agent.id:
            raise ForbiddenError(
                "only the agent the conversation is with (or the admin) changes the customer",
                code="not_your_conversation",
            )
        if self._profiles is None:
            raise ConflictError("changing customers in WeChat is not set up", code="no_wechat")
        return conversation

    def update_customer(
        self, actor: Actor, conversation_id: str, request: CustomerUpdate
    ) -> CustomerPanel:
        """Set the customer's remark and tags in WeChat (``updateremark``, ``batchtagging``,
        ``batchuntagging``) and here; WeChat's refusal is the caller's (``ConflictError`` with
        WeChat's errcode; ``UpstreamError`` when WeChat is busy or silent)."""
        conversation = self._profile_editor(actor, conversation_id)
        assert self._profiles is not None
        if request.remark is None and request.tag_ids is None:
            return self.customer(actor, conversation_id)  # nothing to change
        self._profiles.update(
            conversation.account_id,
            conversation.open_id,
            remark=request.remark,
            tag_ids=request.tag_ids,
        )
        self._feed.conversations(conversation)  # the lists name the customer by the remark
        return self.customer(actor, conversation_id)

    def customer_tags(self, actor: Actor, conversation_id: str) -> TagList:
        """The tags of the conversation's account (``tags/get``), to choose from."""
        conversation = self.visible(actor, conversation_id)
        if self._profiles is None:
            raise ConflictError("reading WeChat's tags is not set up", code="no_wechat")
        tags = self._profiles.tags(conversation.account_id)
        return TagList(tags=[TagView(id=t.id, name=t.name, count=t.count) for t in tags])

    def directory(self) -> Directory:
        """Transfer targets: queues by name, enabled agents by name, with their presence."""
        return Directory(
            queues=[
                DirectoryQueue(id=q.id, name=q.name)
                for q in sorted(self._catalog.queues.list_all(), key=lambda q: (q.name, q.id))
            ],
            agents=[
                DirectoryAgent(id=a.id, name=a.name, presence=a.presence)
                for a in sorted(self._catalog.agents.list_all(), key=lambda a: (a.name, a.id))
                if not a.disabled
            ],
        )

    @staticmethod
    def entry_view(entry: TranscriptEntry) -> dict[str, Any]:
        view = TranscriptEntryView.of(entry).json_body()
        attachment = _kept_file(entry)
        if attachment:
            view["attachment"] = {
                "url": f"/api/agent/conversations/{entry.conversation_id}/attachments/{entry.key}",
                "contentType": attachment["contentType"],
                "size": attachment["size"],
                "sha256": attachment["sha256"],
                "filename": attachment["filename"],
            }
        thumbnail = _kept_file(entry, THUMBNAIL)
        if attachment and thumbnail:
            view["thumbnail"] = {
                "url": view["attachment"]["url"] + "/thumbnail",
                "contentType": thumbnail["contentType"],
                "size": thumbnail["size"],
            }
        return view

    def attachment(self, actor: Actor, conversation_id: str, key: str) -> tuple[bytes, str, str]:
        """(content, content type, filename) of an entry's stored file."""
        conversation = self.visible(actor, conversation_id)
        entry = self._conversations.entry(conversation.id, key)
        attachment = _kept_file(entry) if entry else None
        if attachment is None:
            raise not_found(f"attachment {key}")
        try:
            content = self._container.download_blob(attachment["blob"]).readall()
        except ResourceNotFoundError:
            raise not_found(f"attachment {key}") from None
        return content, attachment["contentType"], attachment["filename"]

    def thumbnail(self, actor: Actor, conversation_id: str, key: str) -> tuple[bytes, str, str]:
        """(content, content type, filename) of a video's poster image, kept by the media step."""
        conversation = self.visible(actor, conversation_id)
        entry = self._conversations.entry(conversation.id, key)
        thumbnail = _kept_file(entry, THUMBNAIL) if entry else None
        if thumbnail is None:
            raise not_found(f"thumbnail of {key}")
        try:
            content = self._container.download_blob(thumbnail["blob"]).readall()
        except ResourceNotFoundError:
            raise not_found(f"thumbnail of {key}") from None
        return content, thumbnail["contentType"], thumbnail["filename"]

    # --- sending ------------------------------------------------------------------------------

    def _sendable(self, actor: Actor, conversation_id: str) -> Conversation:
        agent = actor.require_agent()
        conversation = self.visible(actor, conversation_id)
        if conversation.agent_id != agent.id:
            raise ForbiddenError("only the conversation's agent can reply")
        if conversation.state not in SENDABLE_STATES:
            raise ConflictError(
                f"the conversation is {conversation.state.value}", code="not_active"
            )
        return conversation

    def _entry(self, conversation: Conversation, agent: Agent, **fields: Any) -> TranscriptEntry:
        return outbound_entry(
            conversation.id,
            self._now(),
            REPLY_RANK,
            f"{next(_REPLY_SEQUENCE):018d}",
            sender=f"agent:{agent.id}",
            **fields,
        )

    def quick_replies(self, actor: Actor, conversation_id: str) -> list[QuickReplyView]:
        """The workstream's quick replies, filled for this agent and conversation."""
        agent = actor.require_agent()
        conversation = self.visible(actor, conversation_id)
        workstream = self._catalog.workstream_for_account(conversation.account_id)
        replies = workstream.quick_replies.get(workstream.language, []) if workstream else []
        return [
            QuickReplyView(
                name=reply.name,
                text=fill(reply.text, {"AgentName": agent.name}, conversation.context),
            )
            for reply in replies
        ]

    def send_text(
        self, actor: Actor, conversation_id: str, request: TextMessageRequest
    ) -> TranscriptEntry:
        conversation = self._sendable(actor, conversation_id)
        agent = actor.require_agent()
        text = request.text
        if request.quick_reply is not None:
            text = self._quick_reply_text(conversation, agent, request.quick_reply)
        entry = self._entry(conversation, agent, type="text", text=text)
        return self._outbox.add(conversation, entry)

    def _quick_reply_text(self, conversation: Conversation, agent: Agent, name: str) -> str:
        """A quick reply with its placeholders filled now, at send time."""
        workstream = self._catalog.workstream_for_account(conversation.account_id)
        reply = workstream.quick_reply(name) if workstream else None
        if reply is None:
            raise unknown_reference("quickReply", "quick reply named", repr(name))
        text = fill(reply.text, {"AgentName": agent.name}, conversation.context)
        if missing := unfilled_context(text):
            names = ", ".join(f"{{context.{name}}}" for name in missing)
            raise ConflictError(
                f"quick reply {name!r} needs {names}, which this conversation does not have "
                "(a bot sets context variables): write the reply yourself",
                code="missing_context",
                field="quickReply",
            )
        try:
            return check_text_size(text)
        except ValueError as error:
            raise InvalidRequestError(f"quickReply {error}", field="quickReply") from None

    def send_file(
        self,
        actor: Actor,
        conversation_id: str,
        filename: str,
        content: bytes,
        *,
        thumb: tuple[str, bytes] | None = None,
        video: VideoDetails | None = None,
    ) -> TranscriptEntry:
        """Images, voice and MP4 video go as WeChat media; any other file as a short-lived
        link. ``thumb`` and ``video`` (a thumbnail, a title and description) go with a video."""
        conversation = self._sendable(actor, conversation_id)
        workstream = self._catalog.workstream_for_account(conversation.account_id)
        if workstream and not workstream.file_attachments.agents_can_send:
            raise ForbiddenError(
                "this workstream does not let agents send files", code="attachments_off"
            )
        if not content:
            raise InvalidRequestError("the file is empty", field="file")
        if len(content) > MAX_UPLOAD_BYTES:
            raise TooLargeError(f"files may be at most {MAX_UPLOAD_BYTES // 2**20} MB")
        filename = safe_name(filename)
        kind, content_type = _classify(filename, content)
        if kind == "file" and is_mp4(content) and len(content) <= VIDEO_MAX_BYTES:
            kind, content_type = "video", "video/mp4"
        extras = video_extras(kind, thumb, video)
        entry = self._entry(
            conversation,
            actor.require_agent(),
            type=kind,
            text=filename if kind == "file" else (video.title if video else None),
        )
        attachment = store_attachment(
            self._container, entry, conversation.account_id, filename, content, content_type
        )
        details: dict[str, Any] = {"attachment": attachment, **extras}
        if thumb is not None:
            details["thumbAttachment"] = store_attachment(
                self._container,
                entry,
                conversation.account_id,
                "thumb-" + safe_name(thumb[0]),
                thumb[1],
                "image/jpeg",
            )
        return self._outbox.add(conversation, entry.model_copy(update={"details": details}))

    def send_news(
        self, actor: Actor, conversation_id: str, request: NewsMessageRequest
    ) -> TranscriptEntry:
        """One news article (a link with a title and picture); nothing to upload."""
        conversation = self._sendable(actor, conversation_id)
        article = request.news
        entry = self._entry(
            conversation,
            actor.require_agent(),
            type="news",
            text=article.title,
            details={"news": article.json_body()},
        )
        return self._outbox.add(conversation, entry)

    def send_mini_program_card(
        self,
        actor: Actor,
        conversation_id: str,
        card: MiniProgramCard,
        thumb: tuple[str, bytes],
    ) -> TranscriptEntry:
        """A card of one of the account's linked mini-programs, its cover a JPEG or PNG."""
        conversation = self._sendable(actor, conversation_id)
        if card.app_id not in self._mini_programs(conversation.account_id):
            raise ForbiddenError(
                f"mini-program {card.app_id} is not linked to this account: an admin lists "
                "the account's mini-programs in miniProgramAppIds",
                code="mini_program_not_linked",
                field="appId",
            )
        filename, content = thumb
        content_type = card_thumb_type(content)
        entry = self._entry(
            conversation,
            actor.require_agent(),
            type="miniprogrampage",
            text=card.title,
        )
        attachment = store_attachment(
            self._container, entry, conversation.account_id, filename, content, content_type
        )
        details = {"attachment": attachment, "miniProgramPage": card.json_body()}
        return self._outbox.add(conversation, entry.model_copy(update={"details": details}))

    def send_menu(
        self, actor: Actor, conversation_id: str, request: TapMenuRequest
    ) -> TranscriptEntry:
        """A tap-to-reply menu (``msgmenu``): one slot of the reply window, like text."""
        conversation = self._sendable(actor, conversation_id)
        entry = self._entry(
            conversation,
            actor.require_agent(),
            type=MENU_TYPE,
            text=request.summary(),
            details={MENU_DETAILS: request.details()},
        )
        return self._outbox.add(conversation, entry)


def _held(agent: Agent) -> list[str]:
    """The conversations the agent holds capacity for, less those only offered to it (the
    console lists those apart, as offers: ``GET /api/agent/offers``)."""
    return [cid for cid, hold in agent.holds.items() if hold.offered_until is None]


def _kept_file(entry: TranscriptEntry, kind: str = "attachment") -> dict[str, Any] | None:
    """The file the media step or an agent's upload recorded for ``entry`` (under ``kind`` of
    its details), if it lies under
    the conversation's own blob prefix with no ``.`` or ``..`` segments to climb out: rows
    stored before a push's fields were kept apart may name anything."""
    attachment = entry.details.get(kind)
    if not isinstance(attachment, dict) or not attachment.keys() >= _ATTACHMENT_KEYS:
        return None
    account_id = conversation_account(entry.conversation_id) or ""
    prefix = blob_prefix(account_id, entry.conversation_id)
    blob = attachment["blob"]
    if not isinstance(blob, str) or not blob.startswith(prefix):
        return None
    if any(part in ("", ".", "..") for part in blob[len(prefix) :].split("/")):
        return None
    return attachment


def _classify(filename: str, content: bytes) -> tuple[str, str]:
    """(message type, content type) from the file's first bytes, not its name."""
    for kind, signatures, content_type, limit in MEDIA_KINDS:
        if content.startswith(signatures):
            if len(content) > limit:
                raise InvalidRequestError(
                    f"WeChat takes {kind} files of at most {limit // 2**20} MB; this one is "
                    f"{len(content) / 2**20:.1f} MB",
                    code="too_large_for_wechat",
                    field="file",
                )
            return kind, content_type
    return "file", mimetypes.guess_type(filename)[0] or "application/octet-stream"


def video_extras(
    kind: str, thumb: tuple[str, bytes] | None, video: VideoDetails | None
) -> dict[str, Any]:
    """The details a video keeps beside its file; a thumbnail or title on anything else is a
    mistake worth a 400, not something to drop."""
    if kind != "video":
        if thumb is not None or (video is not None and video != VideoDetails()):
            raise InvalidRequestError(
                "a thumbnail, title or description goes only with an MP4 video of at most "
                f"{VIDEO_MAX_BYTES // 2**20} MB",
                code="not_a_video",
                field="thumb" if thumb is not None else "title",
            )
        return {}
    if thumb is not None:
        _, content = thumb
        if not content.startswith(JPEG):
            raise InvalidRequestError(
                "a video's thumbnail must be a JPEG image", code="unsupported_thumb", field="thumb"
            )
        if len(content) > THUMB_MAX_BYTES:
            raise InvalidRequestError(
                f"WeChat takes thumbnails of at most {THUMB_MAX_BYTES // 1024} KB; this one is "
                f"{len(content) / 1024:.0f} KB",
                code="too_large_for_wechat",
                field="thumb",
            )
    return {"video": video.json_body()} if video is not None and video != VideoDetails() else {}


def card_thumb_type(content: bytes) -> str:
    """A mini-program card's cover: a JPEG or PNG image of at most 2 MB."""
    if not content:
        raise InvalidRequestError(
            "the card needs a cover image (thumb)", code="unsupported_thumb", field="thumb"
        )
    if not content.startswith(CARD_THUMB_SIGNATURES):
        raise InvalidRequestError(
            "a card's cover must be a JPEG or PNG image", code="unsupported_thumb", field="thumb"
        )
    if len(content) > CARD_THUMB_MAX_BYTES:
        raise InvalidRequestError(
            f"WeChat takes covers of at most {CARD_THUMB_MAX_BYTES // 2**20} MB",
            code="too_large_for_wechat",
            field="thumb",
        )
    return "image/jpeg" if content.startswith(JPEG) else "image/png"
