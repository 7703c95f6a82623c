"""The pydantic bases of what the APIs read and answer, and the JSON Schema helpers they use.

JSON is camelCase throughout. A model that fails validation becomes an ``InvalidRequestError`` that
names the first bad field (``validation_error``), whether it came from a request body or from
merging a PATCH into a stored document.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.alias_generators import to_camel

from shared.core.errors import InvalidRequestError

Model = TypeVar("Model", bound=BaseModel)


class CamelModel(BaseModel):
    """A record whose JSON is camelCase (``json_body``); snake_case names work in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    def json_body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class ApiModel(CamelModel):
    """JSON we are sent (request bodies, a bot's answer): unknown fields refused (a typo
    should not be silently ignored), and text kept as sent: stripping spaces would both change
    what an agent wrote and make the document's length limits untrue."""

    model_config = ConfigDict(extra="forbid")


class ViewModel(CamelModel):
    """A response body: camelCase out, built by us (so nothing to refuse or strip)."""

    model_config = ConfigDict(extra="ignore")


def validation_error(error: ValidationError) -> InvalidRequestError:
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
    return InvalidRequestError(message, field=field)


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
    """``current`` with the fields ``patch`` set (explicit nulls included), validated again.
    Validated by the API's names, so a refusal names the field as the request spelled it."""
    fields = type(current).model_fields
    data = {
        **current.model_dump(by_alias=True),
        **patch.model_dump(exclude_unset=True, by_alias=True),
        **{fields[name].alias or name: value for name, value in extra.items()},
    }
    try:
        return type(current).model_validate(data)
    except ValidationError as error:
        raise validation_error(error) from None
