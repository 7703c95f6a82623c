"""Bots, surveys, the privacy notice, quick replies, erasure and retention, on Azurite and the
WeChat API simulator, with a real webhook bot on loopback."""

from __future__ import annotations

import json
from contextlib import suppress
from datetime import timedelta

import pytest
from azure.core.exceptions import ResourceExistsError

from shared.core.errors import DomainError
from shared.desk.typing_indicator import TypingRequest
from shared.desk.work import CloseRequest
from shared.desk.workspace import Actor, TextMessageRequest
from shared.model.conversations import ConversationState as S
from shared.model.conversations import utc
from shared.pipeline.assign import Outcome
from shared.store.names import ATTACHMENTS_CONTAINER, TABLES, WORK_QUEUES
from tests.integration.conftest import answer_status
from tools.webhook_bot import WebhookBotServer
from triggers.errors import status_of

SECRET = "bot-secret-0123456789"
FAQ = {
    "type": "faq",
    "entries": [
        {
            "name": "hours",
            "keywords": ["营业时间", "opening hours"],
            "answers": {"en": {"text": "We open 9-18."}},
        },
        {
            "name": "shipping",
            "pattern": r"ship(ping)?\s+cost",
            "answers": {"en": {"text": "Shipping is free."}},
        },
        {
            "name": "map",
            "keywords": ["map"],
            "answers": {"en": {"image": {"mediaId": "PERMANENT_MAP"}}},
        },
    ],
}


def transcript(world, conversation_id):
    entries, _ = world.services.conversations.transcript(conversation_id, limit=200)
    return [(e.direction, e.sender or "customer", e.text) for e in entries]


class TestFaqBot:
    @pytest.fixture
    def setup(self, world):
        queue = world.queue()
        world.workstream(queue.id, language="en", bot=FAQ)
        agent = world.agent("Lin", [queue.id])
        return world, queue, agent

    def test_a_keyword_is_answered_and_the_conversation_stays_with_the_bot(self, setup):
        world, _, _ = setup
        customer = world.customer()
        conversation = world.write(customer, customer.text("What are your opening hours?"))
        [bot] = [
            m
            for m in world.services.storage.queue("bot").peek_messages(max_messages=32)
            if conversation in m.content
        ]
        data = json.loads(bot.content)
        world.services.bot_step.handle(data["conversationId"], data["key"])
        state = world.get(conversation)
        assert (state.state, state.bot, state.queue_id) == (S.OPEN, "active", None)
        [reply] = world.outbound(conversation)
        assert (reply.text, reply.sender, reply.status) == ("We open 9-18.", "bot", "queued")
        world.services.outbound_step.send_pending(conversation)
        assert world.wechat_api.sent[-1].body["text"]["content"] == "We open 9-18."

    def test_a_pattern_and_an_image_answer(self, setup):
        world, _, _ = setup
        customer = world.customer()
        conversation = world.write(customer, customer.text("how much is the SHIPPING  cost?"))
        world.services.bot_step.handle(conversation, last_customer_key(world, conversation))
        assert world.outbound(conversation)[0].text == "Shipping is free."
        world.clock.advance(5)
        entry_key = world.write(customer, customer.text("send me a map"))
        assert entry_key == conversation
        world.services.bot_step.handle(conversation, last_customer_key(world, conversation))
        image = world.outbound(conversation)[-1]
        assert (image.type, image.media_id) == ("image", "PERMANENT_MAP")

    def test_an_escalation_phrase_hands_over_with_the_bot_transcript(self, setup):
        world, _, agent = setup
        customer = world.customer()
        conversation = world.write(customer, customer.text("opening hours?"))
        world.services.bot_step.handle(conversation, last_customer_key(world, conversation))
        world.clock.advance(5)
        world.write(customer, customer.text("我要转人工"))
        world.services.bot_step.handle(conversation, last_customer_key(world, conversation))
        state = world.get(conversation)
        assert state.bot == "escalated"
        assert "asked for a person" in state.bot_summary
        world.services.route_step.route(conversation)
        assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
        assert world.get(conversation).agent_id == agent.id
        detail, _ = world.services.workspace.detail(
            world.get(conversation), limit=50, page_token=None
        )
        assert detail["botSummary"] == state.bot_summary
        lines = [
            (m["direction"], m.get("sender", "customer"), m.get("text")) for m in detail["messages"]
        ]
        assert lines[:3] == [
            ("in", "customer", "opening hours?"),
            ("out", "bot", "We open 9-18."),
            ("in", "customer", "我要转人工"),
        ]

    def test_no_answer_escalates_and_later_messages_skip_the_bot(self, setup):
        world, _, _ = setup
        customer = world.customer()
        conversation = world.write(customer, customer.text("something else entirely"))
        world.services.bot_step.handle(conversation, last_customer_key(world, conversation))
        assert world.get(conversation).bot == "escalated"
        bot_queue = world.services.storage.queue("bot")
        bot_queue.clear_messages()
        world.clock.advance(5)
        world.write(customer, customer.text("hello?"))
        assert not [
            m for m in bot_queue.peek_messages(max_messages=32) if conversation in m.content
        ]


