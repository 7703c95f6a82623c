"""``GET /api/files/{link}``: a file sent to a customer as a short-lived link (no login: the
signed link is the permission, and it expires)."""

from __future__ import annotations

import azure.functions as func
from azure.core.exceptions import ResourceNotFoundError

from shared.model.conversations import utc
from triggers.responses import file_response
from triggers.runtime import services

bp = func.Blueprint()


@bp.route(route="api/files/{link}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def shared_file(req: func.HttpRequest) -> func.HttpResponse:
    s = services()
    blob = s.links.blob(req.route_params["link"], utc(s.clock()))
    if blob is None:
        return func.HttpResponse("This link is not valid or has expired.", status_code=404)
    try:
        download = s.attachments.download_blob(blob)
    except ResourceNotFoundError:
        return func.HttpResponse("This file is no longer available.", status_code=404)
    return file_response(
        download.readall(),
        download.properties.content_settings.content_type or "application/octet-stream",
        blob.rsplit("/", 1)[-1],
    )
