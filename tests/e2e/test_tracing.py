"""One push traced end to end under devhost with TELEMETRY_FILE: the callback, the inbound
step it queued, the routing and assignment, and the agent's reply out to WeChat (the API
simulator), read back from the file; and no secret in any log or telemetry line of the run."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from devhost.azurite import Azurite
from shared.store import StorageClients
from shared.store.names import INBOUND_WORK_QUEUE
from tests.e2e.conftest import register, wait_for
from tools.local_app import LocalApp, app_settings, storage_clients
from tools.wechat_simulator import SimulatedAccount, WeChatApiSimulator, WeChatCustomer

Line = dict[str, Any]


@dataclass
class TracedRun:
    app: LocalApp
    storage: StorageClients
    account: SimulatedAccount
    account_id: str
    agent_token: str
    push_query: dict[str, str]
    access_token: str
    conversation_id: str
    message_key: str
    reply_key: str


def spans(app: LocalApp) -> list[Line]:
    return [line for line in app.telemetry() if line["kind"] == "span"]


def named(lines: list[Line], name: str) -> list[Line]:
    return [line for line in lines if line["name"] == name]


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TracedRun]:
    """A customer's push and an agent's reply, on an app of their own: on a shared Azurite
    another devhost could take the messages, and their spans would go to its file."""
    logs = tmp_path_factory.mktemp("traced-app")
    with (
        Azurite(tmp_path_factory.mktemp("traced-azurite"), in_memory=True) as azurite,
        WeChatApiSimulator() as wechat,
    ):
        settings = app_settings(azurite.connection_string, WECHAT_API_BASE_URL=wechat.url)
        app = LocalApp(settings, log_dir=logs, telemetry_file=logs / "telemetry.jsonl")
        with app:
            account = SimulatedAccount.random()
            wechat.add_account(account.app_id, account.app_secret)
            with app.admin() as admin:
                account_id = register(admin, account, mode="safe")
                queue = admin.post("/api/admin/queues", json={"name": "Service"}).json()
                admin.post(
                    "/api/admin/workstreams",
                    json={"name": "ws", "accountId": account_id, "fallbackQueueId": queue["id"]},
                ).raise_for_status()
                agent = admin.post(
                    "/api/admin/agents", json={"name": "Lin", "queueIds": [queue["id"]]}
                ).json()
            with app.client(agent["token"]) as desk:
                desk.put("/api/agent/presence", json={"presence": "available"}).raise_for_status()
                customer = WeChatCustomer(account)
                wechat.customer_wrote(account.app_id, customer.open_id)
                query, body = customer.push(customer.text("我的订单呢？"), "safe")
                answer = app.push(account_id, query, body)
                assert (answer.status_code, answer.text) == (200, "success")
                app.push(account_id, query, body).raise_for_status()  # WeChat's retry

                def assigned() -> str | None:
                    listed = desk.get("/api/agent/conversations").json()["conversations"]
                    return next((c["id"] for c in listed if c["openId"] == customer.open_id), None)

                conversation_id = wait_for(assigned, what="the conversation to reach the agent")
                sent = desk.post(
                    f"/api/agent/conversations/{conversation_id}/messages",
                    json={"text": "马上为您查询"},
                )
                assert sent.status_code == 202, sent.text
                (reply,) = wechat.wait_for_sent(1, timeout=20)
                callback = wait_for(
                    lambda: named(spans(app), "wechat callback"), what="the callback's span"
                )
                run = TracedRun(
                    app=app,
                    storage=storage_clients(azurite.connection_string),
                    account=account,
                    account_id=account_id,
                    agent_token=agent["token"],
                    push_query=query,
                    access_token=reply.access_token,
                    conversation_id=conversation_id,
                    message_key=callback[0]["attributes"]["messageKey"],
                    reply_key=sent.json()["id"],
                )
                wait_for(
                    lambda: named(spans(app), "outbound step"), what="the outbound step's span"
                )
                yield run
            assert app.stop() == 0, app.output()


def test_the_push_is_one_trace_across_the_queue_hops(traced: TracedRun):
    # WeChat's retry is a second callback, and trace, for the same push: whichever inbound step
    # files the push first routes and assigns it. Spans are written in batches: read until the
    # trace that routed it is complete.
    def routed_trace() -> tuple[Line, list[Line], list[Line]] | None:
        lines = spans(traced.app)
        for callback in named(lines, "wechat callback"):
            if callback["attributes"].get("messageKey") != traced.message_key:
                continue
            trace = [span for span in lines if span["traceId"] == callback["traceId"]]
            if {"route", "assign"} <= {span["name"] for span in trace}:
                return callback, trace, lines
        return None

    callback, trace, lines = wait_for(routed_trace, what="the trace that routed the push")
    by_id = {span["spanId"]: span for span in trace}
    shape = [(s["name"], s["spanId"], s["parentSpanId"]) for s in trace]

    # devhost's request span (the host's, in Azure) is the root; the callback is its child.
    request = by_id[callback["parentSpanId"]]
    assert (request["name"], request["spanKind"], request["parentSpanId"]) == (
        "Functions.wechat_callback",
        "SERVER",
        None,
    )
    assert callback["attributes"]["accountId"] == traced.account_id
    assert not {"url.full", "url.query"} & request["attributes"].keys()

    # The inbound step continues the callback's trace through the queue message.
    (inbound,) = [
        s for s in named(trace, "inbound step") if s["parentSpanId"] == callback["spanId"]
    ]
    assert inbound["spanKind"] == "CONSUMER"
    assert inbound["attributes"] == {
        "messaging.destination.name": INBOUND_WORK_QUEUE,
        "messaging.message.id": inbound["attributes"]["messaging.message.id"],
        "accountId": traced.account_id,
        "messageKey": traced.message_key,
        "conversationId": traced.conversation_id,
    }
    # ... and links the invocation span devhost made for it, in a trace of its own.
    (link,) = inbound["links"]
    invocation = next(span for span in lines if span["spanId"] == link["spanId"])
    assert (invocation["name"], invocation["spanKind"]) == ("Functions.inbound", "CONSUMER")

    # Routing and assigning sit below the inbound step: inline as its children, or in the
    # route and assign steps it queued, should the inline attempt not have done the work.
    def below_inbound(span: Line) -> bool:
        while span["parentSpanId"] in by_id:
            span = by_id[span["parentSpanId"]]
            if span["spanId"] == inbound["spanId"]:
                return True
        return False

    (route, *_) = named(trace, "route")
    (assign, *_) = named(trace, "assign")
    assert below_inbound(route), shape
    assert below_inbound(assign), shape
    assert route["attributes"]["conversationId"] == traced.conversation_id
    # One trace: every span but the root has its parent in it.
    assert [s["name"] for s in trace if s["parentSpanId"] not in by_id] == [request["name"]], shape
    for span in trace:
        assert span["status"] != "ERROR", span


def test_the_agents_reply_goes_out_in_the_trace_of_the_agents_request(traced: TracedRun):
    lines = spans(traced.app)
    (request,) = named(lines, "Functions.agent_send")
    steps = [s for s in named(lines, "outbound step") if s["traceId"] == request["traceId"]]
    assert steps, "the outbound step did not continue the agent's request"
    assert steps[0]["parentSpanId"] == request["spanId"]
    assert steps[0]["attributes"]["conversationId"] == traced.conversation_id
    assert steps[0]["attributes"]["accountId"] == traced.account_id
    assert steps[0]["attributes"]["messageKey"] == traced.reply_key  # the line it sent


def test_the_callbacks_log_lines_carry_account_and_message(traced: TracedRun):
    retry = wait_for(
        lambda: [
            line
            for line in traced.app.telemetry()
            if line["kind"] == "log" and "was a retry" in line["message"]
        ],
        what="the retry's log line",
    )
    assert retry[0]["attributes"] == {
        "accountId": traced.account_id,
        "messageKey": traced.message_key,
    }
    assert retry[0]["traceId"] is not None


def test_a_steps_log_lines_carry_the_items_dimensions_and_trace(traced: TracedRun):
    """A message for a push that is gone (erased, say): the inbound step logs it, and the line
    has the item's account and key and the trace of the message's traceparent."""
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    item = {
        "traceparent": f"00-{trace_id}-{parent_id}-01",
        "accountId": traced.account_id,
        "key": "gone-push",
    }
    body = base64.b64encode(json.dumps(item).encode()).decode()
    # The raw client: the app's own encodes to base64 as it sends.
    traced.storage.queues.get_queue_client(INBOUND_WORK_QUEUE).send_message(body)

    def logged() -> list[Line]:
        return [
            line
            for line in traced.app.telemetry()
            if line["kind"] == "log" and "gone-push" in line["message"]
        ]

    (line,) = wait_for(logged, what="the inbound step's warning")
    assert line["logger"] == "shared.pipeline.inbound"
    assert line["attributes"] == {"accountId": traced.account_id, "messageKey": "gone-push"}
    assert line["traceId"] == trace_id
    step = wait_for(
        lambda: [s for s in named(spans(traced.app), "inbound step") if s["traceId"] == trace_id],
        what="the step's span",
    )
    assert step[0]["parentSpanId"] == parent_id


def test_a_requests_traceparent_header_is_the_parent_of_its_span(traced: TracedRun):
    """As on the host: a caller that traces (a front end, a test) carries its trace in."""
    trace_id, parent_id = "5bf92f3577b34da6a3ce929d0e0e4736", "10f067aa0ba902b7"
    answer = httpx.get(
        f"{traced.app.url}/api/health", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"}
    )
    assert answer.status_code == 200

    def health_spans() -> list[Line]:
        return [s for s in named(spans(traced.app), "Functions.health") if s["traceId"] == trace_id]

    (span,) = wait_for(health_spans, what="the health request's span")
    assert (span["parentSpanId"], span["spanKind"]) == (parent_id, "SERVER")


def test_no_secret_reaches_a_log_or_telemetry_line(traced: TracedRun):
    time.sleep(2.5)  # a metrics collection (every 2 s) after everything above
    secrets = {
        "AppSecret": traced.account.app_secret,
        "Token": traced.account.token,
        "EncodingAESKey": traced.account.encoding_aes_key,
        "access token": traced.access_token,
        "agent bearer token": traced.agent_token,
        "admin token": traced.app.admin_token,
        "signature": traced.push_query["signature"],
        "msg_signature": traced.push_query["msg_signature"],
    }
    assert traced.app.telemetry_file is not None
    texts = {
        "devhost output": traced.app.output(),
        "telemetry file": Path(traced.app.telemetry_file).read_text("utf-8"),
    }
    assert '"kind":"span"' in texts["telemetry file"]
    assert "Executed 'Functions.wechat_callback'" in texts["devhost output"]
    for where, text in texts.items():
        for what, value in secrets.items():
            assert value, what
            assert value not in text, f"the {what} is in the {where}"


def test_with_split_processes_both_write_their_spans_to_the_file(tmp_path):
    """``devhost --split`` (as on Flex Consumption): the callback in one process, the steps in
    the other, one file and one trace."""
    with (
        Azurite(tmp_path / "azurite", in_memory=True) as azurite,
        WeChatApiSimulator() as wechat,
    ):
        settings = app_settings(azurite.connection_string, WECHAT_API_BASE_URL=wechat.url)
        telemetry_file = tmp_path / "telemetry.jsonl"
        app = LocalApp(settings, log_dir=tmp_path, split=True, telemetry_file=telemetry_file)
        with app:
            account = SimulatedAccount.random()
            with app.admin() as admin:
                account_id = register(admin, account, mode="plaintext")
            customer = WeChatCustomer(account)
            app.push(account_id, *customer.push(customer.text("hi"), "plaintext"))
            (callback,) = wait_for(
                lambda: named(spans(app), "wechat callback"), what="the callback's span"
            )
            (step,) = wait_for(
                lambda: named(spans(app), "inbound step"), what="the inbound step's span"
            )
            assert step["traceId"] == callback["traceId"]
            assert step["parentSpanId"] == callback["spanId"]
            assert app.stop() == 0, app.output()
