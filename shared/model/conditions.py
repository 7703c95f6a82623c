"""Routing conditions: the JSON an admin writes to say which conversations a rule takes.

``{"all": [...]}``, ``{"any": [...]}``, ``{"not": ...}`` or a comparison
``{"field": "message.text", "op": "contains", "value": "退款", "ignoreCase": false}``.

A condition is checked and compiled when it is saved (or loaded), so a typo is refused with the
JSON path of the bad piece, and evaluating it for each new conversation is a few calls on
precomputed values: no parsing, no regex compilation, and no exception whatever the context.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

import regex
from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import InitErrorDetails

from shared.core.schema import ApiModel
from shared.model.matching import RegexBudget

MAX_DEPTH = 8
MAX_COMPARISONS = 200

MAX_PATTERN = 200

OPERATORS = (
    "equals",
    "in",
    "contains",
    "startsWith",
    "matches",
    "exists",
    "gt",
    "gte",
    "lt",
    "lte",
)


@dataclass(frozen=True, kw_only=True)
class RoutingContext:
    """What a condition can see of a new conversation. ``local_time`` is already in the
    workstream's zone, so ``time.hour`` means the hour on the customer-service team's clock."""

    message_text: str | None = None
    message_type: str | None = None
    event_type: str | None = None
    event_key: str | None = None
    open_id: str
    tags: tuple[str, ...] = ()
    scene: str | None = None
    account_id: str
    local_time: datetime
    variables: Mapping[str, Any] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    classification: Mapping[str, Any] = dataclasses.field(
        default_factory=lambda: MappingProxyType({})
    )
    """What earlier classification rulesets output (``classification.<name>`` in conditions)."""
    remark: str | None = None
    """The account's remark on the customer (their WeChat profile)."""
    union_id: str | None = None
    """The customer's UnionID, when the account is bound to an Open Platform account."""
    regex_budget: RegexBudget = dataclasses.field(default_factory=RegexBudget)
    """Shared by every ``matches`` evaluated for this context: one routing decision."""


Getter = Callable[[RoutingContext], Any]
Test = Callable[[RoutingContext], bool]

# Field → (kind, getter). Kinds decide which operators and values make sense: "text", "tags"
# (a list of text), "number", or "any" for context variables, whose type is only known later.
FIELDS: dict[str, tuple[str, Getter]] = {
    "message.text": ("text", lambda c: c.message_text),
    "message.type": ("text", lambda c: c.message_type),
    "event.type": ("text", lambda c: c.event_type),
    "event.key": ("text", lambda c: c.event_key),
    "customer.openId": ("text", lambda c: c.open_id),
    "customer.tags": ("tags", lambda c: c.tags),
    "customer.scene": ("text", lambda c: c.scene),
    "account.id": ("text", lambda c: c.account_id),
    "time.weekday": ("number", lambda c: c.local_time.isoweekday()),
    "time.hour": ("number", lambda c: c.local_time.hour),
    "time.minute": ("number", lambda c: c.local_time.minute),
    "customer.remark": ("text", lambda c: c.remark),
    "customer.unionId": ("text", lambda c: c.union_id),
}
CASE_INSENSITIVE_FIELDS = frozenset({"message.type", "event.type"})
"""WeChat writes these in mixed case (``CLICK``, ``VIEW``, ``subscribe``) and they are kept
lower-cased, so a rule compares them ignoring case whatever its ``ignoreCase`` says."""
CONTEXT_PREFIX = "context."
CONTEXT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
CLASSIFICATION_PREFIX = "classification."
CLASSIFICATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
"""A classification ruleset's output variable: no dots, so ``classification.tier`` is one name."""
_OPERATORS_BY_KIND = {
    "text": {"equals", "in", "contains", "startsWith", "matches", "exists"},
    "tags": {"contains", "in", "exists"},
    "number": {"equals", "in", "gt", "gte", "lt", "lte", "exists"},
    "any": set(OPERATORS),
}
_DESCRIBED = {"text": "text", "tags": "a list of text", "number": "a number", "any": "any"}
_NUMERIC = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}
_EMPTY = (str, list, tuple, dict, set, frozenset)


