"""Request and response plumbing shared by the HTTP blueprints (docs/architecture.md §5)."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import azure.functions as func

from shared.core.errors import DomainError, InvalidRequestError, TooLargeError
from shared.core.files import DOWNLOAD_HEADERS, content_disposition, served_type
from shared.desk.workspace import Actor
from triggers.errors import error_body, status_of
from triggers.requests import (
    FORM_OVERHEAD,
    LIST_PAGE,
    MAX_JSON_BODY,
    PageSize,
    body_too_large,
    check_route_ids,
    declared_size,
    decode_continuation,
    encode_continuation,
    page_size,
    require_admin,
    required_token,
)
from triggers.runtime import services

log = logging.getLogger(__name__)

Handler = Callable[[func.HttpRequest], func.HttpResponse]


def json_response(body: Any, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        mimetype="application/json",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


def error_response(error: DomainError) -> func.HttpResponse:
    status = status_of(error)
    response = json_response(error_body(error), status)
    if status == 401:
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
    """A download: saved as ``filename``, served as itself only if it is displayable media,
    sandboxed and never sniffed into something the browser would run."""
    return func.HttpResponse(
        content,
        mimetype=served_type(content_type),
        headers={
            **(extra_headers or {}),
            **DOWNLOAD_HEADERS,
            "Content-Disposition": content_disposition(filename),
        },
    )


def request_body(
    req: func.HttpRequest, limit: int = MAX_JSON_BODY, too_large: TooLargeError | None = None
) -> bytes:
    """The body, refused with 413 (``too_large``) when it is over ``limit`` bytes: by its
    Content-Length before it is touched, or, without one (chunked), by the size the host
    delivered (the host's own limit, FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, bounds that)."""
    too_large = too_large or body_too_large(limit)
    declared = declared_size(req.headers)
    if declared is not None and declared > limit:
        raise too_large
    body = req.get_body()
    if len(body) > limit:
        raise too_large
    return body


def uploaded_file(req: func.HttpRequest, field: str, limit: int) -> tuple[str, bytes]:
    """(file name, content) of the multipart form's ``field``, at most ``limit`` bytes: the
    form's size is checked before it is parsed, and no more of the file than that is read."""
    too_large = body_too_large(limit, "a file")
    request_body(req, limit + FORM_OVERHEAD, too_large)
    upload = req.files.get(field)
    if upload is None:
        raise InvalidRequestError(f"the form has no {field} field", field=field)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise too_large
    return upload.filename or "file", content


def optional_file(req: func.HttpRequest, field: str, limit: int) -> tuple[str, bytes] | None:
    """(file name, content) of a second, optional file of a form ``uploaded_file`` has read
    (its size checked there), or None when the form has no ``field``."""
    upload = req.files.get(field)
    if upload is None:
        return None
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise body_too_large(limit, f"the {field} file")
    return upload.filename or field, content


def form_fields(req: func.HttpRequest, *names: str) -> dict[str, str]:
    """The form's text fields among ``names``, by name, as sent (absent ones left out)."""
    return {name: value for name in names if (value := req.form.get(name)) is not None}


def page_args(req: func.HttpRequest, size: PageSize = LIST_PAGE) -> dict[str, Any]:
    """``limit`` and ``continuationToken`` from the query, as ``limit``/``page_token`` kwargs."""
    return {
        "limit": page_size(req.params.get("limit"), *size),
        "page_token": decode_continuation(req.params.get("continuationToken")),
    }


def paged(body: dict[str, Any], token: Any) -> dict[str, Any]:
    """``body``, with a ``continuationToken`` when there is a next page."""
    if next_token := encode_continuation(token):
        body["continuationToken"] = next_token
    return body


def api(handler: Handler) -> Handler:
    """Turn a ``DomainError`` into its JSON answer (any other exception is the host's 500); a
    route value that is no id is refused at once."""

    @functools.wraps(handler)
    def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        try:
            check_route_ids(req.route_params)
            return handler(req)
        except DomainError as error:
            return error_response(error)

    return wrapper


def caller(req: func.HttpRequest) -> Actor:
    """Who calls the agent or supervisor API: the agent whose token it is, or the admin."""
    return services().workspace.actor(required_token(req.headers, "<agent token>"))


def admin(handler: Handler) -> Handler:
    """``api``, behind ``Authorization: Bearer <ADMIN_TOKEN>``."""

    @api
    @functools.wraps(handler)
    def guarded(req: func.HttpRequest) -> func.HttpResponse:
        require_admin(req.headers, services().settings.admin_token.get_secret_value())
        return handler(req)

    return guarded
