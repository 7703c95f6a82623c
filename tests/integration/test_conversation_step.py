"""The conversation step as the host runs it: a new conversation is routed and assigned in the
same step that files it (so a customer reaches an agent one queue hop after the push, not
three), and the queued route request stays as the fallback."""

from __future__ import annotations

import logging

from shared.routing.assignment import Outcome
from tools.wechat_simulator import push_xml

from .conftest import store_push


def test_the_conversation_step_routes_and_assigns_a_new_conversation_at_once(world):
    queue = world.queue()
    world.workstream(queue.id)
    lin = world.agent("Lin", [queue.id])
    customer = world.customer()
    route_queue = world.services.storage.queue("route")
    route_queue.clear_messages()
    key = store_push(world.services, world.account.id, push_xml(customer.text("hi")))
    conversation = world.services.intake.take_and_route(world.account.id, key)
    assert (world.get(conversation).state.value, world.get(conversation).agent_id) == (
        "active",
        lin.id,
    )
    asked = [m.content for m in route_queue.peek_messages(max_messages=32)]
    assert f'{{"conversationId":"{conversation}"}}' in asked  # the fallback, which finds it done
    assert world.services.router.route(conversation) is None  # nothing left to do
    assert world.services.assigner.assign(conversation) is Outcome.SKIPPED
    assert world.get(conversation).agent_id == lin.id


def test_when_routing_at_once_fails_the_queued_request_remains(world, caplog, monkeypatch):
    queue = world.queue()
    world.workstream(queue.id)
    world.agent("Lin", [queue.id])
    route_queue = world.services.storage.queue("route")
    route_queue.clear_messages()

    def unavailable(conversation_id):
        raise ConnectionError("storage is away")

    monkeypatch.setattr(world.services.router, "route", unavailable)
    customer = world.customer()
    key = store_push(world.services, world.account.id, push_xml(customer.text("hi")))
    with caplog.at_level(logging.WARNING, logger="shared.intake"):
        conversation = world.services.intake.take_and_route(world.account.id, key)
    assert world.get(conversation).queue_id is None
    assert "routing at once failed (ConnectionError)" in caplog.text
    asked = [m.content for m in route_queue.peek_messages(max_messages=32)]
    assert f'{{"conversationId":"{conversation}"}}' in asked
