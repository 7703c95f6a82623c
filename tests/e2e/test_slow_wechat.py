"""WeChat's API slow and failing while an agent sends: the callback still answers at once, the
replies reach the customer in the order the agent wrote them and each only once, a failed call
is retried after its backoff rather than whenever another message comes along, and a reply that
fails for good says why in the agent's transcript without holding back the ones after it."""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import WECHAT_API_TIMEOUT, wait_for
from tools.desk import Desk
from tools.wechat_simulator import WeChatCustomer

SEND = "/cgi-bin/message/custom/send"
SLOW = 3.0  # seconds WeChat takes over each send
QUICK = 1.0  # an answer that waited on even one slow send would take SLOW


@dataclass
class Chat:
    """An agent in a conversation with a customer, over the agent API."""

    desk: Desk
    agent: httpx.Client
    customer: WeChatCustomer
    conversation: str

    def reply(self, text: str) -> float:
        """The agent sends ``text`` → seconds until the app accepted it."""
        started = time.monotonic()
        answer = self.agent.post(
            f"/api/agent/conversations/{self.conversation}/messages", json={"text": text}
        )
        assert answer.status_code == 202, answer.text
        return time.monotonic() - started

    def outbound(self) -> list[dict[str, Any]]:
        """The agent's replies as the agent's transcript shows them, oldest first."""
        detail = self.agent.get(f"/api/agent/conversations/{self.conversation}")
        assert detail.status_code == 200, detail.text
        return [m for m in detail.json()["messages"] if m["direction"] == "out"]

    def settled(self, count: int) -> list[dict[str, Any]] | None:
        """The replies once ``count`` of them are sent or failed, else None."""
        replies = self.outbound()
        done = [m for m in replies if m["status"] in ("sent", "failed")]
        return replies if len(replies) == count == len(done) else None

    def received(self) -> list[str]:
        """What the customer's phone shows, in the order WeChat accepted it."""
        return [body["text"]["content"] for body in self.desk.sent_to(self.customer)]

    def ack_seconds(self, customer: WeChatCustomer, text: str) -> float:
        """``customer`` writes ``text`` → seconds until the callback answered WeChat."""
        started = time.monotonic()
        return self.desk.write(customer, text) - started


@pytest.fixture
def chat(app, wechat_api, admin) -> Iterator[Chat]:
    desk = Desk.open(app, wechat_api, admin)
    agent = desk.agent(f"Lin {secrets.token_hex(3)}", capacity=5)
    customer = desk.customer()
    desk.write(customer, "我的订单呢？")
    conversation = desk.conversation_of(agent, customer)["id"]
    try:
        with app.client(agent.token) as client:
            yield Chat(desk, client, customer, conversation)
    finally:
        wechat_api.reset_faults()


@pytest.mark.timeout(60)
def test_slow_sends_hold_up_no_ack_and_arrive_in_order(chat, wechat_api):
    others = [chat.desk.customer() for _ in range(2)]
    writers = itertools.cycle([chat.customer, *others])
    quiet = [chat.ack_seconds(next(writers), f"before {n}") for n in range(6)]

    texts = [f"slow reply {n} 慢" for n in range(3)]
    wechat_api.inject(SEND, delay=SLOW, times=len(texts))
    accepted = [chat.reply(text) for text in texts]
    wait_for(lambda: chat.outbound()[0]["status"] == "sending", 10, "the first slow send")

    during: list[float] = []
    deadline = time.monotonic() + len(texts) * SLOW + 20
    while len(chat.received()) < len(texts) and time.monotonic() < deadline:
        seconds = chat.ack_seconds(next(writers), f"during {len(during)}")
        if len(chat.received()) < len(texts):  # a send was still on its way at the answer
            during.append(seconds)
        time.sleep(0.2)

    assert chat.received() == texts
    assert len(during) >= len(texts), f"only {len(during)} pushes overlapped the sends"
    timings = f"acks without faults {quiet}, during slow sends {during}"
    assert max(during) < QUICK, timings
    assert max(accepted) < QUICK, f"the agent's replies took {accepted}"
    replies = wait_for(lambda: chat.settled(len(texts)), 10, "the replies marked sent")
    assert [(m["text"], m["status"]) for m in replies] == [(t, "sent") for t in texts]
    assert [m["details"]["attempts"] for m in replies] == [1] * len(texts)
    assert not any(m["details"].get("ambiguous") for m in replies)


