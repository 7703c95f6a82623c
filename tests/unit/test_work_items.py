"""The work queues' messages: today's wire text exactly, and nothing else taken or put."""

from __future__ import annotations

import json

import pytest
from azure.storage.queue import QueueClient
from pydantic import ValidationError

from devhost.azurite import connection_string, free_port
from shared.store.names import WORK_QUEUES
from shared.store.work_items import (
    ITEMS,
    AssignItem,
    BotItem,
    InboundItem,
    MediaItem,
    OutboundItem,
    RouteItem,
    WorkItem,
    WorkItemError,
)
from shared.store.work_queues import WorkQueue

CONVERSATION = "acct01-0123456789abcdefghjk"

WIRE = [
    (InboundItem(account_id="acct01", key="m:10001"), {"accountId": "acct01", "key": "m:10001"}),
    (RouteItem(conversation_id=CONVERSATION), {"conversationId": CONVERSATION}),
    (AssignItem(conversation_id=CONVERSATION), {"conversationId": CONVERSATION}),
    (AssignItem(agent_id="agent7"), {"agentId": "agent7"}),
    (AssignItem(queue_id="refunds"), {"queueId": "refunds"}),
    (OutboundItem(conversation_id=CONVERSATION), {"conversationId": CONVERSATION}),
    (
        MediaItem(conversation_id=CONVERSATION, key="l1"),
        {"conversationId": CONVERSATION, "key": "l1"},
    ),
    (
        BotItem(conversation_id=CONVERSATION, key="l1"),
        {"conversationId": CONVERSATION, "key": "l1"},
    ),
]


@pytest.mark.parametrize(("item", "fields"), WIRE, ids=lambda v: type(v).__name__)
def test_an_item_is_the_text_the_queues_carried_before(item: WorkItem, fields: dict[str, str]):
    """Byte for byte what ``json.dumps(fields, separators=(",", ":"))`` wrote: the failure log
    keys a body by its hash, and poison replay and erasure read it raw."""
    body = item.to_body()
    assert body == json.dumps(fields, separators=(",", ":"))
    assert type(item).from_body(body.encode()) == item


def test_every_queue_has_its_item_named_after_it():
    assert set(ITEMS) == set(WORK_QUEUES)
    for queue, item in ITEMS.items():
        assert item.__name__ == queue.capitalize() + "Item"


@pytest.mark.parametrize(
    ("body", "given"),
    [
        ('{"agentId":"a","queueId":"q"}', "agentId and queueId are given"),
        ('{"conversationId":"c","agentId":"a"}', "conversationId and agentId are given"),
        ("{}", "none is given"),
        ('{"conversationId":null}', "none is given"),
    ],
)
def test_an_assign_item_names_exactly_one_target(body: str, given: str):
    with pytest.raises(WorkItemError) as refused:
        AssignItem.from_body(body)
    assert str(refused.value) == (
        "a message on the assign queue does not fit AssignItem: exactly one of conversationId, "
        f"agentId, queueId is needed; {given}"
    )


def test_an_assign_item_with_two_targets_cannot_be_made():
    with pytest.raises(ValidationError, match="exactly one of"):
        AssignItem(conversation_id="c", queue_id="q")


@pytest.mark.parametrize(
    ("item", "body", "problem"),
    [
        (RouteItem, "{}", "conversationId: Field required"),
        (RouteItem, '{"conversation_id":"c"}', "conversation_id is not a field"),
        (InboundItem, '{"account_id":"a","key":"k"}', "the message names it accountId"),
        (OutboundItem, '{"conversationId":"c","retry":1}', "retry: Extra inputs are not permitted"),
        (InboundItem, '{"accountId":"a","key":7}', "key: Input should be a valid string"),
        (MediaItem, '{"conversationId":["c"],"key":"k"}', "conversationId: Input should be"),
        (BotItem, '{"conversationId":"c"}', "key: Field required"),
        (AssignItem, '{"agentId":"a","extra":"x"}', "extra: Extra inputs are not permitted"),
        (RouteItem, "not json", "Invalid JSON"),
        (RouteItem, '["c"]', "Input should be an object"),
    ],
)
def test_a_body_that_does_not_fit_names_its_queue_and_field(
    item: type[WorkItem], body: str, problem: str
):
    with pytest.raises(WorkItemError) as refused:
        item.from_body(body.encode())
    message = str(refused.value)
    assert message.startswith(
        f"a message on the {item.work_queue} queue does not fit {item.__name__}: "
    )
    assert problem in message


def test_a_refusal_does_not_repeat_the_body():
    """The error goes to the failures table and the poison listing: the ids, not the input."""
    with pytest.raises(WorkItemError) as refused:
        RouteItem.from_body('{"conversationId":"c","secretish":"s3cr3t-value"}')
    assert "s3cr3t-value" not in str(refused.value)


@pytest.fixture
def route_queue() -> WorkQueue[RouteItem]:
    """A client of a storage account that is not there: a refused put never reaches it."""
    port = free_port()
    client = QueueClient.from_connection_string(connection_string(port, port, port), "route")
    return WorkQueue(client, RouteItem)


def test_a_queue_takes_no_dict(route_queue: WorkQueue[RouteItem]):
    with pytest.raises(TypeError, match="queue route takes a RouteItem, not dict"):
        route_queue.put({"conversationId": CONVERSATION})  # type: ignore[arg-type]


def test_a_queue_takes_no_other_queues_item(route_queue: WorkQueue[RouteItem]):
    with pytest.raises(TypeError, match="queue route takes a RouteItem, not OutboundItem"):
        route_queue.put(OutboundItem(conversation_id=CONVERSATION))  # type: ignore[arg-type]


TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.mark.parametrize(("item", "fields"), WIRE, ids=lambda v: type(v).__name__)
def test_an_item_carries_the_trace_context_that_put_it(item: WorkItem, fields: dict[str, str]):
    traced = item.model_copy(update={"traceparent": TRACEPARENT})
    body = traced.to_body()
    assert json.loads(body) == {"traceparent": TRACEPARENT, **fields}
    assert type(item).from_body(body.encode()) == traced


@pytest.mark.parametrize(("item", "fields"), WIRE, ids=lambda v: type(v).__name__)
def test_a_message_from_before_tracing_has_no_trace_context(item: WorkItem, fields: dict[str, str]):
    taken = type(item).from_body(json.dumps(fields).encode())
    assert taken.traceparent is None
    assert taken == item


@pytest.mark.parametrize(
    "traceparent",
    ["", "00-xyz", TRACEPARENT.upper(), TRACEPARENT + "-extra", 7, None],
)
def test_a_malformed_trace_context_starts_a_new_trace_and_never_fails_the_step(traceparent):
    body = json.dumps({"conversationId": CONVERSATION, "traceparent": traceparent})
    assert RouteItem.from_body(body).traceparent is None


def test_the_trace_context_has_its_wire_name_only():
    with pytest.raises(WorkItemError, match="trace_parent: Extra inputs are not permitted"):
        RouteItem.from_body(json.dumps({"conversationId": CONVERSATION, "trace_parent": "x"}))
