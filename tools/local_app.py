"""Run a function app under devhost in a subprocess, for e2e tests and benchmarks.

Settings come from the arguments (the environment of the child is built from scratch), so a
developer's local.settings.json cannot change what a test sees. Also the helpers that go with
it: polling until something happens, and storage clients for a connection string.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx

from devhost.azurite import ROOT, free_port
from shared.core.settings import STORAGE_SETTING, StorageSettings
from shared.core.telemetry import TELEMETRY_FILE_SETTING
from shared.store import StorageClients

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T | None], timeout: float, what: str, interval: float = 0.1
) -> T:
    """Poll ``condition`` until it returns something truthy, and return that; ``TimeoutError``
    naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def storage_clients(connection_string: str, *, fail_fast: bool = True) -> StorageClients:
    """The app's storage clients for ``connection_string`` (as ``AzureWebJobsStorage``);
    ``fail_fast=False`` keeps the SDKs' long retries (see ``StorageClients.from_settings``)."""
    return StorageClients.from_settings(
        StorageSettings.from_env({STORAGE_SETTING: connection_string}), fail_fast=fail_fast
    )


def child_environment(settings: Mapping[str, str]) -> dict[str, str]:
    """Only what Python needs to run ``-m devhost`` from here, plus ``settings``; and
    ``TELEMETRY_FILE`` when this process has it, so a benchmark's run can be traced."""
    passed = {name: os.environ[name] for name in (TELEMETRY_FILE_SETTING,) if os.environ.get(name)}
    return {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        **passed,
        **settings,
    }


def read_telemetry(path: Path) -> list[dict[str, Any]]:
    """The spans, metric points and log records in a ``TELEMETRY_FILE``, oldest first (none if
    nothing was written yet)."""
    if not path.exists():
        return []
    lines = path.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def app_settings(storage_connection_string: str, **overrides: str) -> dict[str, str]:
    """A complete, valid set of app settings with fresh secrets."""
    return {
        "FUNCTIONS_WORKER_RUNTIME": "python",
        STORAGE_SETTING: storage_connection_string,
        "ADMIN_TOKEN": "admin-" + secrets.token_urlsafe(24),
        "SECRETS_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "OUTBOUND_IPS": "203.0.113.10,203.0.113.11",
        **overrides,
    }


class LocalApp:
    """``python -m devhost`` serving ``root``'s ``function_app.py`` on loopback: on ``port``, by
    default a free one.

    ``settings`` make up the child's environment (they win over ``root``'s local.settings.json,
    as on the host); its stdout and stderr go to files in ``log_dir``. ``own_session`` keeps
    a terminal's Ctrl-C from reaching devhost, so that whoever started it stops it in order.
    ``telemetry_file``: where the app writes its spans, metrics and logs as JSON lines
    (``TELEMETRY_FILE``); ``telemetry()`` reads them.
    """

    def __init__(
        self,
        settings: Mapping[str, str],
        *,
        log_dir: Path,
        root: Path = ROOT,
        disabled: Iterable[str] = (),
        timers: bool = False,
        start_timeout: float = 60.0,
        port: int | None = None,
        own_session: bool = False,
        split: bool = False,
        telemetry_file: Path | None = None,
    ) -> None:
        self.root = root
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = {"PUBLIC_BASE_URL": self.url, **settings}
        for name in disabled:
            self.settings[f"AzureWebJobs.{name}.Disabled"] = "true"
        self.telemetry_file = telemetry_file
        if telemetry_file is not None:
            self.settings[TELEMETRY_FILE_SETTING] = str(telemetry_file)
        self.log_dir = log_dir
        self.stdout_file = log_dir / "devhost.out"
        self.stderr_file = log_dir / "devhost.err"
        self.timers = timers
        self.start_timeout = start_timeout
        self.own_session = own_session
        self.split = split
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def admin_token(self) -> str:
        return self.settings["ADMIN_TOKEN"]

    def client(self, token: str, timeout: float = 30.0) -> httpx.Client:
        """A client of the app that authenticates with ``token`` (admin or agent)."""
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def admin(self, timeout: float = 30.0) -> httpx.Client:
        return self.client(self.admin_token, timeout)

    def push(
        self,
        account_id: str,
        query: Mapping[str, str],
        body: bytes,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """POST a push, as WeChat would, to the account's callback URL."""
        return httpx.post(
            f"{self.url}/api/wechat/{account_id}",
            params=query,
            content=body,
            headers=headers,
            timeout=30,
        )

    def output(self) -> str:
        """Everything devhost wrote so far: stdout, then stderr."""
        return "".join(
            file.read_text("utf-8", errors="replace")
            for file in (self.stdout_file, self.stderr_file)
            if file.exists()
        )

    def telemetry(self) -> list[dict[str, Any]]:
        """What the app wrote to its ``telemetry_file`` so far."""
        if self.telemetry_file is None:
            raise ValueError("this LocalApp was started without a telemetry_file")
        return read_telemetry(self.telemetry_file)

    def start(self) -> LocalApp:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "devhost", "--root", str(self.root), "--port", str(self.port),
        ]  # fmt: skip
        if not self.timers:
            command.append("--no-timers")
        if self.split:
            command.append("--split")
        with self.stdout_file.open("wb") as out, self.stderr_file.open("wb") as err:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=child_environment(self.settings),
                stdout=out,
                stderr=err,
                start_new_session=self.own_session,
            )
        deadline = time.monotonic() + self.start_timeout
        while "devhost serving" not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"devhost did not start:\n{self.output()}")
            time.sleep(0.05)
        return self

    def stop(self) -> int | None:
        """SIGTERM (a kill after 30 s); devhost's exit status, None if it was not running."""
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
