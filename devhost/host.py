"""The stand-in host: index the app, then serve HTTP, queue triggers and timers until stopped.

Start-up follows the real host's order: settings into the environment, then the app imported
and indexed (a bad binding or setting refuses to start), then the listeners. Stopping closes
the HTTP port first, stops fetching queue messages and firing timers, then waits (bounded) for
running invocations to finish and their messages to be settled.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TypeVar

from azure.functions.queue import QueueMessage as FunctionQueueMessage
from azure.storage.queue import QueueServiceClient

from devhost.app_index import (
    FunctionSpec,
    HttpFunction,
    IndexedFunction,
    QueueFunction,
    TimerFunction,
    index_app,
    load_function_app,
)
from devhost.connections import queue_service_for
from devhost.errors import StartupError
from devhost.host_config import HostConfig
from devhost.http_server import FunctionsHttpServer, request_body_limit
from devhost.invoker import Invoker
from devhost.queue_listener import (
    PROCESSING_VISIBILITY_SECONDS,
    PROCESSING_VISIBILITY_SETTING,
    QueueListener,
)
from devhost.routes import RouteTable
from devhost.settings import export_local_values
from devhost.timers import TimerRunner, schedule_time_zone

log = logging.getLogger("devhost")
Spec = TypeVar("Spec", bound=FunctionSpec)

ADMIN_ACCEPTED, ADMIN_NOT_FOUND, ADMIN_BAD_REQUEST, ADMIN_FAILED = 202, 404, 400, 500


def is_disabled(name: str, settings: dict[str, str]) -> bool:
    """The host's ``AzureWebJobs.<name>.Disabled`` setting (``__`` where dots cannot go)."""
    value = settings.get(f"AzureWebJobs.{name}.Disabled") or settings.get(
        f"AzureWebJobs__{name}__Disabled", ""
    )
    return value.strip().lower() in ("true", "1")


def processing_visibility_of(settings: dict[str, str]) -> int:
    value = settings.get(PROCESSING_VISIBILITY_SETTING, "").strip()
    if not value:
        return PROCESSING_VISIBILITY_SECONDS
    if not value.isdigit() or not 1 <= int(value) <= 7 * 24 * 3600:
        raise StartupError(
            f"{PROCESSING_VISIBILITY_SETTING} must be a whole number of seconds from 1 to "
            f"604800, not {value!r}"
        )
    return int(value)


@dataclass(frozen=True)
class DevHostOptions:
    root: Path
    app_module: str = "function_app"
    host: str = "127.0.0.1"
    port: int = 7071
    timers: bool = True
    shutdown_timeout: float = 30.0
    http: bool = True
    """Serve HTTP triggers (and the admin endpoint)."""
    queues: bool = True
    """Poll the queue triggers' queues; with ``--split`` they run in a second process."""


