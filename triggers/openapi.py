"""The OpenAPI 3.1 document of the admin and agent routes (``GET /api/openapi.json``).

Schemas come from the same pydantic models the routes parse and answer with, so the document
cannot drift from the code unnoticed: a test checks that every admin and agent route of
``function_app`` is documented here and that every example validates against its schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared.admin.dry_run import RouteTestRequest, RouteTestResult, RoutingVocabulary
from shared.admin.poison import PoisonReplayed, PoisonReport
from shared.admin.templates import ImportResult
from shared.channel.golive import GoLiveReport
from shared.core.ids import ROUTE_ID
from shared.core.schema import ViewModel
from shared.desk.offers import OfferView
from shared.desk.supervision import LIVE_STATES, SupervisedConversationList, SupervisorOverview
from shared.desk.typing_indicator import TypingRequest
from shared.desk.work import CloseRequest, PresenceChange, TransferRequest
from shared.desk.workspace import (
    AgentConversation,
    Capabilities,
    ChangesView,
    CustomerPanel,
    CustomerUpdate,
    Directory,
    QuickReplyView,
    ReadRequest,
    ReadView,
    TagList,
    TextMessageRequest,
)
from shared.model.accounts import AccountCreate, AccountPatch, AccountView, AppId, CallbackInfo
from shared.model.agents import AgentFields, AgentPatch, AgentView
from shared.model.capacity_profiles import (
    CapacityProfile,
    CapacityProfileFields,
    CapacityProfilePatch,
)
from shared.model.conversations import Conversation, ConversationState, TranscriptEntryView
from shared.model.materials import Material, MaterialList, MaterialName
from shared.model.menus import AccountMenu, MenuView
from shared.model.queues import Queue, QueueFields, QueuePatch
from shared.model.rich_messages import Description, NewsMessageRequest, PagePath, Title
from shared.model.tap_menus import TapMenuRequest
from shared.model.templates import (
    TEMPLATE_ID,
    TemplateFields,
    TemplateImport,
    TemplateSendRequest,
    TemplateView,
)
from shared.model.timeline import TimelineView
from shared.model.workstreams import Workstream, WorkstreamFields, WorkstreamPatch
from shared.store.changes import CURSOR
from shared.store.names import WORK_QUEUES
from shared.wechat.messages import OPEN_ID
from triggers.errors import ErrorBody
from triggers.requests import LIST_PAGE, TRANSCRIPT_PAGE, PageSize


class AccountList(ViewModel):
    accounts: list[AccountView]


class QueueList(ViewModel):
    queues: list[Queue]


class OfferList(ViewModel):
    offers: list[OfferView]


class CapacityProfileList(ViewModel):
    capacity_profiles: list[CapacityProfile]


class WorkstreamList(ViewModel):
    workstreams: list[Workstream]


class AgentList(ViewModel):
    agents: list[AgentView]


class AgentCreated(AgentView):
    token: str
    """The agent's bearer token: shown once, stored only as a hash."""


class AgentTokenRotated(AgentView):
    token: str
    """The agent's new bearer token: shown once; the previous token no longer works."""


class ConversationList(ViewModel):
    conversations: list[Conversation]
    continuation_token: str | None = None


class Attachment(ViewModel):
    url: str
    content_type: str
    size: int
    sha256: str
    filename: str


class Thumbnail(ViewModel):
    """A customer's video's poster image, kept with the video."""

    url: str
    content_type: str
    size: int


class MessageView(TranscriptEntryView):
    attachment: Attachment | None = None
    thumbnail: Thumbnail | None = None


class ConversationDetail(Conversation):
    messages: list[MessageView]
    continuation_token: str | None = None


class AgentConversationList(ViewModel):
    conversations: list[AgentConversation]


class AgentConversationDetail(AgentConversation):
    capabilities: Capabilities
    messages: list[MessageView]
    continuation_token: str | None = None


class Removed(ViewModel):
    conversations: int
    messages: int
    attachments: int
    inbound: int
    """Stored pushes (the dedupe keys)."""
    customer: int
    window: int
    """The customer's reply-window record."""
    queue_messages: int


class ErasureResult(ViewModel):
    removed: Removed


class QuickReplyList(ViewModel):
    quick_replies: list[QuickReplyView]


