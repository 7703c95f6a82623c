"""Run the real function app under devhost in a subprocess, for e2e tests and benchmarks.

Settings come from the arguments (the environment of the child is built from scratch), so a
developer's local.settings.json cannot change what a test sees.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import httpx

from devhost.azurite import free_port

ROOT = Path(__file__).resolve().parent.parent


def app_settings(storage_connection_string: str, **overrides: str) -> dict[str, str]:
    """A complete, valid set of app settings with fresh secrets."""
    return {
        "FUNCTIONS_WORKER_RUNTIME": "python",
        "AzureWebJobsStorage": storage_connection_string,
        "ADMIN_TOKEN": "admin-" + secrets.token_urlsafe(24),
        "SECRETS_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "OUTBOUND_IPS": "203.0.113.10,203.0.113.11",
        **overrides,
    }


class LocalApp:
    """``python -m devhost`` serving ``function_app.py`` on a free loopback port."""

    def __init__(
        self,
        settings: Mapping[str, str],
        *,
        log_dir: Path,
        disabled: Iterable[str] = (),
        timers: bool = False,
        start_timeout: float = 60.0,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = {"PUBLIC_BASE_URL": self.url, **settings}
        for name in disabled:
            self.settings[f"AzureWebJobs.{name}.Disabled"] = "true"
        self.log_dir = log_dir
        self.timers = timers
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def admin_token(self) -> str:
        return self.settings["ADMIN_TOKEN"]

    def admin(self, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=timeout,
        )

    def output(self) -> str:
        return "".join(
            (self.log_dir / name).read_text("utf-8", errors="replace")
            for name in ("devhost.out", "devhost.err")
            if (self.log_dir / name).exists()
        )

    def start(self) -> LocalApp:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            **self.settings,
        }
        command = [sys.executable, "-m", "devhost", "--root", str(ROOT), "--port", str(self.port)]
        if not self.timers:
            command.append("--no-timers")
        with (
            (self.log_dir / "devhost.out").open("wb") as out,
            (self.log_dir / "devhost.err").open("wb") as err,
        ):
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        deadline = time.monotonic() + self.start_timeout
        while "devhost serving" not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"devhost did not start:\n{self.output()}")
            time.sleep(0.05)
        return self

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

    def __enter__(self) -> LocalApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
