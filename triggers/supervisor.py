"""``/api/supervisor/*``: the supervisor's view, behind the admin token or a supervisor agent's
token (who sees only the queues they supervise)."""

from __future__ import annotations

import azure.functions as func

from shared.desk.work import CloseRequest, TransferRequest
from triggers.requests import parse_body
from triggers.responses import api, caller, json_response, no_content, request_body
from triggers.runtime import services

bp = func.Blueprint()
ANONYMOUS = func.AuthLevel.ANONYMOUS  # tokens are checked by the workspace, scopes here


@bp.route(route="api/supervisor/overview", methods=["GET"], auth_level=ANONYMOUS)
@api
def supervisor_overview(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(services().supervision.overview(caller(req)).json_body())


@bp.route(route="api/supervisor/changes", methods=["GET"], auth_level=ANONYMOUS)
@api
def supervisor_changes(req: func.HttpRequest) -> func.HttpResponse:
    """204 while nothing the supervisor's view shows has changed since ``since``."""
    changes = services().supervision.changes(caller(req), req.params.get("since"))
    return no_content() if changes is None else json_response(changes.json_body())


@bp.route(route="api/supervisor/conversations", methods=["GET"], auth_level=ANONYMOUS)
@api
def supervisor_conversations(req: func.HttpRequest) -> func.HttpResponse:
    found = services().supervision.conversations(
        caller(req),
        queue_id=req.params.get("queueId") or None,
        agent_id=req.params.get("agentId") or None,
        state=req.params.get("state") or None,
    )
    return json_response(found.json_body())


@bp.route(route="api/supervisor/conversations/{id}/timeline", methods=["GET"], auth_level=ANONYMOUS)
@api
def supervisor_timeline(req: func.HttpRequest) -> func.HttpResponse:
    """The timeline of a conversation in the supervisor's queues (see the admin route)."""
    timeline = services().supervision.timeline(caller(req), req.route_params["id"])
    return json_response(timeline.json_body())


@bp.route(route="api/supervisor/conversations/{id}/close", methods=["POST"], auth_level=ANONYMOUS)
@api
def supervisor_close(req: func.HttpRequest) -> func.HttpResponse:
    actor = caller(req)  # who asks, before what they ask
    request = parse_body(CloseRequest, request_body(req) or b"{}")
    closed = services().supervision.close(actor, req.route_params["id"], request)
    return json_response(closed.json_body())


@bp.route(
    route="api/supervisor/conversations/{id}/transfer", methods=["POST"], auth_level=ANONYMOUS
)
@api
def supervisor_transfer(req: func.HttpRequest) -> func.HttpResponse:
    actor = caller(req)
    request = parse_body(TransferRequest, request_body(req))
    moved = services().supervision.transfer(actor, req.route_params["id"], request)
    return json_response(moved.json_body())
