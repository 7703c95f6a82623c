"""``python -m devhost``: serve a Functions app locally until SIGINT or SIGTERM.

Usage: ``python -m devhost [--port N] [--host 127.0.0.1] [--app function_app] [--root DIR]
[--no-timers]``. Exit status 0 after a clean stop, 1 when the app cannot be served.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from types import FrameType

from .errors import StartupError
from .host import DevHost, DevHostOptions
from .settings import DEFAULT_HTTP_PORT, read_local_http_port

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
            timers=not arguments.no_timers,
            shutdown_timeout=arguments.shutdown_timeout,
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
    try:
        host.start()
    except StartupError as error:
        print(f"devhost: cannot start:\n{error}", file=sys.stderr, flush=True)
        host.stop()
        return 1
    except Exception:
        traceback.print_exc()
        print("devhost: cannot start: the app failed to load (see above)", file=sys.stderr)
        host.stop()
        return 1
    print(host.describe(), flush=True)
    stop_requested.wait()
    host.stop()
    log.info("devhost: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
