"""The OpenAPI document covers every admin and agent route, and its examples validate."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from tests.conftest import ROOT, example_values, schema_validator
from triggers.openapi import OPERATIONS

LIST_ROUTES = (
    "import json, function_app\n"
    "out = []\n"
    "for f in function_app.app.get_functions():\n"
    "    for raw in f.get_raw_bindings():\n"
    "        b = json.loads(raw)\n"
    "        if b.get('type') == 'httpTrigger':\n"
    "            out.append([b['route'], b.get('methods') or []])\n"
    "print(json.dumps(out))\n"
)


@pytest.fixture(scope="module")
def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every HTTP function, read from function_app and host.json."""
    result = subprocess.run(
        [sys.executable, "-c", LIST_ROUTES],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **example_values()},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    prefix = json.loads((ROOT / "host.json").read_text("utf-8"))["extensions"]["http"][
        "routePrefix"
    ]
    return [
        (method.lower(), "/" + "/".join(part for part in (prefix, route) if part))
        for route, methods in json.loads(result.stdout)
        for method in methods
    ]


def test_every_admin_and_agent_route_is_documented(app_routes, openapi):
    documented = {(method, path) for path, ops in openapi["paths"].items() for method in ops}
    api = ("/api/admin/", "/api/agent/", "/api/supervisor/")
    routes = {(m, p) for m, p in app_routes if p.startswith(api)}
    assert routes, "no admin or agent routes found: the check would prove nothing"
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented operations the app does not have"


def test_the_document_is_valid_openapi_3_1(openapi):
    from jsonschema import Draft202012Validator

    assert openapi["openapi"] == "3.1.0"
    for schema in openapi["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    refs = json.dumps(openapi)
    for name in openapi["components"]["schemas"]:
        assert f"#/components/schemas/{name}" in refs or name.endswith(("-Input", "-Output"))


@pytest.mark.parametrize(
    "operation", [op for op in OPERATIONS if op.example], ids=lambda op: f"{op.method} {op.path}"
)
def test_examples_validate_against_their_schema(openapi, operation):
    content = openapi["paths"][operation.path][operation.method]["requestBody"]["content"][
        "application/json"
    ]
    schema_validator(openapi, content["schema"]).validate(content["example"])
    operation.request.model_validate(content["example"])  # and the route's own parser agrees


def test_a_broken_example_would_fail(openapi):
    """Guard: the validation above really rejects what does not fit."""
    content = openapi["paths"]["/api/admin/queues"]["post"]["requestBody"]["content"][
        "application/json"
    ]
    with pytest.raises(jsonschema.ValidationError):
        schema_validator(openapi, content["schema"]).validate({"name": "x", "priority": "high"})
