"""The WeChat API simulator, driven over real HTTP as our WeChat client sees it.

Each rule checked here is one our app depends on (docs/protocol.md §6.2, §7–§11): if the simulator
drifted from WeChat, tests of the app against it would prove nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.clock import Clock
from tools.wechat_simulator import SentMessage, SimulatedAccount, WeChatApiSimulator

APP_ID = "wx1234567890abcdef"
SECRET = "0123456789abcdef0123456789abcdef"
OTHER_APP_ID = "wxfedcba0987654321"
OTHER_SECRET = "fedcba9876543210fedcba9876543210"
CUSTOMER = "oCustomer000000000000000001"
SEND = "/cgi-bin/message/custom/send"
TYPING = "/cgi-bin/message/custom/typing"
IPS = "/cgi-bin/getcallbackip"
ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


@pytest.fixture
def sim(wechat_api: WeChatApiSimulator) -> WeChatApiSimulator:
    """The conftest's simulator (on the test's clock) with two accounts."""
    wechat_api.add_account(APP_ID, SECRET)
    wechat_api.add_account(OTHER_APP_ID, OTHER_SECRET)
    return wechat_api


@pytest.fixture
def http(sim: WeChatApiSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url, timeout=5) as client:
        yield client


@pytest.fixture
def token(http: httpx.Client) -> str:
    return classic_token(http)


def wechat_json(response: httpx.Response) -> dict[str, Any]:
    """WeChat answers 200 with UTF-8 JSON, errors included (docs/protocol.md §11)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def errcode(response: httpx.Response) -> int:
    return wechat_json(response).get("errcode", 0)


def classic_token(http: httpx.Client, app_id: str = APP_ID, secret: str = SECRET) -> str:
    body = wechat_json(
        http.get(
            "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": app_id, "secret": secret},
        )
    )
    assert body["expires_in"] == 7200
    return body["access_token"]


def stable_token(http: httpx.Client, *, force_refresh: bool = False) -> dict[str, Any]:
    return wechat_json(
        http.post(
            "/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": APP_ID,
                "secret": SECRET,
                "force_refresh": force_refresh,
            },
        )
    )


def check(http: httpx.Client, token: str) -> int:
    """The errcode a cheap call with ``token`` gets."""
    return errcode(http.get(IPS, params={"access_token": token}))


def send(http: httpx.Client, token: str, message: dict[str, Any]) -> int:
    return errcode(http.post(SEND, params={"access_token": token}, json=message))


def text(content: str = "您好", touser: str = CUSTOMER, **extra: Any) -> dict[str, Any]:
    return {"touser": touser, "msgtype": "text", "text": {"content": content}, **extra}


def upload(
    http: httpx.Client,
    token: str,
    kind: str,
    filename: str,
    content: bytes,
    content_type: str,
) -> httpx.Response:
    return http.post(
        "/cgi-bin/media/upload",
        params={"access_token": token, "type": kind},
        files={"media": (filename, content, content_type)},
    )


def get_media(http: httpx.Client, token: str, media_id: str) -> httpx.Response:
    return http.get("/cgi-bin/media/get", params={"access_token": token, "media_id": media_id})


# --- access tokens (docs/protocol.md §7) ----------------------------------------------------------


def test_each_token_call_issues_a_new_token_and_the_old_one_works_five_more_minutes(
    http: httpx.Client, clock: Clock
) -> None:
    first = classic_token(http)
    second = classic_token(http)
    assert first != second
    assert len(first) >= 100
    clock.advance(299)
    assert check(http, first) == 0
    clock.advance(1)
    assert check(http, first) == 40001
    assert check(http, second) == 0


def test_a_token_expires_after_its_lifetime(http: httpx.Client, clock: Clock) -> None:
    token = classic_token(http)
    clock.advance(7199)
    assert check(http, token) == 0
    clock.advance(1)
    assert check(http, token) == 42001


def test_token_lifetime_is_configurable(clock: Clock) -> None:
    with WeChatApiSimulator(clock=clock, token_lifetime=600) as sim:
        sim.add_account(APP_ID, SECRET)
        body = wechat_json(
            httpx.get(
                f"{sim.url}/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": APP_ID, "secret": SECRET},
            )
        )
    assert body["expires_in"] == 600


def test_stable_token_is_the_same_until_five_minutes_are_left(
    http: httpx.Client, clock: Clock
) -> None:
    first = stable_token(http)
    assert first["expires_in"] == 7200
    clock.advance(1000)
    again = stable_token(http)
    assert again == {"access_token": first["access_token"], "expires_in": 6200}
    clock.advance(6200 - 301)
    assert stable_token(http)["access_token"] == first["access_token"]
    clock.advance(1)
    rotated = stable_token(http)
    assert rotated["access_token"] != first["access_token"]
    assert rotated["expires_in"] == 7200
    clock.advance(299)
    assert check(http, first["access_token"]) == 0
    clock.advance(1)
    assert check(http, first["access_token"]) == 42001
    assert check(http, rotated["access_token"]) == 0


def test_stable_token_force_refresh_replaces_it_at_once(http: httpx.Client) -> None:
    first = stable_token(http)["access_token"]
    forced = stable_token(http, force_refresh=True)
    assert forced["access_token"] != first
    assert forced["expires_in"] == 7200
    assert check(http, first) == 40001
    assert check(http, forced["access_token"]) == 0
    assert stable_token(http)["access_token"] == forced["access_token"]


def test_the_two_token_apis_are_independent(http: httpx.Client, clock: Clock) -> None:
    stable = stable_token(http)["access_token"]
    classic = classic_token(http)
    classic_token(http)
    clock.advance(600)
    assert check(http, stable) == 0
    assert check(http, classic) == 40001
    assert stable_token(http)["access_token"] == stable