class TemplateList(ViewModel):
    templates: list[TemplateView]


class FileUpload(ViewModel):
    """``multipart/form-data`` with the file in ``file``."""

    file: bytes


class MessageUpload(FileUpload):
    """A file; an MP4 video (at most 10 MB) may come with a JPEG ``thumb`` of at most 64 KB, a
    ``title`` and a ``description``."""

    thumb: bytes | None = None
    title: Title | None = None
    description: Description | None = None


class MiniProgramCardUpload(ViewModel):
    """``multipart/form-data``: the card's fields, and its cover (JPEG or PNG, 2 MB) in
    ``thumb``."""

    title: Title
    app_id: AppId
    page_path: PagePath
    thumb: bytes


class MaterialUpload(ViewModel):
    """``multipart/form-data`` with the image (JPEG, PNG, GIF or BMP, 10 MB) in ``file``; or
    the image itself as the body, with ``?name=``."""

    file: bytes
    name: MaterialName | None = None


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    auth: str  # "admin", "agent" or "supervisor" (the admin token or a supervisor's)
    response: type[BaseModel] | None
    status: int = 200
    request: type[BaseModel] | None = None
    example: dict[str, Any] | None = None
    query: tuple[str, ...] = ()
    multipart: bool = False
    binary: bool = False
    tags: tuple[str, ...] = field(default=())
    empty: tuple[int, str] | None = None
    """Another status this operation answers, with no body, and what it means."""
    optional_body: bool = False
    upstream: bool = False
    """It asks WeChat, whose refusal or silence answers 502."""


ACCOUNT_EXAMPLE = {
    "name": "Demo shop",
    "originalId": "gh_0123456789ab",
    "appId": "wx0123456789abcdef",
    "appSecret": "0123456789abcdef0123456789abcdef",
    "token": "demotoken123",
    "encodingAesKey": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "messageMode": "safe",
}
CAPACITY_PROFILE_EXAMPLE = {
    "name": "Chat",
    "maxItems": 2,
    "blockAssignmentDuringWrapUp": "fixed",
    "wrapUpDuration": "PT2M",
}
QUEUE_EXAMPLE = {
    "name": "Refunds",
    "priority": 10,
    "assignmentMethod": "roundRobin",
    "operatingHours": {
        "timeZone": "Asia/Shanghai",
        "weekly": [{"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"}],
        "holidays": [{"date": "2026-10-01", "name": "National Day"}],
    },
    "outOfHours": {"action": "queueAnyway"},
    "overflow": {"maxWaiting": 50, "action": "transfer", "transferQueueId": "q0general01"},
}
WORKSTREAM_EXAMPLE = {
    "name": "Demo shop on WeChat",
    "accountId": "a1b2c3d4e5f6",
    "language": "zh-CN",
    "distributionMode": "push",
    "capacityUnits": 1,
    "allowedPresences": ["available", "busy"],
    "fallbackQueueId": "q0general01",
    "autoCloseAfterInactivity": "PT2H",
    "keepSameAgent": True,
    "fileAttachments": {"customersCanSend": True, "agentsCanSend": True},
    "automatedMessages": {"zh-CN": {"greeting": "您好！", "agentAssigned": "{AgentName} 为您服务"}},
    "routingRules": [
        {
            "name": "refunds",
            "condition": {"field": "message.text", "op": "contains", "value": "退款"},
            "queueId": "q0refunds01",
            "priority": 5,
        }
    ],
}
ROUTE_TEST_EXAMPLE = {
    "message": {"type": "text", "text": "我要退款"},
    "context": {"vip": True},
    "at": "2026-12-02T10:30:00+08:00",
}
AGENT_EXAMPLE = {"name": "Lin", "queueIds": ["q0refunds01"], "capacity": 3, "role": "agent"}
A, G, SV = "admin", "agent", "supervisor"
LIMIT, TRANSCRIPT_LIMIT, CONTINUATION = "limit", "transcriptLimit", "continuationToken"
PAGING = (LIMIT, CONTINUATION)
TRANSCRIPT_PAGING = (TRANSCRIPT_LIMIT, CONTINUATION)
TEMPLATE_EXAMPLE = {
    "title": "Order update",
    "fields": [
        {"key": "character_string1", "label": "Order number", "maxLength": 32},
        {"key": "thing2", "label": "Status", "maxLength": 20},
    ],
    "enabled": True,
    "url": "https://shop.example.com/orders",
    "dailyQuota": 1000,
}
TEMPLATE_SEND_EXAMPLE = {
    "templateId": "iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s",
    "fields": {"character_string1": "A1024", "thing2": "Refund approved"},
}


