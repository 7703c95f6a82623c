"""``python -m devhost``: serve a Functions app locally until SIGINT or SIGTERM.

Usage: ``python -m devhost [--port N] [--host 127.0.0.1] [--app function_app] [--root DIR]
[--no-timers] [--split]``. Exit status 0 after a clean stop, 1 when the app cannot be served.

``--split`` runs the queue and timer triggers in a second process, as Flex Consumption runs
them on other instances than the HTTP triggers: the callback's acknowledgements then share no
interpreter (and no GIL) with the pipeline's steps. That process lives as long as this one: it
stops with it, and exits at once when this one dies (its stdin, a pipe from here, closes).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from types import FrameType

from devhost.errors import StartupError
from devhost.host import DevHost, DevHostOptions
from devhost.settings import DEFAULT_HTTP_PORT, read_local_http_port

log = logging.getLogger("devhost")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devhost",
        description="Serve an Azure Functions Python v2 app locally (a stand-in for func start).",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="HTTP port (default: Host.LocalHttpPort of local.settings.json, else 7071)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--app", default="function_app", help="module that defines `app`")
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="folder with the module and host.json"
    )
    parser.add_argument(
        "--no-timers", action="store_true", help="never fire timer triggers (admin calls still run)"
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="run queue and timer triggers in a second process, apart from HTTP (as in Azure)",
    )
    parser.add_argument("--background", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--shutdown-timeout",
        type=float,
        default=30.0,
        help="seconds to let running invocations finish when stopping",
    )
    return parser.parse_args(argv)


def configure_logging() -> None:
    """Host-style lines on stderr: ``[2024-05-01T10:00:00.123Z] message``, in UTC."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter("[%(asctime)s.%(msecs)03dZ] %(message)s", "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    # host.json's "Azure.Core": "Warning": the SDKs log every request at INFO otherwise.
    logging.getLogger("azure").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    configure_logging()
    root = arguments.root.resolve()
    try:
        port = arguments.port or read_local_http_port(root) or DEFAULT_HTTP_PORT
    except StartupError as error:
        print(f"devhost: cannot start:\n{error}", file=sys.stderr, flush=True)
        return 1
    host = DevHost(
        DevHostOptions(
            root=root,
            app_module=arguments.app,
            host=arguments.host,
            port=port,
            timers=not arguments.no_timers and not arguments.split,
            shutdown_timeout=arguments.shutdown_timeout,
            http=not arguments.background,
            queues=not arguments.split,
        )
    )
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        if stop_requested.is_set():
            log.info("devhost: already stopping")
            return
        log.info("devhost: %s received, stopping", signal.Signals(signum).name)
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    if arguments.background:
        watch_parent(stop_requested)
    background: subprocess.Popen[bytes] | None = None
    try:
        host.start()
        if arguments.split:
            background = start_background(root, arguments, stop_requested)
    except StartupError as error:
        print(f"devhost: cannot start:\n{error}", file=sys.stderr, flush=True)
        host.stop()
        return 1
    except Exception:
        traceback.print_exc()
        print("devhost: cannot start: the app failed to load (see above)", file=sys.stderr)
        host.stop()
        return 1
    print(BACKGROUND_READY if arguments.background else host.describe(), flush=True)
    stop_requested.wait()
    if background is not None:
        background.send_signal(signal.SIGTERM)  # both stop taking work at once
    host.stop()
    if background is not None:
        try:
            background.wait(timeout=arguments.shutdown_timeout + 5)
        except subprocess.TimeoutExpired:
            background.kill()
    log.info("devhost: stopped")
    return 0


BACKGROUND_READY = "devhost background ready"


def start_background(
    root: Path, arguments: argparse.Namespace, stop_requested: threading.Event
) -> subprocess.Popen[bytes]:
    """The second process of ``--split``, started and polling; ``StartupError`` if it fails."""
    command = [
        sys.executable, "-m", "devhost", "--background", "--root", str(root),
        "--app", arguments.app, "--shutdown-timeout", str(arguments.shutdown_timeout),
    ]  # fmt: skip
    if arguments.no_timers:
        command.append("--no-timers")
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdout is not None
    for line in process.stdout:  # its stderr is ours: the log reads as one host's
        if line.decode(errors="replace").strip() == BACKGROUND_READY:
            copying = threading.Thread(target=copy_output, args=(process, stop_requested))
            copying.daemon = True
            copying.start()
            return process
        sys.stdout.buffer.write(line)
    process.wait()
    raise StartupError(f"the background process exited with status {process.returncode}")


def copy_output(process: subprocess.Popen[bytes], stop_requested: threading.Event) -> None:
    """The background process's stdout onto ours (a pipe nobody read would stall it)."""
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()
    if process.wait() != 0 and not stop_requested.is_set():
        log.error("devhost: the background process exited with status %s", process.returncode)


def watch_parent(stop_requested: threading.Event) -> None:
    """In the background process: stdin is a pipe from the HTTP process. Its end means that
    process is gone; when that is not a stop in order, this one goes at once, as it would
    with the instance."""

    def wait_for_end() -> None:
        # Raw reads: a buffered reader's lock held by this daemon thread at interpreter exit
        # would abort the exit.
        while os.read(sys.stdin.fileno(), 4096):
            pass
        if not stop_requested.is_set():
            os._exit(1)

    threading.Thread(target=wait_for_end, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
