"""``GET /api/health``: whether the app runs and its storage answers, for load balancers and
deploy checks; reveals nothing else."""

from __future__ import annotations

import azure.functions as func

from triggers.responses import json_response
from triggers.runtime import services

bp = func.Blueprint()


@bp.route(route="api/health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    storage = services().health.check()
    healthy = all(storage.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "storage": {name: "ok" if up else "unavailable" for name, up in storage.items()},
    }
    return json_response(body, 200 if healthy else 503)
