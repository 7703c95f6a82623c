"""``GET /api/health``: liveness for load balancers and deploy checks; reveals nothing."""

from __future__ import annotations

import azure.functions as func

from .responses import json_response

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    return json_response({"status": "ok"})
