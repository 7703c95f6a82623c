"""``/api/agent/*``: an agent's desk and workspace, behind the agent's bearer token (the admin
token reads any conversation too)."""

from __future__ import annotations

import azure.functions as func
from pydantic import ValidationError

from shared.core.schema import validation_error
from shared.desk.typing_indicator import TypingRequest
from shared.desk.work import CloseRequest, PresenceChange, TransferRequest
from shared.desk.workspace import (
    MAX_UPLOAD_BYTES,
    CustomerUpdate,
    ReadRequest,
    TextMessageRequest,
)
from shared.model.agents import Agent, AgentView
from shared.model.rich_messages import (
    CARD_THUMB_MAX_BYTES,
    THUMB_MAX_BYTES,
    MiniProgramCard,
    NewsMessageRequest,
    VideoDetails,
)
from shared.model.tap_menus import TapMenuRequest
from shared.model.templates import TemplateSendRequest
from triggers.requests import LIST_PAGE, TRANSCRIPT_PAGE, Model, page_size, parse_body
from triggers.responses import (
    api,
    caller,
    file_response,
    form_fields,
    json_response,
    no_content,
    optional_file,
    page_args,
    paged,
    request_body,
    uploaded_file,
)
from triggers.runtime import services

bp = func.Blueprint()
ANONYMOUS = func.AuthLevel.ANONYMOUS  # tokens are checked by the workspace


def _agent(req: func.HttpRequest) -> Agent:
    return caller(req).require_agent()


