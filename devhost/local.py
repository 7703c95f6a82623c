"""``make run``: storage and a Functions host for local development, in one command.

1. Storage: when ``AzureWebJobsStorage`` (environment, else ``local.settings.json``) is
   ``UseDevelopmentStorage=true`` or points at 127.0.0.1/localhost ports 10000-10002, Azurite
   is needed there. If those ports already answer, that Azurite is reused; otherwise one is
   started with its data in ``.azurite/`` and stopped on exit. Any other storage is left alone.
2. Host: ``func start --port 7071`` when Core Tools are installed, else ``python -m devhost``
   on 127.0.0.1:7071, as a child process in its own process group. Ctrl-C and SIGTERM are
   passed on to it once; the exit status is the child's.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from shared.settings import STORAGE_SETTING

from .azurite import DEFAULT_PORTS, ROOT, Azurite, port_open
from .errors import StartupError
from .settings import effective_settings

PORT = 7071
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def uses_local_azurite(connection_string: str) -> bool:
    """Whether the connection string means the local emulator on its default ports."""
    parts = {}
    for item in connection_string.split(";"):
        name, _, value = item.partition("=")
        if name.strip():
            parts[name.strip().lower()] = value.strip()
    if parts.get("usedevelopmentstorage", "").lower() == "true":
        return True
    endpoints = [
        parts[key] for key in ("blobendpoint", "queueendpoint", "tableendpoint") if key in parts
    ]
    if not endpoints:
        return False
    for endpoint in endpoints:
        url = urlsplit(endpoint)
        if url.hostname not in _LOOPBACK_HOSTS or url.port not in DEFAULT_PORTS:
            return False
    return True


def host_command(root: Path) -> tuple[list[str], Path]:
    """Core Tools when installed (the real host), else devhost; with the folder to run it in."""
    func = shutil.which("func")
    if func is not None:
        return [func, "start", "--port", str(PORT)], root
    command = [
        sys.executable, "-m", "devhost",
        "--host", "127.0.0.1", "--port", str(PORT), "--root", str(root),
    ]  # fmt: skip
    return command, ROOT  # where `-m devhost` is found


def start_storage(root: Path, connection_string: str) -> Azurite | None:
    """Azurite on the default ports when the settings need it and it is not running yet."""
    if not uses_local_azurite(connection_string):
        print(f"{STORAGE_SETTING} is not local Azurite: not starting Azurite", flush=True)
        return None
    listening = [port for port in DEFAULT_PORTS if port_open(port)]
    if len(listening) == len(DEFAULT_PORTS):
        print(f"Azurite already listening on {DEFAULT_PORTS}: reusing it", flush=True)
        return None
    if listening:
        raise SystemExit(
            f"ports {listening} are in use but {DEFAULT_PORTS} are not all answering: "
            f"stop whatever holds them, or point {STORAGE_SETTING} elsewhere"
        )
    location = root / ".azurite"
    print(f"starting Azurite on {DEFAULT_PORTS} (data in {location})", flush=True)
    return Azurite(location, ports=DEFAULT_PORTS, in_memory=False).start()


def run_child(command: list[str], cwd: Path) -> int:
    """Run the host until it exits; pass Ctrl-C/SIGTERM on to it (it has its own group)."""
    print(" ".join(command), flush=True)
    child = subprocess.Popen(command, cwd=cwd, start_new_session=True)

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


def main(root: Path = ROOT) -> int:
    try:
        connection_string = effective_settings(root).get(STORAGE_SETTING, "")
    except StartupError as error:
        print(f"devhost.local: {error}", file=sys.stderr)
        return 1
    azurite = start_storage(root, connection_string)
    try:
        return run_child(*host_command(root))
    finally:
        if azurite is not None:
            print("stopping Azurite", flush=True)
            azurite.stop()


if __name__ == "__main__":
    sys.exit(main())
