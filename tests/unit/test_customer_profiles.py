"""The pure rules of customers' WeChat profiles: when one is due, how it lands on the
customer (scene, tags, an unfollowed customer), what an agent may send, and routing's view."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shared.desk.workspace import CustomerUpdate
from shared.model.conditions import Condition, RoutingContext
from shared.model.conversations import Customer
from shared.model.customer_profiles import (
    PROFILE_MAX_AGE,
    RETRY_AFTER,
    claim,
    failed,
    fetching,
    profile_due,
    scanned,
    tag_labels,
    with_profile,
)
from shared.pipeline.bot import customer_context
from shared.wechat.users import WeChatUser

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
BLANK = Customer(account_id="a1", open_id="oCustomer")


def user(**fields: object) -> WeChatUser:
    return WeChatUser.model_validate({"subscribe": 1, "openid": "oCustomer", **fields})


class TestWhenDue:
    def test_a_new_customer_is_due(self):
        assert profile_due(None, NOW)
        assert profile_due(BLANK, NOW)

    def test_once_a_day(self):
        fetched = BLANK.model_copy(update={"profile_fetched_at": NOW})
        assert not profile_due(fetched, NOW + PROFILE_MAX_AGE - timedelta(seconds=1))
        assert profile_due(fetched, NOW + PROFILE_MAX_AGE)

    def test_a_claim_holds_off_other_workers_until_it_lapses(self):
        claimed = claim(BLANK, NOW)
        assert claimed is not None
        assert claim(claimed, NOW) is None
        assert claim(claimed, NOW + timedelta(seconds=31)) is not None

    def test_only_a_claim_in_flight_is_waited_for(self):
        claimed = claim(BLANK, NOW)
        assert claimed is not None
        assert fetching(claimed, NOW)
        assert not fetching(failed(claimed, NOW), NOW)
        assert not fetching(claimed, NOW + timedelta(minutes=1))

    def test_a_failure_waits_a_minute(self):
        after = failed(BLANK, NOW)
        assert not profile_due(after, NOW + RETRY_AFTER - timedelta(seconds=1))
        assert profile_due(after, NOW + RETRY_AFTER)


class TestLanding:
    def test_the_fields_and_tags_with_their_names(self):
        got = with_profile(
            BLANK,
            user(remark="王女士", tagid_list=[100, 2], unionid="oU", subscribe_time=1_700_000_000),
            {100: "VIP"},
            NOW,
        )
        assert (got.remark, got.tag_ids, got.tags, got.union_id) == (
            "王女士",
            [100, 2],
            ["100", "2", "VIP"],
            "oU",
        )
        assert (got.subscribed, got.subscription_changed_at) == (True, 1_700_000_000)
        assert (got.profile_fetched_at, got.profile_claimed_until) == (NOW, None)

    def test_an_empty_remark_is_none(self):
        assert with_profile(BLANK, user(remark=""), {}, NOW).remark is None

    def test_the_scene_prefers_a_qr_code(self):
        qr = user(subscribe_scene="ADD_SCENE_QR_CODE", qr_scene=12, qr_scene_str="")
        assert with_profile(BLANK, qr, {}, NOW).scene == "12"
        named = user(subscribe_scene="ADD_SCENE_QR_CODE", qr_scene=12, qr_scene_str="poster")
        assert with_profile(BLANK, named, {}, NOW).scene == "poster"
        search = user(subscribe_scene="ADD_SCENE_SEARCH", qr_scene=0, qr_scene_str="")
        assert with_profile(BLANK, search, {}, NOW).scene == "ADD_SCENE_SEARCH"
        from_event = BLANK.model_copy(update={"scene": "poster-7"})
        assert with_profile(from_event, search, {}, NOW).scene == "poster-7"

    def test_a_scan_after_the_follow_keeps_its_scene(self):
        scan = scanned(BLANK, "expo", at=2_000)
        assert scan is not None
        assert scan.scene == "expo"
        assert (
            with_profile(scan, user(qr_scene_str="poster", subscribe_time=1_000), {}, NOW).scene
            == "expo"
        )
        assert (
            with_profile(scan, user(qr_scene_str="poster", subscribe_time=3_000), {}, NOW).scene
            == "poster"
        )
        assert scanned(scan, "older", at=1_500) is None

    def test_an_unfollowed_customer_keeps_what_was_known(self):
        known = with_profile(BLANK, user(remark="kept", tagid_list=[100]), {}, NOW)
        gone = with_profile(known, WeChatUser(subscribe=0, openid="oCustomer"), {}, NOW)
        assert (gone.subscribed, gone.remark, gone.tag_ids) == (False, "kept", [100])

    def test_tag_labels(self):
        assert tag_labels([100, 101], {101: "late"}) == ["100", "101", "late"]


class TestAnAgentsChange:
    def test_limits(self):
        assert CustomerUpdate.model_validate({"remark": "x" * 30}).remark == "x" * 30
        for body in (
            {"remark": "x" * 31},
            {"tagIds": list(range(100, 121))},
            {"tagIds": [100, 100]},
            {"tagIds": [-1]},
        ):
            with pytest.raises(ValidationError):
                CustomerUpdate.model_validate(body)
        assert CustomerUpdate.model_validate({"tagIds": []}).tag_ids == []
        with pytest.raises(ValidationError):  # the API reads bodies strictly
            CustomerUpdate.model_validate_json('{"tagIds": ["100"]}', strict=True)


class TestRoutingAndBots:
    def test_remark_and_union_id_are_fields(self):
        context = RoutingContext(
            open_id="o", account_id="a", local_time=NOW, remark="VIP 王", union_id="oU"
        )
        vip = Condition.model_validate(
            {"field": "customer.remark", "op": "startsWith", "value": "VIP"}
        )
        bound = Condition.model_validate({"field": "customer.unionId", "op": "exists"})
        assert vip.evaluate(context)
        assert bound.evaluate(context)
        assert not bound.evaluate(RoutingContext(open_id="o", account_id="a", local_time=NOW))

    def test_a_bot_sees_the_profile(self):
        known = with_profile(BLANK, user(remark="r", tagid_list=[100], unionid="oU"), {}, NOW)
        assert customer_context(known) == {
            "subscribed": True,
            "scene": None,
            "remark": "r",
            "tags": ["100"],
            "tagIds": [100],
            "unionId": "oU",
        }
        assert customer_context(None)["remark"] is None
