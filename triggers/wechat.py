"""``GET|POST /api/wechat/{accountId}``: WeChat's server URL (signatures, not bearer tokens)."""

from __future__ import annotations

import azure.functions as func

from shared.channel.callback import Answer
from shared.channel.callback_ips import forwarded_client
from shared.core.errors import NotFoundError
from shared.core.ids import ROUTE_ID
from shared.core.log_dimensions import log_dimensions
from shared.core.telemetry import tracer
from triggers.errors import error_body, status_of
from triggers.responses import json_response
from triggers.runtime import services

bp = func.Blueprint()


@bp.route(
    route="api/wechat/{accountId}", methods=["GET", "POST"], auth_level=func.AuthLevel.ANONYMOUS
)
def wechat_callback(req: func.HttpRequest) -> func.HttpResponse:
    callback = services().callback
    account_id = req.route_params["accountId"]
    if not ROUTE_ID.fullmatch(account_id):
        return _response(Answer.refused(NotFoundError("no such account")))
    client = forwarded_client(req.headers)
    # No URL on the span: WeChat's signatures are in its query string.
    with (
        tracer.start_as_current_span("wechat callback") as span,
        log_dimensions(account_id=account_id),
    ):
        if req.method == "GET":
            answer = callback.verify(account_id, req.params, client)
        else:
            answer = callback.receive(account_id, req.params, req.get_body(), client)
        response = _response(answer)
        span.set_attribute("http.response.status_code", response.status_code)
        return response


def _response(answer: Answer) -> func.HttpResponse:
    if answer.refusal is None:
        return func.HttpResponse(answer.body, mimetype="text/plain")
    # Not error_response: a bad signature is not a missing bearer token (no WWW-Authenticate).
    return json_response(error_body(answer.refusal), status_of(answer.refusal))
