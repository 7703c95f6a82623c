"""Issue 16 over HTTP on devhost: an unknown placeholder refused on save, agentNotAssigned with
the queue's name, then draining the account: the callback still answers ``success``, a new
customer opens nothing, the open conversation goes on, and the last close makes it inactive."""

from __future__ import annotations

import time

from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer


def test_automated_messages_then_drain_and_reactivate(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    queue = admin.post("/api/admin/queues", json={"name": "General"}).json()
    body = {
        "name": "WeChat service",
        "accountId": account_id,
        "language": "en",
        "fallbackQueueId": queue["id"],
        "automatedMessages": {"en": {"agentNotAssigned": "Nobody in {QueueNmae} yet."}},
    }
    refused = admin.post("/api/admin/workstreams", json=body)
    assert refused.status_code == 400, refused.text
    assert "{QueueNmae}" in refused.text
    body["automatedMessages"] = {"en": {"agentNotAssigned": "Nobody in {QueueName} yet."}}
    assert admin.post("/api/admin/workstreams", json=body).status_code == 201

    regular = WeChatCustomer(account)
    assert (
        app.push(account_id, *regular.push(regular.text("hello"), "plaintext")).status_code == 200
    )

    def conversations():
        listing = admin.get("/api/admin/conversations", params={"accountId": account_id})
        return listing.json()["conversations"]

    first = wait_for(lambda: next(iter(conversations()), None), what="the conversation")

    def said():
        detail = admin.get(f"/api/admin/conversations/{first['id']}").json()
        return [m.get("text") for m in detail["messages"] if m["direction"] == "out"]

    assert wait_for(lambda: "Nobody in General yet." in said() and said(), what="agentNotAssigned")

    drained = admin.post(f"/api/admin/accounts/{account_id}/drain")
    assert drained.status_code == 200, drained.text
    assert drained.json()["status"] == "draining"

    newcomer = WeChatCustomer(account)
    answer = app.push(account_id, *newcomer.push(newcomer.text("new here"), "plaintext"))
    assert (answer.status_code, answer.text) == (200, "success")
    assert (
        app.push(account_id, *regular.push(regular.text("still there?"), "plaintext")).status_code
        == 200
    )

    def both_lines():
        detail = admin.get(f"/api/admin/conversations/{first['id']}").json()
        return sum(m["direction"] == "in" for m in detail["messages"]) == 2

    wait_for(both_lines, what="the regular's second line")
    time.sleep(1)  # the newcomer's push has had its turn in the same queue
    assert [c["id"] for c in conversations()] == [first["id"]]

    closed = admin.post(f"/api/admin/conversations/{first['id']}/close", json={})
    assert closed.status_code == 200, closed.text
    assert admin.get(f"/api/admin/accounts/{account_id}").json()["status"] == "inactive"
    check = admin.get(f"/api/admin/accounts/{account_id}/check").json()
    assert check["status"] == "inactive"

    assert admin.post(f"/api/admin/accounts/{account_id}/reactivate").json()["status"] == "active"
    assert (
        app.push(account_id, *newcomer.push(newcomer.text("again"), "plaintext")).status_code == 200
    )
    wait_for(lambda: len(conversations()) == 2, what="a new conversation after reactivating")
