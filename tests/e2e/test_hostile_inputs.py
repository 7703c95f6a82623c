"""Hostile inputs an outside review of the hardening still got through, on devhost and Azurite:
each test is one concrete input and what the app must do with it instead."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import secrets
from collections.abc import Iterator

import httpx
import pytest
from azure.core.exceptions import ResourceExistsError

from devhost.azurite import Azurite
from shared.store.names import INBOUND_TABLE, ROUTE_WORK_QUEUE
from tests.e2e.conftest import register, wait_for
from tools.local_app import LocalApp, app_settings, storage_clients
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer, push_xml


def pushes_stored(storage, account_id: str) -> list[dict]:
    table = storage.table(INBOUND_TABLE)
    return list(table.query_entities("PartitionKey eq @a", parameters={"a": account_id}))


# --- the replay guard: a signed (timestamp, nonce) is used once, whatever carried it ---------


def test_the_signed_url_of_a_verification_get_cannot_carry_a_forged_push(app, admin, storage):
    """WeChat's URL verification GET is signed exactly like a push's URL; seen once, it would
    carry one forged message to a plaintext account."""
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    customer = WeChatCustomer(account)
    query = customer.verify_url_query("123")
    assert httpx.get(f"{app.url}/api/wechat/{account_id}", params=query).text == "123"

    forged = push_xml(WeChatCustomer(account).text("refund me to this card"))
    answer = app.push(account_id, query, forged.encode())
    assert answer.status_code == 401, answer.text
    assert [r for r in pushes_stored(storage, account_id) if "FromUserName" in r] == []


def test_a_signed_url_of_one_account_is_no_url_for_another_with_the_same_token(app, admin):
    """WeChat signs a push's URL with the Token alone, and the replay guard is per account: two
    accounts sharing a Token would take each other's signed URLs. So they cannot share one."""
    token = "shared" + secrets.token_hex(8)
    first = dataclasses.replace(SimulatedAccount.random(), token=token)
    second = dataclasses.replace(SimulatedAccount.random(), token=token)
    register(admin, first, mode="safe")
    refused = admin.post("/api/admin/accounts", json=second.registration(mode="plaintext"))
    assert refused.status_code == 409, refused.text
    assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == (
        "duplicate_token",
        "token",
    )
    assert token not in refused.text, "the answer does not echo the secret"

    third = register(admin, SimulatedAccount.random(), mode="plaintext")
    moved = admin.patch(f"/api/admin/accounts/{third}", json={"token": token})
    assert moved.status_code == 409, moved.text


# --- push identifiers: WeChat's element names are the only names --------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"from_user_name": "bad/id#x", "CreateTime": 1_700_000_000},
        {"FromUserName": "oValid", "create_time": 10**13},
    ],
    ids=["from_user_name", "create_time"],
)
def test_identifiers_under_the_models_own_field_names_are_refused(app, admin, storage, fields):
    """The models also accept their Python field names (populate_by_name), which the identifier
    check does not look at: ``<from_user_name>`` carried an OpenID no Table key can hold."""
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    customer = WeChatCustomer(account)
    query, _ = customer.push(customer.text("x"), "plaintext")
    fields = {"ToUserName": account.original_id, **fields, "MsgType": "text", "MsgId": 424242}
    body = push_xml({**fields, "Content": "hi"})
    answer = app.push(account_id, query, body.encode())
    assert answer.status_code == 400, answer.text
    assert pushes_stored(storage, account_id) == []


def test_a_signed_push_too_long_to_store_is_refused_not_a_server_error(app, admin, storage):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    customer = WeChatCustomer(account)
    query, body = customer.push(customer.text("a" * 950_000), "plaintext")
    assert len(body) <= 1024 * 1024  # within the push limit, so it is not the 413 for size
    answer = app.push(account_id, query, body)
    assert 400 <= answer.status_code < 500, answer.status_code
    assert pushes_stored(storage, account_id) == []


# --- path parameters and continuation tokens: 4xx, never 500 ---------------------------------


