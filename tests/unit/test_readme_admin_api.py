"""The README's "Admin API" section against the app's own description of it: every admin route
of the OpenAPI document in the route table and no other (and so for the "Agent API" section's
table and the agent routes), every field of the request bodies
in its table with the default the model has, and the routing conditions' fields and
operators as the condition model accepts them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shared.model.conditions import FIELDS, OPERATORS, Condition
from triggers.openapi import document

README = Path(__file__).resolve().parents[2] / "README.md"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

FIELD_TABLES = {
    "Queue": "QueueFields",
    "Operating hours": "OperatingHours",
    "Workstream": "WorkstreamFields",
    "Routing rule": "RoutingRule-Input",
    "Agent": "AgentFields",
    "Capacity profile": "CapacityProfileFields",
}
"""The bold title above each field table → the schema of its body in the OpenAPI document."""
SPELLED_OUT_DEFAULTS = {("FileAttachments", "both `true`")}
"""Defaults the tables say in words: (schema of the field's type, the cell)."""


@pytest.fixture(scope="module")
def section() -> str:
    text = README.read_text("utf-8")
    return text[text.index("## Admin API\n") : text.index("## Agent API\n")]


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    return document()["components"]["schemas"]


def rows(table: str) -> list[list[str]]:
    """The cells of a Markdown table's body rows (an escaped ``\\|`` stays in its cell)."""
    found = []
    for line in table.strip().splitlines()[2:]:
        cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
        found.append([cell.strip() for cell in cells])
    return found


def table_after(section: str, title: str) -> str:
    """The first table after the bold ``title``."""
    start = section.index(f"**{title}**")
    table = re.search(r"^\|.*?(?=\n\n|\Z)", section[start:], flags=re.M | re.S)
    assert table, f"no table after **{title}**"
    return table.group(0)


def code(cell: str) -> list[str]:
    return re.findall(r"`([^`]*)`", cell)


def routes_in(table: str) -> set[tuple[str, str]]:
    """(method, path) of each row of a route table."""
    listed = set()
    for first, *_ in rows(table):
        words = code(first)
        path = next(word.split()[-1] for word in reversed(words) if "/api/" in word)
        methods = {part for word in words for part in word.split() if part in METHODS}
        assert methods, f"no method in {first}"
        listed |= {(method, path.split("?")[0]) for method in methods}
    return listed


def documented(prefix: str) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document()["paths"].items()
        if path.startswith(prefix)
        for method in operations
        if method.upper() in METHODS
    }


def test_the_route_table_lists_every_admin_route_and_no_other(section: str) -> None:
    table = section[section.index("| route |") :].split("\n\n")[0]
    assert routes_in(table) == documented("/api/admin/")


def test_the_agent_route_table_lists_every_agent_route_and_no_other() -> None:
    text = README.read_text("utf-8")
    agent_section = text[text.index("## Agent API\n") :]
    table = agent_section[agent_section.index("| route |") :].split("\n\n")[0]
    assert routes_in(table) == documented("/api/agent/")


def test_the_supervisor_route_table_lists_every_supervisor_route_and_no_other() -> None:
    text = README.read_text("utf-8")
    supervisor_section = text[text.index("## Supervisor API\n") :]
    table = supervisor_section[supervisor_section.index("| route |") :].split("\n\n")[0]
    assert routes_in(table) == documented("/api/supervisor/")


def _default(value: Any) -> str:
    """A default as the tables write it: strings bare, objects without their null members."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        value = {key: item for key, item in value.items() if item is not None}
    return json.dumps(value, ensure_ascii=False)


def _ref(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref") or next(
        (option.get("$ref") for option in schema.get("anyOf", []) if "$ref" in option), None
    )
    return ref.rsplit("/", 1)[-1] if ref else None


@pytest.mark.parametrize("title", FIELD_TABLES)
def test_each_field_table_has_the_models_fields_and_defaults(
    section: str, schemas: dict[str, Any], title: str
) -> None:
    schema = schemas[FIELD_TABLES[title]]
    properties, required = schema["properties"], set(schema.get("required", []))
    table = rows(table_after(section, title))
    names = [name for cell, *_ in table for name in code(cell)[:1]]
    assert len(names) == len(set(names))
    assert set(names) == set(properties)
    for name_cell, _type, default_cell, _meaning in table:
        (name,) = code(name_cell)[:1]
        if name in required:
            assert default_cell == "required", name
            continue
        if (_ref(properties[name]), default_cell) in SPELLED_OUT_DEFAULTS:
            continue
        assert code(default_cell)[:1] == [_default(properties[name]["default"])], name


def test_the_patch_note_names_exactly_the_fields_that_can_be_cleared(
    section: str, schemas: dict[str, Any]
) -> None:
    """``null`` is accepted where the PATCH body's schema allows it."""
    clearable = {
        (model, name)
        for model in ("QueuePatch", "WorkstreamPatch", "AgentPatch", "AccountPatch")
        for name, field in schemas[model]["properties"].items()
        if {"type": "null"} in field.get("anyOf", [])
    }
    note = " ".join(section[section.index("`PATCH` takes any") :].split("\n\n")[0].split())
    queue, workstream = note.split("a queue's ")[1].split("; `null` for")[0].split(", and ")
    named = {("QueuePatch", name) for name in code(queue)} | {
        ("WorkstreamPatch", name) for name in code(workstream)
    }
    assert named == clearable


def test_the_condition_tables_have_every_field_and_operator(section: str) -> None:
    fields = rows(table_after(section, "condition"))
    listed = {name for cell, *_ in fields for name in code(cell)}
    assert listed == {*FIELDS, "context.<name>", "classification.<name>"}
    operators = rows(section[section.index("| op | applies to |") :].split("\n\n")[0])
    assert {name for cell, *_ in operators for name in code(cell)} == set(OPERATORS)


SAMPLE_FIELD = {"text": "message.text", "list": "customer.tags", "number": "time.hour"}
SAMPLE_FIELD["any"] = "context.topic"


def _accepts(field: str, op: str) -> bool:
    """Whether the condition model takes ``op`` on ``field`` (with a value that fits)."""
    number = field == "time.hour" or op in ("gt", "gte", "lt", "lte")
    value: Any = {"exists": True, "in": [1 if number else "a"]}.get(op, 1 if number else "a")
    try:
        Condition.model_validate({"field": field, "op": op, "value": value})
    except ValidationError as error:
        refused = {e["loc"][-1] for e in error.errors()}
    else:
        return True
    assert refused == {"op"}, f"{field} {op} {value!r}: the sample value is wrong"
    return False


def test_the_operators_apply_to_the_kinds_the_table_says(section: str) -> None:
    operators = rows(section[section.index("| op | applies to |") :].split("\n\n")[0])
    for ops_cell, kinds_cell, _meaning in operators:
        kinds = set(SAMPLE_FIELD) if kinds_cell == "every kind" else set(kinds_cell.split(", "))
        assert kinds <= set(SAMPLE_FIELD), kinds_cell
        for op in code(ops_cell):
            accepted = {kind for kind, field in SAMPLE_FIELD.items() if _accepts(field, op)}
            assert accepted == kinds, op


def test_each_condition_field_is_of_the_kind_the_table_says(section: str) -> None:
    kinds = {"text": "text", "list of text": "tags", "number": "number"}
    for names_cell, kind_cell, _meaning in rows(table_after(section, "condition")):
        for name in code(names_cell):
            if name in ("context.<name>", "classification.<name>"):
                assert kind_cell == "any"
                continue
            assert FIELDS[name][0] == kinds[kind_cell], name
