"""The package layers in pyproject.toml hold, and no package of ``shared`` is left out of them."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [contract] = [c for c in config["contracts"] if c["type"] == "layers"]
    return contract["layers"]


def test_no_package_imports_from_a_layer_above_it():
    lint = pathlib.Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_package_of_shared_has_a_layer():
    named = {name.strip() for layer in layers() for name in layer.split("|")}
    packages = {f"shared.{path.parent.name}" for path in (ROOT / "shared").glob("*/__init__.py")}
    modules = {f"shared.{path.stem}" for path in (ROOT / "shared").glob("*.py")} - {
        "shared.__init__"
    }
    assert packages | modules == named
