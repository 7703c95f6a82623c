"""The conversation step as the host runs it: a new conversation is routed and assigned in the
same step that files it (so a customer reaches an agent one queue hop after the push, not
three); the queued route and assign requests are the fallback, hidden for a few seconds and
withdrawn once their work is done. And the route step itself, when it loses a race or meets a
conversation a dead run half routed."""

from __future__ import annotations

import logging
import time

import pytest

from shared.pipeline import inbound as intake
from shared.pipeline.assign import Outcome
from tests.integration.conftest import store_push
from tools.wechat_simulator import push_xml


@pytest.fixture(autouse=True)
def visible_fallbacks(monkeypatch):
    """The fallback requests visible at once, so that peeking shows whether they are there."""
    monkeypatch.setattr(intake, "FALLBACK_DELAY", 0)


def test_the_conversation_step_routes_and_assigns_a_new_conversation_at_once(world):
    queue = world.queue()
    world.workstream(queue.id)
    lin = world.agent("Lin", [queue.id])
    customer = world.customer()
    route_queue = world.services.storage.queue("route")
    assign_queue = world.services.storage.queue("assign")
    route_queue.clear_messages()
    assign_queue.clear_messages()
    key = store_push(world.services, world.account.id, push_xml(customer.text("hi")))
    conversation = world.services.inbound_step.take_and_route(world.account.id, key)
    assert (world.get(conversation).state.value, world.get(conversation).agent_id) == (
        "active",
        lin.id,
    )
    request = f'{{"conversationId":"{conversation}"}}'
    # Done here: both fallbacks are withdrawn, and no step runs for nothing.
    assert request not in [m.content for m in route_queue.peek_messages(max_messages=32)]
    assert request not in [m.content for m in assign_queue.peek_messages(max_messages=32)]
    assert world.services.route_step.route(conversation) is None  # nothing left to do
    assert world.services.assign_step.assign(conversation) is Outcome.SKIPPED
    assert world.get(conversation).agent_id == lin.id


def test_a_conversation_no_agent_can_take_keeps_its_assign_request(world):
    queue = world.queue()
    world.workstream(queue.id)
    world.agent("Lin", [queue.id], presence="offline")
    assign_queue = world.services.storage.queue("assign")
    assign_queue.clear_messages()
    customer = world.customer()
    key = store_push(world.services, world.account.id, push_xml(customer.text("hi")))
    conversation = world.services.inbound_step.take_and_route(world.account.id, key)
    assert world.get(conversation).queue_id == queue.id
    asked = [m.content for m in assign_queue.peek_messages(max_messages=32)]
    assert asked == [f'{{"conversationId":"{conversation}"}}']


def test_when_routing_at_once_fails_the_queued_request_shows_up_after_the_delay(
    world, caplog, monkeypatch
):
    monkeypatch.setattr(intake, "FALLBACK_DELAY", 1)
    queue = world.queue()
    world.workstream(queue.id)
    world.agent("Lin", [queue.id])
    route_queue = world.services.storage.queue("route")
    route_queue.clear_messages()

    def unavailable(conversation_id, **_):
        raise ConnectionError("storage is away")

    monkeypatch.setattr(world.services.route_step, "route_and_ask", unavailable)
    customer = world.customer()
    key = store_push(world.services, world.account.id, push_xml(customer.text("hi")))
    with caplog.at_level(logging.WARNING, logger="shared.pipeline.inbound"):
        conversation = world.services.inbound_step.take_and_route(world.account.id, key)
    assert world.get(conversation).queue_id is None
    assert "routing at once failed (ConnectionError)" in caplog.text
    request = f'{{"conversationId":"{conversation}"}}'
    assert request not in [m.content for m in route_queue.peek_messages(max_messages=32)]
    time.sleep(1.5)
    assert request in [m.content for m in route_queue.peek_messages(max_messages=32)]


def test_a_route_request_a_step_has_taken_is_not_withdrawn_and_finds_the_work_done(
    world, monkeypatch
):
    queue = world.queue()
    world.workstream(queue.id)
    lin = world.agent("Lin", [queue.id])
    route_queue = world.services.storage.queue("route")
    route_queue.clear_messages()
    intake = world.services.inbound_step
    taken = []
    put = intake._route.put

    def put_then_taken(message, **kw):
        receipt = put(message, **kw)
        taken.extend(route_queue.receive_messages(visibility_timeout=30))  # a route step has it
        return receipt

    monkeypatch.setattr(intake._route, "put", put_then_taken)
    customer = world.customer()
    key = store_push(world.services, world.account.id, push_xml(customer.text("hi")))
    conversation = intake.take_and_route(world.account.id, key)
    assert [m.content for m in taken] == [f'{{"conversationId":"{conversation}"}}']
    assert world.get(conversation).agent_id == lin.id
    assert world.services.route_step.route(conversation) is None  # what that step then does
    route_queue.delete_message(taken[0])  # still its to delete: the withdrawal did not


def test_routing_that_loses_a_race_to_another_change_reads_again_and_routes(world, monkeypatch):
    queue = world.queue()
    world.workstream(queue.id)
    conversation = world.conversation(route=False)
    conversations = world.services.conversations
    place = world.services.route_step._place

    def changed_meanwhile(found, *args):
        # Between routing's read and its save, the customer's next line is counted.
        conversations.change(found.id, lambda c: {"customer_lines": c.customer_lines + 1})
        monkeypatch.setattr(world.services.route_step, "_place", place)
        return place(found, *args)

    monkeypatch.setattr(world.services.route_step, "_place", changed_meanwhile)
    assert world.services.route_step.route(conversation) == queue.id
    routed = world.get(conversation)
    assert (routed.queue_id, routed.customer_lines) == (queue.id, 2)


def test_a_rerun_finishes_what_a_run_that_died_after_saving_the_queue_left(world, monkeypatch):
    queue = world.queue()
    world.workstream(queue.id)
    conversation = world.conversation(route=False)
    assign_queue = world.services.storage.queue("assign")
    assign_queue.clear_messages()
    waiting = world.services.waiting

    def died(routed):
        raise ConnectionError("the host is gone")

    monkeypatch.setattr(waiting, "add", died)
    with pytest.raises(ConnectionError):
        world.services.route_step.route(conversation)
    monkeypatch.undo()
    assert world.get(conversation).queue_id == queue.id
    assert [e.conversation_id for e in waiting.entries(queue.id)] == []
    assert list(assign_queue.peek_messages()) == []

    assert world.services.route_step.route(conversation) == queue.id  # the redelivered request
    assert [e.conversation_id for e in waiting.entries(queue.id)] == [conversation]
    asked = [m.content for m in assign_queue.peek_messages(max_messages=32)]
    assert asked == [f'{{"conversationId":"{conversation}"}}']
