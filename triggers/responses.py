"""Request and response plumbing shared by the HTTP blueprints (DESIGN.md §5)."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

import azure.functions as func

from shared.api import ApiError, require_admin

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

    @functools.wraps(handler)
    def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        try:
            require_admin(req.headers, services().settings.admin_token.get_secret_value())
            return handler(req)
        except ApiError as error:
            return error_response(error)

    return wrapper
