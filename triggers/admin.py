"""``/api/admin/*``: accounts, routing (queues, workstreams, agents) and the supervisor's view of
conversations, behind ADMIN_TOKEN."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import azure.functions as func

from shared.admin.dry_run import RouteTester, RouteTestRequest, vocabulary
from shared.core.errors import InvalidRequestError, not_found
from shared.desk.work import CloseRequest, TransferRequest
from shared.desk.workspace import Actor
from shared.model.accounts import AccountCreate, AccountPatch
from shared.model.agents import AgentFields, AgentPatch, AgentView
from shared.model.capacity_profiles import CapacityProfileFields, CapacityProfilePatch
from shared.model.conversations import ConversationState, TranscriptEntryView
from shared.model.materials import MATERIAL_MAX_BYTES, MaterialList
from shared.model.menus import AccountMenu
from shared.model.queues import QueueFields, QueuePatch
from shared.model.templates import TemplateFields, TemplateImport
from shared.model.workstreams import WorkstreamFields, WorkstreamPatch
from triggers.requests import TRANSCRIPT_PAGE, body_too_large, parse_body
from triggers.responses import (
    admin,
    form_fields,
    json_response,
    no_content,
    page_args,
    paged,
    request_body,
    uploaded_file,
)
from triggers.runtime import services

bp = func.Blueprint()
ANONYMOUS = func.AuthLevel.ANONYMOUS  # the admin token is checked by @admin


@bp.route(route="api/admin/accounts", methods=["GET", "POST"], auth_level=ANONYMOUS)
@admin
def admin_accounts(req: func.HttpRequest) -> func.HttpResponse:
    registry = services().accounts
    return _collection(
        req,
        "accounts",
        lambda body: registry.view(registry.register(parse_body(AccountCreate, body))).json_body(),
        lambda: [registry.view(a) for a in registry.list_accounts()],
    )


@bp.route(route="api/admin/accounts/{id}", methods=["GET", "PATCH", "DELETE"], auth_level=ANONYMOUS)
@admin
def admin_account(req: func.HttpRequest) -> func.HttpResponse:
    registry = services().accounts

    return _item(
        req,
        lambda aid: registry.view(registry.get(aid)),
        lambda aid, body: registry.view(registry.update(aid, parse_body(AccountPatch, body))),
        services().account_removal.remove,
    )


@bp.route(route="api/admin/accounts/{id}/callback", methods=["GET"], auth_level=ANONYMOUS)
@admin
def admin_account_callback(req: func.HttpRequest) -> func.HttpResponse:
    registry = services().accounts
    account = registry.get(req.route_params["id"])
    return json_response(registry.callback(account.id).json_body())


@bp.route(route="api/admin/accounts/{id}/check", methods=["GET"], auth_level=ANONYMOUS)
@admin
def admin_account_check(req: func.HttpRequest) -> func.HttpResponse:
    """The go-live check: URL verified, access token, pushes (fetches a token when none is
    stored)."""
    s = services()
    account = s.accounts.get(req.route_params["id"])
    return json_response(s.golive.report(account).json_body())


@bp.route(route="api/admin/accounts/{id}/drain", methods=["POST"], auth_level=ANONYMOUS)
@admin
def admin_account_drain(req: func.HttpRequest) -> func.HttpResponse:
    """Take no new conversations; inactive once the open ones have closed."""
    s = services()
    return json_response(s.accounts.view(s.drain.drain(req.route_params["id"])).json_body())


@bp.route(route="api/admin/accounts/{id}/reactivate", methods=["POST"], auth_level=ANONYMOUS)
@admin
def admin_account_reactivate(req: func.HttpRequest) -> func.HttpResponse:
    s = services()
    return json_response(s.accounts.view(s.drain.reactivate(req.route_params["id"])).json_body())


@bp.route(route="api/admin/poison", methods=["GET"], auth_level=ANONYMOUS)
@admin
def admin_poison(req: func.HttpRequest) -> func.HttpResponse:
    """Each pipeline queue's poison messages (the first 32), whose they are and why they
    failed."""
    return json_response(services().poison.report().json_body())


@bp.route(
    route="api/admin/poison/{queue}/{messageId}/replay", methods=["POST"], auth_level=ANONYMOUS
)
@admin
def admin_poison_replay(req: func.HttpRequest) -> func.HttpResponse:
    """Put one poison message back on its queue and remove it from poison."""
    replayed = services().poison.replay(req.route_params["queue"], req.route_params["messageId"])
    return json_response(replayed.json_body())


@bp.route(route="api/admin/conversations", methods=["GET"], auth_level=ANONYMOUS)
@admin
def admin_conversations(req: func.HttpRequest) -> func.HttpResponse:
    state = req.params.get("state")
    try:
        state_filter = ConversationState(state) if state else None
    except ValueError:
        states = ", ".join(s.value for s in ConversationState)
        raise InvalidRequestError(f"state must be one of {states}", field="state") from None
    conversations, token = services().conversations.list_conversations(
        account_id=req.params.get("accountId") or None,
        state=state_filter,
        **page_args(req),
    )
    return json_response(paged({"conversations": [c.json_body() for c in conversations]}, token))


@bp.route(route="api/admin/conversations/{id}", methods=["GET"], auth_level=ANONYMOUS)
@admin
def admin_conversation(req: func.HttpRequest) -> func.HttpResponse:
    store = services().conversations
    conversation_id = req.route_params["id"]
    conversation = store.get(conversation_id)
    if conversation is None:
        raise not_found(f"conversation {conversation_id}")
    entries, token = store.transcript(conversation_id, **page_args(req, TRANSCRIPT_PAGE))
    body = conversation.json_body()
    body["messages"] = [TranscriptEntryView.of(e).json_body() for e in entries]
    return json_response(paged(body, token))


@bp.route(route="api/admin/conversations/{id}/timeline", methods=["GET"], auth_level=ANONYMOUS)
@admin
def admin_conversation_timeline(req: func.HttpRequest) -> func.HttpResponse:
    """Every step the conversation went through, with its time and outcome."""
    timeline = services().supervision.timeline(Actor(None), req.route_params["id"])
    return json_response(timeline.json_body())


@bp.route(route="api/admin/conversations/{id}/close", methods=["POST"], auth_level=ANONYMOUS)
@admin
def admin_conversation_close(req: func.HttpRequest) -> func.HttpResponse:
    """Close any conversation on its agent's behalf (``{"wrapUp": true}`` as for agents)."""
    request = parse_body(CloseRequest, req.get_body() or b"{}")
    closed = services().desk.close_as_admin(req.route_params["id"], request)
    return json_response(closed.json_body())