def last_customer_key(world, conversation_id):
    entries, _ = world.services.conversations.transcript(conversation_id, limit=200)
    return [e for e in entries if e.direction == "in"][-1].key


class TestWebhookBot:
    @pytest.fixture
    def bot(self, world):
        with WebhookBotServer(SECRET, clock=world.clock) as server:
            yield server

    @pytest.fixture
    def setup(self, world, bot):
        general, orders = world.queue("general"), world.queue("orders")
        world.workstream(
            general.id,
            language="en",
            bot={"type": "webhook", "url": bot.url, "secret": SECRET, "timeoutSeconds": 1},
            routingRules=[
                {
                    "name": "orders",
                    "condition": {"field": "context.topic", "op": "equals", "value": "orders"},
                    "queueId": orders.id,
                }
            ],
            botSurvey={
                "type": "link",
                "url": "https://survey.example/{ConversationId}",
                "texts": {"en": "Rate the bot: {Url}"},
            },
        )
        return world, general, orders

    def run_bot(self, world, conversation):
        world.services.bot_step.handle(conversation, last_customer_key(world, conversation))

    def test_the_request_is_signed_and_a_reply_goes_out(self, setup, bot):
        world, _, _ = setup
        customer = world.customer()
        world.wechat_api.set_user(world.simulated.app_id, customer.open_id, remark="Bot's friend")
        conversation = world.write(customer, customer.text("hello bot"))
        self.run_bot(world, conversation)
        assert bot.rejected == 0
        [payload] = bot.received
        assert payload["conversation"]["id"] == conversation
        assert payload["message"]["text"] == "hello bot"
        assert (payload["customer"]["remark"], payload["customer"]["subscribed"]) == (
            "Bot's friend",
            True,
        )  # the profile was read before the bot was asked
        assert [e.text for e in world.outbound(conversation)] == ["You said: hello bot"]

    def test_set_context_then_escalate_lets_a_rule_use_the_variable(self, setup):
        world, _, orders = setup
        customer = world.customer()
        conversation = world.write(customer, customer.text("where is my order 123?"))
        self.run_bot(world, conversation)
        state = world.get(conversation)
        assert state.context == {"topic": "orders"}
        assert state.bot == "escalated"
        assert state.bot_summary.startswith("Asks about an order")
        world.services.route_step.route(conversation)
        assert world.get(conversation).queue_id == orders.id
        assert world.get(conversation).rule == "orders"

    def test_end_closes_and_sends_the_bot_survey(self, setup):
        world, _, _ = setup
        customer = world.customer()
        conversation = world.write(customer, customer.text("bye"))
        self.run_bot(world, conversation)
        state = world.get(conversation)
        assert (state.state, state.close_reason, state.bot) == (S.CLOSED, "bot_ended", "ended")
        texts = [e.text for e in world.outbound(conversation)]
        assert texts == ["Goodbye!", f"Rate the bot: https://survey.example/{conversation}"]

    def test_an_unsigned_answer_escalates(self, setup, bot):
        world, _, _ = setup
        bot.sign_answers = False
        customer = world.customer()
        conversation = world.write(customer, customer.text("hello"))
        self.run_bot(world, conversation)
        state = world.get(conversation)
        assert state.bot == "escalated"
        assert "not signed" in state.bot_summary
        assert world.outbound(conversation) == []

    def test_a_timeout_escalates(self, setup, bot):
        world, _, _ = setup
        bot.delay = 2.0
        customer = world.customer()
        conversation = world.write(customer, customer.text("hello"))
        self.run_bot(world, conversation)
        assert world.get(conversation).bot == "escalated"
        assert "did not answer within 1 s" in world.get(conversation).bot_summary

    def test_a_wrong_secret_is_refused_by_the_bot(self, world, bot):
        queue = world.queue()
        world.workstream(
            queue.id, bot={"type": "webhook", "url": bot.url, "secret": "not-the-bots-secret"}
        )
        customer = world.customer()
        conversation = world.write(customer, customer.text("hi"))
        self.run_bot(world, conversation)
        assert bot.rejected == 1
        assert world.get(conversation).bot == "escalated"

    def test_the_secret_is_sealed_not_stored_in_the_workstream(self, setup):
        world, _, _ = setup
        workstream = world.services.catalog.workstream_for_account(world.account.id)
        body = json.dumps(workstream.json_body())
        assert SECRET not in body
        assert workstream.bot.has_secret is True
        assert world.services.bot_secrets.get(workstream.id) == SECRET


