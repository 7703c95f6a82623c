"""Calling a user function as the Python worker does, and logging it as the host does.

Arguments go by binding name (plus ``context`` when the function asks for it). ``async def``
functions all run on one event loop in its own thread, as the worker runs them on its one
loop: a client created in one invocation still works in the next, and a blocking call in a
coroutine stalls the other coroutines here exactly as it would in Azure. Plain functions run in
the calling thread (an HTTP connection or a queue worker). Every invocation logs one line:
``Executed 'Functions.<name>' (Succeeded|Failed, Id=<id>, Duration=<n>ms)``. Each runs in a
span ``Functions.<name>``, as the host's OpenTelemetry mode makes one: the app's spans are its
children, and an HTTP request's W3C ``traceparent`` header is its parent. It goes wherever the
app's telemetry set-up sends spans (nowhere unless it set one up).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import azure.functions as func
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from devhost.app_index import CONTEXT_PARAMETER, FunctionSpec, HttpFunction, QueueFunction

log = logging.getLogger("devhost")
tracer = trace.get_tracer("devhost")
Converted = TypeVar("Converted")


@dataclass(frozen=True)
class InvocationResult(Generic[Converted]):
    """What an invocation produced: the converted return value, or the exception it raised."""

    invocation_id: str
    value: Converted | None = None
    error: BaseException | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


class HttpOutput(func.Out[Any]):
    """The value behind a ``func.Out[func.HttpResponse]`` parameter."""

    def __init__(self) -> None:
        self._value: Any = None

    def set(self, val: Any) -> None:
        self._value = val

    def get(self) -> Any:
        return self._value


@dataclass(frozen=True)
class _TraceContext:
    trace_parent: str = ""
    trace_state: str = ""
    attributes: dict[str, str] | None = None


@dataclass(frozen=True)
class _RetryContext:
    retry_count: int = 0
    max_retry_count: int = 0
    exception: Any = None


class InvocationContext(func.Context):
    """The ``context`` argument: invocation id, function name and folder."""

    def __init__(self, invocation_id: str, function_name: str, function_directory: str) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._function_directory = function_directory
        self._thread_local_storage = threading.local()

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> threading.local:  # type: ignore[override]
        return self._thread_local_storage

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def trace_context(self) -> _TraceContext:  # type: ignore[override]
        return _TraceContext(attributes={})

    @property
    def retry_context(self) -> _RetryContext:  # type: ignore[override]
        return _RetryContext()


def _invocation_span(function: FunctionSpec, trigger_value: Any, invocation_id: str) -> trace.Span:
    """The host's span of one invocation: a request's (whose URL it leaves out: a query string
    may carry signatures), a queue message's, or a timer's."""
    attributes: dict[str, str] = {"faas.invocation_id": invocation_id, "faas.name": function.name}
    if isinstance(function, HttpFunction):
        headers = {name.lower(): value for name, value in trigger_value.headers.items()}
        parent = TraceContextTextMapPropagator().extract(headers)
        attributes |= {"http.route": function.route, "http.request.method": trigger_value.method}
        kind = SpanKind.SERVER
    elif isinstance(function, QueueFunction):
        parent, kind = None, SpanKind.CONSUMER
        attributes["messaging.destination.name"] = function.queue_name
    else:
        parent, kind = None, SpanKind.INTERNAL
    return tracer.start_span(
        f"Functions.{function.name}", context=parent, kind=kind, attributes=attributes
    )


class Invoker:
    """Runs invocations and knows how many are in flight, so shutdown can wait for them."""

    def __init__(self, function_directory: str) -> None:
        self._function_directory = function_directory
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(
            target=self._loop.run_forever, name="devhost-async", daemon=True
        )
        self._loop_thread.start()
        self._in_flight = 0
        self._idle = threading.Condition()

    def invoke(
        self,
        function: FunctionSpec,
        trigger_value: Any,
        convert: Callable[[Any, dict[str, HttpOutput]], Converted] | None = None,
    ) -> InvocationResult[Converted]:
        """Call ``function`` with ``trigger_value``; ``convert`` turns its outputs into a value
        (for HTTP, the response) and may raise, which fails the invocation as the worker's
        output conversion does. Without ``convert`` (no output binding), returning anything but
        None fails it, as in the worker."""
        invocation_id = str(uuid.uuid4())
        span = _invocation_span(function, trigger_value, invocation_id)
        # Current through the "Executed" line too: the host logs it in the invocation's span.
        with trace.use_span(span, end_on_exit=True, record_exception=False):
            return self._invoke(function, trigger_value, convert, invocation_id, span)

    def _invoke(
        self,
        function: FunctionSpec,
        trigger_value: Any,
        convert: Callable[[Any, dict[str, HttpOutput]], Converted] | None,
        invocation_id: str,
        span: trace.Span,
    ) -> InvocationResult[Converted]:
        outputs = {name: HttpOutput() for name in function.output_args}
        arguments: dict[str, Any] = {function.trigger_arg: trigger_value, **outputs}
        if function.wants_context:
            arguments[CONTEXT_PARAMETER] = InvocationContext(
                invocation_id, function.name, self._function_directory
            )
        with self._idle:
            self._in_flight += 1
        started = time.monotonic()
        try:
            returned = self._call(function.user_function, arguments)
            if convert is None and returned is not None:
                raise TypeError(
                    f"function {function.name!r} has no $return binding but returned a value "
                    f"({type(returned).__name__}); the worker fails such an invocation"
                )
            value = convert(returned, outputs) if convert is not None else None
        except Exception as error:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            log.error(
                "Executed 'Functions.%s' (Failed, Id=%s, Duration=%dms)",
                function.name,
                invocation_id,
                (time.monotonic() - started) * 1000,
                exc_info=error,
            )
            return InvocationResult(invocation_id, error=error)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()
        log.info(
            "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%dms)",
            function.name,
            invocation_id,
            (time.monotonic() - started) * 1000,
        )
        return InvocationResult(invocation_id, value=value)

    def _call(self, user_function: Callable[..., Any], arguments: dict[str, Any]) -> Any:
        if inspect.iscoroutinefunction(user_function):
            return self._await(user_function(**arguments))
        returned = user_function(**arguments)
        return self._await(returned) if inspect.isawaitable(returned) else returned

    def _await(self, awaitable: Any) -> Any:
        async def run() -> Any:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no invocation is running; False if some still are after ``timeout``."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._loop_thread.join(timeout=5)
