"""A conversation's timeline on Azurite: one conversation through push → route → assign →
agent reply → close lists every step in order with its details, and a rerun of a step (the
inbound step redelivered, routing and assigning again) adds nothing."""

from __future__ import annotations

import logging

from shared.desk.work import CloseRequest, TransferRequest
from shared.desk.workspace import Actor, TextMessageRequest
from shared.model.timeline import EventKind
from shared.pipeline.assign import Outcome
from shared.store.entities import row_key
from shared.store.timeline import TimelineStore
from shared.wechat import parse_message
from tools.wechat_simulator import push_xml

K = EventKind


def test_one_conversation_from_push_to_close(world, clock):
    general, refunds = world.queue("general"), world.queue("refunds")
    world.workstream(
        general.id,
        routingRules=[
            {
                "name": "refunds",
                "condition": {"field": "message.text", "op": "contains", "value": "退款"},
                "queueId": refunds.id,
            }
        ],
    )
    agent = world.agent("Lin", [refunds.id], capacity=5)
    services, account_id = world.services, world.account.id
    customer = world.customer()
    fields = customer.text("我要退款")
    world.wechat_api.customer_wrote(world.simulated.app_id, customer.open_id)
    key = row_key(parse_message(push_xml(fields)).dedupe_key)
    start = clock.now

    first = services.callback.receive(account_id, *customer.push(fields, "plaintext"))
    assert first.body == "success"
    conversation = services.inbound_step.take(account_id, key)
    assert conversation is not None
    clock.advance(3)  # WeChat saw no answer in time: the same push again, with a fresh nonce
    again = services.callback.receive(account_id, *customer.push(fields, "plaintext"))
    assert again.body == "success"
    assert services.inbound_step.take(account_id, key) == conversation  # the retry's delivery
    assert services.inbound_step.take(account_id, key) == conversation  # a queue redelivery

    clock.advance(1)
    assert services.route_step.route(conversation) == refunds.id
    assert services.route_step.route(conversation) == refunds.id  # a redelivered request
    clock.advance(1)
    assert services.assign_step.assign(conversation) is Outcome.ASSIGNED
    assert services.assign_step.assign(conversation) is Outcome.SKIPPED  # run twice

    clock.advance(5)
    lin = Actor(world.fresh_agent(agent.id))
    reply = services.workspace.send_text(lin, conversation, TextMessageRequest(text="您好"))
    services.outbound_step.send_pending(conversation)
    services.outbound_step.send_pending(conversation)  # nothing left to send: nothing recorded
    clock.advance(60)
    services.desk.close(world.fresh_agent(agent.id), conversation, CloseRequest())

    events = services.timeline.events(conversation)
    assert [e.kind for e in events] == [
        K.RECEIVED,
        K.FILED,
        K.DUPLICATE,
        K.ROUTED,
        K.ASSIGNED,
        K.SENT,
        K.CLOSED,
    ]
    received, filed, duplicate, routed, assigned, sent, closed = events
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert received.details.message_type == "text"
    assert received.at.timestamp() == start
    assert (filed.outcome, filed.details.opened) == ("opened the conversation", True)
    assert (duplicate.details.retries, duplicate.at.timestamp()) == (1, start + 3)
    assert (routed.details.rule, routed.details.queue_id, routed.outcome) == (
        "refunds",
        refunds.id,
        "refunds",
    )
    assert (assigned.details.agent_id, assigned.outcome) == (agent.id, "Lin")
    assert (sent.details.entry_key, sent.details.sender, sent.outcome) == (
        reply.key,
        f"agent:{agent.id}",
        "ok",
    )
    assert sent.details.attempt == 1
    assert (closed.details.reason, closed.details.agent_id) == ("agent_closed", agent.id)


def test_a_refused_send_records_wechats_errcode(chat):
    world, agent, _, conversation = chat
    world.wechat_api.inject("/cgi-bin/message/custom/send", errcode=45015)
    lin = Actor(world.fresh_agent(agent.id))
    world.services.workspace.send_text(lin, conversation, TextMessageRequest(text="late"))
    world.services.outbound_step.send_pending(conversation)
    sent = [e for e in world.services.timeline.events(conversation) if e.kind is K.SENT]
    assert [(e.outcome, e.details.errcode) for e in sent] == [("errcode 45015", 45015)]


def test_erasure_takes_the_timeline_with_the_conversation(chat):
    world, _, customer, conversation = chat
    assert world.services.timeline.events(conversation)
    removed = world.services.eraser.erase_customer(world.account.id, customer.open_id)
    assert removed["events"] >= 3
    assert world.services.timeline.events(conversation) == []