@pytest.mark.parametrize(
    ("appid", "secret", "grant_type", "expected"),
    [
        (APP_ID, "wrong", "client_credential", 40001),
        ("wx0000000000000000", SECRET, "client_credential", 40013),
        (APP_ID, SECRET, "password", 40002),
        ("", SECRET, "client_credential", 41002),
        (APP_ID, "", "client_credential", 41004),
    ],
)
@pytest.mark.parametrize("api", ["token", "stable_token"])
def test_token_apis_refuse_bad_credentials(
    http: httpx.Client,
    sim: WeChatApiSimulator,
    api: str,
    appid: str,
    secret: str,
    grant_type: str,
    expected: int,
) -> None:
    credentials = {"grant_type": grant_type, "appid": appid, "secret": secret}
    if api == "token":
        response = http.get("/cgi-bin/token", params=credentials)
    else:
        response = http.post("/cgi-bin/stable_token", json=credentials)
    body = wechat_json(response)
    assert body["errcode"] == expected
    assert "rid: " in body["errmsg"]
    assert "access_token" not in body
    assert sim.token_fetches == 0


def test_calls_without_a_valid_token_are_refused(http: httpx.Client) -> None:
    assert errcode(http.get(IPS)) == 41001
    assert check(http, "not-a-token") == 40014


def test_token_fetches_are_counted_per_api(
    http: httpx.Client, sim: WeChatApiSimulator, clock: Clock
) -> None:
    classic_token(http)
    classic_token(http)
    stable_token(http)
    stable_token(http)
    stable_token(http)
    http.get("/cgi-bin/token", params={"grant_type": "client_credential", "appid": APP_ID})
    assert sim.token_fetches == 5
    assert sim.token_fetches_by_api == {"/cgi-bin/token": 2, "/cgi-bin/stable_token": 3}
    assert sim.calls("/cgi-bin/token") == 3


# --- customer-service messages (docs/protocol.md §6.2) --------------------------------------------


def test_an_accepted_message_is_recorded(
    http: httpx.Client, sim: WeChatApiSimulator, token: str, clock: Clock
) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    message = text("客服小王为您服务", customservice={"kf_account": "wang@kftest"})
    before = time.monotonic()
    assert wechat_json(http.post(SEND, params={"access_token": token}, json=message)) == {
        "errcode": 0,
        "errmsg": "ok",
    }
    [sent] = sim.wait_for_sent(1, timeout=1)
    assert sent == SentMessage(
        app_id=APP_ID,
        touser=CUSTOMER,
        msgtype="text",
        body=message,
        access_token=token,
        received_at=clock.now,
        received_monotonic=sent.received_monotonic,
    )
    assert before <= sent.received_monotonic <= time.monotonic()
    assert sim.sent == [sent]


