"""Overflow after queueing over HTTP on devhost: a queue whose overflow.maxWait is PT1M hands a
conversation that waited longer to its transfer queue when the assignment sweep runs."""

from __future__ import annotations

import time

from shared.bootstrap import Services
from shared.core.settings import load_settings
from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer


def test_a_conversation_waiting_past_max_wait_is_transferred(app, admin, storage):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    second = admin.post("/api/admin/queues", json={"name": "Second line"}).json()
    bad = admin.post("/api/admin/queues", json={"name": "Bad", "overflow": {"maxWait": "PT30S"}})
    assert bad.status_code == 400
    assert "maxWait" in bad.text
    first = admin.post(
        "/api/admin/queues",
        json={
            "name": "First line",
            "overflow": {
                "maxWait": "PT1M",
                "afterMaxWait": {"action": "transfer", "transferQueueId": second["id"]},
            },
        },
    )
    assert first.status_code == 201, first.text
    assert first.json()["overflow"]["maxWait"] == "PT1M"
    queue_id = first.json()["id"]
    created = admin.post(
        "/api/admin/workstreams",
        json={"name": "ws", "accountId": account_id, "fallbackQueueId": queue_id},
    )
    assert created.status_code == 201, created.text
    customer = WeChatCustomer(account)
    app.push(account_id, *customer.push(customer.text("anyone?"), "plaintext")).raise_for_status()

    def waiting() -> dict | None:
        listed = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
        found = listed["conversations"]
        return found[0] if found and found[0].get("queueId") else None

    conversation = wait_for(waiting, what="the conversation queued")
    assert conversation["queueId"] == queue_id
    # The host's minute timer, a minute and a bit from now (devhost's clock cannot be moved,
    # and timers are off under test): the sweep on the app's own settings and storage.
    later = time.time() + 61
    swept = Services(load_settings(app.settings), storage, lambda: later)
    assert swept.housekeeping.sweep_assignments()["transferred"] == 1
    detail = admin.get(f"/api/admin/conversations/{conversation['id']}").json()
    assert (detail["state"], detail["queueId"]) == ("open", second["id"])
