"""``GET /api/openapi.json``, the OpenAPI 3.1 document of the admin and agent routes, and
``GET /api/docs/``, a viewer for it (no login: the document describes, it grants nothing)."""

from __future__ import annotations

import azure.functions as func

from shared.web.api_docs import CONTENT_SECURITY_POLICY, ViewerNotBuiltError, viewer_file
from triggers.openapi import document
from triggers.responses import json_response

bp = func.Blueprint()
ANONYMOUS = func.AuthLevel.ANONYMOUS


@bp.route(route="api/openapi.json", methods=["GET"], auth_level=ANONYMOUS)
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(document())


@bp.route(route="api/docs/{file?}", methods=["GET"], auth_level=ANONYMOUS)
def api_docs(req: func.HttpRequest) -> func.HttpResponse:
    name = req.route_params.get("file") or ""
    if not name and not req.url.split("?", 1)[0].endswith("/"):
        # Relative to /api/docs the page's files would resolve under /api/.
        return func.HttpResponse(status_code=308, headers={"Location": "/api/docs/"})
    try:
        found = viewer_file(name)
    except ViewerNotBuiltError as error:
        return func.HttpResponse(str(error), status_code=503, mimetype="text/plain")
    if found is None:
        return func.HttpResponse("no such file", status_code=404, mimetype="text/plain")
    return func.HttpResponse(
        found.content,
        headers={
            "Content-Type": found.content_type,
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )
