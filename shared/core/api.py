"""Host-free request and response shapes for the HTTP surfaces (docs/architecture.md §5).

Use cases raise ``ApiError``; triggers turn it into ``{"error": {"code", "message"}}`` with
its status. Request bodies are parsed into pydantic models whose errors name the JSON field.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.alias_generators import to_camel

from shared.core import base64url

MAX_JSON_BODY = 256 * 1024
FORM_OVERHEAD = 64 * 1024
"""Room in a multipart upload for the boundaries and part headers around the file."""

Model = TypeVar("Model", bound=BaseModel)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"error": error}


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} was not found")


ROUTE_ID = re.compile(r"[A-Za-z0-9_.:~-]{1,256}")
"""What an id in a route can look like: accounts', conversations' and transcript lines' ids
(and OpenIDs) all do. Anything else (a ``%2F``, a control character) is refused before it
reaches a storage key."""


def check_route_ids(route_params: Mapping[str, str]) -> None:
    for name, value in route_params.items():
        if not ROUTE_ID.fullmatch(value):
            raise ApiError(
                400,
                "invalid_request",
                f"{name} is not an id: at most 256 letters, digits and _ . : ~ -",
                field=name,
            )


def unknown_reference(field: str, what: str, value: str) -> ApiError:
    """A body that names something which does not exist: well formed, so not
    ``invalid_request``, and no schema could have said so."""
    return ApiError(400, "unknown_reference", f"{field}: no {what} {value}", field=field)


class ApiModel(BaseModel):
    """JSON in camelCase, unknown fields refused (a typo should not be silently ignored), and
    text kept as sent: stripping spaces would both change what an agent wrote and make the
    document's length limits untrue."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    def json_body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class ViewModel(ApiModel):
    """A response body: camelCase out, built by us (so nothing to refuse or strip)."""

    model_config = ConfigDict(extra="ignore")


def body_too_large(limit: int, what: str = "the request body") -> ApiError:
    size = f"{limit // 2**20} MB" if limit % 2**20 == 0 else f"{limit} bytes"
    return ApiError(413, "body_too_large", f"{what} may be at most {size}")


def declared_size(headers: Mapping[str, str]) -> int | None:
    """The request's Content-Length, None without one (a chunked body); 400 if it is not a
    byte count. Size limits are checked against it before anything reads or parses the body."""
    declared = headers.get("content-length")
    if declared is None:
        return None
    declared = declared.strip()
    if not (declared.isascii() and declared.isdigit()):
        raise ApiError(400, "invalid_request", "Content-Length must be a whole number of bytes")
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
        raise ApiError(400, "invalid_json", "request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "request body must be a JSON object")
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


def validation_error(error: ValidationError) -> ApiError:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    kind = first["type"]
    if kind == "missing":
        message = f"{field} is required"
    elif kind == "extra_forbidden":
        message = f"{field} is not a known field"
    elif kind == "value_error":  # our own rules, written to follow the field's name
        text = first["msg"].removeprefix("Value error, ")
        message = f"{field} {text}" if field else text
    else:
        message = f"{field}: {first['msg']}" if field else first["msg"]
    return ApiError(400, "invalid_request", message, field=field)


def bearer_token(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def tokens_match(expected: str, given: str) -> bool:
    """Constant-time comparison that also hides the expected token's length."""
    return hmac.compare_digest(
        hashlib.sha256(expected.encode()).digest(), hashlib.sha256(given.encode()).digest()
    )


def require_admin(headers: Mapping[str, str], admin_token: str) -> None:
    """401 without a bearer token, 403 with a wrong one."""
    token = bearer_token(headers)
    if token is None:
        raise ApiError(
            401, "unauthorized", "an Authorization: Bearer <ADMIN_TOKEN> header is needed"
        )
    if not tokens_match(admin_token, token):
        raise ApiError(403, "forbidden", "the bearer token is not the admin token")


def encode_page_token(token: Any) -> str | None:
    if not token:
        return None
    return base64url.encode(json.dumps(token).encode())


_PAGE_TOKEN_KEYS = frozenset({"PartitionKey", "RowKey"})
_PAGE_TOKEN_PART = re.compile(r"[!-~]{1,1024}")  # printable ASCII, as Table storage's keys are


def decode_page_token(text: str | None) -> Any:
    """A ``continuationToken`` we handed out → Table storage's next-page keys.

    Only the shape we hand out is accepted: anything else (a list, a number, unknown keys,
    text that could not go into a request header) would otherwise reach the storage SDK and
    fail there as a server error.
    """
    if not text:
        return None
    malformed = ApiError(
        400,
        "invalid_request",
        "continuationToken is malformed: pass the value of a previous answer's continuationToken",
        field="continuationToken",
    )
    try:
        token = json.loads(base64url.decode(text))
    except (binascii.Error, ValueError, RecursionError):
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
        raise ApiError(
            400, "invalid_request", "limit must be a whole number", field="limit"
        ) from None
    if not 1 <= size <= maximum:
        raise ApiError(400, "invalid_request", f"limit must be from 1 to {maximum}", field="limit")
    return size


def one_of(*names: str) -> dict[str, Any]:
    """The JSON Schema for "exactly one of these fields" (camelCase names), where a field that
    is null counts as not given, as it does for the model."""
    return {
        "oneOf": [
            {"required": [name], "properties": {name: {"not": {"type": "null"}}}} for name in names
        ]
    }


def omitted() -> Any:
    """The default of a PATCH field: left out, it is unchanged. ``null`` is refused unless the
    field's own type allows it (the OpenAPI document then shows no default)."""
    return Field(default=None)


def patch_of(model: type[ApiModel], name: str) -> type[ApiModel]:
    """The body of a PATCH for ``model``: the same fields and constraints, all optional, and
    nullable only where the field itself is (``null`` then clears it).

    Cross-field rules belong in the full model, which validates the merged result.
    """
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        annotation: Any = info.annotation
        if info.metadata:
            annotation = Annotated[annotation, *info.metadata]
        fields[field_name] = (
            annotation,
            Field(default=None, json_schema_extra=info.json_schema_extra),
        )
    return create_model(name, __base__=ApiModel, **fields)


def merged(current: Model, patch: BaseModel, **extra: Any) -> Model:
    """``current`` with the fields ``patch`` set (explicit nulls included), validated again."""
    try:
        return type(current).model_validate(
            {**current.model_dump(), **patch.model_dump(exclude_unset=True), **extra}
        )
    except ValidationError as error:
        raise validation_error(error) from None