class TestSurvey:
    @pytest.fixture
    def served(self, world):
        queue = world.queue()
        world.workstream(
            queue.id,
            language="en",
            survey={
                "type": "rating",
                "questions": {"en": "How did we do (1-5)?"},
                "thanks": {"en": "Thank you!"},
            },
        )
        agent = world.agent("Lin", [queue.id])
        customer = world.customer()
        conversation = world.conversation("help", customer=customer)
        world.services.assign_step.assign(conversation)
        return world, agent, customer, conversation

    def test_the_rating_question_goes_and_the_answer_is_recorded(self, served):
        world, agent, customer, conversation = served
        world.services.desk.close(world.fresh_agent(agent.id), conversation, CloseRequest())
        assert world.outbound(conversation)[-1].text == "How did we do (1-5)?"
        world.clock.advance(60)
        assert world.write(customer, customer.text(" 4 ")) == conversation
        state = world.get(conversation)
        assert (state.state, state.rating) == (S.CLOSED, 4)
        assert world.outbound(conversation)[-1].text == "Thank you!"
        assert world.services.conversations.current(world.account.id, customer.open_id) is None

    def test_anything_else_opens_a_new_conversation(self, served):
        world, agent, customer, conversation = served
        world.services.desk.close(world.fresh_agent(agent.id), conversation, CloseRequest())
        world.clock.advance(60)
        other = world.write(customer, customer.text("another question"))
        assert other != conversation
        assert world.get(conversation).rating is None
        world.clock.advance(60)
        assert world.write(customer, customer.text("5")) == other  # the survey lapsed

    def test_no_survey_once_the_window_is_closed(self, served):
        world, agent, _, conversation = served
        world.clock.advance(49 * 3600)
        world.services.desk.close(world.fresh_agent(agent.id), conversation, CloseRequest())
        assert "How did we do (1-5)?" not in [e.text for e in world.outbound(conversation)]
        customer_row = world.services.conversations.customer(
            world.account.id, world.get(conversation).open_id
        )
        assert customer_row.survey_conversation_id is None


class TestPrivacyNotice:
    def test_sent_once_per_customer_before_anything_else(self, world):
        queue = world.queue()
        world.workstream(
            queue.id,
            language="en",
            automatedMessages={
                "en": {"privacyNotice": "Chats may be recorded.", "greeting": "Hi!"}
            },
        )
        agent = world.agent("Lin", [queue.id])
        customer = world.customer()
        first = world.conversation("hello", customer=customer)
        assert [e.text for e in world.outbound(first)][:2] == ["Chats may be recorded.", "Hi!"]
        world.services.assign_step.assign(first)
        world.services.desk.close(world.fresh_agent(agent.id), first, CloseRequest())
        world.clock.advance(60)
        second = world.conversation("again", customer=customer)
        assert "Chats may be recorded." not in [e.text for e in world.outbound(second)]
        world.services.outbound_step.send_pending(first)
        assert world.wechat_api.sent[0].body["text"]["content"] == "Chats may be recorded."


