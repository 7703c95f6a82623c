"""Template messages on Azurite and the WeChat API simulator: registered, filled, sent outside
the reply window in the conversation's turn, never sent twice when the outcome is unknown,
and never over the template's daily quota, however many workers send at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.core.errors import ConflictError, InvalidRequestError, WindowClosedError
from shared.desk.workspace import Actor, TextMessageRequest
from shared.model.templates import TemplateFields, TemplateImport, TemplateSendRequest
from shared.model.timeline import EventKind
from shared.pipeline.send_attempts import backoff_seconds

TEMPLATE_ID = "iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s"
CONTENT = "{{first.DATA}}\n订单号：{{keyword1.DATA}}\n状态：{{thing2.DATA}}\n{{remark.DATA}}"
SEND_PATH = "/cgi-bin/message/template/send"


@pytest.fixture
def desk(chat):
    """The chat, with one approved template registered in the app and known to WeChat."""
    world, agent, customer, conversation = chat
    world.wechat_api.add_template(world.simulated.app_id, TEMPLATE_ID, "订单状态", CONTENT)
    register(world, daily_quota=1000)
    return world, agent, customer, conversation


def register(world, **changes):
    body = {
        "title": "订单状态",
        "fields": [
            {"key": "keyword1", "label": "订单号", "maxLength": 32},
            {"key": "thing2", "label": "状态", "maxLength": 20},
        ],
        "dailyQuota": 1000,
        **{k: v for k, v in changes.items() if k != "daily_quota"},
    }
    if "daily_quota" in changes:
        body["dailyQuota"] = changes["daily_quota"]
    view, _ = world.services.template_admin.put(
        world.account.id, TEMPLATE_ID, TemplateFields.model_validate(body)
    )
    return view


def send(world, agent, conversation, **values):
    request = TemplateSendRequest(
        template_id=TEMPLATE_ID, fields=values or {"keyword1": "A1024", "thing2": "已退款"}
    )
    actor = Actor(world.fresh_agent(agent.id))
    return world.services.template_messages.send(actor, conversation, request)


def templates(world, conversation):
    return [e for e in world.outbound(conversation) if e.type == "template"]


def sent_today(world):
    view = world.services.template_admin.get(world.account.id, TEMPLATE_ID)
    return view.sent_today


class TestSending:
    def test_outside_the_window_a_template_goes_with_its_own_status(self, desk):
        world, agent, customer, conversation = desk
        world.clock.advance(49 * 3600)  # the 48-hour window has closed
        actor = Actor(world.fresh_agent(agent.id))
        with pytest.raises(WindowClosedError):
            world.services.workspace.send_text(actor, conversation, TextMessageRequest(text="hi"))
        entry = send(world, agent, conversation)
        assert (entry.type, entry.status) == ("template", "queued")
        assert entry.text == "订单状态\n订单号: A1024\n状态: 已退款"
        world.services.outbound_step.send_pending(conversation)

        [message] = world.wechat_api.templates_sent
        assert (message.touser, message.template_id) == (customer.open_id, TEMPLATE_ID)
        assert message.data == {"keyword1": {"value": "A1024"}, "thing2": {"value": "已退款"}}
        [entry] = templates(world, conversation)
        assert entry.status == "sent"
        assert entry.details["msgId"] == message.msg_id
        assert world.wechat_api.sent == []  # no customer-service message was tried
        assert sent_today(world) == 1
        events = world.services.timeline.events(conversation)
        assert any(e.kind is EventKind.SENT and e.outcome == "ok" for e in events)

    def test_it_takes_no_reply_window_slot(self, desk):
        world, agent, _, conversation = desk
        outbox = world.services.outbox
        conv = world.get(conversation)
        before = outbox.messages_left(outbox.window(conv))
        send(world, agent, conversation)
        assert outbox.messages_left(outbox.window(conv)) == before

    def test_values_are_checked_against_the_registered_template(self, desk):
        world, agent, _, conversation = desk
        with pytest.raises(InvalidRequestError) as missing:
            send(world, agent, conversation, keyword1="A1")
        assert missing.value.field == "fields.thing2"
        with pytest.raises(InvalidRequestError) as long:
            send(world, agent, conversation, keyword1="A1", thing2="长" * 21)
        assert long.value.field == "fields.thing2"
        register(world, enabled=False)
        with pytest.raises(InvalidRequestError) as disabled:
            send(world, agent, conversation)
        assert disabled.value.field == "templateId"
        assert templates(world, conversation) == []
        assert sent_today(world) == 0

    def test_busy_wechat_is_retried_and_the_message_goes_once(self, desk):
        world, agent, _, conversation = desk
        world.wechat_api.inject(SEND_PATH, errcode=-1)
        send(world, agent, conversation)
        world.services.outbound_step.send_pending(conversation)
        [entry] = templates(world, conversation)
        assert (entry.status, entry.details["attempts"]) == ("queued", 1)
        world.clock.advance(backoff_seconds(1))
        world.services.outbound_step.send_pending(conversation)
        [entry] = templates(world, conversation)
        assert entry.status == "sent"
        assert len(world.wechat_api.templates_sent) == 1

    @pytest.mark.parametrize(
        ("errcode", "reason"),
        [
            (43101, "the customer refused the account's messages"),
            (45009, "WeChat's daily limit for template messages is reached"),
            (40037, "WeChat does not know this template_id"),
        ],
    )
    def test_refusals_fail_with_the_errcode_and_give_the_quota_back(self, desk, errcode, reason):
        world, agent, _, conversation = desk
        world.wechat_api.inject(SEND_PATH, errcode=errcode)
        send(world, agent, conversation)
        assert sent_today(world) == 1
        world.services.outbound_step.send_pending(conversation)
        [entry] = templates(world, conversation)
        assert (entry.status, entry.details["errcode"]) == ("failed", errcode)
        assert entry.details["reason"].startswith(reason)
        assert sent_today(world) == 0  # certainly not sent: the quota is free again

    def test_the_simulator_refuses_a_customer_who_refused_templates(self, desk):
        world, agent, customer, conversation = desk
        world.wechat_api.refuse_templates(world.simulated.app_id, customer.open_id)
        send(world, agent, conversation)
        world.services.outbound_step.send_pending(conversation)
        [entry] = templates(world, conversation)
        assert (entry.status, entry.details["errcode"]) == ("failed", 43101)


class TestNoDoubleSend:
    def test_an_ambiguous_timeout_is_not_sent_again(self, desk):
        world, agent, _, conversation = desk
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject(SEND_PATH, delay=3.0)  # WeChat takes it; the client gives up at 2 s
        send(world, agent, conversation)
        world.services.outbound_step.send_pending(conversation)
        world.wechat_api.wait_for_templates(1, timeout=5)
        [entry] = templates(world, conversation)
        assert entry.status == "failed"
        assert entry.details["ambiguous"] is True
        assert "not sent again" in entry.details["reason"]
        world.clock.advance(120)
        world.services.outbound_step.send_pending(conversation)
        assert len(world.wechat_api.templates_sent) == 1
        assert world.wechat_api.calls(SEND_PATH) == 1
        assert sent_today(world) == 1  # it may have gone: the quota stays spent

    def test_a_worker_that_died_mid_call_leaves_it_unsent(self, desk):
        world, agent, _, conversation = desk
        entry = send(world, agent, conversation)
        world.services.conversations.update_entry(entry, status="sending")  # the worker died
        world.services.outbound_step.send_pending(conversation)
        [entry] = templates(world, conversation)
        assert (entry.status, entry.details["ambiguous"]) == ("failed", True)
        assert world.wechat_api.calls(SEND_PATH) == 0

    def test_concurrent_send_workers_send_each_once_in_order(self, desk):
        world, agent, _, conversation = desk
        for i in range(6):
            send(world, agent, conversation, keyword1=f"A{i}", thing2="ok")
        barrier = threading.Barrier(4)

        def worker(_):
            barrier.wait()
            for _ in range(3):
                world.services.outbound_step.send_pending(conversation)

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(worker, range(4)))
        sent = world.wechat_api.templates_sent
        assert [m.data["keyword1"]["value"] for m in sent] == [f"A{i}" for i in range(6)]
        assert {e.status for e in templates(world, conversation)} == {"sent"}


class TestDailyQuota:
    def test_concurrent_agents_never_pass_the_quota(self, desk):
        world, agent, _, conversation = desk
        register(world, daily_quota=5)
        barrier = threading.Barrier(8)

        def attempt(index):
            barrier.wait()
            outcomes = []
            for i in range(2):
                try:
                    send(world, agent, conversation, keyword1=f"{index}-{i}", thing2="ok")
                    outcomes.append("queued")
                except ConflictError as refusal:
                    outcomes.append(refusal.code)
            return outcomes

        with ThreadPoolExecutor(8) as pool:
            outcomes = [o for result in pool.map(attempt, range(8)) for o in result]
        assert outcomes.count("queued") == 5
        assert outcomes.count("template_quota") == 11
        assert sent_today(world) == 5
        world.services.outbound_step.send_pending(conversation)
        assert len(world.wechat_api.templates_sent) == 5

    def test_the_count_starts_again_the_next_china_day(self, desk):
        world, agent, _, conversation = desk
        register(world, daily_quota=1)
        send(world, agent, conversation)
        with pytest.raises(ConflictError):
            send(world, agent, conversation)
        world.clock.advance(24 * 3600)
        send(world, agent, conversation)


class TestDeliveryReports:
    def test_a_job_report_push_updates_the_line(self, desk):
        from tests.integration.conftest import store_push
        from tools.wechat_simulator import push_xml

        world, agent, customer, conversation = desk
        send(world, agent, conversation)
        world.services.outbound_step.send_pending(conversation)
        [message] = world.wechat_api.templates_sent
        fields = customer.event("TEMPLATESENDJOBFINISH", MsgID=message.msg_id, Status="success")
        key = store_push(world.services, world.account.id, push_xml(fields))
        world.services.inbound_step.take(world.account.id, key)
        [entry] = templates(world, conversation)
        assert (entry.status, entry.details["delivery"]) == ("sent", "success")

        world.clock.advance(1)  # another push: its dedupe key has its own CreateTime
        fields = customer.event(
            "TEMPLATESENDJOBFINISH", MsgID=message.msg_id, Status="failed:user block"
        )
        key = store_push(world.services, world.account.id, push_xml(fields))
        world.services.inbound_step.take(world.account.id, key)
        [entry] = templates(world, conversation)
        assert entry.status == "failed"
        assert "refused the account's messages" in entry.details["reason"]

    def test_a_report_of_an_unknown_msgid_changes_nothing(self, desk):
        world = desk[0]
        assert world.services.template_sender.job_finished(world.account.id, 7, "success") is False


class TestAdmin:
    def test_import_reads_the_fields_and_skips_what_is_registered(self, world):
        world.wechat_api.add_template(world.simulated.app_id, "tplA", "到货通知", CONTENT)
        world.wechat_api.add_template(world.simulated.app_id, "tplB", "感谢", "谢谢您")
        result = world.services.template_admin.import_from_wechat(
            world.account.id, TemplateImport()
        )
        [imported] = result.imported
        assert imported.template_id == "tplA"
        assert imported.enabled is False
        assert [f.key for f in imported.fields] == ["first", "keyword1", "thing2", "remark"]
        assert [f.label for f in imported.fields][1:3] == ["订单号", "状态"]
        assert result.skipped == ["tplB"]
        again = world.services.template_admin.import_from_wechat(world.account.id, TemplateImport())
        assert again.imported == []
        assert sorted(again.skipped) == ["tplA", "tplB"]

    def test_only_approved_templates_are_offered(self, desk):
        world, agent, _, conversation = desk
        actor = Actor(world.fresh_agent(agent.id))
        [offered] = world.services.template_messages.offered(actor, conversation)
        assert (offered.template_id, offered.sent_today) == (TEMPLATE_ID, 0)
        register(world, enabled=False)
        assert world.services.template_messages.offered(actor, conversation) == []


def test_an_import_wechat_refuses_is_a_conflict_that_says_why(world):
    world.wechat_api.inject("/cgi-bin/template/get_all_private_template", errcode=48001)
    with pytest.raises(ConflictError) as refused:
        world.services.template_admin.import_from_wechat(world.account.id, TemplateImport())
    assert refused.value.code == "wechat_refused"
    assert "48001" in refused.value.message
