"""Telemetry without a host: the trace context a step continues, the JSON lines of
TELEMETRY_FILE, and the dimensions on the log records of a step."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from shared.core import telemetry
from shared.core.log_dimensions import (
    add_log_dimensions,
    current_log_dimensions,
    install_log_dimensions,
    log_dimensions,
)
from shared.core.telemetry_file import (
    FileLogHandler,
    FileMetricExporter,
    FileSpanExporter,
    JsonLines,
)
from tests.conftest import ROOT

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@pytest.fixture
def spans_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's tracer on a provider of this test's own, writing to a file: the global
    provider can be set once per process, and other tests need it a no-op."""
    path = tmp_path / "telemetry.jsonl"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(FileSpanExporter(JsonLines(str(path)))))
    monkeypatch.setattr(telemetry, "tracer", provider.get_tracer("test"))
    return path


def host_span(trace_id: int = 0x1234, span_id: int = 0x5678) -> NonRecordingSpan:
    """What the host (or devhost) makes current before the function runs."""
    return NonRecordingSpan(
        SpanContext(trace_id, span_id, is_remote=False, trace_flags=TraceFlags(1))
    )


def test_a_step_span_is_the_child_of_the_items_traceparent_and_links_the_hosts(spans_file):
    with trace.use_span(host_span()), telemetry.span_from("inbound step", TRACEPARENT):
        pass
    (span,) = read(spans_file)
    assert (span["traceId"], span["parentSpanId"]) == (TRACE_ID, PARENT_ID)
    assert span["spanKind"] == "CONSUMER"
    assert span["links"] == [{"traceId": f"{0x1234:032x}", "spanId": f"{0x5678:016x}"}]


def test_without_a_traceparent_the_step_continues_the_hosts_trace(spans_file):
    with trace.use_span(host_span()), telemetry.span_from("route step", None):
        pass
    (span,) = read(spans_file)
    assert (span["traceId"], span["parentSpanId"]) == (f"{0x1234:032x}", f"{0x5678:016x}")
    assert span["links"] == []


def test_what_is_put_in_a_span_carries_that_spans_context(spans_file):
    assert telemetry.current_traceparent() is None
    with telemetry.span_from("inbound step", TRACEPARENT) as span:
        put = telemetry.current_traceparent()
    assert put == f"00-{TRACE_ID}-{span.get_span_context().span_id:016x}-01"


def test_a_failed_step_leaves_an_error_span(spans_file):
    with pytest.raises(RuntimeError), telemetry.span_from("route step", TRACEPARENT):
        raise RuntimeError("storage is down")
    (span,) = read(spans_file)
    assert span["status"] == "ERROR"


def test_a_traced_part_is_a_child_span_and_keeps_its_dimensions_to_itself(spans_file):
    install_log_dimensions()

    @telemetry.traced("route")
    def route() -> dict:
        add_log_dimensions(conversation_id="c1")
        return dict(current_log_dimensions())

    with log_dimensions(account_id="a1"), telemetry.span_from("inbound step", TRACEPARENT):
        inside = route()
        after = dict(current_log_dimensions())
    assert inside == {"accountId": "a1", "conversationId": "c1"}
    assert after == {"accountId": "a1"}
    route_span, step_span = read(spans_file)
    assert route_span["name"] == "route"
    assert route_span["parentSpanId"] == step_span["spanId"]
    assert route_span["attributes"] == {"conversationId": "c1"}


def test_metric_points_are_lines_with_name_unit_attributes_and_value(tmp_path):
    path = tmp_path / "telemetry.jsonl"
    reader = PeriodicExportingMetricReader(
        FileMetricExporter(JsonLines(str(path))), export_interval_millis=60_000
    )
    provider = MeterProvider(metric_readers=[reader])
    meter = provider.get_meter("test")
    meter.create_counter("pushes", unit="{push}").add(2, {"accountId": "a1"})
    meter.create_histogram("ack", unit="ms").record(12.5)
    provider.shutdown()  # the last collection
    lines = {line["name"]: line for line in read(path)}
    assert lines["pushes"] == {
        "kind": "metric",
        "name": "pushes",
        "unit": "{push}",
        "attributes": {"accountId": "a1"},
        "value": 2,
    }
    assert lines["ack"]["value"] == {"count": 1, "sum": 12.5, "min": 12.5, "max": 12.5}
    assert metrics.get_meter_provider() is not provider  # the global one was left alone


def test_log_records_carry_the_dimensions_of_their_block(caplog):
    install_log_dimensions()
    log = logging.getLogger("shared.pipeline.test")
    with caplog.at_level(logging.INFO, logger="shared.pipeline.test"):
        with log_dimensions(account_id="a1", message_key="m:1"):
            log.info("filed")
            add_log_dimensions(conversation_id="c1")
            log.info("routed")
        log.info("outside")
    filed, routed, outside = caplog.records
    assert (filed.accountId, filed.messageKey) == ("a1", "m:1")
    assert not hasattr(filed, "conversationId")
    assert (routed.accountId, routed.conversationId, routed.messageKey) == ("a1", "c1", "m:1")
    assert not hasattr(outside, "accountId")