class TestQuickReplies:
    def test_listed_filled_and_sent_by_name(self, world):
        queue = world.queue()
        world.workstream(
            queue.id,
            language="en",
            quickReplies={
                "en": [
                    {
                        "name": "refund",
                        "text": "{AgentName} here: refund for order {context.order} started.",
                    }
                ]
            },
        )
        agent = world.agent("Lin", [queue.id])
        conversation = world.conversation("refund please")
        world.services.conversations.change(conversation, lambda c: {"context": {"order": "A-17"}})
        world.services.assign_step.assign(conversation)
        actor = Actor(world.fresh_agent(agent.id))
        [listed] = world.services.workspace.quick_replies(actor, conversation)
        assert listed.text == "Lin here: refund for order A-17 started."
        sent = world.services.workspace.send_text(
            actor, conversation, TextMessageRequest(quick_reply="refund")
        )
        assert sent.text == "Lin here: refund for order A-17 started."
        with pytest.raises(DomainError) as caught:
            world.services.workspace.send_text(
                actor, conversation, TextMessageRequest(quick_reply="nope")
            )
        assert (status_of(caught.value), caught.value.field) == (400, "quickReply")

    def test_a_quick_reply_whose_context_is_missing_is_refused_not_sent_half_filled(self, world):
        queue = world.queue()
        world.workstream(
            queue.id,
            language="en",
            quickReplies={"en": [{"name": "refund", "text": "Order {context.order} refunded."}]},
        )
        agent = world.agent("Lin", [queue.id])
        conversation = world.conversation("refund please")  # no bot set context.order
        world.services.assign_step.assign(conversation)
        actor = Actor(world.fresh_agent(agent.id))
        with pytest.raises(DomainError) as caught:
            world.services.workspace.send_text(
                actor, conversation, TextMessageRequest(quick_reply="refund")
            )
        assert (status_of(caught.value), caught.value.code) == (409, "missing_context")
        assert "{context.order}" in caught.value.message
        assert world.outbound_texts(conversation) == []


class TestBotMediaAnswers:
    def test_an_image_wechat_does_not_know_fails_saying_so(self, world):
        """A permanent image id from the admin that WeChat does not know: 40007 is 'invalid
        media_id', and nothing of ours can be uploaded again."""
        queue = world.queue()
        world.workstream(queue.id, language="en", bot=FAQ)
        customer = world.customer()
        conversation = world.write(customer, customer.text("send me a map"))
        world.services.bot_step.handle(conversation, last_customer_key(world, conversation))
        world.services.outbound_step.send_pending(conversation)
        [image] = world.outbound(conversation)
        assert (image.type, image.status, image.details["errcode"]) == ("image", "failed", 40007)
        assert "PERMANENT_MAP" in image.details["reason"]
        assert "not a permanent image in this account's material library" in image.details["reason"]
        assert "expired" not in image.details["reason"]


PNG = b"\x89PNG\r\n\x1a\n" + b"x" * 300


STEPS = {
    "inbound": lambda s, m: s.inbound_step.take(m["accountId"], m["key"]),
    "route": lambda s, m: s.route_step.route(m["conversationId"]),
    "assign": lambda s, m: (
        s.assign_step.assign(m["conversationId"]) if "conversationId" in m else None
    ),
    "media": lambda s, m: s.media_step.keep(m["conversationId"], m["key"]),
    "bot": lambda s, m: s.bot_step.handle(m["conversationId"], m["key"]),
    "outbound": lambda s, m: s.outbound_step.send_pending(m["conversationId"]),
}
"""What each queue's trigger runs (triggers/pipeline.py), for draining the queues here."""


def run_queued_steps(services) -> int:
    """Run every message waiting on the live queues through its step, as the host would."""
    ran = 0
    for name, step in STEPS.items():
        queue = services.storage.queue(name)
        while batch := list(queue.receive_messages(max_messages=32, visibility_timeout=30)):
            for message in batch:
                step(services, json.loads(message.content))
                queue.delete_message(message)
                ran += 1
    return ran


