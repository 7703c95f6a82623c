"""Customers' WeChat profiles on Azurite, against the API simulator: read with the first push
and once a day after, never at a push's cost, once for a burst, seen by routing; remarks and
tags written back to WeChat for agents."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from shared.channel.profiles import CustomerProfiles
from shared.core.errors import ConflictError, ForbiddenError
from shared.desk.workspace import Actor, CustomerUpdate
from shared.pipeline.assign import Outcome
from tests.integration.conftest import store_push
from tools.wechat_simulator import push_xml

USER_INFO = "/cgi-bin/user/info"
DAY = 24 * 3600


def remark_rule(queue_id: str, prefix: str = "VIP") -> dict[str, Any]:
    return {
        "name": "remarked vip",
        "condition": {"field": "customer.remark", "op": "startsWith", "value": prefix},
        "queueId": queue_id,
    }


def info_calls(world: Any) -> int:
    return world.wechat_api.calls(USER_INFO)


class TestReading:
    def test_the_first_message_stores_the_profile_and_routing_sees_it(self, world):
        general, vip = world.queue("general"), world.queue("vip")
        world.workstream(general.id, routingRules=[remark_rule(vip.id)])
        sim, app_id = world.wechat_api, world.simulated.app_id
        tag = sim.add_tag(app_id, "VIP")
        customer = world.customer()
        sim.set_user(
            app_id,
            customer.open_id,
            remark="VIP 王女士",
            tags=[tag],
            unionid="oUnion123",
            subscribe_scene="ADD_SCENE_QR_CODE",
            qr_scene_str="spring-poster",
            subscribe_time=int(world.clock()) - 3600,
        )
        conversation = world.conversation("你好", customer=customer)

        stored = world.services.conversations.customer(world.account.id, customer.open_id)
        assert stored is not None
        assert (stored.remark, stored.tag_ids, stored.union_id) == (
            "VIP 王女士",
            [tag],
            "oUnion123",
        )
        assert stored.tags == [str(tag), "VIP"]
        assert (stored.scene, stored.subscribe_scene, stored.qr_scene) == (
            "spring-poster",
            "ADD_SCENE_QR_CODE",
            "spring-poster",
        )
        assert stored.subscribed is True
        assert stored.subscribe_time == int(world.clock()) - 3600
        assert stored.profile_fetched_at is not None
        assert (world.get(conversation).queue_id, world.get(conversation).rule) == (
            vip.id,
            "remarked vip",
        )

    def test_at_most_once_a_day(self, world):
        queue = world.queue()
        world.workstream(queue.id)
        sim, app_id = world.wechat_api, world.simulated.app_id
        customer = world.customer()
        sim.set_user(app_id, customer.open_id, remark="first")
        world.conversation("one", customer=customer)
        assert info_calls(world) == 1
        sim.set_user(app_id, customer.open_id, remark="second")
        world.clock.advance(DAY - 60)
        world.write(customer, customer.text("two"))
        world.write(customer, customer.click("MENU"))
        assert info_calls(world) == 1
        remark = world.services.conversations.customer(world.account.id, customer.open_id)
        assert remark is not None
        assert remark.remark == "first"
        world.clock.advance(60)
        world.write(customer, customer.text("a day later"))
        assert info_calls(world) == 2
        stored = world.services.conversations.customer(world.account.id, customer.open_id)
        assert stored is not None
        assert stored.remark == "second"

    def test_location_reports_do_not_ask(self, world):
        queue = world.queue()
        world.workstream(queue.id)
        customer = world.customer()
        world.write(customer, customer.event("LOCATION", Latitude="23.1", Longitude="113.3"))
        assert info_calls(world) == 0

    def test_a_customer_who_unfollowed_is_recorded_so(self, world):
        queue = world.queue()
        world.workstream(queue.id)
        sim, app_id = world.wechat_api, world.simulated.app_id
        customer = world.customer()
        sim.set_user(app_id, customer.open_id, remark="kept")
        world.conversation("hi", customer=customer)
        sim.unfollow(app_id, customer.open_id)
        world.clock.advance(DAY)
        world.write(customer, customer.click("MENU"))  # a menu tap: writing implies following
        stored = world.services.conversations.customer(world.account.id, customer.open_id)
        assert stored is not None
        assert (stored.subscribed, stored.remark) == (False, "kept")

    def test_a_scan_sets_the_scene_and_a_later_fetch_keeps_it(self, world):
        general, stand = world.queue("general"), world.queue("stand")
        rule = {
            "name": "at the stand",
            "condition": {"field": "customer.scene", "op": "equals", "value": "expo-stand"},
            "queueId": stand.id,
        }
        world.workstream(general.id, routingRules=[rule])
        sim, app_id = world.wechat_api, world.simulated.app_id
        customer = world.customer()
        sim.set_user(app_id, customer.open_id, qr_scene_str="poster", subscribe_time=1)
        first = world.conversation("hi", customer=customer)
        assert world.get(first).queue_id == general.id
        stored = world.services.conversations.customer(world.account.id, customer.open_id)
        assert stored is not None
        assert stored.scene == "poster"
        world.services.conversations.close(first, reason="test", now=world.get(first).created_at)

        world.clock.advance(DAY)
        scan = customer.event("SCAN", EventKey="expo-stand", Ticket="t")
        second = world.write(customer, scan)
        world.services.route_step.route(second)
        stored = world.services.conversations.customer(world.account.id, customer.open_id)
        assert stored is not None
        assert stored.scene == "expo-stand"
        assert stored.profile_fetched_at is not None
        assert info_calls(world) == 2
        assert world.get(second).queue_id == stand.id


class TestFailures:
    def test_a_wechat_error_loses_nothing_and_is_tried_again_after_a_minute(self, world, caplog):
        queue = world.queue()
        world.workstream(queue.id)
        sim, app_id = world.wechat_api, world.simulated.app_id
        customer = world.customer()
        sim.set_user(app_id, customer.open_id, remark="later")
        sim.inject(USER_INFO, errcode=-1)
        conversation = world.conversation("the message", customer=customer)

        entries, _ = world.services.conversations.transcript(conversation, limit=10)
        assert [e.text for e in entries] == ["the message"]
        assert world.get(conversation).queue_id == queue.id
        stored = world.services.conversations.customer(world.account.id, customer.open_id)
        assert stored is not None
        assert stored.profile_fetched_at is None
        assert "errcode -1" in caplog.text
        assert "access_token" not in caplog.text
        tokens = {r.query["access_token"] for r in sim.requests if "access_token" in r.query}
        assert tokens
        assert not any(token in caplog.text for token in tokens)

        world.write(customer, customer.text("soon after"))
        assert info_calls(world) == 1
        world.clock.advance(61)
        world.write(customer, customer.text("a minute on"))
        assert info_calls(world) == 2
        stored = world.services.conversations.customer(world.account.id, customer.open_id)
        assert stored is not None
        assert stored.remark == "later"

    def test_after_a_failure_the_next_push_does_not_wait(self, world):
        world.workstream(world.queue().id)
        sim = world.wechat_api
        customer = world.customer()
        sim.inject(USER_INFO, errcode=-1)
        world.write(customer, customer.text("one"))  # not routed yet: routing waits for a fetch
        started = time.monotonic()
        world.write(customer, customer.text("two"))
        assert time.monotonic() - started < 1.0
        assert info_calls(world) == 1

    def test_a_timeout_is_short_and_costs_the_push_nothing(self, world):
        world.workstream(world.queue().id)
        sim, app_id = world.wechat_api, world.simulated.app_id
        customer = world.customer()
        sim.customer_wrote(app_id, customer.open_id)
        services = world.services
        profiles = CustomerProfiles(
            services.conversations,
            services.access_tokens,
            services.wechat,
            world.clock,
            timeout=0.3,
        )
        services.access_tokens.get(world.account.id)  # the token is not what is timed
        sim.inject(USER_INFO, delay=1.5)
        profiles.refresh(world.account.id, customer.open_id)  # returns, does not raise
        stored = services.conversations.customer(world.account.id, customer.open_id)
        assert stored is not None
        assert stored.profile_fetched_at is None
        assert stored.profile_claimed_until is not None  # the next try waits a minute


class TestConcurrency:
    def test_a_burst_of_first_messages_asks_once_and_routing_waits_for_it(self, world):
        general, vip = world.queue("general"), world.queue("vip")
        world.workstream(general.id, routingRules=[remark_rule(vip.id)])
        sim, app_id = world.wechat_api, world.simulated.app_id
        customer = world.customer()
        sim.set_user(app_id, customer.open_id, remark="VIP burst")
        sim.customer_wrote(app_id, customer.open_id)
        sim.inject(USER_INFO, delay=0.5)  # long enough for every worker to be inside
        keys = [
            store_push(world.services, world.account.id, push_xml(customer.text(f"line {i}")))
            for i in range(6)
        ]
        barrier = threading.Barrier(len(keys))
        results: list[str | None] = []
        errors: list[BaseException] = []

        def work(key: str) -> None:
            barrier.wait()
            try:
                results.append(world.services.inbound_step.take_and_route(world.account.id, key))
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=work, args=(key,)) for key in keys]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors
        assert len(set(results)) == 1
        assert info_calls(world) == 1
        [conversation] = set(results)
        assert conversation is not None
        assert world.get(conversation).queue_id == vip.id


class TestEditing:
    def chat(self, world: Any) -> tuple[Any, Any, str]:
        queue = world.queue()
        world.workstream(queue.id)
        lin = world.agent("Lin", [queue.id], capacity=5)
        customer = world.customer()
        conversation = world.conversation("hello", customer=customer)
        assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
        return world.fresh_agent(lin.id), customer, conversation

    def test_the_agent_sets_remark_and_tags_in_wechat(self, world):
        lin, customer, conversation = self.chat(world)
        sim, app_id = world.wechat_api, world.simulated.app_id
        vip, late = sim.add_tag(app_id, "VIP"), sim.add_tag(app_id, "late payer")
        sim.set_user(app_id, customer.open_id, tags=[late])
        workspace = world.services.workspace
        panel = workspace.update_customer(
            Actor(lin),
            conversation,
            CustomerUpdate.model_validate({"remark": "王女士", "tagIds": [vip, 2]}),
        )
        user = sim.user(app_id, customer.open_id)
        assert user is not None
        assert (user["remark"], sorted(user["tagid_list"])) == ("王女士", sorted([vip, 2]))
        assert (panel.name, panel.remark, sorted(panel.tag_ids)) == (
            "王女士",
            "王女士",
            sorted([vip, 2]),
        )
        assert "VIP" in panel.tags
        assert "星标组" in panel.tags
        [item] = workspace.items(Actor(lin), [world.get(conversation)])
        assert item.customer.name == "王女士"
        tags = workspace.customer_tags(Actor(lin), conversation).tags
        assert {(t.id, t.name) for t in tags} >= {(vip, "VIP"), (late, "late payer"), (2, "星标组")}

        workspace.update_customer(Actor(None), conversation, CustomerUpdate(remark=""))
        user = sim.user(app_id, customer.open_id)
        assert user is not None
        assert user["remark"] == ""

    def test_wechat_refusals_come_back_clearly(self, world):
        lin, customer, conversation = self.chat(world)
        workspace = world.services.workspace
        with pytest.raises(ConflictError) as refused:
            workspace.update_customer(Actor(lin), conversation, CustomerUpdate(tag_ids=[999]))
        assert refused.value.code == "wechat_refused"
        assert "45159" in refused.value.message
        world.wechat_api.unfollow(world.simulated.app_id, customer.open_id)
        with pytest.raises(ConflictError) as gone:
            workspace.update_customer(Actor(lin), conversation, CustomerUpdate(remark="x"))
        assert gone.value.code == "not_following"

    def test_only_the_conversations_agent_or_the_admin(self, world):
        _lin, _customer, conversation = self.chat(world)
        queue_id = world.get(conversation).queue_id
        boss = world.agent("Boss", [queue_id], role="supervisor")
        with pytest.raises(ForbiddenError):
            world.services.workspace.update_customer(
                Actor(world.fresh_agent(boss.id)), conversation, CustomerUpdate(remark="x")
            )