@bp.route(route="api/agent/me", methods=["GET"], auth_level=ANONYMOUS)
@api
def agent_me(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(AgentView.of(_agent(req)).json_body())


@bp.route(route="api/agent/presence", methods=["PUT"], auth_level=ANONYMOUS)
@api
def agent_presence(req: func.HttpRequest) -> func.HttpResponse:
    agent = _agent(req)
    updated = services().desk.set_presence(agent, parse_body(PresenceChange, request_body(req)))
    return json_response(AgentView.of(updated).json_body())


@bp.route(route="api/agent/changes", methods=["GET"], auth_level=ANONYMOUS)
@api
def agent_changes(req: func.HttpRequest) -> func.HttpResponse:
    """204 while nothing the agent's console shows has changed since ``since``."""
    workspace = services().workspace
    changes = workspace.changes(caller(req), req.params.get("since"))
    return no_content() if changes is None else json_response(changes.json_body())


@bp.route(route="api/agent/directory", methods=["GET"], auth_level=ANONYMOUS)
@api
def agent_directory(req: func.HttpRequest) -> func.HttpResponse:
    workspace = services().workspace
    caller(req)
    return json_response(workspace.directory().json_body())


@bp.route(route="api/agent/queue", methods=["GET"], auth_level=ANONYMOUS)
@api
def agent_queue(req: func.HttpRequest) -> func.HttpResponse:
    workspace = services().workspace
    actor = caller(req)
    waiting = services().desk.queue(
        actor.require_agent(), limit=page_size(req.params.get("limit"), *LIST_PAGE)
    )
    return json_response(
        {"conversations": [c.json_body() for c in workspace.items(actor, waiting)]}
    )


@bp.route(route="api/agent/conversations", methods=["GET"], auth_level=ANONYMOUS)
@api
def agent_conversations(req: func.HttpRequest) -> func.HttpResponse:
    workspace = services().workspace
    actor = caller(req)
    items = workspace.items(actor, workspace.conversations(actor))
    return json_response({"conversations": [c.json_body() for c in items]})


@bp.route(route="api/agent/conversations/{id}", methods=["GET"], auth_level=ANONYMOUS)
@api
def agent_conversation(req: func.HttpRequest) -> func.HttpResponse:
    workspace = services().workspace
    actor = caller(req)
    conversation = workspace.visible(actor, req.route_params["id"])
    body, token = workspace.detail(conversation, actor=actor, **page_args(req, TRANSCRIPT_PAGE))
    return json_response(paged(body, token))


@bp.route(route="api/agent/conversations/{id}/read", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_read(req: func.HttpRequest) -> func.HttpResponse:
    """``{"upTo": <line id>}``, or no body: everything the customer wrote so far."""
    workspace = services().workspace
    actor = caller(req)
    request = parse_body(ReadRequest, request_body(req) or b"{}")
    return json_response(workspace.mark_read(actor, req.route_params["id"], request).json_body())


@bp.route(
    route="api/agent/conversations/{id}/customer", methods=["GET", "PUT"], auth_level=ANONYMOUS
)
@api
def agent_customer(req: func.HttpRequest) -> func.HttpResponse:
    """PUT ``{"remark", "tagIds"}``: written to WeChat first (409 when WeChat refuses, 502 when
    it is busy or does not answer)."""
    workspace = services().workspace
    actor = caller(req)
    if req.method == "PUT":
        update = parse_body(CustomerUpdate, request_body(req))
        panel = workspace.update_customer(actor, req.route_params["id"], update)
    else:
        panel = workspace.customer(actor, req.route_params["id"])
    return json_response(panel.json_body())


@bp.route(route="api/agent/conversations/{id}/customer/tags", methods=["GET"], auth_level=ANONYMOUS)
@api
def agent_customer_tags(req: func.HttpRequest) -> func.HttpResponse:
    workspace = services().workspace
    tags = workspace.customer_tags(caller(req), req.route_params["id"])
    return json_response(tags.json_body())


@bp.route(route="api/agent/conversations/{id}/messages", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_send(req: func.HttpRequest) -> func.HttpResponse:
    """``{"text": …}`` or a multipart form with a ``file``; 202: queued for the send step."""
    workspace = services().workspace
    actor = caller(req)
    conversation_id = req.route_params["id"]
    if (req.headers.get("content-type") or "").lower().startswith("multipart/form-data"):
        filename, content = uploaded_file(req, "file", MAX_UPLOAD_BYTES)
        thumb = optional_file(req, "thumb", THUMB_MAX_BYTES)
        video = _form_model(VideoDetails, form_fields(req, "title", "description"))
        entry = workspace.send_file(
            actor, conversation_id, filename, content, thumb=thumb, video=video
        )
    else:
        entry = workspace.send_text(
            actor, conversation_id, parse_body(TextMessageRequest, request_body(req))
        )
    return json_response(workspace.entry_view(entry), 202)


@bp.route(route="api/agent/conversations/{id}/quick-replies", methods=["GET"], auth_level=ANONYMOUS)
@api
def agent_quick_replies(req: func.HttpRequest) -> func.HttpResponse:
    workspace = services().workspace
    replies = workspace.quick_replies(caller(req), req.route_params["id"])
    return json_response({"quickReplies": [r.json_body() for r in replies]})


@bp.route(
    route="api/agent/conversations/{id}/attachments/{entryId}",
    methods=["GET"],
    auth_level=ANONYMOUS,
)
@api
def agent_attachment(req: func.HttpRequest) -> func.HttpResponse:
    workspace = services().workspace
    content, content_type, filename = workspace.attachment(
        caller(req), req.route_params["id"], req.route_params["entryId"]
    )
    return file_response(content, content_type, filename, {"Cache-Control": "private, no-store"})


@bp.route(route="api/agent/conversations/{id}/typing", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_typing(req: func.HttpRequest) -> func.HttpResponse:
    """``{"typing": true|false}``; 204 whether or not WeChat showed it (best effort)."""
    actor = caller(req)
    request = parse_body(TypingRequest, request_body(req))
    services().typing.report(actor, req.route_params["id"], request)
    return no_content()


@bp.route(
    route="api/agent/conversations/{id}/attachments/{entryId}/thumbnail",
    methods=["GET"],
    auth_level=ANONYMOUS,
)
@api
def agent_attachment_thumbnail(req: func.HttpRequest) -> func.HttpResponse:
    workspace = services().workspace
    content, content_type, filename = workspace.thumbnail(
        caller(req), req.route_params["id"], req.route_params["entryId"]
    )
    return file_response(content, content_type, filename, {"Cache-Control": "private, no-store"})


@bp.route(route="api/agent/conversations/{id}/pick", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_pick(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(services().desk.pick(_agent(req), req.route_params["id"]).json_body())


@bp.route(route="api/agent/conversations/{id}/park", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_park(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(services().desk.park(_agent(req), req.route_params["id"]).json_body())


@bp.route(route="api/agent/conversations/{id}/close", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_close(req: func.HttpRequest) -> func.HttpResponse:
    agent = _agent(req)  # who asks, before what they ask
    request = parse_body(CloseRequest, request_body(req) or b"{}")
    return json_response(services().desk.close(agent, req.route_params["id"], request).json_body())


@bp.route(route="api/agent/conversations/{id}/transfer", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_transfer(req: func.HttpRequest) -> func.HttpResponse:
    agent = _agent(req)
    request = parse_body(TransferRequest, request_body(req))
    return json_response(
        services().desk.transfer(agent, req.route_params["id"], request).json_body()
    )


@bp.route(route="api/agent/offers", methods=["GET"], auth_level=ANONYMOUS)
@api
def agent_offers(req: func.HttpRequest) -> func.HttpResponse:
    """Conversations offered to the agent, waiting for accept or decline (offer mode)."""
    offers = services().offers.offers(_agent(req))
    return json_response({"offers": [o.json_body() for o in offers]})


@bp.route(route="api/agent/conversations/{id}/accept", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_accept(req: func.HttpRequest) -> func.HttpResponse:
    accepted = services().offers.accept(_agent(req), req.route_params["id"])
    return json_response(accepted.json_body())


@bp.route(route="api/agent/conversations/{id}/decline", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_decline(req: func.HttpRequest) -> func.HttpResponse:
    declined = services().offers.decline(_agent(req), req.route_params["id"])
    return json_response(declined.json_body())


@bp.route(
    route="api/agent/conversations/{id}/templates", methods=["GET", "POST"], auth_level=ANONYMOUS
)
@api
def agent_templates(req: func.HttpRequest) -> func.HttpResponse:
    """GET: the account's approved templates; POST ``{templateId, fields}``: send one (202:
    queued for the send step; no reply window needed, docs/protocol.md §6.3)."""
    s = services()
    actor, conversation_id = caller(req), req.route_params["id"]
    if req.method == "POST":
        request = parse_body(TemplateSendRequest, request_body(req))
        entry = s.template_messages.send(actor, conversation_id, request)
        return json_response(s.workspace.entry_view(entry), 202)
    offered = s.template_messages.offered(actor, conversation_id)
    return json_response({"templates": [t.json_body() for t in offered]})


@bp.route(route="api/agent/conversations/{id}/menus", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_send_menu(req: func.HttpRequest) -> func.HttpResponse:
    """A tap-to-reply menu; 202: queued for the send step."""
    workspace = services().workspace
    actor = caller(req)
    request = parse_body(TapMenuRequest, request_body(req))
    entry = workspace.send_menu(actor, req.route_params["id"], request)
    return json_response(workspace.entry_view(entry), 202)


def _form_model(model: type[Model], fields: dict[str, str]) -> Model:
    """A form's text fields → ``model``, or a 400 that names the field."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise validation_error(error) from None


@bp.route(route="api/agent/conversations/{id}/news", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_send_news(req: func.HttpRequest) -> func.HttpResponse:
    """``{"news": {title, description?, url, picUrl?}}``: one article; 202, queued."""
    workspace = services().workspace
    request = parse_body(NewsMessageRequest, request_body(req))
    entry = workspace.send_news(caller(req), req.route_params["id"], request)
    return json_response(workspace.entry_view(entry), 202)


@bp.route(
    route="api/agent/conversations/{id}/mini-program-cards",
    methods=["POST"],
    auth_level=ANONYMOUS,
)
@api
def agent_send_mini_program_card(req: func.HttpRequest) -> func.HttpResponse:
    """A multipart form: ``title``, ``appId``, ``pagePath`` and the cover image in ``thumb``;
    202, queued."""
    workspace = services().workspace
    actor = caller(req)
    thumb = uploaded_file(req, "thumb", CARD_THUMB_MAX_BYTES)
    card = _form_model(MiniProgramCard, form_fields(req, "title", "appId", "pagePath"))
    entry = workspace.send_mini_program_card(actor, req.route_params["id"], card, thumb)
    return json_response(workspace.entry_view(entry), 202)