def _limit(size: PageSize) -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": size.maximum, "default": size.default}


QUERY_PARAMETERS: dict[str, tuple[str, dict[str, Any]]] = {
    LIMIT: ("limit", _limit(LIST_PAGE)),
    TRANSCRIPT_LIMIT: ("limit", _limit(TRANSCRIPT_PAGE)),
    CONTINUATION: ("continuationToken", {"type": "string"}),
    "accountId": ("accountId", {"type": "string"}),
    "state": ("state", {"type": "string", "enum": ["", *(s.value for s in ConversationState)]}),
    "since": ("since", {"type": "string", "pattern": f"^{CURSOR.pattern}$"}),
    "queueId": ("queueId", {"type": "string"}),
    "agentId": ("agentId", {"type": "string"}),
    "liveState": ("state", {"type": "string", "enum": ["", *(s.value for s in LIVE_STATES)]}),
}
"""Query parameters as operations name them → (the name on the wire, its schema)."""
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "openId": {"type": "string", "pattern": f"^{OPEN_ID.pattern}$"},
    "queue": {"type": "string", "enum": list(WORK_QUEUES)},
    "templateId": {"type": "string", "pattern": f"^{TEMPLATE_ID.pattern}$"},
}
"""Path parameters with a shape of their own; any other is an id (``ROUTE_ID``)."""
ID_PARAMETER = {"type": "string", "pattern": f"^{ROUTE_ID.pattern}$"}

MENU_EXAMPLE: dict[str, Any] = {
    "buttons": [
        {"name": "退款", "type": "click", "key": "REFUND"},
        {
            "name": "Help",
            "subButtons": [
                {"name": "Talk to us", "type": "click", "key": "AGENT"},
                {"name": "FAQ", "type": "view", "url": "https://example.com/faq"},
            ],
        },
    ]
}
TAP_MENU_EXAMPLE: dict[str, Any] = {
    "headContent": "Was your problem solved?",
    "options": [{"id": "101", "content": "Yes"}, {"id": "102", "content": "No"}],
    "tailContent": "",
}

