"""Telemetry as JSON lines in one local file (``TELEMETRY_FILE``): what tests and a developer
read instead of Application Insights.

One line per span, metric point or log record, each with ``"kind"``. Lines are appended with
one ``write`` each to a file opened for appending, so the processes of ``devhost --split``
can share the file without mixing their lines.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.metrics.export import (
    HistogramDataPoint,
    MetricExporter,
    MetricExportResult,
    MetricsData,
    NumberDataPoint,
)
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.util.types import Attributes

from shared.core.log_dimensions import DIMENSIONS


class JsonLines:
    """An append-only file of JSON objects, safe to share between threads and processes."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._fd: int | None = None

    def write(self, record: Mapping[str, Any]) -> None:
        line = (json.dumps(record, separators=(",", ":"), default=str) + "\n").encode()
        with self._lock:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(self._fd, line)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _attributes(attributes: Attributes) -> dict[str, Any]:
    return {
        name: list(value) if isinstance(value, tuple | list) else value
        for name, value in (attributes or {}).items()
    }


def _hex(number: int, digits: int) -> str:
    return format(number, f"0{digits}x")


class FileSpanExporter(SpanExporter):
    """Each ended span: its trace, its parent, its links and attributes."""

    def __init__(self, lines: JsonLines) -> None:
        self._lines = lines

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            context = span.get_span_context()
            assert context is not None  # an SDK span always has one
            self._lines.write(
                {
                    "kind": "span",
                    "name": span.name,
                    "spanKind": span.kind.name,
                    "traceId": _hex(context.trace_id, 32),
                    "spanId": _hex(context.span_id, 16),
                    "parentSpanId": _hex(span.parent.span_id, 16) if span.parent else None,
                    "links": [
                        {
                            "traceId": _hex(link.context.trace_id, 32),
                            "spanId": _hex(link.context.span_id, 16),
                        }
                        for link in span.links
                    ],
                    "start": span.start_time,
                    "end": span.end_time,
                    "status": span.status.status_code.name,
                    "attributes": _attributes(span.attributes),
                }
            )
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self._lines.close()


class FileMetricExporter(MetricExporter):
    """Each point of each metric at every collection: name, unit, attributes, value (a
    histogram's value is its count, sum, min and max)."""

    def __init__(self, lines: JsonLines) -> None:
        super().__init__()
        self._lines = lines

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        for resource_metrics in metrics_data.resource_metrics:
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    for point in metric.data.data_points:
                        self._lines.write(
                            {
                                "kind": "metric",
                                "name": metric.name,
                                "unit": metric.unit,
                                "attributes": _attributes(point.attributes),
                                "value": _value(point),
                            }
                        )
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self._lines.close()


def _value(point: NumberDataPoint | HistogramDataPoint | Any) -> Any:
    if isinstance(point, NumberDataPoint):
        return point.value
    if isinstance(point, HistogramDataPoint):
        return {"count": point.count, "sum": point.sum, "min": point.min, "max": point.max}
    return str(point)


class FileLogHandler(logging.Handler):
    """Each record: its level, logger, text, dimensions and the span it was logged in, the
    shape Azure Monitor stores as a trace with ``customDimensions`` and an operation id."""

    def __init__(self, lines: JsonLines, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        try:
            context = trace.get_current_span().get_span_context()
            self._lines.write(
                {
                    "kind": "log",
                    "level": record.levelname,
                    "logger": record.name,
                    "message": record.getMessage(),
                    "attributes": {
                        name: getattr(record, name)
                        for name in DIMENSIONS.values()
                        if hasattr(record, name)
                    },
                    "traceId": _hex(context.trace_id, 32) if context.is_valid else None,
                    "spanId": _hex(context.span_id, 16) if context.is_valid else None,
                }
            )
        except Exception:
            self.handleError(record)