@bp.route(route="api/admin/conversations/{id}/transfer", methods=["POST"], auth_level=ANONYMOUS)
@admin
def admin_conversation_transfer(req: func.HttpRequest) -> func.HttpResponse:
    """Transfer any conversation to a queue or an agent, whoever holds it now."""
    request = parse_body(TransferRequest, req.get_body())
    moved = services().desk.transfer_as_admin(req.route_params["id"], request)
    return json_response(moved.json_body())


# --- queues, workstreams, agents -------------------------------------------------------------


def _collection(
    req: func.HttpRequest,
    key: str,
    create: Callable[[bytes], Any],
    list_all: Callable[[], list[Any]],
) -> func.HttpResponse:
    if req.method == "POST":
        return json_response(create(request_body(req)), 201)
    return json_response({key: [doc.json_body() for doc in list_all()]})


def _item(
    req: func.HttpRequest,
    get: Callable[[str], Any],
    update: Callable[[str, bytes], Any],
    delete: Callable[[str], None],
) -> func.HttpResponse:
    doc_id = req.route_params["id"]
    if req.method == "DELETE":
        delete(doc_id)
        return no_content()
    if req.method == "PATCH":
        return json_response(update(doc_id, request_body(req)).json_body())
    return json_response(get(doc_id).json_body())


@bp.route(route="api/admin/queues", methods=["GET", "POST"], auth_level=ANONYMOUS)
@admin
def admin_queues(req: func.HttpRequest) -> func.HttpResponse:
    s = services()
    return _collection(
        req,
        "queues",
        lambda body: s.routing_admin.create_queue(parse_body(QueueFields, body)).json_body(),
        s.catalog.queues.list_all,
    )


@bp.route(route="api/admin/queues/{id}", methods=["GET", "PATCH", "DELETE"], auth_level=ANONYMOUS)
@admin
def admin_queue(req: func.HttpRequest) -> func.HttpResponse:
    s = services()
    return _item(
        req,
        lambda qid: s.routing_admin.require(s.catalog.queues, qid, "queue"),
        lambda qid, body: s.routing_admin.update_queue(qid, parse_body(QueuePatch, body)),
        s.routing_admin.delete_queue,
    )


