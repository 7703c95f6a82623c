"""Custom menus and tap-to-reply menus on Azurite and the WeChat API simulator: the draft,
publishing and pulling it, a menu click routed by its key, and a msgmenu sent, tapped and
recorded as the customer's answer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.core.errors import ConflictError, NotFoundError, WindowClosedError
from shared.desk.workspace import Actor
from shared.model.menus import AccountMenu
from shared.model.tap_menus import TapMenuRequest

MENU = {
    "buttons": [
        {"name": "退款", "type": "click", "key": "REFUND"},
        {
            "name": "Help",
            "subButtons": [
                {"name": "Talk to us", "type": "click", "key": "AGENT"},
                {"name": "FAQ", "type": "view", "url": "https://example.com/faq"},
            ],
        },
    ]
}


def menu(body: dict = MENU) -> AccountMenu:
    return AccountMenu.model_validate(body)


class TestAccountMenu:
    def test_the_draft_is_kept_and_published_to_wechat(self, world):
        menus, app_id = world.services.menus, world.simulated.app_id
        assert menus.view(world.account.id).menu is None
        saved = menus.save(world.account.id, menu())
        assert saved.keys == ["REFUND", "AGENT"]
        assert not saved.published
        published = menus.publish(world.account.id)
        assert published.published
        assert published.last_publish.ok
        assert world.wechat_api.menu(app_id) == menu().wechat_payload()
        assert world.wechat_api.menu_keys(app_id) == ["REFUND", "AGENT"]
        changed = menus.save(world.account.id, menu({"buttons": MENU["buttons"][:1]}))
        assert not changed.published
        assert changed.published_at == published.published_at

    def test_wechats_refusal_is_recorded_and_answered_with_its_errcode(self, world):
        menus = world.services.menus
        menus.save(world.account.id, menu())
        world.wechat_api.inject("/cgi-bin/menu/create", errcode=40018)
        with pytest.raises(ConflictError) as refused:
            menus.publish(world.account.id)
        assert refused.value.code == "wechat_refused"
        assert "40018" in refused.value.message
        assert "name is too long" in refused.value.message
        view = menus.view(world.account.id)
        assert view.last_publish.errcode == 40018
        assert not view.published
        assert world.wechat_api.menu(world.simulated.app_id) is None

    def test_publishing_without_a_draft_or_for_an_unknown_account_is_refused(self, world):
        with pytest.raises(ConflictError, match="no menu draft"):
            world.services.menus.publish(world.account.id)
        with pytest.raises(NotFoundError):
            world.services.menus.save("nosuchaccount", menu())

    def test_pull_reads_wechats_menu_into_the_draft(self, world):
        menus = world.services.menus
        with pytest.raises(ConflictError, match="46003"):
            menus.pull(world.account.id)  # nothing made through the API yet
        menus.save(world.account.id, menu())
        menus.publish(world.account.id)
        menus.save(
            world.account.id, menu({"buttons": [{"name": "x", "type": "click", "key": "X"}]})
        )
        pulled = menus.pull(world.account.id)
        assert pulled.menu == menu()
        assert pulled.keys == ["REFUND", "AGENT"]

    def test_concurrent_saves_leave_one_whole_draft(self, world):
        """Admins saving at once: the row holds one of their drafts, never a mix."""
        drafts = [
            menu({"buttons": [{"name": f"b{i}", "type": "click", "key": f"K{i}"}]})
            for i in range(6)
        ]
        barrier = threading.Barrier(6)

        def save(draft):
            barrier.wait()
            world.services.menus.save(world.account.id, draft)

        with ThreadPoolExecutor(6) as pool:
            list(pool.map(save, drafts))
        assert world.services.menus.view(world.account.id).menu in drafts

    def test_removing_the_account_forgets_its_draft(self, world):
        world.services.menus.save(world.account.id, menu())
        world.services.account_removal.remove(world.account.id)
        with pytest.raises(NotFoundError):
            world.services.menus.view(world.account.id)
        assert world.services.menus._store.read(world.account.id).menu is None  # the row went


def test_a_menu_click_opens_a_conversation_routed_by_its_key(world):
    general, refunds = world.queue("general"), world.queue("refunds")
    world.workstream(
        general.id,
        routingRules=[
            {
                "name": "refund menu",
                "queueId": refunds.id,
                "condition": {"field": "event.key", "op": "equals", "value": "REFUND"},
            }
        ],
    )
    customer = world.customer()
    conversation_id = world.write(customer, customer.click("REFUND"))
    world.services.route_step.route(conversation_id)
    conversation = world.get(conversation_id)
    assert conversation.queue_id == refunds.id
    assert conversation.rule == "refund menu"


class TestTapMenu:
    def send(self, world, agent, conversation, **body):
        request = TapMenuRequest.model_validate(
            {
                "headContent": "Solved?",
                "options": [{"id": "101", "content": "Yes"}, {"id": "102", "content": "No"}],
                **body,
            }
        )
        actor = Actor(world.fresh_agent(agent.id))
        return world.services.workspace.send_menu(actor, conversation, request)

    def test_a_menu_goes_out_as_msgmenu_and_the_tap_is_recorded_as_the_answer(self, chat):
        world, agent, customer, conversation = chat
        entry = self.send(world, agent, conversation)
        assert entry.type == "msgmenu"
        assert entry.text == "Solved?"
        assert world.services.outbox.window(world.get(conversation)).sent == 1  # one slot
        world.services.outbound_step.send_pending(conversation)
        sent = world.wechat_api.sent[-1]
        assert sent.msgtype == "msgmenu"
        assert sent.body["msgmenu"] == {
            "head_content": "Solved?",
            "list": [{"id": "101", "content": "Yes"}, {"id": "102", "content": "No"}],
            "tail_content": "",
        }
        assert world.services.conversations.entry(conversation, entry.key).status == "sent"

        world.clock.advance(2)
        assert world.write(customer, customer.tap("101", "Yes")) == conversation
        lines, _ = world.services.conversations.transcript(conversation, limit=50)
        tap = [e for e in lines if e.direction == "in"][-1]
        assert tap.text == "Yes"
        assert tap.details["menuAnswer"] == {"menuEntryKey": entry.key, "optionId": "101"}
        answer = world.services.conversations.entry(conversation, entry.key).details["menu"]
        assert answer["answer"] == {"optionId": "101", "content": "Yes", "entryKey": tap.key}
        assert world.services.conversations.entry(conversation, entry.key).status == "sent"

    def test_a_tap_naming_no_menu_of_the_conversation_is_only_text(self, chat):
        world, _agent, customer, conversation = chat
        world.clock.advance(2)
        world.write(customer, customer.tap("999", "Yes"))
        lines, _ = world.services.conversations.transcript(conversation, limit=50)
        assert "menuAnswer" not in lines[-1].details

    def test_a_menu_takes_a_reply_window_slot_and_is_refused_when_none_is_left(self, chat):
        world, agent, _customer, conversation = chat
        for _ in range(world.services.outbox.quota):
            self.send(world, agent, conversation)
        with pytest.raises(WindowClosedError, match="used up"):
            self.send(world, agent, conversation)