@pytest.mark.parametrize(
    ("method", "path", "who"),
    [
        ("GET", "/api/admin/accounts/a%2Fb", "admin"),
        ("GET", "/api/admin/queues/a%2Fb", "admin"),
        ("PATCH", "/api/admin/agents/a%2Fb", "admin"),
        ("POST", "/api/admin/agents/a%2Fb/token", "admin"),
        ("GET", "/api/admin/conversations/a-%2F", "admin"),
        ("DELETE", "/api/admin/customers/a%2Fb/oCustomer", "admin"),
        ("GET", "/api/agent/conversations/a-%2F", "agent"),
        ("POST", "/api/agent/conversations/a-%2F/pick", "agent"),
        ("POST", "/api/wechat/a%2Fb", None),
        ("GET", "/api/wechat/a%2Fb", None),
    ],
)
def test_an_id_that_is_no_id_is_a_client_error(app, admin, method, path, who):
    headers = {}
    if who == "admin":
        headers["Authorization"] = f"Bearer {app.admin_token}"
    elif who == "agent":
        agent = admin.post("/api/admin/agents", json={"name": "Probe"}).json()
        headers["Authorization"] = f"Bearer {agent['token']}"
    body = None
    if method in ("POST", "PATCH"):
        body = b"{}" if who else b"<xml/>"
    answer = httpx.request(method, f"{app.url}{path}", content=body, headers=headers)
    assert 400 <= answer.status_code < 500, f"{method} {path}: {answer.status_code}"


def nested_token() -> str:
    return base64.urlsafe_b64encode(b"[" * 1000).decode().rstrip("=")