def test_outside_a_block_nothing_is_added_for_the_threads_next_request(caplog):
    install_log_dimensions()
    add_log_dimensions(account_id="a1")
    assert current_log_dimensions() == {}
    with caplog.at_level(logging.INFO):
        logging.getLogger("shared.test").info("later")
    assert not hasattr(caplog.records[0], "accountId")


def test_the_route_steps_log_lines_carry_account_and_conversation(world, services, caplog):
    """The route step (on the store fakes) names what it routes, with no dimension given by
    its caller: its log lines can be found by account and conversation."""
    install_log_dimensions()
    conversation_id = world.write("anyone?")  # the account has no workstream: a warning
    with caplog.at_level(logging.WARNING, logger="shared.pipeline.route"):
        services.route_step.route(conversation_id)
    (warning,) = [r for r in caplog.records if r.name == "shared.pipeline.route"]
    assert warning.accountId == world.account_id
    assert warning.conversationId == conversation_id


def test_the_file_log_handler_writes_dimensions_and_the_span(tmp_path, spans_file):
    install_log_dimensions()
    path = tmp_path / "logs.jsonl"
    log = logging.getLogger("shared.pipeline.file-test")
    log.addHandler(FileLogHandler(JsonLines(str(path))))
    log.setLevel(logging.INFO)
    with (
        telemetry.span_from("inbound step", TRACEPARENT) as span,
        log_dimensions(account_id="a1", message_key="m:1"),
    ):
        log.info("push %s is gone", "m:1")
    (line,) = read(path)
    assert line == {
        "kind": "log",
        "level": "INFO",
        "logger": "shared.pipeline.file-test",
        "message": "push m:1 is gone",
        "attributes": {"accountId": "a1", "messageKey": "m:1"},
        "traceId": TRACE_ID,
        "spanId": f"{span.get_span_context().span_id:016x}",
    }


CONFIGURED = """
import logging, sys
from opentelemetry import metrics
from shared.core import telemetry
from shared.core.log_dimensions import log_dimensions
print(telemetry.configure_telemetry().value)
logging.getLogger().setLevel(logging.INFO)
with telemetry.span_from("inbound step", sys.argv[1]), log_dimensions(account_id="a1"):
    logging.getLogger("shared.pipeline.inbound").info("filed")
metrics.get_meter("m").create_counter("pushes", unit="{push}").add(1)
"""


def run_configured(env: dict[str, str]) -> str:
    """A process of its own: the global providers can be installed once per process."""
    result = subprocess.run(
        [sys.executable, "-c", CONFIGURED, TRACEPARENT],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_with_telemetry_file_spans_logs_and_metrics_land_in_it(tmp_path):
    path = tmp_path / "telemetry.jsonl"
    assert run_configured({"TELEMETRY_FILE": str(path)}) == "file"
    lines = read(path)
    (span,) = [line for line in lines if line["kind"] == "span"]
    assert (span["traceId"], span["parentSpanId"]) == (TRACE_ID, PARENT_ID)
    (log,) = [line for line in lines if line["kind"] == "log"]
    assert (log["attributes"], log["traceId"]) == ({"accountId": "a1"}, TRACE_ID)
    (metric,) = [line for line in lines if line["kind"] == "metric"]
    assert (metric["name"], metric["value"]) == ("pushes", 1)  # collected at exit


def test_without_settings_nothing_is_set_up(tmp_path):
    assert run_configured({}) == "nothing"


AZURE_MONITOR = """
import sys
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
if sys.argv[1] == "worker":  # the worker set the distro up before it imported the app
    trace.set_tracer_provider(TracerProvider())
before = trace.get_tracer_provider()
from shared.core import telemetry
print(telemetry.configure_telemetry().value)
print(isinstance(trace.get_tracer_provider(), TracerProvider))
print(trace.get_tracer_provider() is before)
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.instrumentation.urllib import URLLibInstrumentor
from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor
print(any(i().is_instrumented_by_opentelemetry for i in (
    HTTPXClientInstrumentor, RequestsInstrumentor, URLLibInstrumentor, URLLib3Instrumentor
)))
"""
UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: nothing is sent anywhere


def run_with_azure_monitor(tmp_path: Path, who: str) -> list[str]:
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(tmp_path),  # the exporter's offline storage
        "APPLICATIONINSIGHTS_CONNECTION_STRING": (
            "InstrumentationKey=00000000-0000-0000-0000-000000000000;"
            f"IngestionEndpoint={UNREACHABLE};LiveEndpoint={UNREACHABLE}"
        ),
    }
    result = subprocess.run(
        [sys.executable, "-c", AZURE_MONITOR, who],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.split()


def test_with_a_connection_string_the_distro_runs_without_url_recording_clients(tmp_path):
    """The distro would instrument httpx, whose spans record the whole URL of each call to
    WeChat, access token and all."""
    assert run_with_azure_monitor(tmp_path, "app") == ["azure_monitor", "True", "False", "False"]


def test_a_distro_the_worker_set_up_is_left_as_it_is(tmp_path):
    assert run_with_azure_monitor(tmp_path, "worker") == ["azure_monitor", "True", "True", "False"]