class DevHost:
    def __init__(self, options: DevHostOptions) -> None:
        self.options = options
        self.root = options.root.resolve()
        self.config = HostConfig()
        self.functions: list[IndexedFunction] = []
        self.routes: RouteTable[HttpFunction] = RouteTable()
        self.invoker: Invoker | None = None
        self.server: FunctionsHttpServer | None = None
        self.listeners: list[QueueListener] = []
        self.timers: dict[str, TimerRunner] = {}
        self.disabled: set[str] = set()
        self.zone: tzinfo = timezone.utc  # timer schedules' time zone (WEBSITE_TIME_ZONE)
        self._server_thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.options.host}:{self.options.port}"

    def start(self) -> None:
        """Index the app and start serving; ``StartupError`` when the app cannot be served."""
        self.config = HostConfig.load(self.root)
        export_local_values(self.root)
        settings = dict(os.environ)
        max_body_bytes = request_body_limit(settings)
        os.chdir(self.root)  # the worker runs in the app's folder
        self.functions = index_app(load_function_app(self.root, self.options.app_module), settings)
        # Disabled functions are indexed (and can be run through the admin endpoint, as on the
        # real host) but their triggers do not fire.
        self.disabled = {f.name for f in self.functions if is_disabled(f.name, settings)}
        self.invoker = Invoker(function_directory=str(self.root))

        self.routes = RouteTable(prefix=self.config.route_prefix)
        for function in self._enabled(HttpFunction):
            try:
                self.routes.add(function.route, function.methods, function)
            except ValueError as error:
                raise StartupError(f"function {function.name!r}: {error}") from None

        processing_visibility = processing_visibility_of(settings)
        queue_services: dict[str, QueueServiceClient] = {}
        for queued in self._enabled(QueueFunction):
            if queued.connection not in queue_services:
                try:
                    queue_services[queued.connection] = queue_service_for(
                        queued.connection, settings
                    )
                except StartupError as error:
                    raise StartupError(f"function {queued.name!r}: {error}") from None
            self.listeners.append(
                QueueListener(
                    queued,
                    queue_services[queued.connection],
                    self.config.queues,
                    self.invoker,
                    processing_visibility,
                )
            )

        self.zone = schedule_time_zone(settings)
        self.timers = {
            function.name: TimerRunner(function, self.invoker, self.zone)
            for function in self._enabled(TimerFunction)
        }

        if self.options.http:
            address = (self.options.host, self.options.port)
            try:
                self.server = FunctionsHttpServer(
                    address, self.routes, self.invoker, self.admin_invoke, max_body_bytes
                )
            except OSError as error:
                raise StartupError(f"cannot listen on {self.url}: {error}") from None
            self._server_thread = threading.Thread(
                target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, name="http"
            )
            self._server_thread.start()
        if self.options.queues:
            for listener in self.listeners:
                listener.start()
        if self.options.timers:
            for runner in self.timers.values():
                runner.start()

    def stop(self) -> None:
        """Stop taking work, then let running invocations finish (bounded)."""
        deadline = time.monotonic() + self.options.shutdown_timeout

        def remaining() -> float:
            return max(deadline - time.monotonic(), 0.0)

        if self.server is not None:
            self.server.stopping = True
            self.server.shutdown()
            self.server.server_close()
        for listener in self.listeners:
            listener.stop_fetching()
        for runner in self.timers.values():
            runner.stop(timeout=remaining())
        settled = True
        if self.server is not None:
            settled &= self.server.wait_idle(remaining())
        if self.invoker is not None:
            settled &= self.invoker.wait_idle(remaining())
        for listener in self.listeners:
            settled &= listener.wait_idle(remaining())
            listener.close()
        if not settled:
            log.warning("devhost: stopped with invocations still running")
        if self.invoker is not None:
            self.invoker.close()

    def admin_invoke(self, name: str, payload: str) -> int:
        """``POST /admin/functions/{name}``: run a non-HTTP function once, now.

        The host queues the invocation and answers 202 at once; devhost runs it first and
        answers 202 if it succeeded, 500 if it failed, so that callers can rely on its effects.
        """
        function = next((f for f in self.functions if f.name.lower() == name.lower()), None)
        if function is None or self.invoker is None:
            return ADMIN_NOT_FOUND
        if isinstance(function, TimerFunction):
            runner = self.timers.get(function.name) or TimerRunner(
                function, self.invoker, self.zone
            )
            result = runner.fire()
        elif isinstance(function, QueueFunction):
            now = datetime.now(timezone.utc)
            message = FunctionQueueMessage(
                id=str(uuid.uuid4()),
                body=payload.encode("utf-8"),
                dequeue_count=1,
                insertion_time=now,
                expiration_time=now + timedelta(days=7),
                time_next_visible=now,
                pop_receipt=None,
            )
            result = self.invoker.invoke(function, message)
        else:
            return ADMIN_BAD_REQUEST  # an HTTP function is called through its route
        return ADMIN_ACCEPTED if result.succeeded else ADMIN_FAILED

    def describe(self) -> str:
        """What ``func start`` prints: where it listens and each function's trigger."""
        lines = [f"devhost serving {self.url} ({len(self.functions)} functions)", "", "Functions:"]
        elsewhere = "" if self.options.queues else ", in the background process"
        for function in self.functions:
            if isinstance(function, HttpFunction):
                methods = ",".join(sorted(function.methods)) if function.methods else "ALL"
                detail = f"[{methods}] {self.url}{self.routes.url_path(function.route)}"
            elif isinstance(function, QueueFunction):
                detail = f"queueTrigger (queue: {function.queue_name}{elsewhere})"
            else:  # a TimerFunction: indexing makes no other kind
                state = elsewhere or ("" if self.options.timers else ", not firing: --no-timers")
                detail = f"timerTrigger (schedule: {function.schedule}{state})"
            if function.name in self.disabled:
                detail += " (disabled)"
            lines += ["", f"        {function.name}: {detail}"]
        return "\n".join(lines) + "\n"

    def _of_type(self, kind: type[Spec]) -> list[Spec]:
        return [function for function in self.functions if isinstance(function, kind)]

    def _enabled(self, kind: type[Spec]) -> list[Spec]:
        """The functions of ``kind`` whose triggers fire: all but the disabled ones."""
        return [function for function in self._of_type(kind) if function.name not in self.disabled]