def traces(services, needles):
    """Every table row, queue message and blob that mentions any of ``needles``."""
    found = []
    for table in TABLES:
        for entity in services.storage.table(table).list_entities():
            text = json.dumps({k: str(v) for k, v in entity.items()}) + str(entity.metadata)
            if any(n in text for n in needles):
                found.append((table, entity["PartitionKey"], entity["RowKey"]))
    for queue in WORK_QUEUES:
        for message in services.storage.queue(queue).peek_messages(max_messages=32):
            if any(n in message.content for n in needles):
                found.append((queue, message.content))
    for blob in services.storage.container(ATTACHMENTS_CONTAINER).list_blobs():
        if any(n in blob.name for n in needles):
            found.append((ATTACHMENTS_CONTAINER, blob.name))
    return found


class TestErasure:
    def test_nothing_of_the_customer_is_left(self, world):
        for name in STEPS:  # what other tests left waiting is not this test's to run
            world.services.storage.queue(name).clear_messages()
        queue = world.queue()
        world.workstream(queue.id)
        agent = world.agent("Lin", [queue.id])
        customer = world.customer()
        first = world.conversation("first", customer=customer)
        world.services.assign_step.assign(first)
        typing = TypingRequest(typing=True)  # leaves the conversation's row in the typing table
        world.services.typing.report(Actor(world.fresh_agent(agent.id)), first, typing)
        media_id = world.wechat_api.add_media(PNG, "image/png", "image", "photo.png")
        world.write(customer, customer.image(media_id))
        world.services.media_step.keep(first, last_customer_key(world, first))
        world.write(customer, customer.click("MENU"))
        world.services.desk.close(world.fresh_agent(agent.id), first, CloseRequest())
        world.clock.advance(60)
        second = world.conversation("second", customer=customer)
        needles = [customer.open_id, first, second]
        assert traces(world.services, needles)  # there is something to erase

        removed = world.services.eraser.erase_customer(world.account.id, customer.open_id)
        assert removed["conversations"] == 2
        assert removed["attachments"] == 1
        assert removed["inbound"] == 4  # first, the image, the click, second
        assert (removed["customer"], removed["window"]) == (1, 1)
        assert removed["messages"] == 4  # their four lines (no automated messages here)
        assert world.fresh_agent(agent.id).holds == {}
        # What still waits on the live queues names only ids, and their steps find nothing:
        # once they have run, nothing of the customer is anywhere.
        assert run_queued_steps(world.services) > 0
        assert traces(world.services, needles) == []

    def test_other_customers_are_untouched(self, world):
        queue = world.queue()
        world.workstream(queue.id)
        keep, erase = world.customer(), world.customer()
        kept = world.conversation("keep me", customer=keep)
        world.conversation("erase me", customer=erase)
        world.services.eraser.erase_customer(world.account.id, erase.open_id)
        assert world.get(kept) is not None
        assert transcript(world, kept)[0] == ("in", "customer", "keep me")


def all_messages(services, name):
    """Every message on queue ``name`` (peeking shows at most 32), each put back at once."""
    queue = services.storage.queue(name)
    seen = []
    while batch := list(queue.receive_messages(max_messages=32, visibility_timeout=30)):
        seen += batch
    for message in seen:
        queue.update_message(message.id, message.pop_receipt, visibility_timeout=0)
    return [m.content for m in seen]


