"""``GET /api/openapi.json``: the OpenAPI 3.1 document of the admin and agent routes."""

from __future__ import annotations

import azure.functions as func

from shared.openapi import document

from .responses import json_response

bp = func.Blueprint()


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(document())