class _PieceError(Exception):
    """A bad piece of a comparison: ``where`` is its key (and index) under the condition."""

    def __init__(self, where: tuple[str | int, ...], message: str, kind: str = "value_error"):
        super().__init__(message)
        self.where = where
        self.message = message
        self.kind = kind


def operators_for(kind: str) -> list[str]:
    """The operators that apply to a field of ``kind``, in ``OPERATORS`` order."""
    return [op for op in OPERATORS if op in _OPERATORS_BY_KIND[kind]]


def _context_getter(name: str) -> Getter:
    def get(context: RoutingContext) -> Any:
        variables = context.variables
        return variables.get(name) if isinstance(variables, Mapping) else None

    return get


def _classification_getter(name: str) -> Getter:
    return lambda context: context.classification.get(name)


def _field(name: str | None) -> tuple[str, Getter]:
    if name is None:
        raise _PieceError(("field",), "is required", kind="missing")
    if name in FIELDS:
        return FIELDS[name]
    if name.startswith(CONTEXT_PREFIX):
        variable = name.removeprefix(CONTEXT_PREFIX)
        if not CONTEXT_NAME.fullmatch(variable):
            raise _PieceError(
                ("field",),
                f"{name!r} is not a valid context variable: after 'context.' give a name of up "
                "to 64 letters, digits, _ . or -, starting with a letter or _",
            )
        return "any", _context_getter(variable)
    if name.startswith(CLASSIFICATION_PREFIX):
        variable = name.removeprefix(CLASSIFICATION_PREFIX)
        if not CLASSIFICATION_NAME.fullmatch(variable):
            raise _PieceError(
                ("field",),
                f"{name!r} is not a valid classification variable: after 'classification.' "
                "give a name of up to 64 letters, digits or _, starting with a letter or _",
            )
        return "any", _classification_getter(variable)
    known = ", ".join(FIELDS)
    raise _PieceError(
        ("field",),
        f"unknown field {name!r}; use one of {known}, context.<name> or classification.<name>",
    )


def _key(value: Any, fold: bool) -> tuple[str, Any] | None:
    """A JSON scalar as (type, value), so that true never equals 1 and "1" never equals 1."""
    if isinstance(value, str):
        return ("s", _folded(value, fold))
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)
    return None


def _folded(text: str, fold: bool) -> str:
    return text.casefold() if fold else text


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_scalar(value: Any, kind: str, where: tuple[str | int, ...]) -> None:
    if kind in ("text", "tags") and not isinstance(value, str):
        raise _PieceError(where, "must be a string")
    if kind == "number" and not _is_number(value):
        raise _PieceError(where, "must be a number")
    if _key(value, False) is None:
        raise _PieceError(where, "must be a string, a number or true/false")
    if isinstance(value, float) and not math.isfinite(value):
        raise _PieceError(where, "must be a finite number")


