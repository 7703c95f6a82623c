"""``/api/agent/*``: an agent's own desk, behind the agent's bearer token."""

from __future__ import annotations

import azure.functions as func

from shared.agents import AgentView
from shared.api import page_size, parse_body
from shared.desk import CloseRequest, PresenceChange, TransferRequest

from .responses import api, json_response
from .runtime import services

bp = func.Blueprint()
ANONYMOUS = func.AuthLevel.ANONYMOUS  # the agent token is checked by desk.authenticate


@bp.route(route="agent/me", methods=["GET"], auth_level=ANONYMOUS)
@api
def agent_me(req: func.HttpRequest) -> func.HttpResponse:
    agent = services().desk.authenticate(req.headers)
    return json_response(AgentView.of(agent).json_body())


@bp.route(route="agent/presence", methods=["PUT"], auth_level=ANONYMOUS)
@api
def agent_presence(req: func.HttpRequest) -> func.HttpResponse:
    desk = services().desk
    agent = desk.authenticate(req.headers)
    updated = desk.set_presence(agent, parse_body(PresenceChange, req.get_body()))
    return json_response(AgentView.of(updated).json_body())


@bp.route(route="agent/queue", methods=["GET"], auth_level=ANONYMOUS)
@api
def agent_queue(req: func.HttpRequest) -> func.HttpResponse:
    desk = services().desk
    agent = desk.authenticate(req.headers)
    waiting = desk.queue(agent, limit=page_size(req.params.get("limit")))
    return json_response({"conversations": [c.json_body() for c in waiting]})


@bp.route(route="agent/conversations/{id}/pick", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_pick(req: func.HttpRequest) -> func.HttpResponse:
    desk = services().desk
    agent = desk.authenticate(req.headers)
    return json_response(desk.pick(agent, req.route_params["id"]).json_body())


@bp.route(route="agent/conversations/{id}/park", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_park(req: func.HttpRequest) -> func.HttpResponse:
    desk = services().desk
    agent = desk.authenticate(req.headers)
    return json_response(desk.park(agent, req.route_params["id"]).json_body())


@bp.route(route="agent/conversations/{id}/close", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_close(req: func.HttpRequest) -> func.HttpResponse:
    desk = services().desk
    agent = desk.authenticate(req.headers)
    request = parse_body(CloseRequest, req.get_body() or b"{}")
    return json_response(desk.close(agent, req.route_params["id"], request).json_body())


@bp.route(route="agent/conversations/{id}/transfer", methods=["POST"], auth_level=ANONYMOUS)
@api
def agent_transfer(req: func.HttpRequest) -> func.HttpResponse:
    desk = services().desk
    agent = desk.authenticate(req.headers)
    request = parse_body(TransferRequest, req.get_body())
    return json_response(desk.transfer(agent, req.route_params["id"], request).json_body())
