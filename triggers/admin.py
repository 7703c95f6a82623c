"""``/api/admin/*``: accounts and the supervisor's view of conversations, behind ADMIN_TOKEN."""

from __future__ import annotations

import azure.functions as func

from shared.accounts import AccountCreate, AccountPatch
from shared.api import (
    ApiError,
    decode_page_token,
    encode_page_token,
    not_found,
    page_size,
    parse_body,
)
from shared.conversations import ConversationState, TranscriptEntryView

from .responses import admin, json_response, no_content
from .runtime import services

bp = func.Blueprint()
ANONYMOUS = func.AuthLevel.ANONYMOUS  # the admin token is checked by @admin


@bp.route(route="admin/accounts", methods=["GET", "POST"], auth_level=ANONYMOUS)
@admin
def admin_accounts(req: func.HttpRequest) -> func.HttpResponse:
    registry = services().accounts
    if req.method == "POST":
        account = registry.register(parse_body(AccountCreate, req.get_body()))
        return json_response(registry.view(account).json_body(), 201)
    return json_response({"accounts": [registry.view(a).json_body() for a in registry.list()]})


@bp.route(route="admin/accounts/{id}", methods=["GET", "PATCH", "DELETE"], auth_level=ANONYMOUS)
@admin
def admin_account(req: func.HttpRequest) -> func.HttpResponse:
    registry = services().accounts
    account_id = req.route_params["id"]
    if req.method == "DELETE":
        registry.remove(account_id)
        return no_content()
    if req.method == "PATCH":
        account = registry.update(account_id, parse_body(AccountPatch, req.get_body()))
    else:
        account = registry.get(account_id)
    return json_response(registry.view(account).json_body())


@bp.route(route="admin/accounts/{id}/callback", methods=["GET"], auth_level=ANONYMOUS)
@admin
def admin_account_callback(req: func.HttpRequest) -> func.HttpResponse:
    registry = services().accounts
    account = registry.get(req.route_params["id"])
    return json_response(registry.callback(account.id).json_body())


@bp.route(route="admin/conversations", methods=["GET"], auth_level=ANONYMOUS)
@admin
def admin_conversations(req: func.HttpRequest) -> func.HttpResponse:
    state = req.params.get("state")
    try:
        state_filter = ConversationState(state) if state else None
    except ValueError:
        states = ", ".join(s.value for s in ConversationState)
        raise ApiError(
            400, "invalid_request", f"state must be one of {states}", field="state"
        ) from None
    conversations, token = services().conversations.list(
        account_id=req.params.get("accountId") or None,
        state=state_filter,
        limit=page_size(req.params.get("limit")),
        page_token=decode_page_token(req.params.get("continuationToken")),
    )
    body = {"conversations": [c.json_body() for c in conversations]}
    if next_token := encode_page_token(token):
        body["continuationToken"] = next_token
    return json_response(body)


@bp.route(route="admin/conversations/{id}", methods=["GET"], auth_level=ANONYMOUS)
@admin
def admin_conversation(req: func.HttpRequest) -> func.HttpResponse:
    store = services().conversations
    conversation_id = req.route_params["id"]
    conversation = store.get(conversation_id)
    if conversation is None:
        raise not_found(f"conversation {conversation_id}")
    entries, token = store.transcript(
        conversation_id,
        limit=page_size(req.params.get("limit"), default=200, maximum=1000),
        page_token=decode_page_token(req.params.get("continuationToken")),
    )
    body = conversation.json_body()
    body["messages"] = [TranscriptEntryView.of(e).json_body() for e in entries]
    if next_token := encode_page_token(token):
        body["continuationToken"] = next_token
    return json_response(body)
