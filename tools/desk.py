"""A contact center for the browser tests and benchmarks: a WeChat account (in the app and in
the WeChat API simulator), two queues, a workstream and agents, made through the admin API;
customers who write to it as WeChat pushes their messages; and an agent signing in to the
console."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tools.local_app import LocalApp, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatApiSimulator, WeChatCustomer


@dataclass
class DeskAgent:
    id: str
    name: str
    token: str


@dataclass
class Desk:
    app: LocalApp
    wechat_api: WeChatApiSimulator
    admin: httpx.Client
    account: SimulatedAccount
    account_id: str
    queue_id: str
    other_queue_id: str
    other_queue_name: str
    workstream_id: str
    server_url: str
    agents: list[DeskAgent] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        app: LocalApp,
        wechat_api: WeChatApiSimulator,
        admin: httpx.Client,
        **workstream: Any,
    ) -> Desk:
        """A fresh account routed to queue "Front desk" (with "Returns" beside it)."""
        account = SimulatedAccount.random()
        wechat_api.add_account(account.app_id, account.app_secret)
        suffix = secrets.token_hex(3)
        created = admin.post(
            "/api/admin/accounts",
            json=account.registration(name=f"Shop {suffix}", mode="safe"),
        )
        assert created.status_code == 201, created.text
        queues = [
            _created(admin.post("/api/admin/queues", json={"name": f"{name} {suffix}"}))
            for name in ("Front desk", "Returns")
        ]
        stream = _created(
            admin.post(
                "/api/admin/workstreams",
                json={
                    "name": f"Shop {suffix} on WeChat",
                    "accountId": created.json()["id"],
                    "fallbackQueueId": queues[0]["id"],
                    **workstream,
                },
            )
        )
        return cls(
            app,
            wechat_api,
            admin,
            account,
            created.json()["id"],
            queues[0]["id"],
            queues[1]["id"],
            queues[1]["name"],
            stream["id"],
            created.json()["callback"]["serverUrl"],
        )

    def agent(
        self, name: str, *, presence: str = "available", capacity: int = 3, queue: str = ""
    ) -> DeskAgent:
        """An agent in the front desk queue (or ``queue``), at ``presence``."""
        created = _created(
            self.admin.post(
                "/api/admin/agents",
                json={
                    "name": name,
                    "queueIds": [queue or self.queue_id],
                    "capacity": capacity,
                },
            )
        )
        agent = DeskAgent(created["id"], name, created["token"])
        if presence != "offline":
            with self.app.client(agent.token) as client:
                client.put("/api/agent/presence", json={"presence": presence}).raise_for_status()
        self.agents.append(agent)
        return agent

    def customer(self) -> WeChatCustomer:
        return WeChatCustomer(self.account)

    def write(self, customer: WeChatCustomer, text: str) -> float:
        """The customer writes ``text``; WeChat pushes it → when the app acknowledged it
        (``time.monotonic()``)."""
        return self.push(customer, customer.text(text))

    def push(self, customer: WeChatCustomer, fields: dict[str, Any]) -> float:
        self.wechat_api.customer_wrote(self.account.app_id, customer.open_id)
        answer = self.app.push(self.account_id, *customer.push(fields, "safe"))
        acknowledged = time.monotonic()
        assert answer.status_code == 200, answer.text
        return acknowledged

    def conversation_of(self, agent: DeskAgent, customer: WeChatCustomer) -> dict[str, Any]:
        """The agent's conversation with ``customer``, once it is assigned to them."""

        def listed() -> dict[str, Any] | None:
            with self.app.client(agent.token) as client:
                items = client.get("/api/agent/conversations").json()["conversations"]
            return next((item for item in items if item["openId"] == customer.open_id), None)

        return wait_for(listed, 20, f"{customer.open_id}'s conversation to reach {agent.name}")

    def sent_to(self, customer: WeChatCustomer) -> list[dict[str, Any]]:
        """The bodies of every customer-service message WeChat accepted for ``customer``."""
        return [sent.body for sent in self.wechat_api.sent if sent.touser == customer.open_id]


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()


SIGN_IN_LABELS = {
    "en": ("Access token", "Sign in", "Sign out"),
    "zh-CN": ("访问令牌", "登录", "退出登录"),
}
"""The sign-in page's field and buttons, as the console's message catalogue words them."""


def sign_in(page: Page, token: str, language: str = "en") -> None:
    """Sign in on the console's page (shown in ``language``) and wait for the workspace."""
    field, submit, sign_out = SIGN_IN_LABELS[language]
    page.get_by_label(field).fill(token)
    page.get_by_role("button", name=submit, exact=True).click()
    expect(page.get_by_role("button", name=sign_out)).to_be_visible()
