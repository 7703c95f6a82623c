"""The console's typed API client follows the OpenAPI document: regenerating it from the app's
document gives exactly the committed console/src/api/schema.d.ts (else: run make api-client)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import ROOT
from triggers.openapi import document

GENERATOR = ROOT / "node_modules" / ".bin" / "openapi-typescript"
SCHEMA = ROOT / "console" / "src" / "api" / "schema.d.ts"


def test_the_console_client_is_generated_from_the_current_document(tmp_path):
    if not GENERATOR.exists() or shutil.which("node") is None:
        pytest.fail(f"{GENERATOR} is missing: run npm ci (make setup)")
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(document(), ensure_ascii=False, indent=1, sort_keys=True), "utf-8")
    generated = tmp_path / "schema.d.ts"
    subprocess.run(
        [str(GENERATOR), str(source), "-o", str(generated)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert generated.read_text("utf-8") == SCHEMA.read_text("utf-8"), (
        "console/src/api/schema.d.ts is stale: run make api-client"
    )