@bp.route(route="api/admin/capacity-profiles", methods=["GET", "POST"], auth_level=ANONYMOUS)
@admin
def admin_capacity_profiles(req: func.HttpRequest) -> func.HttpResponse:
    s = services()
    return _collection(
        req,
        "capacityProfiles",
        lambda body: s.routing_admin.create_profile(
            parse_body(CapacityProfileFields, body)
        ).json_body(),
        s.catalog.profiles.list_all,
    )


@bp.route(
    route="api/admin/capacity-profiles/{id}",
    methods=["GET", "PATCH", "DELETE"],
    auth_level=ANONYMOUS,
)
@admin
def admin_capacity_profile(req: func.HttpRequest) -> func.HttpResponse:
    s = services()
    return _item(
        req,
        lambda pid: s.routing_admin.require(s.catalog.profiles, pid, "capacity profile"),
        lambda pid, body: s.routing_admin.update_profile(
            pid, parse_body(CapacityProfilePatch, body)
        ),
        s.routing_admin.delete_profile,
    )


@bp.route(route="api/admin/workstreams", methods=["GET", "POST"], auth_level=ANONYMOUS)
@admin
def admin_workstreams(req: func.HttpRequest) -> func.HttpResponse:
    s = services()
    return _collection(
        req,
        "workstreams",
        lambda body: s.routing_admin.create_workstream(
            parse_body(WorkstreamFields, body)
        ).json_body(),
        s.catalog.workstreams.list_all,
    )


@bp.route(
    route="api/admin/workstreams/{id}", methods=["GET", "PATCH", "DELETE"], auth_level=ANONYMOUS
)
@admin
def admin_workstream(req: func.HttpRequest) -> func.HttpResponse:
    s = services()
    return _item(
        req,
        lambda wid: s.routing_admin.require(s.catalog.workstreams, wid, "workstream"),
        lambda wid, body: s.routing_admin.update_workstream(wid, parse_body(WorkstreamPatch, body)),
        s.routing_admin.delete_workstream,
    )


@bp.route(route="api/admin/workstreams/{id}/route-test", methods=["POST"], auth_level=ANONYMOUS)
@admin
def admin_workstream_route_test(req: func.HttpRequest) -> func.HttpResponse:
    """Dry run: the rule and queue a sample message would get; nothing is stored or sent."""
    s = services()
    request = parse_body(RouteTestRequest, request_body(req))
    result = RouteTester(s.catalog, s.clock, s.waiting).test(req.route_params["id"], request)
    return json_response(result.json_body())


@bp.route(route="api/admin/routing/fields", methods=["GET"], auth_level=ANONYMOUS)
@admin
def admin_routing_fields(req: func.HttpRequest) -> func.HttpResponse:
    """The fields, operators and value kinds conditions are built from."""
    return json_response(vocabulary().json_body())


@bp.route(route="api/admin/agents", methods=["GET", "POST"], auth_level=ANONYMOUS)
@admin
def admin_agents(req: func.HttpRequest) -> func.HttpResponse:
    s = services()

    def create(body: bytes) -> dict[str, Any]:
        agent, token = s.routing_admin.create_agent(parse_body(AgentFields, body))
        return {**AgentView.of(agent).json_body(), "token": token}

    return _collection(
        req, "agents", create, lambda: [AgentView.of(a) for a in s.catalog.agents.list_all()]
    )


@bp.route(route="api/admin/agents/{id}", methods=["GET", "PATCH", "DELETE"], auth_level=ANONYMOUS)
@admin
def admin_agent(req: func.HttpRequest) -> func.HttpResponse:
    s = services()
    return _item(
        req,
        lambda aid: AgentView.of(s.routing_admin.require(s.catalog.agents, aid, "agent")),
        lambda aid, body: AgentView.of(
            s.routing_admin.update_agent(aid, parse_body(AgentPatch, body))
        ),
        s.routing_admin.delete_agent,
    )


@bp.route(route="api/admin/agents/{id}/token", methods=["POST"], auth_level=ANONYMOUS)
@admin
def admin_agent_token(req: func.HttpRequest) -> func.HttpResponse:
    """Rotate the agent's token: the old one stops at once, the new one is answered this once."""
    agent, token = services().routing_admin.rotate_token(req.route_params["id"])
    return json_response({**AgentView.of(agent).json_body(), "token": token})


@bp.route(
    route="api/admin/customers/{accountId}/{openId}", methods=["DELETE"], auth_level=ANONYMOUS
)
@admin
def admin_erase_customer(req: func.HttpRequest) -> func.HttpResponse:
    """Erase one customer of one account (400: not an OpenID; 404: nothing of theirs)."""
    removed = services().eraser.erase_customer(
        req.route_params["accountId"], req.route_params["openId"]
    )
    return json_response({"removed": removed})