OPERATIONS: tuple[Operation, ...] = (
    Operation("post", "/api/admin/accounts", "Register a WeChat account", A, AccountView, 201, AccountCreate, ACCOUNT_EXAMPLE),
    Operation("get", "/api/admin/accounts", "List accounts", A, AccountList),
    Operation("get", "/api/admin/accounts/{id}", "Get an account", A, AccountView),
    Operation("patch", "/api/admin/accounts/{id}", "Change an account (a new encodingAesKey rotates the key)", A, AccountView, 200, AccountPatch, {"encodingAesKey": "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg"}),
    Operation("delete", "/api/admin/accounts/{id}", "Delete an account (stops its channel now)", A, None, 204),
    Operation("post", "/api/admin/accounts/{id}/drain", "Drain the channel: no new conversations, open ones go on; inactive once none is open", A, AccountView),
    Operation("post", "/api/admin/accounts/{id}/reactivate", "Reactivate a draining or inactive channel", A, AccountView),
    Operation("post", "/api/admin/accounts/{id}/materials", "Upload a permanent image to the account's WeChat material library (material/add_material); its mediaId goes in an answer's image", A, Material, 201, MaterialUpload, multipart=True),
    Operation("get", "/api/admin/accounts/{id}/materials", "The account's permanent images, oldest first", A, MaterialList),
    Operation("delete", "/api/admin/accounts/{id}/materials/{materialId}", "Delete a permanent image, from WeChat's library too", A, None, 204),
    Operation("get", "/api/admin/accounts/{id}/callback", "The callback information for WeChat's console", A, CallbackInfo),
    Operation("get", "/api/admin/accounts/{id}/check", "The go-live check: URL verified by WeChat, access token, pushes in the configured mode, the last push", A, GoLiveReport),
    Operation("get", "/api/admin/accounts/{id}/menu", "The account's custom menu draft, its click keys and how the last publish went", A, MenuView),
    Operation("put", "/api/admin/accounts/{id}/menu", "Replace the menu draft (checked against WeChat's limits; not published)", A, MenuView, 200, AccountMenu, MENU_EXAMPLE),
    Operation("post", "/api/admin/accounts/{id}/menu/publish", "Publish the draft with WeChat's menu/create (409 wechat_refused with the errcode)", A, MenuView),
    Operation("post", "/api/admin/accounts/{id}/menu/pull", "Replace the draft with the menu WeChat has (menu/get)", A, MenuView),
    Operation("post", "/api/admin/queues", "Create a queue", A, Queue, 201, QueueFields, QUEUE_EXAMPLE),
    Operation("get", "/api/admin/queues", "List queues", A, QueueList),
    Operation("get", "/api/admin/queues/{id}", "Get a queue", A, Queue),
    Operation("patch", "/api/admin/queues/{id}", "Change a queue", A, Queue, 200, QueuePatch, {"assignmentMethod": "leastActive"}),
    Operation("delete", "/api/admin/queues/{id}", "Delete a queue no workstream uses", A, None, 204),
    Operation("post", "/api/admin/capacity-profiles", "Create a capacity profile", A, CapacityProfile, 201, CapacityProfileFields, CAPACITY_PROFILE_EXAMPLE),
    Operation("get", "/api/admin/capacity-profiles", "List capacity profiles", A, CapacityProfileList),
    Operation("get", "/api/admin/capacity-profiles/{id}", "Get a capacity profile", A, CapacityProfile),
    Operation("patch", "/api/admin/capacity-profiles/{id}", "Change a capacity profile", A, CapacityProfile, 200, CapacityProfilePatch, {"maxItems": 3}),
    Operation("delete", "/api/admin/capacity-profiles/{id}", "Delete a capacity profile no workstream or agent uses", A, None, 204),
    Operation("post", "/api/admin/workstreams", "Create an account's workstream", A, Workstream, 201, WorkstreamFields, WORKSTREAM_EXAMPLE),
    Operation("get", "/api/admin/workstreams", "List workstreams", A, WorkstreamList),
    Operation("get", "/api/admin/workstreams/{id}", "Get a workstream", A, Workstream),
    Operation("patch", "/api/admin/workstreams/{id}", "Change a workstream", A, Workstream, 200, WorkstreamPatch, {"keepSameAgent": False}),
    Operation("delete", "/api/admin/workstreams/{id}", "Delete a workstream", A, None, 204),
    Operation("post", "/api/admin/workstreams/{id}/route-test", "Dry run: the rule and queue a sample message would get (the saved rules, or routingRules given); nothing is stored", A, RouteTestResult, 200, RouteTestRequest, ROUTE_TEST_EXAMPLE),
    Operation("get", "/api/admin/routing/fields", "The fields, operators and value kinds routing conditions are built from", A, RoutingVocabulary),
    Operation("post", "/api/admin/agents", "Create an agent (answers its token once)", A, AgentCreated, 201, AgentFields, AGENT_EXAMPLE),
    Operation("get", "/api/admin/agents", "List agents", A, AgentList),
    Operation("get", "/api/admin/agents/{id}", "Get an agent", A, AgentView),
    Operation("patch", "/api/admin/agents/{id}", "Change an agent (disabled: true refuses its token and gives it no new work)", A, AgentView, 200, AgentPatch, {"capacity": 5, "disabled": False}),
    Operation("delete", "/api/admin/agents/{id}", "Delete an agent holding no conversations", A, None, 204),
    Operation("post", "/api/admin/agents/{id}/token", "Rotate an agent's token (the old one stops at once; the new one is answered once)", A, AgentTokenRotated),
    Operation("get", "/api/admin/poison", "Poison messages of each pipeline queue (the first 32 of each): the conversation they belong to and the last error", A, PoisonReport),
    Operation("post", "/api/admin/poison/{queue}/{messageId}/replay", "Put one poison message back on its queue and remove it from poison", A, PoisonReplayed),
    Operation("get", "/api/admin/conversations", "Conversations, newest first within an account", A, ConversationList, query=("accountId", "state", *PAGING)),
    Operation("get", "/api/admin/conversations/{id}", "A conversation and its messages", A, ConversationDetail, query=TRANSCRIPT_PAGING),
    Operation("get", "/api/admin/conversations/{id}/timeline", "Every step of a conversation with its time and outcome: push received, filed, bot, routed by which rule, assigned, each send and WeChat's answer, transfer, close, survey", A, TimelineView),
    Operation("post", "/api/admin/conversations/{id}/close", "Close any conversation on its agent's behalf, or move it to wrap-up", A, Conversation, 200, CloseRequest, {"wrapUp": False}),
    Operation("post", "/api/admin/conversations/{id}/transfer", "Transfer any conversation to a queue or an agent, whoever holds it", A, Conversation, 200, TransferRequest, {"agentId": "a0wu000001"}),
    Operation("delete", "/api/admin/customers/{accountId}/{openId}", "Erase a customer: conversations, messages, timelines, attachments, dedupe keys, customer and window records, queue messages", A, ErasureResult),
    Operation("get", "/api/agent/me", "The calling agent", G, AgentView),
    Operation("put", "/api/agent/presence", "Set the agent's presence", G, AgentView, 200, PresenceChange, {"presence": "available"}),
    Operation("get", "/api/agent/changes", "Poll: 200 with a new cursor and what changed since `since`, 204 if nothing did", G, ChangesView, query=("since",), empty=(204, "Nothing the agent's console shows has changed since `since`")),
    Operation("get", "/api/agent/directory", "Transfer targets: queues, and enabled agents with their presence", G, Directory),
    Operation("get", "/api/agent/queue", "Open conversations in the agent's queues (pick mode), as the lists show them", G, AgentConversationList, query=(LIMIT,)),
    Operation("get", "/api/agent/conversations", "The agent's conversations: reply window, last line, unread count", G, AgentConversationList),
    Operation("get", "/api/agent/conversations/{id}", "A conversation: what the lists show, what the agent may do, and its messages", G, AgentConversationDetail, query=TRANSCRIPT_PAGING),
    Operation("post", "/api/agent/conversations/{id}/read", "Mark the customer's lines read, up to upTo or all", G, ReadView, 200, ReadRequest, {"upTo": "1764000000-m00000000000000000001"}, optional_body=True),
    Operation("get", "/api/agent/conversations/{id}/customer", "The customer: subscription, scene, tags, other conversations", G, CustomerPanel),
    Operation("put", "/api/agent/conversations/{id}/customer", "Set the customer's remark and tags, in WeChat and here (the conversation's agent or the admin)", G, CustomerPanel, 200, CustomerUpdate, {"remark": "VIP 王女士", "tagIds": [100, 101]}, upstream=True),
    Operation("get", "/api/agent/conversations/{id}/customer/tags", "The account's WeChat tags, to choose from", G, TagList, upstream=True),
    Operation("post", "/api/agent/conversations/{id}/messages", "Reply with text (JSON) or a file (multipart); 202, queued for sending", G, MessageView, 202, TextMessageRequest, {"text": "您好，已为您办理退款。"}),
    Operation("post", "/api/agent/conversations/{id}/menus", "Send a tap-to-reply menu (msgmenu); 202, queued; the customer's tap is recorded as the answer", G, MessageView, 202, TapMenuRequest, TAP_MENU_EXAMPLE),
    Operation("get", "/api/agent/conversations/{id}/attachments/{entryId}", "An attachment's bytes", G, None, binary=True),
    Operation("post", "/api/agent/conversations/{id}/news", "Send one news article (title, description, url, picUrl); 202, queued for sending", G, MessageView, 202, NewsMessageRequest, {"news": {"title": "退款进度", "description": "点击查看", "url": "https://shop.example.com/refunds/42", "picUrl": "https://shop.example.com/img/refund.png"}}),
    Operation("post", "/api/agent/conversations/{id}/mini-program-cards", "Send a card of one of the account's linked mini-programs (multipart, cover in thumb); 202, queued for sending", G, MessageView, 202, MiniProgramCardUpload, multipart=True),
    Operation("get", "/api/agent/conversations/{id}/quick-replies", "The workstream's quick replies, filled for this conversation", G, QuickReplyList),
    Operation("post", "/api/agent/conversations/{id}/typing", "The conversation's agent is (or stopped) writing a reply: WeChat shows the customer it is typing, at most once per 15 s, never outside the reply window; 204 whatever WeChat says", G, None, 204, TypingRequest, {"typing": True}),
    Operation("get", "/api/agent/conversations/{id}/attachments/{entryId}/thumbnail", "A video's poster image (its ThumbMediaId, kept with the video)", G, None, binary=True),
    Operation("post", "/api/agent/conversations/{id}/pick", "Take a waiting conversation", G, Conversation),
    Operation("post", "/api/agent/conversations/{id}/park", "Park: wait for the customer; capacity is freed", G, Conversation),
    Operation("post", "/api/agent/conversations/{id}/close", "Close, or move to wrap-up with wrapUp: true", G, Conversation, 200, CloseRequest, {"wrapUp": True}),
    Operation("post", "/api/agent/conversations/{id}/transfer", "Transfer to a queue or an agent", G, Conversation, 200, TransferRequest, {"queueId": "q0refunds01"}),
    Operation("get", "/api/agent/offers", "Conversations offered to the agent (assignmentMode offer), soonest to expire first", G, OfferList),
    Operation("post", "/api/agent/conversations/{id}/accept", "Accept an offered conversation: it becomes the agent's (409 not_offered or offer_expired)", G, Conversation),
    Operation("post", "/api/agent/conversations/{id}/decline", "Decline an offered conversation: it goes on to the next agent (409 not_offered or offer_expired)", G, Conversation),
    Operation("get", "/api/admin/accounts/{id}/templates", "The account's registered template messages, with today's sends of each", A, TemplateList),
    Operation("get", "/api/admin/accounts/{id}/templates/{templateId}", "A registered template message", A, TemplateView),
    Operation("put", "/api/admin/accounts/{id}/templates/{templateId}", "Register or replace the template WeChat numbered templateId: its fields, approval, link and daily quota", A, TemplateView, 200, TemplateFields, TEMPLATE_EXAMPLE),
    Operation("delete", "/api/admin/accounts/{id}/templates/{templateId}", "Remove a registered template (messages sent with it stay in their transcripts)", A, None, 204),
    Operation("post", "/api/admin/accounts/{id}/templates/import", "Import the templates chosen in WeChat's console (get_all_private_template), fields read from their {{name.DATA}} placeholders", A, ImportResult, 200, TemplateImport, {"enabled": False}, optional_body=True),
    Operation("get", "/api/agent/conversations/{id}/templates", "The account's approved template messages, for a customer outside the reply window", G, TemplateList),
    Operation("post", "/api/agent/conversations/{id}/templates", "Send an approved template message (no reply window needed; counts against its daily quota); 202, queued for sending", G, MessageView, 202, TemplateSendRequest, TEMPLATE_SEND_EXAMPLE),
    Operation("get", "/api/supervisor/overview", "The supervised queues (queued, oldest wait, active) and their agents (presence, capacity)", SV, SupervisorOverview),
    Operation("get", "/api/supervisor/changes", "Poll: 200 with a new cursor and what changed since `since`, 204 if nothing did", SV, ChangesView, query=("since",), empty=(204, "Nothing the supervisor's view shows has changed since `since`")),
    Operation("get", "/api/supervisor/conversations", "Live conversations of the supervised queues, by queue, agent and state", SV, SupervisedConversationList, query=("queueId", "agentId", "liveState")),
    Operation("get", "/api/supervisor/conversations/{id}/timeline", "The timeline of a conversation of a supervised queue (as the admin's)", SV, TimelineView),
    Operation("post", "/api/supervisor/conversations/{id}/close", "Close a conversation of a supervised queue on its agent's behalf, or move it to wrap-up", SV, Conversation, 200, CloseRequest, {"wrapUp": False}),
    Operation("post", "/api/supervisor/conversations/{id}/transfer", "Transfer a conversation of a supervised queue to a queue or an agent", SV, Conversation, 200, TransferRequest, {"queueId": "q0refunds01"}),
)  # fmt: skip

