"""What the agent console relies on, over HTTP on devhost: the change feed reports a new
assignment, a customer's new line and a reply's status change within 2 s of what caused
them, and answers 204 while nothing changed; the lists, the detail and the customer panel
match the OpenAPI document."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import schema_validator
from tests.e2e.conftest import wait_for
from tools.desk import Desk
from tools.wechat_simulator import WeChatCustomer

DEADLINE = 2.0  # seconds, from the push's acknowledgement (or the reply's 202)


def check_against_docs(openapi: dict, method: str, path: str, status: int, body) -> None:
    schema = openapi["paths"][path][method]["responses"][str(status)]["content"][
        "application/json"
    ]["schema"]
    schema_validator(openapi, schema).validate(body)


def changed_within(
    agent: httpx.Client, cursor: str, kind: str, shows: Callable[[], bool], deadline: float
) -> tuple[float, str]:
    """Poll as the console does (every 100 ms here) and refetch on each change of ``kind``,
    until what is refetched ``shows`` it → (seconds since the start, the latest cursor).
    Fails once ``deadline`` seconds have passed."""
    start = time.monotonic()
    while True:
        response = agent.get("/api/agent/changes", params={"since": cursor})
        if response.status_code == 200:
            body = response.json()
            cursor = body["cursor"]
            if kind in body["changed"] and shows():
                return time.monotonic() - start, cursor
        else:
            assert (response.status_code, response.content) == (204, b""), response.text
        assert time.monotonic() - start < deadline, f"not on the console within {deadline} s"
        time.sleep(0.1)


def settled(agent: httpx.Client, cursor: str) -> str:
    """The cursor once a poll answers 204: nothing more is on its way."""
    latest = [cursor]

    def quiet() -> bool:
        response = agent.get("/api/agent/changes", params={"since": latest[0]})
        if response.status_code == 200:
            latest[0] = response.json()["cursor"]
        return response.status_code == 204

    wait_for(quiet, what="the change feed to settle")
    return latest[0]


@pytest.fixture
def console(app, admin, wechat_api):
    """An account with a workstream and an available agent: (the account, its agent's client,
    ``push(customer, text)``)."""
    desk = Desk.open(app, wechat_api, admin)
    agent = desk.agent("Lin")
    with app.client(agent.token) as client:
        yield desk.account, client, desk.write


def current_cursor(agent: httpx.Client) -> str:
    response = agent.get("/api/agent/changes")
    assert response.status_code == 200, response.text
    return response.json()["cursor"]


def test_nothing_changed_is_204_with_no_body(console, openapi):
    _, agent, _ = console
    first = agent.get("/api/agent/changes")
    assert first.status_code == 200
    check_against_docs(openapi, "get", "/api/agent/changes", 200, first.json())
    again = agent.get("/api/agent/changes", params={"since": first.json()["cursor"]})
    assert (again.status_code, again.content) == (204, b"")
    assert agent.get("/api/agent/changes", params={"since": "not a cursor"}).status_code == 400


def test_a_push_reaches_the_console_within_2_s(console, openapi):
    account, agent, push = console
    customer = WeChatCustomer(account)
    cursor = current_cursor(agent)

    def listed() -> dict | None:
        listing = agent.get("/api/agent/conversations").json()
        mine = [c for c in listing["conversations"] if c["openId"] == customer.open_id]
        return {**mine[0], "listing": listing} if mine else None

    push(customer, "我的订单呢？")
    elapsed, cursor = changed_within(agent, cursor, "agent", lambda: bool(listed()), DEADLINE)
    print(f"new assignment on the console {elapsed:.2f} s after the push was acknowledged")
    item = listed()
    check_against_docs(openapi, "get", "/api/agent/conversations", 200, item.pop("listing"))
    assert (item["unread"], item["lastLine"]["text"]) == (1, "我的订单呢？")
    detail_path = f"/api/agent/conversations/{item['id']}"

    cursor = settled(agent, cursor)
    push(customer, "还在吗？")
    elapsed, cursor = changed_within(
        agent, cursor, "agent", lambda: listed()["unread"] == 2, DEADLINE
    )
    print(f"new customer line on the console {elapsed:.2f} s after the push was acknowledged")
    detail = agent.get(detail_path).json()
    check_against_docs(openapi, "get", "/api/agent/conversations/{id}", 200, detail)
    assert detail["lastLine"]["text"] == "还在吗？"

    cursor = settled(agent, cursor)
    reply = agent.post(f"{detail_path}/messages", json={"text": "在的"})
    assert reply.status_code == 202, reply.text

    def sent() -> bool:
        messages = agent.get(detail_path).json()["messages"]
        return [m["status"] for m in messages if m["direction"] == "out"] == ["sent"]

    elapsed, cursor = changed_within(agent, cursor, "agent", sent, DEADLINE)
    print(f"sent status on the console {elapsed:.2f} s after the reply's 202")
