"""Traces and metrics: where they go, and how one message's trace crosses the work queues.

``configure_telemetry`` runs once per process, at start-up. With
``APPLICATIONINSIGHTS_CONNECTION_STRING`` (Azure), the Azure Monitor distro exports spans,
metrics and logs (the Python worker may have set it up already, with
``PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY``; then it is left as it is). With
``TELEMETRY_FILE`` (locally, and in the e2e tests), they are appended to that file as JSON lines
(``shared/core/telemetry_file.py``). With neither, the OpenTelemetry API stays a no-op.

A queue message carries the W3C ``traceparent`` of the span that put it
(``current_traceparent``); the step that takes it runs in a span that is its child
(``span_from``), so the callback and every step of one push are one trace.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import Enum
from typing import ParamSpec, TypeVar

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Link, Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

from shared.core.log_dimensions import install_log_dimensions, log_dimensions
from shared.core.telemetry_file import (
    FileLogHandler,
    FileMetricExporter,
    FileSpanExporter,
    JsonLines,
)

CONNECTION_STRING_SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
TELEMETRY_FILE_SETTING = "TELEMETRY_FILE"
SERVICE_NAME = "wechat-service-bridge"

FILE_METRICS_INTERVAL_MILLIS = 2_000
"""How often metrics reach the file; the last collection happens when the process exits."""

URL_LOGGING_INSTRUMENTATIONS = ("httpx", "httpx2", "requests", "urllib", "urllib3")
"""Client instrumentations the distro would turn on, off: WeChat's API takes the access token
in the query string (docs/protocol.md §6.2), and their spans record the whole URL."""

tracer = trace.get_tracer(SERVICE_NAME)
"""The app's tracer; it follows whichever provider ``configure_telemetry`` installs."""

_propagator = TraceContextTextMapPropagator()
P = ParamSpec("P")
R = TypeVar("R")


class Exporting(str, Enum):
    AZURE_MONITOR = "azure_monitor"
    FILE = "file"
    NOTHING = "nothing"


_configured: Exporting | None = None


def configure_telemetry(env: Mapping[str, str] | None = None) -> Exporting:
    """Install the providers the settings ask for (once; later calls return the first
    answer). Log records carry their dimensions (``shared/core/log_dimensions.py``) either way."""
    global _configured
    if _configured is not None:
        return _configured
    env = os.environ if env is None else env
    install_log_dimensions()
    if (env.get(CONNECTION_STRING_SETTING) or "").strip():
        _configure_azure_monitor()
        _configured = Exporting.AZURE_MONITOR
    elif path := (env.get(TELEMETRY_FILE_SETTING) or "").strip():
        _configure_file(path)
        _configured = Exporting.FILE
    else:
        _configured = Exporting.NOTHING
    return _configured


def _configure_azure_monitor() -> None:
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return  # the worker configured the distro before it imported the app
    from azure.monitor.opentelemetry import configure_azure_monitor

    configure_azure_monitor(
        instrumentation_options={name: {"enabled": False} for name in URL_LOGGING_INSTRUMENTATIONS}
    )


def _configure_file(path: str) -> None:
    lines = JsonLines(path)
    resource = Resource.create({"service.name": SERVICE_NAME})
    tracing = TracerProvider(resource=resource)
    # One span at a time, as it ends: the file is read by tests while the app runs.
    tracing.add_span_processor(SimpleSpanProcessor(FileSpanExporter(lines)))
    trace.set_tracer_provider(tracing)
    reader = PeriodicExportingMetricReader(
        FileMetricExporter(lines), export_interval_millis=FILE_METRICS_INTERVAL_MILLIS
    )
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
    logging.getLogger().addHandler(FileLogHandler(lines))


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, for a message put now; None outside one."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def span_from(
    name: str,
    traceparent: str | None,
    *,
    kind: SpanKind = SpanKind.CONSUMER,
    attributes: Attributes = None,
) -> Iterator[Span]:
    """A span that continues the trace of ``traceparent`` (a new trace without one). The span
    current here (the host's invocation, in Azure) is kept as a link, not lost."""
    parent = _propagator.extract({"traceparent": traceparent}) if traceparent else None
    here = trace.get_current_span().get_span_context()
    links = [Link(here)] if here.is_valid and parent is not None else None
    with tracer.start_as_current_span(
        name, context=parent, kind=kind, attributes=attributes, links=links
    ) as span:
        yield span


def traced(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the function in a span of its own (a child of the current one), so a part of a step
    (routing, assigning) shows in the trace whether it runs inline or from its queue; what it
    adds to the log dimensions stays within it."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with tracer.start_as_current_span(name), log_dimensions():
                return function(*args, **kwargs)

        return run

    return decorate
