"""``GET|POST /api/wechat/{accountId}``: WeChat's server URL (signatures, not bearer tokens)."""

from __future__ import annotations

import json

import azure.functions as func

from shared.callback import Answer

from .runtime import services

bp = func.Blueprint()


@bp.route(route="wechat/{accountId}", methods=["GET", "POST"], auth_level=func.AuthLevel.ANONYMOUS)
def wechat_callback(req: func.HttpRequest) -> func.HttpResponse:
    callback = services().callback
    account_id = req.route_params["accountId"]
    if req.method == "GET":
        return _response(callback.verify(account_id, req.params))
    return _response(callback.receive(account_id, req.params, req.get_body()))


def _response(answer: Answer) -> func.HttpResponse:
    if answer.error_code is None:
        return func.HttpResponse(answer.body, status_code=answer.status, mimetype="text/plain")
    error = {"error": {"code": answer.error_code, "message": answer.body}}
    return func.HttpResponse(
        json.dumps(error), status_code=answer.status, mimetype="application/json"
    )
