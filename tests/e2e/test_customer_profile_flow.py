"""A customer's WeChat profile on devhost, over HTTP: the customer writes, the profile is read
from WeChat (the simulator) before routing, a rule on the remark and one on the scene pick
their queues, and the agent edits remark and tags, which the simulator then holds."""

from __future__ import annotations

from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer


def test_the_profile_routes_and_the_agent_edits_it(app, admin, wechat_api):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    wechat_api.add_account(account.app_id, account.app_secret)
    vip_tag = wechat_api.add_tag(account.app_id, "VIP")
    queues = {
        name: admin.post("/api/admin/queues", json={"name": name}).json()["id"]
        for name in ("General", "VIP", "Expo")
    }
    created = admin.post(
        "/api/admin/workstreams",
        json={
            "name": "Profiles",
            "accountId": account_id,
            "fallbackQueueId": queues["General"],
            "routingRules": [
                {
                    "name": "vip by remark",
                    "condition": {"field": "customer.remark", "op": "startsWith", "value": "VIP"},
                    "queueId": queues["VIP"],
                },
                {
                    "name": "expo visitors",
                    "condition": {"field": "customer.scene", "op": "equals", "value": "expo-2026"},
                    "queueId": queues["Expo"],
                },
            ],
        },
    )
    assert created.status_code == 201, created.text
    agent = admin.post(
        "/api/admin/agents", json={"name": "Lin", "queueIds": list(queues.values()), "capacity": 5}
    ).json()

    vip, visitor = WeChatCustomer(account), WeChatCustomer(account)
    wechat_api.set_user(account.app_id, vip.open_id, remark="VIP 王女士", tags=[vip_tag])
    wechat_api.set_user(
        account.app_id,
        visitor.open_id,
        subscribe_scene="ADD_SCENE_QR_CODE",
        qr_scene_str="expo-2026",
    )

    with app.client(agent["token"]) as lin:
        assert lin.put("/api/agent/presence", json={"presence": "available"}).status_code == 200
        for customer, text in ((vip, "你好"), (visitor, "在展会上扫的码")):
            wechat_api.customer_wrote(account.app_id, customer.open_id)
            assert (
                app.push(account_id, *customer.push(customer.text(text), "plaintext")).status_code
                == 200
            )

        def routed(customer):
            def check():
                listing = admin.get(
                    "/api/admin/conversations", params={"accountId": account_id}
                ).json()
                found = [
                    c
                    for c in listing["conversations"]
                    if c["openId"] == customer.open_id and c.get("queueId")
                ]
                return found[0] if found else None

            return wait_for(check, what=f"{customer.open_id} to be routed")

        vip_conversation, visitor_conversation = routed(vip), routed(visitor)
        assert (vip_conversation["queueId"], vip_conversation["rule"]) == (
            queues["VIP"],
            "vip by remark",
        )
        assert visitor_conversation["queueId"] == queues["Expo"]

        conversation_id = wait_for(
            lambda: next(
                (
                    c["id"]
                    for c in lin.get("/api/agent/conversations").json()["conversations"]
                    if c["customer"]["openId"] == vip.open_id
                ),
                None,
            ),
            what="the VIP conversation to reach Lin",
        )
        listed = lin.get("/api/agent/conversations").json()["conversations"]
        assert {c["customer"]["name"] for c in listed if c["id"] == conversation_id} == {
            "VIP 王女士"
        }

        panel = lin.get(f"/api/agent/conversations/{conversation_id}/customer").json()
        assert (panel["remark"], panel["tagIds"], panel["subscribed"]) == (
            "VIP 王女士",
            [vip_tag],
            True,
        )
        assert panel["tags"] == [str(vip_tag), "VIP"]
        assert panel["profileFetchedAt"]

        tags = lin.get(f"/api/agent/conversations/{conversation_id}/customer/tags").json()["tags"]
        assert {"id": vip_tag, "name": "VIP", "count": 1} in tags

        edited = lin.put(
            f"/api/agent/conversations/{conversation_id}/customer",
            json={"remark": "VIP 王女士 (常客)", "tagIds": [2]},
        )
        assert edited.status_code == 200, edited.text
        assert (edited.json()["remark"], edited.json()["tagIds"]) == ("VIP 王女士 (常客)", [2])
        held = wechat_api.user(account.app_id, vip.open_id)
        assert held is not None
        assert (held["remark"], held["tagid_list"]) == ("VIP 王女士 (常客)", [2])

        too_long = lin.put(
            f"/api/agent/conversations/{conversation_id}/customer", json={"remark": "长" * 31}
        )
        assert too_long.status_code == 400, too_long.text
        refused = lin.put(
            f"/api/agent/conversations/{conversation_id}/customer", json={"tagIds": [4242]}
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "wechat_refused"
        assert "45159" in refused.json()["error"]["message"]

    # The admin's token edits any conversation's customer through the same route.
    by_admin = admin.put(
        f"/api/agent/conversations/{visitor_conversation['id']}/customer",
        json={"remark": "展会访客"},
    )
    assert by_admin.status_code == 200, by_admin.text
    held = wechat_api.user(account.app_id, visitor.open_id)
    assert held is not None
    assert held["remark"] == "展会访客"