# --- template messages (docs/protocol.md §6.3) --------------------------------------------------


@bp.route(route="api/admin/accounts/{id}/templates", methods=["GET"], auth_level=ANONYMOUS)
@admin
def admin_account_templates(req: func.HttpRequest) -> func.HttpResponse:
    views = services().template_admin.list(req.route_params["id"])
    return json_response({"templates": [v.json_body() for v in views]})


@bp.route(
    route="api/admin/accounts/{id}/templates/{templateId}",
    methods=["GET", "PUT", "DELETE"],
    auth_level=ANONYMOUS,
)
@admin
def admin_account_template(req: func.HttpRequest) -> func.HttpResponse:
    """PUT registers or replaces the template WeChat numbered ``templateId``."""
    templates = services().template_admin
    account_id, template_id = req.route_params["id"], req.route_params["templateId"]
    if req.method == "DELETE":
        templates.delete(account_id, template_id)
        return no_content()
    if req.method == "PUT":
        fields = parse_body(TemplateFields, request_body(req))
        view, _ = templates.put(account_id, template_id, fields)
        return json_response(view.json_body())
    return json_response(templates.get(account_id, template_id).json_body())


@bp.route(route="api/admin/accounts/{id}/templates/import", methods=["POST"], auth_level=ANONYMOUS)
@admin
def admin_account_templates_import(req: func.HttpRequest) -> func.HttpResponse:
    """Copy the templates chosen in WeChat's console (``get_all_private_template``)."""
    request = parse_body(TemplateImport, request_body(req) or b"{}")
    result = services().template_admin.import_from_wechat(req.route_params["id"], request)
    return json_response(result.json_body())


# --- custom menus (shared/channel/menus.py) ---------------------------------------------------


@bp.route(route="api/admin/accounts/{id}/menu", methods=["GET", "PUT"], auth_level=ANONYMOUS)
@admin
def admin_account_menu(req: func.HttpRequest) -> func.HttpResponse:
    """The account's menu draft; PUT replaces it, checked against WeChat's limits."""
    menus = services().menus
    account_id = req.route_params["id"]
    if req.method == "PUT":
        return json_response(
            menus.save(account_id, parse_body(AccountMenu, request_body(req))).json_body()
        )
    return json_response(menus.view(account_id).json_body())


@bp.route(route="api/admin/accounts/{id}/menu/publish", methods=["POST"], auth_level=ANONYMOUS)
@admin
def admin_account_menu_publish(req: func.HttpRequest) -> func.HttpResponse:
    """``menu/create`` with the draft; 409 with WeChat's errcode when it refuses."""
    return json_response(services().menus.publish(req.route_params["id"]).json_body())


@bp.route(route="api/admin/accounts/{id}/menu/pull", methods=["POST"], auth_level=ANONYMOUS)
@admin
def admin_account_menu_pull(req: func.HttpRequest) -> func.HttpResponse:
    """Replace the draft with the menu WeChat has (``menu/get``)."""
    return json_response(services().menus.pull(req.route_params["id"]).json_body())


# --- permanent media (the account's material library) -----------------------------------------


@bp.route(route="api/admin/accounts/{id}/materials", methods=["GET", "POST"], auth_level=ANONYMOUS)
@admin
def admin_materials(req: func.HttpRequest) -> func.HttpResponse:
    """POST: a multipart form with the image in ``file`` (and a ``name``), or the image itself
    as the body (``?name=``); 201 with the material."""
    library = services().materials
    account_id = req.route_params["id"]
    if req.method == "GET":
        return json_response(MaterialList(materials=library.list(account_id)).json_body())
    if (req.headers.get("content-type") or "").lower().startswith("multipart/form-data"):
        filename, content = uploaded_file(req, "file", MATERIAL_MAX_BYTES)
        name = form_fields(req, "name").get("name")
    else:
        content = request_body(
            req, MATERIAL_MAX_BYTES, body_too_large(MATERIAL_MAX_BYTES, "an image")
        )
        name = req.params.get("name")
        filename = name or "image"
    material = library.upload(account_id, name, filename, content)
    return json_response(material.json_body(), 201)


@bp.route(
    route="api/admin/accounts/{id}/materials/{materialId}",
    methods=["DELETE"],
    auth_level=ANONYMOUS,
)
@admin
def admin_material(req: func.HttpRequest) -> func.HttpResponse:
    """Deletes it from WeChat's library too (``material/del_material``)."""
    services().materials.remove(req.route_params["id"], req.route_params["materialId"])
    return no_content()
