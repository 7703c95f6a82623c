"""``make run``: storage and a Functions host for local development, in one command.

Both listen where the settings say, as Core Tools read them:

1. Storage: ``AzureWebJobsStorage`` (environment, else ``local.settings.json``) names local
   Azurite when it is ``UseDevelopmentStorage=true`` (ports 10000-10002, as the SDKs and the
   host read it) or a connection string whose blob, queue and table endpoints are all
   ``http://`` on 127.0.0.1 or localhost (on their ports). If those ports already answer, that
   Azurite is reused; otherwise one is started with its data in ``.azurite/`` and stopped on
   exit. Any other storage is left alone.
2. Host: on ``Host.LocalHttpPort`` of ``local.settings.json`` (default 7071), ``func start``
   when Core Tools are installed, else ``python -m devhost`` on 127.0.0.1, as a child process
   in its own process group. Ctrl-C and SIGTERM are passed on to it once; the exit status is
   the child's. ``PUBLIC_BASE_URL``, when not set, is ``http://localhost:<that port>`` for the
   child: the callback and file URLs the app shows must reach this host.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from devhost.azurite import DEFAULT_PORTS, ROOT, Azurite, port_open
from devhost.errors import StartupError
from devhost.settings import DEFAULT_HTTP_PORT, effective_settings, read_local_http_port
from shared.core.settings import STORAGE_SETTING

PUBLIC_BASE_URL = "PUBLIC_BASE_URL"
_AZURITE_HOSTS = ("127.0.0.1", "localhost")  # Azurite is started on 127.0.0.1
_LOOPBACK_HOSTS = (*_AZURITE_HOSTS, "::1")
_SERVICES = ("Blob", "Queue", "Table")


def azurite_ports(connection_string: str) -> tuple[int, int, int] | None:
    """The blob, queue and table ports of the local Azurite that the connection string names,
    or None when it names other storage (Azure, or an Azurite on https or on ::1 that the user
    runs). ``StartupError`` when only some of the services are on local Azurite."""
    parts = {}
    for item in connection_string.split(";"):
        name, _, value = item.partition("=")
        if name.strip():
            parts[name.strip().lower()] = value.strip()
    if parts.get("usedevelopmentstorage", "").lower() == "true":
        return DEFAULT_PORTS
    local: dict[str, int] = {}
    for service in _SERVICES:
        endpoint = parts.get(f"{service.lower()}endpoint")
        if endpoint is None:
            continue
        url = urlsplit(endpoint)
        if url.scheme != "http" or url.hostname not in _AZURITE_HOSTS:
            continue
        try:
            port = url.port
        except ValueError:
            raise StartupError(
                f"{STORAGE_SETTING}: {service}Endpoint {endpoint!r} has no valid port"
            ) from None
        local[service] = 80 if port is None else port
    if not local:
        return None
    missing = [f"{service}Endpoint" for service in _SERVICES if service not in local]
    if missing:
        raise StartupError(
            f"{STORAGE_SETTING} names local Azurite for "
            f"{' and '.join(f'{service}Endpoint' for service in local)} but not for "
            f"{' and '.join(missing)}: the app uses blobs, queues and tables, so give all three "
            f"as http://127.0.0.1:<port>/devstoreaccount1"
        )
    ports = (local["Blob"], local["Queue"], local["Table"])
    if len(set(ports)) != len(ports):
        raise StartupError(
            f"{STORAGE_SETTING}: BlobEndpoint, QueueEndpoint and TableEndpoint are on ports "
            f"{ports}; Azurite needs three different ports"
        )
    return ports


def public_base_url(settings: Mapping[str, str], port: int) -> dict[str, str]:
    """What the host's environment needs so that the app's URLs reach the host on ``port``:
    ``PUBLIC_BASE_URL`` when the settings do not set it. The app's own default (7071) cannot
    know the port. Warns about an explicit loopback URL on another port (a stale copy of an
    old local.settings.json, most likely)."""
    configured = settings.get(PUBLIC_BASE_URL, "").strip()
    if not configured:
        return {PUBLIC_BASE_URL: f"http://localhost:{port}"}
    try:
        url = urlsplit(configured)
        configured_port = url.port or (443 if url.scheme == "https" else 80)
    except ValueError:
        return {}  # the app says what is wrong with it
    if url.hostname in _LOOPBACK_HOSTS and configured_port != port:
        print(
            f"warning: {PUBLIC_BASE_URL} is {configured} but the host listens on port {port}: "
            f"the callback URLs the app shows will not reach it. Remove {PUBLIC_BASE_URL} from "
            f"local.settings.json (it then follows the port) or correct it",
            file=sys.stderr,
            flush=True,
        )
    return {}


def host_command(root: Path, port: int) -> tuple[list[str], Path]:
    """Core Tools when installed (the real host), else devhost; with the folder to run it in."""
    func = shutil.which("func")
    if func is not None:
        return [func, "start", "--port", str(port)], root
    command = [
        sys.executable, "-m", "devhost",
        "--host", "127.0.0.1", "--port", str(port), "--root", str(root),
    ]  # fmt: skip
    return command, ROOT  # where `-m devhost` is found


def start_storage(root: Path, ports: tuple[int, int, int] | None) -> Azurite | None:
    """Azurite on ``ports`` when the settings name local Azurite and it is not running yet."""
    if ports is None:
        print(f"{STORAGE_SETTING} is not local Azurite: not starting Azurite", flush=True)
        return None
    listening = [port for port in ports if port_open(port)]
    if len(listening) == len(ports):
        print(f"Azurite already listening on {ports}: reusing it", flush=True)
        return None
    if listening:
        raise SystemExit(
            f"ports {listening} are in use but {ports} are not all answering: "
            f"stop whatever holds them, or point {STORAGE_SETTING} elsewhere"
        )
    location = root / ".azurite"
    print(f"starting Azurite on {ports} (data in {location})", flush=True)
    return Azurite(location, ports=ports, in_memory=False).start()


def run_child(command: list[str], cwd: Path, environment: Mapping[str, str]) -> int:
    """Run the host until it exits; pass Ctrl-C/SIGTERM on to it (it has its own group)."""
    print(" ".join(command), flush=True)
    child = subprocess.Popen(command, cwd=cwd, env=environment, start_new_session=True)

    def forward(signum: int, frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code  # killed by signal N: the shell's 128+N


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devhost.local",
        description="make run: local Azurite (when the settings name it) and a Functions host.",
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the app's folder, with local.settings.json"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    root = parse_arguments(argv).root.resolve()
    try:
        settings = effective_settings(root)
        port = read_local_http_port(root) or DEFAULT_HTTP_PORT
        ports = azurite_ports(settings.get(STORAGE_SETTING, ""))
    except StartupError as error:
        print(f"devhost.local: {error}", file=sys.stderr)
        return 1
    environment = {**os.environ, **public_base_url(settings, port)}
    azurite = start_storage(root, ports)
    try:
        return run_child(*host_command(root, port), environment)
    finally:
        if azurite is not None:
            print("stopping Azurite", flush=True)
            azurite.stop()


if __name__ == "__main__":
    sys.exit(main())
