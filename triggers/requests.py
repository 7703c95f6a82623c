"""Reading an HTTP request: body size limits, JSON bodies into models, bearer tokens, route
ids and the paging parameters. Host-free (no settings, no services), so tests import it as is."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError

from shared.core import base64url
from shared.core.bearer_tokens import bearer_tokens_match
from shared.core.errors import ForbiddenError, InvalidRequestError, TooLargeError, UnauthorizedError
from shared.core.ids import ROUTE_ID
from shared.core.schema import validation_error

MAX_JSON_BODY = 256 * 1024
FORM_OVERHEAD = 64 * 1024
"""Room in a multipart upload for the boundaries and part headers around the file."""

Model = TypeVar("Model", bound=BaseModel)


def check_route_ids(route_params: Mapping[str, str]) -> None:
    for name, value in route_params.items():
        if not ROUTE_ID.fullmatch(value):
            raise InvalidRequestError(
                f"{name} is not an id: at most 256 letters, digits and _ . : ~ -",
                field=name,
            )


def body_too_large(limit: int, what: str = "the request body") -> TooLargeError:
    size = f"{limit // 2**20} MB" if limit % 2**20 == 0 else f"{limit} bytes"
    return TooLargeError(f"{what} may be at most {size}")


def declared_size(headers: Mapping[str, str]) -> int | None:
    """The request's Content-Length, None without one (a chunked body); 400 if it is not a
    byte count. Size limits are checked against it before anything reads or parses the body."""
    declared = headers.get("content-length")
    if declared is None:
        return None
    declared = declared.strip()
    if not (declared.isascii() and declared.isdigit()):
        raise InvalidRequestError("Content-Length must be a whole number of bytes")
    return int(declared)


def parse_body(model: type[Model], body: bytes) -> Model:
    """JSON request body → ``model``, or a 400 that names the first bad field.

    Validation is strict, as the OpenAPI document says: ``false`` is not a capacity, ``0`` is
    not a boolean and ``"3"`` is not a number. (Dates and durations come as ISO 8601 text.)
    """
    if len(body) > MAX_JSON_BODY:
        raise body_too_large(MAX_JSON_BODY)
    try:
        data = json.loads(body or b"null", parse_float=_json_number, parse_constant=_refuse)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidRequestError("request body is not valid JSON", code="invalid_json") from None
    if not isinstance(data, dict):
        raise InvalidRequestError("request body must be a JSON object", code="invalid_json")
    try:
        return model.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as error:
        raise validation_error(error) from None


def _json_number(text: str) -> int | float:
    """A JSON number with a fraction or exponent: ``3.0`` is the integer 3, as JSON Schema says
    (strict validation would refuse it for an integer field), and nothing overflows to inf."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("out of range")
    return int(number) if number.is_integer() else number


def _refuse(text: str) -> None:
    """``NaN`` and ``Infinity`` are not JSON, whatever Python's json module accepts."""
    raise ValueError(text)


def bearer_token(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def required_token(headers: Mapping[str, str], placeholder: str) -> str:
    """The bearer token; 401 without one, naming the header to send
    (``Authorization: Bearer <placeholder>``)."""
    token = bearer_token(headers)
    if token is None:
        raise UnauthorizedError(f"an Authorization: Bearer {placeholder} header is needed")
    return token


def require_admin(headers: Mapping[str, str], admin_token: str) -> None:
    """401 without a bearer token, 403 with a wrong one."""
    token = required_token(headers, "<ADMIN_TOKEN>")
    if not bearer_tokens_match(admin_token, token):
        raise ForbiddenError("the bearer token is not the admin token")


def encode_continuation(token: Any) -> str | None:
    if not token:
        return None
    return base64url.encode(json.dumps(token).encode())


_PAGE_TOKEN_KEYS = frozenset({"PartitionKey", "RowKey"})
_PAGE_TOKEN_PART = re.compile(r"[!-~]{1,1024}")  # printable ASCII, as Table storage's keys are


def decode_continuation(text: str | None) -> Any:
    """A ``continuationToken`` we handed out → Table storage's next-page keys.

    Only the shape we hand out is accepted: anything else (a list, a number, unknown keys,
    text that could not go into a request header) would otherwise reach the storage SDK and
    fail there as a server error.
    """
    if not text:
        return None
    malformed = InvalidRequestError(
        "continuationToken is malformed: pass the value of a previous answer's continuationToken",
        field="continuationToken",
    )
    try:
        token = json.loads(base64url.decode(text))
    except (ValueError, RecursionError):  # base64url.Base64UrlError is a ValueError
        raise malformed from None
    if not (
        isinstance(token, dict)
        and token
        and token.keys() <= _PAGE_TOKEN_KEYS
        and all(
            part is None or (isinstance(part, str) and _PAGE_TOKEN_PART.fullmatch(part))
            for part in token.values()
        )
    ):
        raise malformed
    return token


class PageSize(NamedTuple):
    """How many items a page holds when ``limit`` is not given, and at most."""

    default: int
    maximum: int


LIST_PAGE = PageSize(50, 200)
TRANSCRIPT_PAGE = PageSize(200, 1000)


def page_size(value: str | None, default: int = 50, maximum: int = 200) -> int:
    if value is None:
        return default
    try:
        size = int(value)
    except ValueError:
        raise InvalidRequestError("limit must be a whole number", field="limit") from None
    if not 1 <= size <= maximum:
        raise InvalidRequestError(f"limit must be from 1 to {maximum}", field="limit")
    return size
