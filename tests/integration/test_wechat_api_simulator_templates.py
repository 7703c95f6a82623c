"""The simulator's template messages over real HTTP (docs/protocol.md §6.3): what
``message/template/send`` refuses and answers, its daily quota, ``get_all_private_template``,
and the ``TEMPLATESENDJOBFINISH`` report it pushes to a registered account's server URL."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from shared.wechat import MessageCipher, parse_message
from shared.wechat.messages import JobFinishEvent
from tests.integration.test_wechat_api_simulator import wechat_json
from tools.wechat_simulator import SimulatedAccount, WeChatApiSimulator

SEND = "/cgi-bin/message/template/send"
LIST = "/cgi-bin/template/get_all_private_template"
CONTENT = "{{first.DATA}}\n订单号：{{keyword1.DATA}}\n状态：{{thing2.DATA}}"
CUSTOMER = "oCustomer000000000000000001"


@pytest.fixture
def account(wechat_api: WeChatApiSimulator) -> SimulatedAccount:
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    wechat_api.add_template(account.app_id, "tpl1", "订单状态", CONTENT, "例子")
    return account


@pytest.fixture
def http(wechat_api: WeChatApiSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=wechat_api.url, timeout=5) as client:
        yield client


@pytest.fixture
def token(http: httpx.Client, account: SimulatedAccount) -> str:
    return fresh_token(http, account)


def fresh_token(http: httpx.Client, account: SimulatedAccount) -> str:
    body = {
        "grant_type": "client_credential",
        "appid": account.app_id,
        "secret": account.app_secret,
    }
    return wechat_json(http.post("/cgi-bin/stable_token", json=body))["access_token"]


def send(http: httpx.Client, token: str, **changes: Any) -> dict[str, Any]:
    body = {
        "touser": CUSTOMER,
        "template_id": "tpl1",
        "data": {"keyword1": {"value": "A1"}, "thing2": {"value": "已发货"}},
        **changes,
    }
    return wechat_json(http.post(SEND, params={"access_token": token}, json=body))


def test_a_send_answers_a_msgid_and_is_kept(http, token, wechat_api, account):
    first, second = send(http, token), send(http, token)
    assert first["errcode"] == 0
    assert second["msgid"] == first["msgid"] + 1
    [kept, _] = wechat_api.templates_sent
    assert (kept.app_id, kept.touser, kept.template_id) == (account.app_id, CUSTOMER, "tpl1")


@pytest.mark.parametrize(
    ("changes", "errcode"),
    [
        ({"template_id": "nope"}, 40037),
        ({"touser": "invalid-openid"}, 40003),
        ({"data": {"keyword9": {"value": "x"}}}, 47003),
        ({"data": {"keyword1": "x"}}, 47003),
        ({"data": {"thing2": {"value": "长" * 21}}}, 47003),
        ({"data": []}, 47003),
    ],
)
def test_refusals(http, token, wechat_api, changes, errcode):
    assert send(http, token, **changes)["errcode"] == errcode
    assert wechat_api.templates_sent == []


def test_unfollowed_and_refusing_customers(http, token, wechat_api, account):
    wechat_api.unfollow(account.app_id, CUSTOMER)
    assert send(http, token)["errcode"] == 43004
    wechat_api.follow(account.app_id, CUSTOMER)
    wechat_api.refuse_templates(account.app_id, CUSTOMER)
    assert send(http, token)["errcode"] == 43101


def test_no_reply_window_is_needed_but_the_daily_quota_counts(http, token, wechat_api):
    wechat_api.template_quota = 2
    assert [send(http, token)["errcode"] for _ in range(3)] == [0, 0, 45009]
    assert len(wechat_api.templates_sent) == 2


def test_the_quota_is_per_china_day(http, token, wechat_api, clock, account):
    wechat_api.template_quota = 1
    assert send(http, token)["errcode"] == 0
    assert send(http, token)["errcode"] == 45009
    clock.advance(24 * 3600)
    assert send(http, fresh_token(http, account))["errcode"] == 0


def test_the_private_templates_are_listed(http, token):
    answer = wechat_json(http.get(LIST, params={"access_token": token}))
    [listed] = answer["template_list"]
    assert listed["template_id"] == "tpl1"
    assert listed["content"] == CONTENT
    assert {"title", "primary_industry", "deputy_industry", "example"} <= listed.keys()


class _Receiver(BaseHTTPRequestHandler):
    pushes: list[tuple[dict[str, list[str]], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).pushes.append((parse_qs(urlsplit(self.path).query), body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"success")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_registered_account_gets_the_job_report(http, wechat_api):
    account = SimulatedAccount.random()
    _Receiver.pushes = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/api/wechat/x"
        wechat_api.register_account(account, server_url=url, mode="safe")
        wechat_api.add_template(account.app_id, "tpl1", "订单状态", CONTENT)
        wechat_api.refuse_templates(account.app_id, CUSTOMER, at_delivery=True)
        token = fresh_token(http, account)
        msg_id = send(http, token)["msgid"]
        deadline = threading.Event()
        for _ in range(50):
            if _Receiver.pushes:
                break
            deadline.wait(0.1)
        [(query, xml)] = _Receiver.pushes
    finally:
        server.shutdown()
        server.server_close()
    assert query["encrypt_type"] == ["aes"]
    found = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>", xml.decode())
    assert found, xml
    encrypted = found.group(1)
    inner = MessageCipher(account.encoding_aes_key, account.app_id).decrypt(encrypted)
    report = parse_message(inner)
    assert isinstance(report, JobFinishEvent)
    assert (report.msg_id, report.status) == (msg_id, "failed:user block")
    assert report.from_user_name == CUSTOMER