def _comparison(name: str | None, op: str | None, value: Any, fold: bool) -> Test:
    """Check one comparison and return its test; raises _PieceError naming the bad piece."""
    kind, get = _field(name)
    fold = fold or name in CASE_INSENSITIVE_FIELDS
    if op is None:
        raise _PieceError(("op",), "is required", kind="missing")
    if op not in OPERATORS:
        raise _PieceError(("op",), f"unknown operator {op!r}; use one of {', '.join(OPERATORS)}")
    if op not in _OPERATORS_BY_KIND[kind]:
        fitting = ", ".join(operators_for(kind))
        raise _PieceError(
            ("op",), f"{op} does not apply to {name} ({_DESCRIBED[kind]}); use one of {fitting}"
        )
    if value is None and op != "exists":
        raise _PieceError(("value",), "is required", kind="missing")

    if op == "exists":
        if value is None:
            value = True
        if not isinstance(value, bool):
            raise _PieceError(("value",), "must be true or false for exists")
        wanted = value

        def exists(c: RoutingContext) -> bool:
            actual = get(c)
            present = actual is not None and not (isinstance(actual, _EMPTY) and not actual)
            return present is wanted

        return exists

    if op in _NUMERIC:
        if not _is_number(value) or not math.isfinite(value):
            raise _PieceError(("value",), f"must be a number for {op}")
        compare, bound = _NUMERIC[op], value

        def numeric(c: RoutingContext) -> bool:
            actual = get(c)
            return _is_number(actual) and compare(actual, bound)

        return numeric

    if op == "in":
        if not isinstance(value, list) or not value:
            raise _PieceError(("value",), "must be a non-empty list for in")
        for index, item in enumerate(value):
            _check_scalar(item, kind, ("value", index))
        keys = frozenset(_key(item, fold) for item in value)

        def one_of(c: RoutingContext) -> bool:
            actual = get(c)
            if isinstance(actual, (list, tuple)):
                return any(_key(item, fold) in keys for item in actual)
            return _key(actual, fold) in keys

        return one_of

    _check_scalar(value, kind, ("value",))
    target = _key(value, fold)

    if op == "equals":
        return lambda c: _key(get(c), fold) == target

    if op == "contains":
        needle = _folded(value, fold) if isinstance(value, str) else None  # a substring, for text

        def contains(c: RoutingContext) -> bool:
            actual = get(c)
            if isinstance(actual, str):
                return needle is not None and needle in _folded(actual, fold)
            if isinstance(actual, (list, tuple)):
                return any(_key(item, fold) == target for item in actual)
            return False

        return contains

    if not isinstance(value, str):
        raise _PieceError(("value",), f"must be a string for {op}")

    if op == "startsWith":
        prefix = _folded(value, fold)

        def starts_with(c: RoutingContext) -> bool:
            actual = get(c)
            return isinstance(actual, str) and _folded(actual, fold).startswith(prefix)

        return starts_with

    # matches
    if len(value) > MAX_PATTERN:
        raise _PieceError(
            ("value",), f"is a regex of {len(value)} characters; at most {MAX_PATTERN}"
        )
    try:
        pattern = regex.compile(value, regex.IGNORECASE if fold else 0)
    except regex.error as error:
        raise _PieceError(("value",), f"is not a valid regular expression: {error}") from None

    def matches(c: RoutingContext) -> bool:
        actual = get(c)
        return isinstance(actual, str) and c.regex_budget.search(pattern, actual)

    return matches


def invalid_at(
    where: tuple[str | int, ...], message: str, value: Any, kind: str = "value_error"
) -> ValidationError:
    """A ValidationError at ``where`` under the model validating: pydantic prefixes the outer
    path, so the API's error names the exact field (``routingRules.0.condition``)."""
    detail: InitErrorDetails = {"type": kind, "loc": where, "input": value}
    if kind == "value_error":
        detail["ctx"] = {"error": message}
    return ValidationError.from_exception_data("Condition", [detail])


_FORMS = ("all", "any", "not")
_NOT_NULL = {"not": {"type": "null"}}
_NULL = {"type": "null"}


def _form(present: tuple[str, ...], absent: tuple[str, ...]) -> dict[str, Any]:
    """A JSON Schema branch: ``present`` given (not null), every one of ``absent`` left out or
    null — null counts as not given, as it does for the model."""
    return {
        "required": list(present),
        "properties": {
            **{name: _NOT_NULL for name in present},
            **{name: _NULL for name in absent},
        },
    }


def _condition_schema(schema: dict[str, Any]) -> None:
    """The shape of a condition in the OpenAPI document: one form, known fields and operators.
    Which operators and values fit which field is checked when it is saved (see ``FIELDS``)."""
    others = ("field", "op", "value")
    schema["oneOf"] = [
        *(_form((form,), (*(f for f in _FORMS if f != form), *others)) for form in _FORMS),
        {
            **_form(("field", "op"), _FORMS),
            "if": {"properties": {"op": {"const": "exists"}}},
            "else": {"required": ["value"], "properties": {"value": _NOT_NULL}},
        },
    ]
    context = {"pattern": f"^context\\.{CONTEXT_NAME.pattern}$"}
    classification = {"pattern": f"^classification\\.{CLASSIFICATION_NAME.pattern}$"}
    schema["properties"]["field"] = {
        "anyOf": [{"enum": list(FIELDS)}, context, classification, _NULL]
    }
    schema["properties"]["op"] = {"anyOf": [{"enum": list(OPERATORS)}, _NULL]}