@pytest.mark.timeout(60)
def test_a_5xx_then_a_timeout_are_retried_in_order_and_nothing_goes_twice(chat, wechat_api):
    wechat_api.inject(SEND, http_status=502)
    # WeChat answers only after the app has stopped waiting, and delivers nothing.
    wechat_api.inject(SEND, delay=WECHAT_API_TIMEOUT + 1, http_status=504)
    texts = [f"retried {n}" for n in range(3)]
    for text in texts:
        chat.reply(text)

    def waiting() -> list[dict[str, Any]] | None:
        replies = chat.outbound()
        return replies if "lastError" in replies[0]["details"] else None

    first, *later = wait_for(waiting, 10, "the first reply to wait for a retry")
    assert first["status"] in ("queued", "sending")
    assert "HTTP 502" in first["details"]["lastError"]
    assert [m["status"] for m in later] == ["queued"] * len(later)  # held back behind it
    assert chat.received() == []

    replies = wait_for(lambda: chat.settled(len(texts)), 40, "every reply sent")
    assert chat.received() == texts
    assert [m["status"] for m in replies] == ["sent"] * len(texts)
    first = replies[0]
    assert first["details"]["attempts"] == 3
    assert "timed out" in first["details"]["lastError"]
    assert first["details"]["ambiguous"] is True  # after a timeout WeChat may have delivered
    assert [m["details"]["attempts"] for m in replies[1:]] == [1] * (len(texts) - 1)


@pytest.mark.timeout(60)
def test_an_outage_during_a_burst_of_replies_is_waited_out_not_hammered(chat, wechat_api):
    """Every reply queues a send; none of them may hurry the first reply's retry, or a short
    outage uses up its tries within a second and it fails for good."""
    outage = 4.0  # seconds: the first try and the one after 2 s fall in it, the next (6 s) not
    wechat_api.inject(SEND, http_status=503, times=1000)
    texts = [f"burst {n}" for n in range(5)]
    for text in texts:
        chat.reply(text)
        time.sleep(0.2)  # one by one, as an agent types them
    time.sleep(outage)
    tries = [m["details"].get("attempts", 0) for m in chat.outbound()]  # tries begun
    wechat_api.reset_faults()

    replies = wait_for(lambda: chat.settled(len(texts)), 30, "every reply settled")
    assert [(m["text"], m["status"]) for m in replies] == [(t, "sent") for t in texts]
    assert chat.received() == texts
    assert tries[0] <= 3, f"{tries[0]} tries of the first reply in a {outage:g} s outage"
    assert tries[1:] == [0] * (len(texts) - 1)  # the rest wait behind it


@pytest.mark.timeout(60)
def test_a_reply_that_fails_for_good_says_why_and_the_next_ones_still_go(chat, wechat_api):
    wechat_api.inject(SEND, errcode=45015)
    texts = [f"after a refusal {n}" for n in range(3)]
    for text in texts:
        chat.reply(text)

    failed, *sent = wait_for(lambda: chat.settled(len(texts)), 20, "every reply settled")
    assert failed["status"] == "failed"
    assert failed["details"]["errcode"] == 45015
    assert "48-hour reply window has closed" in failed["details"]["reason"]
    assert [(m["text"], m["status"]) for m in sent] == [(t, "sent") for t in texts[1:]]
    assert chat.received() == texts[1:]
    detail = chat.agent.get(f"/api/agent/conversations/{chat.conversation}").json()
    assert detail["window"]["messagesLeft"] == 5 - len(sent)  # the failed one gave its slot back