_MODELS: set[type[BaseModel]] = {
    ErrorBody,
    MessageUpload,
    *(op.response for op in OPERATIONS if op.response),
    *(op.request for op in OPERATIONS if op.request),
}


def document(server_url: str = "/") -> dict[str, Any]:
    keys: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (model, "validation" if model in _request_models() else "serialization")
        for model in sorted(_MODELS, key=lambda m: m.__name__)
    ]
    refs, definitions = models_json_schema(
        keys, by_alias=True, ref_template="#/components/schemas/{model}"
    )
    schemas = definitions.get("$defs", {})
    for schema in schemas.values():
        _drop_impossible_defaults(schema)

    def ref(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        return refs[(model, mode)]

    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": PATH_PARAMETERS.get(name, ID_PARAMETER),
            }
            for name in _path_names(op.path)
        ] + [
            {"name": wire, "in": "query", "required": False, "schema": schema}
            for wire, schema in (QUERY_PARAMETERS[name] for name in op.query)
        ]
        responses: dict[str, Any] = {
            "400": _error("The request is malformed; the message names the field"),
            "401": _error("No or unknown bearer token"),
            "403": _error("The token may not do this"),
            "404": _error("Not found (or not visible to the caller)"),
        }
        if op.response is not None:
            responses[str(op.status)] = {
                "description": "OK",
                "content": {"application/json": {"schema": ref(op.response, "serialization")}},
            }
            if links := _links_from(op):
                responses[str(op.status)]["links"] = links
        elif op.binary:
            responses[str(op.status)] = {
                "description": "The file",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        else:
            responses[str(op.status)] = {"description": "Done"}
        if op.empty is not None:
            responses[str(op.empty[0])] = {"description": op.empty[1]}
        if op.method != "get":
            responses["409"] = _error("Conflict: the state or a unique value does not allow it")
        if op.upstream:
            responses["409"] = _error("WeChat refused it (wechat_refused); the message says why")
            responses["502"] = _error("WeChat was busy or did not answer; the message says why")
        if op.request is not None:
            responses["413"] = _error("The body is too large: JSON 256 KB, a file 20 MB")
        operation: dict[str, Any] = {
            "summary": op.summary,
            "operationId": _operation_id(op),
            "tags": [op.auth],
            "security": [{"adminToken": []}]
            if op.auth == A
            else [{"agentToken": []}, {"adminToken": []}],
            "parameters": parameters,
            "responses": responses,
        }
        if op.request is not None:
            content: dict[str, Any] = {
                "application/json": {
                    "schema": ref(op.request, "validation"),
                    **({"example": op.example} if op.example else {}),
                }
            }
            if op.path.endswith("/messages"):
                content["multipart/form-data"] = {"schema": ref(MessageUpload, "validation")}
            if op.multipart:
                content = {"multipart/form-data": {"schema": ref(op.request, "validation")}}
            operation["requestBody"] = {"required": not op.optional_body, "content": content}
        paths.setdefault(op.path, {})[op.method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "WeChat contact center",
            "version": "1",
            "description": "Admin and agent API of the WeChat Service-account contact center.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer", "description": "ADMIN_TOKEN"},
                "agentToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an agent's token",
                },
            },
        },
    }