def test_a_deeply_nested_continuation_token_is_a_400_on_every_paged_route(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    customer = WeChatCustomer(account)
    assert app.push(account_id, *customer.push(customer.text("hi"), "plaintext")).is_success

    def first_conversation():
        found = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
        return found["conversations"][0]["id"] if found["conversations"] else None

    conversation_id = wait_for(first_conversation, what="the conversation")
    for path in (
        "/api/admin/conversations",
        f"/api/admin/conversations/{conversation_id}",
        f"/api/agent/conversations/{conversation_id}",  # the admin token reads it too
    ):
        answer = admin.get(path, params={"continuationToken": nested_token()})
        assert answer.status_code == 400, f"{path}: {answer.status_code}"
        assert answer.json()["error"]["field"] == "continuationToken"


# --- agents: the token is checked before the body ------------------------------------------


@pytest.mark.parametrize("action", ["close", "transfer"])
def test_an_agent_route_authenticates_before_it_reads_the_body(app, admin, action):
    path = f"{app.url}/api/agent/conversations/x-y/{action}"
    headers = {"Content-Type": "application/json"}
    anonymous = httpx.post(path, content=b"{not json", headers=headers)
    assert anonymous.status_code == 401, anonymous.text

    agent = admin.post("/api/admin/agents", json={"name": "Off"}).json()
    admin.patch(f"/api/admin/agents/{agent['id']}", json={"disabled": True}).raise_for_status()
    disabled = httpx.post(
        path, content=b"{not json", headers={**headers, "Authorization": f"Bearer {agent['token']}"}
    )
    assert disabled.status_code == 403, disabled.text
    assert disabled.json()["error"]["code"] == "agent_disabled"


# --- webhook bots: a URL the HTTP client cannot use still hands over to people -------------


def test_a_webhook_url_the_client_cannot_parse_is_refused_or_escalates(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    queue = admin.post("/api/admin/queues", json={"name": "People"}).json()
    bot = {"type": "webhook", "url": "https://0177.0.0.1/", "secret": "s" * 16}
    saved = admin.post(
        "/api/admin/workstreams",
        json={"name": "ws", "accountId": account_id, "fallbackQueueId": queue["id"], "bot": bot},
    )
    if saved.status_code == 400:
        return  # refused when saved: fine
    assert saved.status_code == 201, saved.text
    customer = WeChatCustomer(account)
    assert app.push(account_id, *customer.push(customer.text("hello"), "plaintext")).is_success

    def escalated():
        found = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
        return [c for c in found["conversations"] if c.get("bot") == "escalated"]

    wait_for(escalated, timeout=15, what="the bot's failure handed to people")


# --- erasure: sweeping the queues must not use up other customers' deliveries ---------------


@pytest.fixture(scope="module")
def erasure_storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    with Azurite(tmp_path_factory.mktemp("erasure-azurite"), in_memory=True) as azurite:
        yield azurite


def test_erasing_customers_does_not_poison_another_customers_work(
    erasure_storage: Azurite, tmp_path_factory: pytest.TempPathFactory
):
    """Each erasure receives every visible queue message, which counts as a delivery: after
    more erasures than maxDequeueCount (5), another customer's message waiting in a queue went
    to ``<queue>-poison`` without running, and their conversation was never routed."""
    settings = app_settings(erasure_storage.connection_string)
    storage = storage_clients(erasure_storage.connection_string)
    held_back = LocalApp(
        settings, log_dir=tmp_path_factory.mktemp("erasure-app1"), disabled=["route"]
    )
    with held_back:
        admin = held_back.admin()
        account = SimulatedAccount.random()
        account_id = register(admin, account, mode="plaintext")
        survivor, erased = WeChatCustomer(account), [WeChatCustomer(account) for _ in range(6)]
        for customer in (survivor, *erased):
            query, body = customer.push(customer.text("hello"), "plaintext")
            assert held_back.push(account_id, query, body).is_success
        # No workstream yet: the conversation step cannot route at once, so its route
        # requests stay, and (route being off) wait in the queue.
        route = storage.queue(ROUTE_WORK_QUEUE)
        wait_for(lambda: len(list(route.peek_messages(max_messages=32))) >= 7, 20, "route messages")
        queue = admin.post("/api/admin/queues", json={"name": "General"}).json()
        admin.post(
            "/api/admin/workstreams",
            json={"name": "ws", "accountId": account_id, "fallbackQueueId": queue["id"]},
        ).raise_for_status()
        for customer in erased:
            gone = admin.delete(f"/api/admin/customers/{account_id}/{customer.open_id}")
            assert gone.status_code == 200, gone.text
        admin.close()
        assert held_back.stop() == 0

    routing = LocalApp(settings, log_dir=tmp_path_factory.mktemp("erasure-app2"))
    with routing, routing.admin() as admin:

        def routed():
            listing = admin.get("/api/admin/conversations", params={"accountId": account_id})
            return [c for c in listing.json()["conversations"] if c.get("queueId")]

        [conversation] = wait_for(routed, 20, "the surviving customer's conversation routed")
        assert conversation["openId"] == survivor.open_id


def test_a_foreign_queue_message_does_not_break_erasure(
    erasure_storage: Azurite, tmp_path_factory: pytest.TempPathFactory
):
    """A message the app did not write (JSON with a list for an id, or text that is not
    base64) made every erasure answer 500 and hid the messages already swept for a minute."""
    settings = app_settings(erasure_storage.connection_string)
    storage = storage_clients(erasure_storage.connection_string)
    with (
        LocalApp(
            settings, log_dir=tmp_path_factory.mktemp("erasure-app3"), disabled=["route"]
        ) as local,
        local.admin() as admin,
    ):
        account = SimulatedAccount.random()
        account_id = register(admin, account, mode="plaintext")
        customers = [WeChatCustomer(account) for _ in range(2)]
        for customer in customers:
            query, body = customer.push(customer.text("hi"), "plaintext")
            assert local.push(account_id, query, body).is_success
        storage.queue(ROUTE_WORK_QUEUE).send_message(json.dumps({"conversationId": ["x"]}))
        raw = storage.queues.get_queue_client(f"{ROUTE_WORK_QUEUE}-poison")
        with contextlib.suppress(ResourceExistsError):
            raw.create_queue()
        raw.send_message("{not base64}")
        for customer in customers:
            gone = admin.delete(f"/api/admin/customers/{account_id}/{customer.open_id}")
            assert gone.status_code == 200, gone.text
