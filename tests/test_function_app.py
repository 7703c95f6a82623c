"""The app starts with nothing but the example settings, and fails fast without them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT, example_values

LIST_FUNCTIONS = (
    "import json, function_app; "
    "print(json.dumps(sorted(f.get_function_name() for f in function_app.app.get_functions())))"
)


def run_app_import(values: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **values}
    return subprocess.run(
        [sys.executable, "-c", LIST_FUNCTIONS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_imports_with_only_the_example_settings():
    result = run_app_import(example_values())
    assert result.returncode == 0, result.stderr
    functions = json.loads(result.stdout)
    assert "health" in functions


def test_missing_setting_stops_start_up_with_its_name():
    values = example_values()
    del values["SECRETS_KEY"]
    result = run_app_import(values)
    assert result.returncode != 0
    assert "SECRETS_KEY" in result.stderr