def test_a_timeline_that_cannot_be_written_never_fails_the_step(world, app_storage, caplog):
    queue = world.queue()
    world.workstream(queue.id)
    world.services.route_step._timeline = TimelineStore(app_storage.table("nosuchtimeline"))
    with caplog.at_level(logging.WARNING, logger="shared.store.timeline"):
        conversation = world.conversation("hello")
    assert world.get(conversation).queue_id == queue.id
    assert "its routed event was not recorded" in caplog.text


FAQ = {
    "type": "faq",
    "entries": [
        {"name": "hours", "keywords": ["hours"], "answers": {"en": {"text": "We open 9-18."}}}
    ],
}


def last_line(world, conversation):
    entries, _ = world.services.conversations.transcript(conversation, limit=200)
    return [e for e in entries if e.direction == "in"][-1].key


def test_the_bot_a_transfer_and_the_survey(world, clock):
    first, second = world.queue("first"), world.queue("second")
    world.workstream(
        first.id,
        language="en",
        bot=FAQ,
        survey={"type": "rating", "questions": {"en": "Rate us (1-5)"}},
    )
    lin = world.agent("Lin", [first.id])
    wu = world.agent("Wu", [second.id])
    services = world.services
    customer = world.customer()
    conversation = world.write(customer, customer.text("your hours?"))
    services.bot_step.handle(conversation, last_line(world, conversation))
    services.bot_step.handle(conversation, last_line(world, conversation))  # redelivered
    clock.advance(5)
    world.write(customer, customer.text("我要转人工"))
    services.bot_step.handle(conversation, last_line(world, conversation))
    clock.advance(1)
    services.route_step.route(conversation)
    assert services.assign_step.assign(conversation) is Outcome.ASSIGNED
    clock.advance(1)
    lin_now = world.fresh_agent(lin.id)
    services.desk.transfer(lin_now, conversation, TransferRequest(queueId=second.id))
    clock.advance(1)
    assert services.assign_step.assign(conversation) is Outcome.ASSIGNED
    clock.advance(1)
    services.desk.close(world.fresh_agent(wu.id), conversation, CloseRequest())
    clock.advance(60)
    assert world.write(customer, customer.text("5")) == conversation

    kinds = [(e.kind, e.outcome) for e in services.timeline.events(conversation)]
    bot_lines = [
        (K.RECEIVED, None),
        (K.FILED, "opened the conversation"),
        (K.BOT_ASKED, None),
        (K.BOT_ANSWERED, "reply"),
        (K.RECEIVED, None),
        (K.FILED, "added"),
        (K.BOT_ASKED, None),
        (K.BOT_ANSWERED, "escalate"),
        (K.BOT_ESCALATED, None),
    ]
    assert kinds[: len(bot_lines)] == bot_lines
    assert [k for k, _ in kinds[len(bot_lines) :]] == [
        K.ROUTED,
        K.ASSIGNED,
        K.TRANSFERRED,
        K.ASSIGNED,
        K.CLOSED,
        K.SURVEY_ASKED,
        K.RECEIVED,
        K.FILED,
        K.SURVEY_ANSWERED,
    ]
    events = services.timeline.events(conversation)
    transferred = next(e for e in events if e.kind is K.TRANSFERRED)
    assert (transferred.details.queue_id, transferred.details.from_agent_id) == (second.id, lin.id)
    assert [e.details.agent_id for e in events if e.kind is K.ASSIGNED] == [lin.id, wu.id]
    assert next(e for e in events if e.kind is K.SURVEY_ANSWERED).details.rating == 5


def test_overflow_that_ends_the_conversation(world):
    small = world.queue("small", overflow={"maxWaiting": 1, "action": "end"})
    world.workstream(small.id)
    world.conversation("1")
    ended = world.conversation("2")
    overflow, closed = [
        e for e in world.services.timeline.events(ended) if e.kind in (K.OVERFLOW, K.CLOSED)
    ]
    assert (overflow.outcome, overflow.details.reason, overflow.details.from_queue_id) == (
        "end",
        "queue_overflow",
        small.id,
    )
    assert (closed.details.reason, closed.at) == ("queue_overflow", overflow.at)


def test_retention_purges_the_timeline_with_the_conversation(chat, clock):
    world, agent, _, conversation = chat
    world.services.desk.close(world.fresh_agent(agent.id), conversation, CloseRequest())
    assert world.services.timeline.events(conversation)
    clock.advance((world.services.settings.retention_days + 1) * 86_400)
    assert world.services.eraser.purge_expired()["events"] >= 4
    assert world.services.timeline.events(conversation) == []
