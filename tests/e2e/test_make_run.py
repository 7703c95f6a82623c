"""``make run`` (``python -m devhost.local``) on the ports the settings name, as a new user
changes them: a copy of local.settings.example.json with another ``Host.LocalHttpPort`` and a
connection string for Azurite on other ports. Nothing here binds Azurite's default ports."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from devhost.azurite import ROOT, connection_string, free_port, port_open
from tools import local_app
from tools.wechat_simulator import SimulatedAccount

pytestmark = pytest.mark.timeout(180)


def app_folder(tmp_path: Path, http_port: int, storage_ports: tuple[int, int, int]) -> Path:
    """The app with the example settings, changed only where the README says to."""
    root = tmp_path / "app"
    root.mkdir()
    for name in ("function_app.py", "host.json"):
        shutil.copy(ROOT / name, root / name)
    settings = json.loads((ROOT / "local.settings.example.json").read_text("utf-8"))
    settings["Values"]["AzureWebJobsStorage"] = connection_string(*storage_ports)
    settings["Host"]["LocalHttpPort"] = http_port
    (root / "local.settings.json").write_text(json.dumps(settings), "utf-8")
    return root


def path_without_core_tools(tmp_path: Path) -> str:
    """A PATH with node (for Azurite) and no ``func``: devhost serves, wherever this runs."""
    node = shutil.which("node")
    assert node is not None, "node is not on PATH"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(node)
    return str(bin_dir)


def test_make_run_follows_local_http_port_and_the_azurite_endpoints(tmp_path: Path):
    http_port = free_port()
    storage_ports = (free_port(), free_port(), free_port())
    root = app_folder(tmp_path, http_port, storage_ports)
    stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"

    def output() -> str:
        return "".join(f.read_text("utf-8", errors="replace") for f in (stdout, stderr))

    environment = {
        "PATH": path_without_core_tools(tmp_path),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "devhost.local", "--root", str(root)],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=err,
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        local_app.wait_for(
            lambda: "devhost serving" in output() or process.poll() is not None,
            90,
            "make run to serve",
        )
        assert f"devhost serving {base}" in output()
        assert f"starting Azurite on {storage_ports}" in output()
        assert all(port_open(port) for port in storage_ports)
        assert httpx.get(f"{base}/api/health", timeout=10).status_code == 200

        admin_token = json.loads((root / "local.settings.json").read_text("utf-8"))["Values"][
            "ADMIN_TOKEN"
        ]
        response = httpx.post(
            f"{base}/api/admin/accounts",
            json=SimulatedAccount.random().registration(),
            headers={"Authorization": f"Bearer {admin_token}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        # PUBLIC_BASE_URL is not in the example: it follows the port.
        assert body["callback"]["serverUrl"] == (
            f"http://localhost:{http_port}/api/wechat/{body['id']}"
        )
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
    assert code == 0, output()
    assert "stopping Azurite" in output()
    assert not any(port_open(port) for port in storage_ports), "Azurite still running"
