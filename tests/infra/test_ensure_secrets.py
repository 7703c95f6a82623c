"""The azd preprovision hook (infra/scripts/ensure-secrets.sh): it creates ADMIN_TOKEN and
SECRETS_KEY once per azd environment, keeps them on every later run, and refuses to make up new
ones for an environment that was already deployed. azd itself cannot run here, so a stand-in
answers the two commands the hook uses (`azd env get-value`, `azd env set`) from a file."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "infra" / "scripts" / "ensure-secrets.sh"

# Like azd: get-value prints the value, or fails when the key is not in the environment.
FAKE_AZD = """#!/bin/sh
set -eu
file="$FAKE_AZD_ENV"
case "$1 $2" in
  "env get-value")
    value=$(grep "^$3=" "$file" | cut -d= -f2- || true)
    if [ -z "$value" ]; then echo "ERROR: key '$3' not found in the environment" >&2; exit 1; fi
    printf '%s\\n' "$value" ;;
  "env set")
    grep -v "^$3=" "$file" > "$file.new" || true
    printf '%s=%s\\n' "$3" "$4" >> "$file.new"
    mv "$file.new" "$file" ;;
  *) echo "unexpected azd call: $*" >&2; exit 2 ;;
esac
"""


@pytest.fixture
def azd_env(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    azd = bin_dir / "azd"
    azd.write_text(FAKE_AZD)
    azd.chmod(azd.stat().st_mode | stat.S_IEXEC)
    env_file = tmp_path / ".env"
    env_file.write_text("")
    return env_file


def run_hook(env_file: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{env_file.parent / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "FAKE_AZD_ENV": str(env_file),
    }
    return subprocess.run(
        ["sh", str(HOOK)], env=env, capture_output=True, text=True, timeout=30, check=False
    )


def values(env_file: Path) -> dict[str, str]:
    lines = env_file.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line)


def test_a_new_environment_gets_both_secrets_in_the_shape_the_app_checks(azd_env: Path):
    result = run_hook(azd_env)
    assert result.returncode == 0, result.stderr
    created = values(azd_env)
    assert len(created["ADMIN_TOKEN"]) >= 16
    assert len(created["SECRETS_KEY"]) == 44
    assert len(base64.b64decode(created["SECRETS_KEY"], validate=True)) == 32
    assert created["SECRETS_KEY"] not in result.stdout + result.stderr
    assert created["ADMIN_TOKEN"] not in result.stdout + result.stderr


def test_later_runs_keep_the_values_they_find(azd_env: Path):
    assert run_hook(azd_env).returncode == 0
    first = values(azd_env)
    result = run_hook(azd_env)
    assert result.returncode == 0, result.stderr
    assert values(azd_env) == first


@pytest.mark.parametrize("missing", ["SECRETS_KEY", "ADMIN_TOKEN"])
def test_a_deployed_environment_missing_a_secret_stops_instead_of_making_a_new_one(
    azd_env: Path, missing: str
):
    assert run_hook(azd_env).returncode == 0
    deployed = {**values(azd_env), "AZURE_KEY_VAULT_NAME": "kv-wcc-abc"}
    del deployed[missing]
    azd_env.write_text("".join(f"{key}={value}\n" for key, value in deployed.items()))
    result = run_hook(azd_env)
    assert result.returncode != 0
    assert missing not in values(azd_env)
    assert missing in result.stderr
    assert "az keyvault secret show --vault-name kv-wcc-abc" in result.stderr
