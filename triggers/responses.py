"""Request and response plumbing shared by the HTTP blueprints (DESIGN.md §5)."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import azure.functions as func

from shared.api import ApiError, decode_page_token, encode_page_token, page_size, require_admin

from .runtime import services

log = logging.getLogger(__name__)

Handler = Callable[[func.HttpRequest], func.HttpResponse]


def json_response(body: Any, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        mimetype="application/json",
        charset="utf-8",
    )


def error_response(error: ApiError) -> func.HttpResponse:
    response = json_response(error.body(), error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def no_content() -> func.HttpResponse:
    return func.HttpResponse(status_code=204)


def file_response(
    content: bytes,
    content_type: str,
    filename: str,
    extra_headers: Mapping[str, str] | None = None,
) -> func.HttpResponse:
    """A download: saved as ``filename``, never sniffed into something the browser would run."""
    return func.HttpResponse(
        content,
        mimetype=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            **(extra_headers or {}),
        },
    )


def page_args(req: func.HttpRequest, default: int = 50, maximum: int = 200) -> dict[str, Any]:
    """``limit`` and ``continuationToken`` from the query, as ``limit``/``page_token`` kwargs."""
    return {
        "limit": page_size(req.params.get("limit"), default=default, maximum=maximum),
        "page_token": decode_page_token(req.params.get("continuationToken")),
    }


def paged(body: dict[str, Any], token: Any) -> dict[str, Any]:
    """``body``, with a ``continuationToken`` when there is a next page."""
    if next_token := encode_page_token(token):
        body["continuationToken"] = next_token
    return body


def api(handler: Handler) -> Handler:
    """Turn ``ApiError`` into its JSON answer."""

    @functools.wraps(handler)
    def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        try:
            return handler(req)
        except ApiError as error:
            return error_response(error)

    return wrapper


def admin(handler: Handler) -> Handler:
    """``api``, behind ``Authorization: Bearer <ADMIN_TOKEN>``."""

    @api
    @functools.wraps(handler)
    def guarded(req: func.HttpRequest) -> func.HttpResponse:
        require_admin(req.headers, services().settings.admin_token.get_secret_value())
        return handler(req)

    return guarded