def _drop_impossible_defaults(schema: dict[str, Any]) -> None:
    """A PATCH field defaults to "left out", which pydantic writes as ``default: null`` even
    where null is refused: a client must not read that as a value to send."""
    for prop in schema.get("properties", {}).values():
        if prop.get("default", ...) is None and not _allows_null(prop):
            del prop["default"]


def _allows_null(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return (
        kind == "null"
        or (isinstance(kind, list) and "null" in kind)
        or any(_allows_null(option) for option in schema.get("anyOf", []))
    )


def _links_from(created: Operation) -> dict[str, Any]:
    """What a client can do next with what a create answered: every operation on
    ``<the collection>/{id}``, with the new ``id``. (Clients and fuzzers follow these links.)"""
    if created.status != 201:
        return {}
    item = created.path + "/{id}"
    return {
        _operation_id(op): {
            "operationId": _operation_id(op),
            "parameters": {"id": "$response.body#/id"},
        }
        for op in OPERATIONS
        if op.path == item or op.path.startswith(item + "/")
    }


def _operation_id(op: Operation) -> str:
    return f"{op.method}{_operation_name(op.path)}"


def _request_models() -> set[type[BaseModel]]:
    return {op.request for op in OPERATIONS if op.request} | {MessageUpload}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _operation_name(path: str) -> str:
    parts = [p.strip("{}") for p in path.split("/")[2:]]
    return "".join(p[:1].upper() + p[1:] for p in parts)
