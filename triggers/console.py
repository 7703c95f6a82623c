"""``GET /console/…``: the web console, from the same app as the API; ``GET /`` redirects to it.

No login here: the console's page and scripts are public, and every call they make to the API
carries the signed-in person's token."""

from __future__ import annotations

import azure.functions as func

from shared.core.errors import not_found
from shared.web.console_files import CONTENT_SECURITY_POLICY, ConsoleNotBuiltError, console_file
from triggers.responses import error_response

bp = func.Blueprint()
ANONYMOUS = func.AuthLevel.ANONYMOUS

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


@bp.route(route="console/{*path}", methods=["GET"], auth_level=ANONYMOUS)
def console(req: func.HttpRequest) -> func.HttpResponse:
    try:
        found = console_file(req.route_params.get("path") or "")
    except ConsoleNotBuiltError as error:
        return func.HttpResponse(str(error), status_code=503, mimetype="text/plain")
    if found is None:
        return func.HttpResponse("no such file", status_code=404, mimetype="text/plain")
    return func.HttpResponse(
        found.content,
        headers={
            **HEADERS,
            "Content-Type": found.content_type,
            "Cache-Control": found.cache_control,
        },
    )


@bp.route(route="{*path}", methods=["GET"], auth_level=ANONYMOUS)
def home(req: func.HttpRequest) -> func.HttpResponse:
    """``/`` is the console; any other path no route takes is a 404, as the host answers."""
    if req.route_params.get("path"):
        return error_response(not_found("this page"))
    return func.HttpResponse(status_code=302, headers={"Location": "/console/"})
