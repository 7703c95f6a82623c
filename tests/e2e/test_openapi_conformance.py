"""The API against its own OpenAPI document, by schemathesis, on devhost and Azurite.

Every operation gets a bounded number of generated requests (``MAX_EXAMPLES``, fixed seed):
examples, the coverage of each constraint's edges, fuzzing and stateful sequences, with the
admin token for the admin operations and an agent's token for the agent ones. The run fails on
any server error, any schema-violating request accepted, any schema-valid request refused with
a 400 the document could have foreseen (see ``schemathesis_checks``), any response that does
not match its documented status, content type, headers or schema, and any operation that
answers without the token it needs.

Two of schemathesis's checks do not apply: ``unsupported_method`` and
``allow_header_conformance`` expect 405 with an Allow header for a method a route does not
take, but the Functions host answers 404 there, and so does devhost.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.azurite import ROOT, Azurite
from tools.local_app import LocalApp, app_settings

pytestmark = pytest.mark.timeout(600)

MAX_EXAMPLES = 20
SEED = 20261201
NOT_THE_HOSTS_SEMANTICS = ("unsupported_method", "allow_header_conformance")


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalApp, dict[str, str]]]:
    """An app of its own: the run creates and deletes hundreds of documents."""
    with Azurite(tmp_path_factory.mktemp("fuzz-azurite"), in_memory=True) as azurite:
        app = LocalApp(
            app_settings(azurite.connection_string), log_dir=tmp_path_factory.mktemp("fuzz-app")
        )
        with app:
            with app.admin() as admin:
                queue = admin.post("/api/admin/queues", json={"name": "Fuzz"}).json()
                agent = admin.post(
                    "/api/admin/agents", json={"name": "Fuzz", "queueIds": [queue["id"]]}
                ).json()
            yield app, {"admin": app.admin_token, "agent": agent["token"]}


@pytest.mark.parametrize("tag", ["admin", "agent"])
def test_every_operation_keeps_its_documented_contract(fuzzed, tmp_path: Path, tag: str):
    app, tokens = fuzzed
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{app.url}/api/openapi.json",
        "--url", app.url,
        "--header", f"Authorization: Bearer {tokens[tag]}",
        "--include-tag", tag,
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED),
        "--workers", "1",
        "--checks", "all",
        "--exclude-checks", ",".join(("positive_data_acceptance", *NOT_THE_HOSTS_SEMANTICS)),
        "--generation-database", "none",
        "--no-color",
        "--report-dir", str(tmp_path),
    ]  # fmt: skip
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis_checks",
        "PYTHONPATH": str(ROOT),
    }
    run = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=540
    )
    print(run.stdout)
    assert run.returncode == 0, f"schemathesis found problems:\n{run.stdout}\n{run.stderr}"
