"""``GET|POST /api/wechat/{accountId}``: WeChat's server URL (signatures, not bearer tokens)."""

from __future__ import annotations

import time

import azure.functions as func

from shared.channel.callback import Answer
from shared.channel.callback_ips import forwarded_client
from shared.core import metrics
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
    started = time.perf_counter()
    account_id = req.route_params["accountId"]
    # No URL on the span: WeChat's signatures are in its query string.
    with (
        tracer.start_as_current_span("wechat callback") as span,
        log_dimensions(account_id=account_id),
    ):
        try:
            answer = _answer(req, account_id)
        except Exception:
            metrics.callback_answered(account_id, req.method, None, started, failed=True)
            raise
        response = _response(answer)
        span.set_attribute("http.response.status_code", response.status_code)
    metrics.callback_answered(account_id, req.method, answer.refusal, started)
    return response


def _answer(req: func.HttpRequest, account_id: str) -> Answer:
    callback = services().callback
    if not ROUTE_ID.fullmatch(account_id):
        return Answer.refused(NotFoundError("no such account"))
    client = forwarded_client(req.headers)
    if req.method == "GET":
        return callback.verify(account_id, req.params, client)
    return callback.receive(account_id, req.params, req.get_body(), client)


def _response(answer: Answer) -> func.HttpResponse:
    if answer.refusal is None:
        return func.HttpResponse(answer.body, mimetype="text/plain")
    # Not error_response: a bad signature is not a missing bearer token (no WWW-Authenticate).
    return json_response(error_body(answer.refusal), status_of(answer.refusal))