class TestErasureOfQueueMessages:
    """The sweep matches a message's own fields, never a substring of its text."""

    @pytest.fixture
    def customers(self, world):
        """The customer to erase, one whose OpenID starts with theirs, and one with the same
        OpenID in another account; each with a routed conversation and a push still queued."""
        from tests.integration.conftest import World

        for name in (*WORK_QUEUES, "route-poison"):
            queue = world.services.storage.queue(name)
            with suppress(ResourceExistsError):
                queue.create_queue()
            queue.clear_messages()
        other = World(world.services, world.clock, world.wechat_api)
        erase = world.customer()
        longer = world.customer(erase.open_id + "x")
        elsewhere = other.customer(erase.open_id)
        found = {}
        for owner, customer in ((world, erase), (world, longer), (other, elsewhere)):
            owner.queue()
            conversation = owner.conversation("hello", customer=customer, route=False)
            query, body = customer.push(customer.click("MENU"), mode="plaintext")
            received = owner.services.callback.receive(owner.account.id, query, body)
            assert answer_status(received) == 200
            found[customer] = (owner, conversation)
        poison = world.services.storage.queue("route-poison")
        for _, conversation in found.values():
            poison.send_message(json.dumps({"conversationId": conversation}))
        world.services.storage.queue("route").send_message(f"not JSON, names {erase.open_id}")
        return erase, longer, elsewhere, found

    def test_only_the_customers_own_messages_go(self, world, customers):
        erase, longer, elsewhere, found = customers
        before = {name: all_messages(world.services, name) for name in ("inbound", "route")}
        assert (len(before["inbound"]), len(before["route"])) == (3, 4)

        removed = world.services.eraser.erase_customer(world.account.id, erase.open_id)
        assert removed["queueMessages"] == 1  # their poison copy; the live queues are left

        poison = [
            json.loads(m)["conversationId"] for m in all_messages(world.services, "route-poison")
        ]
        assert sorted(poison) == sorted(found[c][1] for c in (longer, elsewhere))
        assert before == {name: all_messages(world.services, name) for name in before}

        inbound = [json.loads(m) for m in all_messages(world.services, "inbound")]
        taken = {
            message["key"]: world.services.inbound_step.take(message["accountId"], message["key"])
            for message in inbound
        }
        assert sorted(c for c in taken.values() if c) == sorted(
            found[c][1] for c in (longer, elsewhere)
        ), "the others' pushes are processed; the erased customer's finds nothing"
        for customer in (longer, elsewhere):
            assert ("in", "customer", "MENU") in transcript(world, found[customer][1])
        assert world.get(found[erase][1]) is None

    def test_an_openid_of_the_wrong_shape_is_400(self, world):
        with pytest.raises(DomainError) as caught:
            world.services.eraser.erase_customer(world.account.id, "o'; drop")
        assert (status_of(caught.value), caught.value.field) == (400, "openId")
        assert "OpenID" in caught.value.message

    def test_an_unknown_customer_is_404(self, world):
        with pytest.raises(DomainError) as caught:
            world.services.eraser.erase_customer(world.account.id, "oNobodyWroteToThisAccount00")
        assert status_of(caught.value) == 404


class TestRetention:
    def test_old_closed_conversations_and_their_files_are_purged(self, world):
        queue = world.queue()
        world.workstream(queue.id, retentionDays=30)
        agent = world.agent("Lin", [queue.id], capacity=5)
        old_customer, new_customer, open_customer = (
            world.customer(),
            world.customer(),
            world.customer(),
        )
        old = world.conversation("old", customer=old_customer)
        world.services.assign_step.assign(old)
        media_id = world.wechat_api.add_media(PNG, "image/png", "image", "old.png")
        world.write(old_customer, old_customer.image(media_id))
        world.services.media_step.keep(old, last_customer_key(world, old))
        world.services.desk.close(world.fresh_agent(agent.id), old, CloseRequest())
        world.clock.advance(20 * 86400)
        recent = world.conversation("recent", customer=new_customer)
        world.services.assign_step.assign(recent)
        world.services.desk.close(world.fresh_agent(agent.id), recent, CloseRequest())
        still_open = world.conversation("open", customer=open_customer)
        world.clock.advance(11 * 86400)

        removed = world.services.housekeeping.purge_expired()
        assert removed["conversations"] >= 1
        assert world.get(old) is None
        left = traces(world.services, [old])
        assert [t for t in left if t[0] in TABLES or t[0] == ATTACHMENTS_CONTAINER] == [], left
        assert world.get(recent) is not None
        assert world.get(still_open) is not None


def test_unsubscribe_sends_nothing_after(world):
    queue = world.queue()
    world.workstream(
        queue.id,
        language="en",
        automatedMessages={"en": {"conversationClosed": "Bye!"}},
        survey={"type": "rating", "questions": {"en": "Rate us"}},
    )
    agent = world.agent("Lin", [queue.id])
    customer = world.customer()
    conversation = world.conversation("hi", customer=customer)
    world.services.assign_step.assign(conversation)
    before = len(world.outbound(conversation))
    world.write(customer, customer.unsubscribe(create_time=int(world.clock()) + 1))
    assert world.get(conversation).state is S.CLOSED
    assert len(world.outbound(conversation)) == before
    assert world.fresh_agent(agent.id).used_capacity == 0
    assert utc(world.clock()) - timedelta(seconds=1) < world.get(
        conversation
    ).closed_at + timedelta(seconds=1)
