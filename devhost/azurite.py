"""Start and stop Azurite (Tables, Queues, Blobs) from ``node_modules`` on loopback ports.

Used by the test session (free ports, data in memory) and by ``make run`` (the default ports,
data in ``.azurite/``). Never assumes the default ports are free.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORTS = (10000, 10001, 10002)
# Azurite's published development account; not a secret (it is the same everywhere).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]  # (host, port) for AF_INET
        return port


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def connection_string(blob_port: int, queue_port: int, table_port: int) -> str:
    base = "http://127.0.0.1"
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
        f"BlobEndpoint={base}:{blob_port}/{ACCOUNT};"
        f"QueueEndpoint={base}:{queue_port}/{ACCOUNT};"
        f"TableEndpoint={base}:{table_port}/{ACCOUNT};"
    )


class Azurite:
    """One Azurite process serving blob, queue and table on ``ports``.

    ``stop()`` then ``start()`` serves the same ports again and, unless ``in_memory``, the
    same data: a storage outage for the app, which keeps its connection string.
    """

    def __init__(
        self,
        location: Path,
        *,
        ports: tuple[int, int, int] | None = None,
        in_memory: bool = False,
        executable: Path | None = None,
    ) -> None:
        self.location = location
        self.ports = ports or (free_port(), free_port(), free_port())
        self.in_memory = in_memory
        self.executable = executable or ROOT / "node_modules" / ".bin" / "azurite"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def connection_string(self) -> str:
        return connection_string(*self.ports)

    def start(self, timeout: float = 30.0) -> Azurite:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not on PATH: install Node.js 20 or newer")
        if not self.executable.exists():
            raise RuntimeError(f"{self.executable} is missing: run `npm ci` (or `make setup`)")
        # Run the JS entry point with node directly, so that stop() signals Azurite itself.
        command = [node, str(self.executable.resolve())]
        self.location.mkdir(parents=True, exist_ok=True)
        blob, queue, table = self.ports
        command += [
            "--silent",
            "--skipApiVersionCheck",
            "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", str(blob),
            "--queueHost", "127.0.0.1", "--queuePort", str(queue),
            "--tableHost", "127.0.0.1", "--tablePort", str(table),
        ]  # fmt: skip
        # Azurite refuses --location together with in-memory persistence.
        command += (
            ["--inMemoryPersistence"] if self.in_memory else ["--location", str(self.location)]
        )
        log = (self.location / "azurite.log").open("ab")
        # A session of its own: Ctrl-C in `make run` must not stop storage before the host drains.
        self.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not all(port_open(port) for port in self.ports):
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"Azurite exited with {self.process.returncode}; "
                    f"see {self.location / 'azurite.log'}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Azurite did not listen on {self.ports} within {timeout}s")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        """SIGTERM (a kill after 10 s): Azurite saves its data and frees the ports."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> Azurite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
