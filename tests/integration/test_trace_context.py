"""A message put on a work queue (Azurite) carries the trace context of the span that put it,
and only then: outside a span its text is what it was before tracing."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import pytest
from azure.storage.queue import QueueClient
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from shared.store import StorageClients
from shared.store.work_items import RouteItem
from shared.store.work_queues import WorkQueue

TRACE_ID, SPAN_ID = 0x0AF7651916CD43DD8448EB211C80319C, 0xB7AD6B7169203331
TRACEPARENT = f"00-{TRACE_ID:032x}-{SPAN_ID:016x}-01"


@pytest.fixture
def route_queue(app_storage: StorageClients) -> Iterator[tuple[WorkQueue[RouteItem], QueueClient]]:
    """A queue of this test's own, under the app's route item."""
    client = app_storage.queue("trace-" + secrets.token_hex(6))
    client.create_queue()
    yield WorkQueue(client, RouteItem), client
    client.delete_queue()


def bodies(client: QueueClient) -> list[dict]:
    return [json.loads(message.content) for message in client.receive_messages(max_messages=32)]


def test_a_put_in_a_span_carries_its_traceparent(route_queue):
    queue, client = route_queue
    span = NonRecordingSpan(SpanContext(TRACE_ID, SPAN_ID, False, TraceFlags(1)))
    with trace.use_span(span):
        queue.put(RouteItem(conversation_id="c1"))
    assert bodies(client) == [{"traceparent": TRACEPARENT, "conversationId": "c1"}]


def test_a_put_outside_a_span_is_todays_text(route_queue):
    queue, client = route_queue
    queue.put(RouteItem(conversation_id="c1"))
    (message,) = client.receive_messages(max_messages=32)
    assert message.content == '{"conversationId":"c1"}'


def test_an_item_with_its_own_trace_context_keeps_it(route_queue):
    queue, client = route_queue
    other = f"00-{1:032x}-{2:016x}-01"
    span = NonRecordingSpan(SpanContext(TRACE_ID, SPAN_ID, False, TraceFlags(1)))
    with trace.use_span(span):
        queue.put(RouteItem(conversation_id="c1", traceparent=other))
    assert bodies(client) == [{"traceparent": other, "conversationId": "c1"}]
