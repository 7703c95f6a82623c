"""Console latency: from WeChat's push being acknowledged to the customer's line on an agent's
screen, in the browser and through the API, measured side by side on the same pushes.

For each of N customers in turn (with idle gaps, as one customer at a time arrives, each push at
a random moment so that it is not in step with the console's poll):
  new conversation: the push of a new customer's first line, until
    api      a client polling as the console does, but every 100 ms (GET /api/agent/changes,
             then GET /api/agent/conversations), lists the conversation;
    browser  the console in headless Chromium (signed in as the agent, polling the change feed
             at its own pace) shows it under "My conversations".
  next line: the same customer's second line, while the conversation is open in the console,
    until the API's detail has it and until the transcript shows it.
The ratio browser p50 / api p50 is what the console adds on top of the pipeline: mostly its
poll interval. Everything runs on devhost with its own Azurite and the WeChat API simulator.

Reproduce (self-contained, needs Debian's chromium and the built console):
  make console && .venv/bin/python bench/console_latency.py [--customers 20]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from playwright.sync_api import Page, sync_playwright

from bench.local_stack import start_local_stack
from bench.stats import percentile
from tools.desk import Desk, sign_in
from tools.wechat_simulator import WeChatCustomer

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
API_POLL = 0.1  # seconds
DEADLINE = 30.0  # seconds: a sample that takes longer is a failure, not a slow sample

Shows = Callable[[httpx.Client], bool]


class ApiWatch(threading.Thread):
    """Poll the change feed every 100 ms and refetch on each change until ``shows()``; the
    seconds from ``start`` (the push's acknowledgement) to then are in ``elapsed``."""

    def __init__(self, desk: Desk, token: str, shows: Shows) -> None:
        super().__init__(daemon=True)
        self.client = desk.app.client(token)
        self.shows = shows
        self.cursor = self.client.get("/api/agent/changes").json()["cursor"]
        self.start_at = 0.0
        self.elapsed: float | None = None

    def run(self) -> None:
        try:
            while time.time() - self.start_at < DEADLINE:
                answer = self.client.get("/api/agent/changes", params={"since": self.cursor})
                if answer.status_code == 200:
                    self.cursor = answer.json()["cursor"]
                    if self.shows(self.client):
                        self.elapsed = time.time() - self.start_at
                        return
                time.sleep(API_POLL)
        finally:
            self.client.close()


def listed(open_id: str) -> Shows:
    def shows(client: httpx.Client) -> bool:
        items = client.get("/api/agent/conversations").json()["conversations"]
        return any(item["openId"] == open_id for item in items)

    return shows


def in_detail(conversation_id: str, text: str) -> Shows:
    def shows(client: httpx.Client) -> bool:
        detail = client.get(f"/api/agent/conversations/{conversation_id}").json()
        return any(message.get("text") == text for message in detail["messages"])

    return shows


# Resolves with the page's clock (ms since the epoch) when ``text`` first shows inside the
# element that ``scope`` selects: a MutationObserver sees the render as it happens, where
# Playwright's own waiting polls.
WATCH_TEXT = """([scope, text]) => {
  window.benchSeen = new Promise((resolve) => {
    const seen = () => document.querySelector(scope)?.textContent.includes(text);
    if (seen()) return resolve(Date.now());
    const observer = new MutationObserver(() => {
      if (seen()) { observer.disconnect(); resolve(Date.now()); }
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}"""


def sample(
    desk: Desk,
    token: str,
    page: Page,
    customer: WeChatCustomer,
    text: str,
    api_shows: Shows,
    scope: str,
) -> tuple[float, float]:
    """``customer`` writes ``text``, watched by the API poller and in the page at once →
    (api seconds, browser seconds) from the push's acknowledgement."""
    watch = ApiWatch(desk, token, api_shows)
    page.evaluate(WATCH_TEXT, [scope, text])
    time.sleep(random.uniform(0, 1))  # customers write when they like, not in step with a poll
    desk.write(customer, text)
    acknowledged = time.time()
    watch.start_at = acknowledged
    watch.start()
    shown = page.evaluate(
        "(ms) => Promise.race([window.benchSeen, new Promise((r) => setTimeout(r, ms))])",
        DEADLINE * 1000,
    )
    watch.join(DEADLINE)
    if shown is None or watch.elapsed is None:
        raise SystemExit(f"{text!r} was not shown within {DEADLINE} s")
    return watch.elapsed, shown / 1000 - acknowledged


def report(name: str, api: list[float], browser: list[float]) -> None:
    def ms(samples: list[float], pct: float) -> float:
        return percentile(samples, pct) * 1000

    print(f"{name} ({len(api)} samples)")
    for label, samples in (("api", api), ("browser", browser)):
        print(f"  {label:<8} p50 {ms(samples, 50):7.0f} ms   p95 {ms(samples, 95):7.0f} ms")
    print(
        f"  browser / api: p50 {percentile(browser, 50) / percentile(api, 50):.2f}"
        f"   p95 {percentile(browser, 95) / percentile(api, 95):.2f}"
    )


def measure(desk: Desk, page: Page, customers: int, gap: float) -> None:
    agent = desk.agent("Bench", capacity=customers + 1)
    page.goto("/console/")
    sign_in(page, agent.token)
    mine = page.get_by_role("navigation", name="My conversations")
    log = page.get_by_role("log", name="Transcript")
    first_api, first_browser, next_api, next_browser = [], [], [], []
    for number in range(customers):
        customer = desk.customer()
        api, browser = sample(
            desk,
            agent.token,
            page,
            customer,
            f"第 {number} 位顾客：你好",
            listed(customer.open_id),
            "nav",
        )
        first_api.append(api)
        first_browser.append(browser)
        conversation = desk.conversation_of(agent, customer)
        mine.get_by_role("button").filter(has_text=customer.open_id).click()
        log.wait_for(state="visible")
        text = f"第 {number} 位顾客的第二句 ✅"
        api, browser = sample(
            desk,
            agent.token,
            page,
            customer,
            text,
            in_detail(conversation["id"], text),
            "[role=log]",
        )
        next_api.append(api)
        next_browser.append(browser)
        time.sleep(gap)
    report("new conversation: push acknowledged → listed", first_api, first_browser)
    report("next line: push acknowledged → in the open transcript", next_api, next_browser)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument(
        "--gap", type=float, default=3.0, help="idle seconds between customers (queues idle)"
    )
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("bench/console_latency.py needs Chromium: apt-get install chromium")
    root = Path(__file__).resolve().parent.parent
    if not (root / "console" / "dist" / "index.html").is_file():
        raise SystemExit("the console is not built: run make console first")

    with ExitStack() as stack:
        local = start_local_stack(stack)
        app, wechat_api, admin = local.app, local.wechat_api, local.admin
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        stack.callback(browser.close)
        context = browser.new_context(base_url=app.url, viewport={"width": 1280, "height": 800})
        stack.callback(context.close)
        measure(Desk.open(app, wechat_api, admin), context.new_page(), args.customers, args.gap)


if __name__ == "__main__":
    main()