def test_wait_for_sent_waits_for_a_message_and_times_out_without_one(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    with pytest.raises(TimeoutError):
        sim.wait_for_sent(1, timeout=0.05)
    sender = threading.Timer(0.1, send, (http, token, text("later")))
    sender.start()
    assert [m.body["text"]["content"] for m in sim.wait_for_sent(1, timeout=5)] == ["later"]
    sender.join()


def test_sends_need_a_customer_message_in_the_last_48_hours(
    http: httpx.Client, sim: WeChatApiSimulator, token: str, clock: Clock
) -> None:
    assert send(http, token, text()) == 45015
    sim.customer_wrote(APP_ID, CUSTOMER)
    clock.advance(48 * 3600)
    token = classic_token(http)
    assert send(http, token, text()) == 0
    clock.advance(1)
    assert send(http, token, text()) == 45015
    sim.customer_wrote(APP_ID, CUSTOMER, at=clock.now - 47 * 3600)
    assert send(http, token, text()) == 0
    assert len(sim.sent) == 2


def test_the_quota_is_restored_by_the_next_customer_message(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    assert [send(http, token, text(f"{n}")) for n in range(6)] == [0, 0, 0, 0, 0, 45047]
    sim.customer_wrote(APP_ID, CUSTOMER)
    assert send(http, token, text()) == 0
    assert len(sim.sent) == 6


def test_quota_none_is_unlimited(clock: Clock) -> None:
    with WeChatApiSimulator(clock=clock, quota=None) as sim, httpx.Client(base_url=sim.url) as http:
        sim.add_account(APP_ID, SECRET)
        sim.customer_wrote(APP_ID, CUSTOMER)
        token = classic_token(http)
        assert {send(http, token, text()) for _ in range(8)} == {0}


def test_a_customer_who_unfollowed_cannot_be_sent_to(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    sim.unfollow(APP_ID, CUSTOMER)
    assert send(http, token, text()) == 43004
    typing = {"touser": CUSTOMER, "command": "Typing"}
    assert errcode(http.post(TYPING, params={"access_token": token}, json=typing)) == 43004


def test_refused_sends_are_recorded_with_their_errcode(
    http: httpx.Client, sim: WeChatApiSimulator, token: str, clock: Clock
) -> None:
    """What WeChat refused is kept apart from what it delivered: the playground shows it as
    not delivered."""
    assert send(http, token, text("before the customer wrote")) == 45015
    sim.customer_wrote(APP_ID, CUSTOMER)
    assert send(http, token, text("delivered")) == 0
    sim.unfollow(APP_ID, CUSTOMER)
    assert send(http, token, text("after the unfollow")) == 43004
    assert send(http, token, text(touser="")) == 40003  # no one's to show
    assert [m.body["text"]["content"] for m in sim.sent] == ["delivered"]
    assert [(r.app_id, r.touser, r.msgtype, r.errcode) for r in sim.refused] == [
        (APP_ID, CUSTOMER, "text", 45015),
        (APP_ID, CUSTOMER, "text", 43004),
    ]
    first = sim.refused[0]
    assert first.body == text("before the customer wrote")
    assert first.errmsg.startswith("response out of time limit")
    assert first.received_at == clock.now


def test_a_send_refused_by_an_injected_fault_is_recorded(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    sim.inject(SEND, errcode=45047, errmsg="out of response count limit rid: x")
    assert send(http, token, text("over the quota")) == 45047
    sim.inject(SEND, errcode=45015)
    assert errcode(http.post(SEND, params={"access_token": "unknown"}, json=text())) == 45015
    [refused] = sim.refused
    assert (refused.app_id, refused.errcode, refused.errmsg) == (
        APP_ID,
        45047,
        "out of response count limit rid: x",
    )
    assert sim.sent == []


def test_a_lapsed_window_and_a_used_up_quota_refuse_sends(
    http: httpx.Client, sim: WeChatApiSimulator, token: str, clock: Clock
) -> None:
    assert sim.customer_state(APP_ID, CUSTOMER) is None
    sim.customer_wrote(APP_ID, CUSTOMER)
    state = sim.customer_state(APP_ID, CUSTOMER)
    assert state is not None
    assert (state.following, state.window_expires_at, state.replies_left) == (
        True,
        clock.now + 48 * 3600,
        5,
    )
    sim.use_up_quota(APP_ID, CUSTOMER)
    assert send(http, token, text()) == 45047
    sim.customer_wrote(APP_ID, CUSTOMER)
    sim.lapse_window(APP_ID, CUSTOMER)
    state = sim.customer_state(APP_ID, CUSTOMER)
    assert state is not None
    assert state.window_expires_at is None
    assert send(http, token, text()) == 45015
    sim.customer_wrote(APP_ID, CUSTOMER)
    assert send(http, token, text()) == 0


def test_a_registered_account_fetches_tokens_and_says_where_pushes_go(
    http: httpx.Client, sim: WeChatApiSimulator
) -> None:
    account = SimulatedAccount.random()
    url = "http://127.0.0.1:1/api/wechat/a1"
    assert sim.register_account(account, server_url=url, mode="compatible", name="Shop")
    assert classic_token(http, account.app_id, account.app_secret)
    [registered] = [a for a in sim.registered_accounts if a.account == account]
    assert (registered.name, registered.server_url, registered.mode) == ("Shop", url, "compatible")
    assert not sim.register_account(account, server_url=url + "b")  # replaced, not added
    assert sim.registered_account(account.app_id).server_url == url + "b"


def test_an_invalid_openid_is_refused(http: httpx.Client, token: str) -> None:
    assert send(http, token, text(touser="invalid-openid")) == 40003
    assert send(http, token, text(touser="")) == 40003


def test_customers_belong_to_one_account(http: httpx.Client, sim: WeChatApiSimulator) -> None:
    sim.customer_wrote(OTHER_APP_ID, CUSTOMER)
    assert send(http, classic_token(http), text()) == 45015
    assert send(http, classic_token(http, OTHER_APP_ID, OTHER_SECRET), text()) == 0


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (text("中" * 682 + "ab"), 0),
        (text("中" * 683), 45002),
        (text(""), 44004),
        ({"touser": CUSTOMER, "msgtype": "text"}, 44004),
        ({"touser": CUSTOMER, "msgtype": "telegram", "telegram": {}}, 40008),
        ({"touser": CUSTOMER}, 40008),
        ({"touser": CUSTOMER, "msgtype": "image", "image": {"media_id": "nope"}}, 40007),
        ({"touser": CUSTOMER, "msgtype": "voice", "voice": {}}, 40007),
        ({"touser": CUSTOMER, "msgtype": "news", "news": {"articles": [{"title": "a"}]}}, 0),
        ({"touser": CUSTOMER, "msgtype": "news", "news": {"articles": [{}, {}]}}, 45008),
        ({"touser": CUSTOMER, "msgtype": "news", "news": {"articles": []}}, 44003),
        (
            {
                "touser": CUSTOMER,
                "msgtype": "msgmenu",
                "msgmenu": {
                    "head_content": "您对本次服务是否满意呢? ",
                    "list": [{"id": "101", "content": "满意"}, {"id": "102", "content": "不满意"}],
                    "tail_content": "欢迎再次光临",
                },
            },
            0,
        ),
        ({"touser": CUSTOMER, "msgtype": "msgmenu", "msgmenu": {"list": []}}, 47001),
    ],
)
def test_message_content_rules(
    http: httpx.Client,
    sim: WeChatApiSimulator,
    token: str,
    message: dict[str, Any],
    expected: int,
) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    assert send(http, token, message) == expected
    assert len(sim.sent) == (1 if expected == 0 else 0)


def test_bad_bodies_and_methods_are_refused(http: httpx.Client, token: str) -> None:
    params = {"access_token": token}
    assert errcode(http.post(SEND, params=params, content=b"")) == 44002
    assert errcode(http.post(SEND, params=params, content=b"{not json")) == 47001
    assert errcode(http.post(SEND, params=params, content=b"[1]")) == 47001
    assert errcode(http.get(SEND, params=params)) == 43002
    assert errcode(http.post(IPS, params=params)) == 43001
    assert http.get("/cgi-bin/unknown", params=params).status_code == 404


def test_media_messages_use_media_the_simulator_holds(
    http: httpx.Client, sim: WeChatApiSimulator, token: str, clock: Clock
) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    image = wechat_json(upload(http, token, "image", "a.jpg", b"\xff\xd8jpeg", "image/jpeg"))
    video = wechat_json(upload(http, token, "video", "v.mp4", b"mp4 bytes", "video/mp4"))
    received = sim.add_media(b"#!AMR\n", "audio/amr", "voice")
    thumb = wechat_json(upload(http, token, "thumb", "t.jpg", b"\xff\xd8t", "image/jpeg"))
    video_message = {
        "media_id": video["media_id"],
        "thumb_media_id": thumb["thumb_media_id"],
        "title": "t",
        "description": "d",
    }
    messages = [
        {"touser": CUSTOMER, "msgtype": "image", "image": {"media_id": image["media_id"]}},
        {"touser": CUSTOMER, "msgtype": "voice", "voice": {"media_id": received}},
        {"touser": CUSTOMER, "msgtype": "video", "video": video_message},
    ]
    assert [send(http, token, message) for message in messages] == [0, 0, 0]
    clock.advance(3 * 24 * 3600)
    sim.customer_wrote(APP_ID, CUSTOMER)
    assert send(http, classic_token(http), messages[0]) == 40007


def test_media_belong_to_the_account_that_uploaded_them(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    media_id = wechat_json(upload(http, token, "image", "a.png", b"png", "image/png"))["media_id"]
    other = classic_token(http, OTHER_APP_ID, OTHER_SECRET)
    sim.customer_wrote(OTHER_APP_ID, CUSTOMER)
    image = {"touser": CUSTOMER, "msgtype": "image", "image": {"media_id": media_id}}
    assert send(http, other, image) == 40007
    assert errcode(get_media(http, other, media_id)) == 40007


# --- typing (docs/protocol.md §6.2) ---------------------------------------------------------------


def test_typing_needs_a_customer_message_in_the_last_30_seconds(
    http: httpx.Client, sim: WeChatApiSimulator, token: str, clock: Clock
) -> None:
    def typing(command: str) -> int:
        body = {"touser": CUSTOMER, "command": command}
        return errcode(http.post(TYPING, params={"access_token": token}, json=body))

    assert typing("Typing") == 45015  # no window: as a send would be
    sim.customer_wrote(APP_ID, CUSTOMER)
    assert typing("Typing") == 0
    assert typing("CancelTyping") == 0
    assert typing("typing") == 45072
    clock.advance(30)
    assert typing("Typing") == 0
    clock.advance(1)
    assert typing("Typing") == 45080
    assert sim.sent == []


def test_typing_shows_15_seconds_and_a_message_or_cancel_ends_it(
    http: httpx.Client, sim: WeChatApiSimulator, token: str, clock: Clock
) -> None:
    """WeChat refuses a Typing while one shows (45081); CancelTyping or a message ends it; a
    message also counts as the exchange the 30 s rule asks for; every call is recorded."""

    def typing(command: str) -> int:
        body = {"touser": CUSTOMER, "command": command}
        return errcode(http.post(TYPING, params={"access_token": token}, json=body))

    sim.customer_wrote(APP_ID, CUSTOMER)
    assert typing("Typing") == 0
    clock.advance(14)
    assert typing("Typing") == 45081
    clock.advance(1)
    assert typing("Typing") == 0
    assert typing("CancelTyping") == 0
    assert typing("Typing") == 0
    assert send(http, token, text("the answer")) == 0
    clock.advance(29)  # 44 s after the customer wrote, 29 after the answer went
    assert typing("Typing") == 0
    sim.lapse_window(APP_ID, CUSTOMER)
    assert typing("Typing") == 45015
    assert [(c.command, c.errcode) for c in sim.typing_calls] == [
        ("Typing", 0),
        ("Typing", 45081),
        ("Typing", 0),
        ("CancelTyping", 0),
        ("Typing", 0),
        ("Typing", 0),
        ("Typing", 45015),
    ]
    assert {c.touser for c in sim.typing_calls} == {CUSTOMER}


# --- temporary media (docs/protocol.md §8) --------------------------------------------------------


def test_uploaded_media_come_back_as_they_went(
    http: httpx.Client, token: str, clock: Clock
) -> None:
    content = bytes(range(256)) * 40 + b"\r\n--\r\n"
    body = wechat_json(upload(http, token, "image", "photo.png", content, "image/png"))
    assert body["type"] == "image"
    assert body["created_at"] == int(clock.now)
    response = get_media(http, token, body["media_id"])
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == 'attachment; filename="photo.png"'


def test_a_non_ascii_filename_comes_back_in_filename_star(http: httpx.Client, token: str) -> None:
    body = wechat_json(upload(http, token, "voice", "语音.mp3", b"ID3 mp3", "audio/mpeg"))
    response = get_media(http, token, body["media_id"])
    assert response.content == b"ID3 mp3"
    disposition = response.headers["content-disposition"]
    assert f'filename="{body["media_id"]}.mp3"' in disposition
    assert "filename*=UTF-8''%E8%AF%AD%E9%9F%B3.mp3" in disposition


def test_a_thumb_upload_answers_thumb_media_id(http: httpx.Client, token: str) -> None:
    body = wechat_json(upload(http, token, "thumb", "t.jpg", b"\xff\xd8thumb", "image/jpeg"))
    assert set(body) == {"type", "thumb_media_id", "created_at"}
    assert get_media(http, token, body["thumb_media_id"]).content == b"\xff\xd8thumb"


def test_video_is_fetched_from_the_url_media_get_gives(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    content = os.urandom(4096)
    media_id = wechat_json(upload(http, token, "video", "clip.mp4", content, "video/mp4"))[
        "media_id"
    ]
    body = wechat_json(get_media(http, token, media_id))
    assert body == {"video_url": f"{sim.url}/__sim/video/{media_id}"}
    video = httpx.get(body["video_url"])
    assert video.content == content
    assert video.headers["content-type"] == "video/mp4"


@pytest.mark.parametrize(
    ("kind", "filename", "size", "content_type", "expected"),
    [
        ("image", "a.bmp", 10, "image/bmp", 40005),
        ("image", "a.gif", 10 * MB, "image/gif", 0),
        ("image", "a.jpg", 10 * MB + 1, "image/jpeg", 40006),
        ("image", "upload", 10, "image/png", 0),
        ("image", "upload", 10, "application/octet-stream", 40005),
        ("voice", "a.wav", 10, "audio/wav", 40005),
        ("voice", "a.amr", 2 * MB, "audio/amr", 0),
        ("voice", "a.mp3", 2 * MB + 1, "audio/mpeg", 40006),
        ("video", "a.mov", 10, "video/quicktime", 40005),
        ("thumb", "a.png", 10, "image/png", 40005),
        ("thumb", "a.jpg", 64 * 1024 + 1, "image/jpeg", 40006),
        ("image", "a.jpg", 0, "image/jpeg", 44001),
        ("file", "a.jpg", 10, "image/jpeg", 40004),
    ],
)
def test_upload_limits(
    http: httpx.Client,
    sim: WeChatApiSimulator,
    token: str,
    kind: str,
    filename: str,
    size: int,
    content_type: str,
    expected: int,
) -> None:
    response = upload(http, token, kind, filename, b"x" * size, content_type)
    assert errcode(response) == expected
    if expected == 0:
        assert sim.media(response.json()["media_id"]).content == b"x" * size


def test_an_upload_without_a_media_field_is_refused(http: httpx.Client, token: str) -> None:
    params = {"access_token": token, "type": "image"}
    response = http.post(
        "/cgi-bin/media/upload", params=params, files={"file": ("a.jpg", b"x", "image/jpeg")}
    )
    assert errcode(response) == 41005
    assert errcode(http.post("/cgi-bin/media/upload", params=params, json={})) == 41005


def test_customer_media_can_be_downloaded(http: httpx.Client, sim: WeChatApiSimulator) -> None:
    token = classic_token(http, OTHER_APP_ID, OTHER_SECRET)
    image = sim.add_media(b"\xff\xd8customer", "image/jpeg", "image")
    named = sim.add_media(b"#!AMR\n", "audio/amr", "voice", "hello.amr")
    video = sim.add_media(b"short video", "video/mp4", "shortvideo", app_id=OTHER_APP_ID)

    response = get_media(http, token, image)
    assert response.content == b"\xff\xd8customer"
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["content-disposition"] == f'attachment; filename="{image}.jpg"'
    named_response = get_media(http, token, named)
    assert named_response.headers["content-disposition"] == 'attachment; filename="hello.amr"'
    video_url = wechat_json(get_media(http, token, video))["video_url"]
    assert httpx.get(video_url).content == b"short video"
    assert errcode(get_media(http, classic_token(http), video)) == 40007

    thumb = sim.add_media(b"\xff\xd8poster", "image/jpeg", "thumb")  # a video's ThumbMediaId
    assert get_media(http, token, thumb).content == b"\xff\xd8poster"
    with pytest.raises(ValueError, match="kind"):
        sim.add_media(b"x", "image/jpeg", "news")


def test_media_expire_after_three_days(
    http: httpx.Client, sim: WeChatApiSimulator, token: str, clock: Clock
) -> None:
    image = sim.add_media(b"img", "image/png", "image")
    video = sim.add_media(b"vid", "video/mp4", "video")
    video_url = wechat_json(get_media(http, token, video))["video_url"]
    clock.advance(3 * 24 * 3600 - 1)
    token = classic_token(http)
    assert get_media(http, token, image).content == b"img"
    clock.advance(1)
    assert errcode(get_media(http, token, image)) == 40007
    assert errcode(get_media(http, token, video)) == 40007
    assert errcode(get_media(http, token, "unknown")) == 40007
    assert httpx.get(video_url).status_code == 404


# --- users and servers (docs/protocol.md §9, §10) -------------------------------------------------


def test_user_info(http: httpx.Client, sim: WeChatApiSimulator, token: str, clock: Clock) -> None:
    def info(openid: str) -> dict[str, Any]:
        params = {"access_token": token, "openid": openid, "lang": "zh_CN"}
        return wechat_json(http.get("/cgi-bin/user/info", params=params))

    sim.customer_wrote(APP_ID, CUSTOMER)
    sim.add_user(APP_ID, "oTagged", tags=[2, 104])
    assert info(CUSTOMER) == {
        "subscribe": 1,
        "openid": CUSTOMER,
        "subscribe_time": int(clock.now),
        "remark": "",
        "groupid": 0,
        "tagid_list": [],
        "subscribe_scene": "ADD_SCENE_QR_CODE",
        "qr_scene": 0,
        "qr_scene_str": "",
    }
    assert info("oTagged")["tagid_list"] == [2, 104]
    sim.unfollow(APP_ID, CUSTOMER)
    assert info(CUSTOMER) == {"subscribe": 0, "openid": CUSTOMER}
    assert info("oNeverSeen")["errcode"] == 40003
    assert info("invalid")["errcode"] == 40003


def test_user_info_gives_what_a_test_set(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    sim.set_user(
        APP_ID,
        CUSTOMER,
        remark="老客户",
        tags=[2],
        unionid="oUnion",
        subscribe_scene="ADD_SCENE_QR_CODE",
        qr_scene=7,
        qr_scene_str="poster",
        subscribe_time=1_700_000_000,
    )
    params = {"access_token": token, "openid": CUSTOMER, "lang": "zh_CN"}
    info = wechat_json(http.get("/cgi-bin/user/info", params=params))
    assert {
        k: info[k] for k in ("remark", "tagid_list", "unionid", "qr_scene", "qr_scene_str")
    } == {
        "remark": "老客户",
        "tagid_list": [2],
        "unionid": "oUnion",
        "qr_scene": 7,
        "qr_scene_str": "poster",
    }
    assert info["subscribe_time"] == 1_700_000_000
    assert "nickname" not in info
    assert "headimgurl" not in info


def test_remarks(http: httpx.Client, sim: WeChatApiSimulator, token: str) -> None:
    def remark(openid: str, text: Any) -> int:
        body = {"openid": openid, "remark": text}
        return errcode(
            http.post("/cgi-bin/user/info/updateremark", params={"access_token": token}, json=body)
        )

    sim.customer_wrote(APP_ID, CUSTOMER)
    assert remark(CUSTOMER, "王女士") == 0
    assert sim.user(APP_ID, CUSTOMER)["remark"] == "王女士"  # type: ignore[index]
    assert remark(CUSTOMER, "x" * 31) == 47001
    assert remark("oNeverSeen", "x") == 40003
    sim.unfollow(APP_ID, CUSTOMER)
    assert remark(CUSTOMER, "x") == 40003
    assert sim.user(APP_ID, "oNobody") is None


def test_tags(http: httpx.Client, sim: WeChatApiSimulator, token: str) -> None:
    auth = {"access_token": token}

    def create(name: str) -> dict[str, Any]:
        return wechat_json(
            http.post("/cgi-bin/tags/create", params=auth, json={"tag": {"name": name}})
        )

    def batch(path: str, openids: list[str], tag_id: Any) -> int:
        body = {"openid_list": openids, "tagid": tag_id}
        return errcode(http.post(f"/cgi-bin/tags/members/{path}", params=auth, json=body))

    vip = create("VIP")["tag"]
    assert vip["name"] == "VIP"
    assert vip["id"] >= 100
    assert create("VIP")["errcode"] == 45157
    assert create("长" * 11)["errcode"] == 45158  # 33 bytes
    sim.customer_wrote(APP_ID, CUSTOMER)
    assert batch("batchtagging", [CUSTOMER], vip["id"]) == 0
    tags = wechat_json(http.get("/cgi-bin/tags/get", params=auth))["tags"]
    assert {"id": vip["id"], "name": "VIP", "count": 1} in tags
    assert {"id": 2, "name": "星标组", "count": 0} in tags
    assert sim.user(APP_ID, CUSTOMER)["tagid_list"] == [vip["id"]]  # type: ignore[index]
    assert batch("batchtagging", [CUSTOMER], 999) == 45159
    assert batch("batchtagging", [], vip["id"]) == 40032
    assert batch("batchtagging", [CUSTOMER] * 51, vip["id"]) == 40032
    assert batch("batchtagging", [CUSTOMER, "oNeverSeen"], 2) == 40003
    assert sim.user(APP_ID, CUSTOMER)["tagid_list"] == [vip["id"]]  # type: ignore[index]
    assert batch("batchuntagging", [CUSTOMER], vip["id"]) == 0
    assert sim.user(APP_ID, CUSTOMER)["tagid_list"] == []  # type: ignore[index]
    many = [sim.add_tag(APP_ID, f"t{i}") for i in range(20)]
    sim.set_user(APP_ID, CUSTOMER, tags=many)
    assert batch("batchtagging", [CUSTOMER], vip["id"]) == 45059
    other = classic_token(http, OTHER_APP_ID, OTHER_SECRET)
    other_tags = wechat_json(http.get("/cgi-bin/tags/get", params={"access_token": other}))
    assert other_tags == {"tags": [{"id": 2, "name": "星标组", "count": 0}]}


def test_callback_ips(http: httpx.Client, token: str) -> None:
    assert wechat_json(http.get(IPS, params={"access_token": token})) == {"ip_list": ["127.0.0.1"]}


# --- fault injection ------------------------------------------------------------------------------


def test_an_injected_errcode_answers_the_next_requests(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    sim.inject(SEND, errcode=-1, times=2)
    sim.inject(SEND, errcode=45015, errmsg="custom message")
    answers = [wechat_json(http.post(SEND, params={"access_token": token}, json=text()))]
    answers += [wechat_json(http.post(SEND, params={"access_token": token}, json=text()))]
    answers += [wechat_json(http.post(SEND, params={"access_token": token}, json=text()))]
    assert [a["errcode"] for a in answers] == [-1, -1, 45015]
    assert answers[0]["errmsg"].startswith("system error")
    assert answers[2]["errmsg"] == "custom message"
    assert send(http, token, text()) == 0
    assert len(sim.sent) == 1
    assert sim.calls(SEND) == 4


def test_an_injected_http_status(http: httpx.Client, sim: WeChatApiSimulator, token: str) -> None:
    sim.inject(IPS, http_status=502)
    response = http.get(IPS, params={"access_token": token})
    assert response.status_code == 502
    assert check(http, token) == 0


def test_faults_are_used_in_order_and_can_be_reset(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    sim.inject(IPS, errcode=40001)
    sim.inject(IPS, http_status=503)
    sim.inject(IPS, errcode=-1, times=5)
    assert check(http, token) == 40001
    assert http.get(IPS, params={"access_token": token}).status_code == 503
    assert check(http, token) == -1
    sim.reset_faults()
    assert check(http, token) == 0


def test_a_fault_on_the_token_api_issues_no_token(
    http: httpx.Client, sim: WeChatApiSimulator
) -> None:
    sim.inject("/cgi-bin/token", errcode=-1)
    response = http.get(
        "/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": APP_ID, "secret": SECRET},
    )
    assert errcode(response) == -1
    assert sim.token_fetches == 0
    classic_token(http)
    assert sim.token_fetches == 1


def test_an_injected_delay_outlasts_a_client_timeout(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    sim.inject(SEND, delay=0.5)
    with pytest.raises(httpx.ReadTimeout):
        http.post(SEND, params={"access_token": token}, json=text("slow"), timeout=0.1)
    assert sim.wait_for_sent(1, timeout=2)[0].body["text"]["content"] == "slow"
    started = time.monotonic()
    assert send(http, token, text()) == 0
    assert time.monotonic() - started < 0.4


def test_a_delay_with_an_errcode_waits_then_answers_it(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    sim.inject(IPS, delay=0.2, errcode=-1)
    started = time.monotonic()
    assert check(http, token) == -1
    assert time.monotonic() - started >= 0.2


def test_stop_cuts_a_pending_delay_short(clock: Clock) -> None:
    sim = WeChatApiSimulator(clock=clock).start()
    sim.inject(IPS, delay=30)
    errors: list[Exception] = []

    def call() -> None:
        try:
            httpx.get(f"{sim.url}{IPS}", timeout=10)
        except httpx.HTTPError as error:
            errors.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    while sim.calls(IPS) == 0:
        time.sleep(0.01)
    started = time.monotonic()
    sim.stop()
    caller.join(timeout=5)
    assert time.monotonic() - started < 2
    assert not caller.is_alive()
    assert len(errors) == 1


def test_inject_refuses_faults_that_do_nothing(sim: WeChatApiSimulator) -> None:
    with pytest.raises(ValueError, match="needs"):
        sim.inject(SEND)
    with pytest.raises(ValueError, match="either"):
        sim.inject(SEND, errcode=-1, http_status=502)
    with pytest.raises(ValueError, match="times"):
        sim.inject(SEND, errcode=-1, times=0)


# --- records, lifecycle, CLI ---------------------------------------------------------------------


def test_requests_are_logged_without_the_secret(
    http: httpx.Client, sim: WeChatApiSimulator
) -> None:
    token = classic_token(http)
    http.get(IPS, params={"access_token": token})
    assert sim.requests == [
        (
            "GET",
            "/cgi-bin/token",
            {"grant_type": "client_credential", "appid": APP_ID, "secret": "<redacted>"},
        ),
        ("GET", IPS, {"access_token": token}),
    ]
    assert sim.requests[1].path == IPS
    assert sim.calls(IPS) == 1
    assert sim.calls(SEND) == 0


def test_connections_are_kept_alive(http: httpx.Client, token: str) -> None:
    first = http.get(IPS, params={"access_token": token})
    second = http.get(IPS, params={"access_token": token})
    assert first.http_version == "HTTP/1.1"
    assert "close" not in second.headers.get("connection", "")
    assert first.extensions["network_stream"] is second.extensions["network_stream"]


def test_a_stopped_simulator_starts_again_on_the_same_port_with_its_state(
    sim: WeChatApiSimulator, clock: Clock
) -> None:
    with httpx.Client(base_url=sim.url, timeout=2) as http:
        token = classic_token(http)
        url = sim.url
        sim.stop()
        with pytest.raises(httpx.TransportError):
            http.get(IPS, params={"access_token": token})
        sim.start()
        assert sim.url == url
        assert check(http, token) == 0


def test_customer_wrote_over_http(http: httpx.Client, sim: WeChatApiSimulator, token: str) -> None:
    body = {"appid": APP_ID, "openid": CUSTOMER}
    assert errcode(http.post("/__sim/customer_wrote", json=body)) == 0
    assert send(http, token, text()) == 0


def test_the_cli_serves_until_ctrl_c() -> None:
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "tools.wechat_simulator", "api", "--port", "0"),
            *("--app-id", APP_ID, "--app-secret", SECRET, "--quota", "none"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # A shell may start us with SIGINT ignored, which the child would inherit.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(6)]
        url = banner[0].split(" on ")[1].strip()
        with httpx.Client(base_url=url, timeout=5) as http:
            token = classic_token(http)
            http.post("/__sim/customer_wrote", json={"appid": APP_ID, "openid": CUSTOMER})
            assert {send(http, token, text()) for _ in range(7)} == {0}
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert f"WECHAT_API_BASE_URL={url}" in banner[1]
    assert f"{url}/__sim/playground/" in banner[4]
    assert banner[5] == "Ctrl-C to stop\n"
    assert "POST /cgi-bin/message/custom/send -> ok" in output
    assert SECRET not in "".join(banner) + output


# --- custom menu and tap-to-reply menus (docs/protocol.md §6.2, §15) ---------------------------

MENU_CREATE = "/cgi-bin/menu/create"


def _click(name: str = "A", key: str = "K") -> dict[str, Any]:
    return {"type": "click", "name": name, "key": key}


@pytest.mark.parametrize(
    ("buttons", "expected"),
    [
        ([_click("a" * 16, "k" * 128)], 0),
        ([], 40016),
        ([_click(key=f"k{i}") for i in range(4)], 40016),
        ([_click("a" * 17)], 40018),
        ([{"type": "telegram", "name": "x"}], 40017),
        ([_click(key="k" * 129)], 40019),
        ([{"type": "view", "name": "x", "url": "https://e.com/" + "p" * 1011}], 40020),
        ([{"name": "x", "sub_button": [_click(key=f"k{i}") for i in range(6)]}], 40023),
        ([{"name": "x", "sub_button": [{"type": "telegram", "name": "y"}]}], 40024),
        ([{"name": "x", "sub_button": [_click("n" * 61)]}], 40025),
        ([{"name": "x", "sub_button": [_click(key="")]}], 40026),
        ([{"name": "x", "sub_button": [{"type": "view", "name": "y", "url": ""}]}], 40027),
    ],
)
def test_menu_create_checks_wechats_limits(
    http: httpx.Client, sim: WeChatApiSimulator, token: str, buttons: list[Any], expected: int
) -> None:
    answer = http.post(MENU_CREATE, params={"access_token": token}, json={"button": buttons})
    assert errcode(answer) == expected
    assert (sim.menu(APP_ID) is not None) == (expected == 0)


def test_menu_get_answers_the_created_menu_or_46003(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    params = {"access_token": token}
    assert errcode(http.get("/cgi-bin/menu/get", params=params)) == 46003
    closed = wechat_json(http.get("/cgi-bin/get_current_selfmenu_info", params=params))
    assert closed["is_menu_open"] == 0
    menu = {"button": [_click("A", "A"), {"name": "More", "sub_button": [_click("B", "B")]}]}
    assert errcode(http.post(MENU_CREATE, params=params, json=menu)) == 0
    got = wechat_json(http.get("/cgi-bin/menu/get", params=params))
    assert got["menu"]["button"][0] == {**_click("A", "A"), "sub_button": []}
    assert got["menu"]["button"][1]["sub_button"] == [{**_click("B", "B"), "sub_button": []}]
    shown = wechat_json(http.get("/cgi-bin/get_current_selfmenu_info", params=params))
    assert shown["selfmenu_info"]["button"][1]["sub_button"] == {"list": [_click("B", "B")]}
    assert sim.menu_keys(APP_ID) == ["A", "B"]
    assert sim.menu(OTHER_APP_ID) is None  # per account


@pytest.mark.parametrize(
    ("msgmenu", "expected"),
    [
        ({"list": [{"id": "i" * 64, "content": "c" * 128}] * 10, "head_content": "h" * 1024}, 0),
        ({"list": [{"id": str(i), "content": "c"} for i in range(11)]}, 47001),
        ({"list": [{"id": "i" * 65, "content": "c"}]}, 47001),
        ({"list": [{"id": "1", "content": "c" * 129}]}, 47001),
        ({"list": [{"id": "1", "content": "c"}], "tail_content": "t" * 1025}, 47001),
    ],
)
def test_msgmenu_limits(
    http: httpx.Client, sim: WeChatApiSimulator, token: str, msgmenu: dict[str, Any], expected: int
) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    message = {"touser": CUSTOMER, "msgtype": "msgmenu", "msgmenu": msgmenu}
    assert send(http, token, message) == expected


# --- video, news, mini-program cards and materials (docs/protocol.md §6.2, §8.1) ------------------


def test_a_video_thumb_is_optional_but_must_be_known_when_given(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    video = wechat_json(upload(http, token, "video", "v.mp4", b"mp4", "video/mp4"))["media_id"]

    def send_video(**fields: Any) -> int:
        body = {"media_id": video, **fields}
        return send(http, token, {"touser": CUSTOMER, "msgtype": "video", "video": body})

    assert send_video() == 0
    assert send_video(thumb_media_id="unknown") == 40007
    assert send_video(title=3) == 47001
    assert [m.msgtype for m in sim.sent] == ["video"]


def test_video_and_thumb_uploads_have_their_limits(http: httpx.Client, token: str) -> None:
    assert (
        errcode(upload(http, token, "video", "v.mp4", b"x" * (10 * MB + 1), "video/mp4")) == 40006
    )
    assert errcode(upload(http, token, "video", "v.avi", b"x", "video/x-msvideo")) == 40005
    assert errcode(upload(http, token, "thumb", "t.jpg", b"x" * (64 * 1024 + 1), "image/jpeg")) == (
        40006
    )
    assert errcode(upload(http, token, "thumb", "t.png", b"png", "image/png")) == 40005


def test_news_takes_one_article(http: httpx.Client, sim: WeChatApiSimulator, token: str) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    article = {"title": "t", "description": "d", "url": "https://e.example/", "picurl": ""}

    def news(articles: Any) -> int:
        body = {"touser": CUSTOMER, "msgtype": "news", "news": {"articles": articles}}
        return send(http, token, body)

    assert news([]) == 44003
    assert news([article, article]) == 45008
    assert news([article]) == 0


def test_a_mini_program_card_needs_every_field_a_known_cover_and_a_linked_app(
    http: httpx.Client, sim: WeChatApiSimulator, token: str
) -> None:
    sim.customer_wrote(APP_ID, CUSTOMER)
    cover = wechat_json(upload(http, token, "image", "c.png", b"png", "image/png"))["media_id"]
    card = {
        "title": "t",
        "appid": "wx00112233445566aa",
        "pagepath": "pages/i",
        "thumb_media_id": cover,
    }

    def send_card(**changes: Any) -> int:
        body = {**card, **changes}
        return send(
            http, token, {"touser": CUSTOMER, "msgtype": "miniprogrampage", "miniprogrampage": body}
        )

    assert send_card(pagepath="") == 47001
    assert send_card(thumb_media_id="unknown") == 40007
    assert send_card() == 0  # no links declared for the account: any mini-program
    sim.linked_mini_programs[APP_ID] = {"wx00112233445566aa"}
    assert send_card(appid="wxffffffffffffffff") == 40013
    assert send_card() == 0


def add_material(
    http: httpx.Client, token: str, kind: str, name: str, content: bytes, ctype: str
) -> httpx.Response:
    return http.post(
        "/cgi-bin/material/add_material",
        params={"access_token": token, "type": kind},
        files={"media": (name, content, ctype)},
    )


def test_materials_are_permanent_until_deleted(
    http: httpx.Client, sim: WeChatApiSimulator, token: str, clock: Clock
) -> None:
    body = wechat_json(add_material(http, token, "image", "map.bmp", b"BMbitmap", "image/bmp"))
    assert set(body) == {"media_id", "url"}
    assert body["url"].startswith("http://mmbiz.qpic.cn/")
    assert [m.media_id for m in sim.materials(APP_ID)] == [body["media_id"]]
    clock.advance(30 * 24 * 3600)
    sim.customer_wrote(APP_ID, CUSTOMER)
    fresh = classic_token(http)
    image = {"touser": CUSTOMER, "msgtype": "image", "image": {"media_id": body["media_id"]}}
    assert send(http, fresh, image) == 0
    got = http.post(
        "/cgi-bin/material/get_material",
        params={"access_token": fresh},
        json={"media_id": body["media_id"]},
    )
    assert got.content == b"BMbitmap"
    delete = {"media_id": body["media_id"]}
    assert (
        errcode(
            http.post("/cgi-bin/material/del_material", params={"access_token": fresh}, json=delete)
        )
        == 0
    )
    assert (
        errcode(
            http.post("/cgi-bin/material/del_material", params={"access_token": fresh}, json=delete)
        )
        == 40007
    )
    assert send(http, fresh, image) == 40007


def test_material_uploads_have_their_rules(http: httpx.Client, token: str) -> None:
    assert errcode(add_material(http, token, "news", "a.png", b"png", "image/png")) == 40004
    assert errcode(add_material(http, token, "image", "a.pdf", b"%PDF", "application/pdf")) == 40005
    big = b"x" * (10 * MB + 1)
    assert errcode(add_material(http, token, "image", "a.png", big, "image/png")) == 40006
    other = classic_token(http, OTHER_APP_ID, OTHER_SECRET)
    mine = wechat_json(add_material(http, token, "image", "a.png", b"png", "image/png"))["media_id"]
    stolen = http.post(
        "/cgi-bin/material/del_material", params={"access_token": other}, json={"media_id": mine}
    )
    assert errcode(stolen) == 40007