class Condition(ApiModel):
    """Exactly one of {"all": [...]}, {"any": [...]}, {"not": {...}} or a comparison
    {"field", "op", "value", "ignoreCase"}."""

    # One model rather than a union of four: pydantic then reports errors at the JSON path
    # (condition.all.1.field), not under a union member's name. Frozen: the compiled test would
    # not follow later changes.
    model_config = ConfigDict(frozen=True, json_schema_extra=_condition_schema)

    all_: list[Condition] | None = Field(default=None, alias="all", min_length=1)
    any_: list[Condition] | None = Field(default=None, alias="any", min_length=1)
    not_: Condition | None = Field(default=None, alias="not")
    field: str | None = None
    op: str | None = None
    value: Any = None
    ignore_case: bool = False

    _test: Test = PrivateAttr()
    _depth: int = PrivateAttr(0)
    _comparisons: int = PrivateAttr(1)

    @model_validator(mode="after")
    def _compile(self) -> Condition:
        parts = {"all": self.all_, "any": self.any_, "not": self.not_}
        forms = [key for key, part in parts.items() if part is not None]
        if self.field is not None or self.op is not None or self.value is not None:
            forms.append("comparison")
        if len(forms) != 1:
            found = " and ".join(forms) if forms else "nothing"
            raise ValueError(
                "must be exactly one of {all: [...]}, {any: [...]}, {not: {...}} or a "
                f"comparison {{field, op, value}}; found {found}"
            )
        if forms[0] == "comparison":
            try:
                self._test = _comparison(self.field, self.op, self.value, self.ignore_case)
            except _PieceError as bad:
                raise invalid_at(bad.where, bad.message, self.value, bad.kind) from None
            return self

        children = self.all_ or self.any_ or ([self.not_] if self.not_ is not None else [])
        self._depth = 1 + max(child._depth for child in children)
        self._comparisons = sum(child._comparisons for child in children)
        if self._depth > MAX_DEPTH:
            raise ValueError(f"nests all/any/not {self._depth} levels deep; at most {MAX_DEPTH}")
        if self._comparisons > MAX_COMPARISONS:
            raise ValueError(
                f"has {self._comparisons} comparisons; at most {MAX_COMPARISONS} in one condition"
            )
        tests = tuple(child._test for child in children)
        if self.all_ is not None:
            self._test = lambda c: all(test(c) for test in tests)
        elif self.any_ is not None:
            self._test = lambda c: any(test(c) for test in tests)
        else:
            (inner,) = tests
            self._test = lambda c: not inner(c)
        return self

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        """Out as an admin would write it: no nulls, no ignoreCase: false. Unannotated: pydantic
        would take a return annotation for the serialized schema, in place of the model's."""
        data = handler(self)
        return {
            key: part
            for key, part in data.items()
            if part is not None and not (key in ("ignoreCase", "ignore_case") and part is False)
        }

    def evaluate(self, context: RoutingContext) -> bool:
        return self._test(context)

    def __eq__(self, other: object) -> bool:
        """Equal when written alike; the compiled tests of two builds are different objects."""
        if not isinstance(other, Condition):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # holds lists

    @property
    def comparisons(self) -> int:
        return self._comparisons

    def classification_variables(self) -> set[str]:
        """The classification variables this condition reads, to check an earlier ruleset sets
        each of them."""
        if self.field is not None:
            if self.field.startswith(CLASSIFICATION_PREFIX):
                return {self.field.removeprefix(CLASSIFICATION_PREFIX)}
            return set()
        children = self.all_ or self.any_ or ([self.not_] if self.not_ is not None else [])
        return set().union(*(child.classification_variables() for child in children))
