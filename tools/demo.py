"""``make demo``: the app, its storage and WeChat on this machine, seeded, in one command.

Starts Azurite in memory on free ports, the WeChat API simulator with its customer playground,
and the app under devhost calling the simulator instead of WeChat; waits until the app is
healthy, then seeds it through the admin API: a demo account (safe mode) registered in the app
and in the simulator, two queues, a workstream with routing rules and automated messages in
Chinese and English, and two agents who go available. It prints the URLs and the sign-in
tokens and runs until Ctrl-C (or SIGTERM), then stops what it started, the app first.

Storage is fresh on every run (nothing is kept, and ``make run``'s ``.azurite/`` is never
touched), so running it again always works and prints new tokens.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from devhost.azurite import ROOT, Azurite, free_port, port_open
from devhost.errors import StartupError
from devhost.settings import DEFAULT_HTTP_PORT, read_local_http_port
from tools.local_app import LocalApp, app_settings, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatApiSimulator
from tools.wechat_simulator.playground import PAGE_PATH

SIMULATOR_PORT = 7072  # the README's
REFUND_MENU_KEY = "REFUND"
# The README walkthrough's made-up account, as WeChat's console would show it: no real secrets.
ACCOUNT = SimulatedAccount(
    token="demotoken123",  # noqa: S106
    app_id="wx0123456789abcdef",
    original_id="gh_0123456789ab",
    encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    app_secret="0123456789abcdef0123456789abcdef",  # noqa: S106
)
ACCOUNT_NAME = "Demo shop"
AUTOMATED_MESSAGES = {
    "zh-CN": {
        "greeting": "您好，欢迎光临 Demo shop！客服马上为您服务。",
        "agentAssigned": "{AgentName} 为您服务。",
        "conversationClosed": "感谢您的咨询，祝您生活愉快！",
    },
    "en": {
        "greeting": "Hello, welcome to Demo shop! An agent will be with you shortly.",
        "agentAssigned": "{AgentName} is here to help.",
        "conversationClosed": "Thank you for contacting us. Have a nice day!",
    },
}


class DemoError(Exception):
    """Starting or seeding failed; the message says what and where to look."""


@dataclass(frozen=True)
class DemoAgent:
    name: str
    role: str
    queue: str
    token: str


@dataclass(frozen=True)
class Seeded:
    account_id: str
    agents: list[DemoAgent]


def seed(app_url: str, admin_token: str, simulator_url: str) -> Seeded:
    """The demo's account, queues, workstream and agents, through the admin API; the account
    also with the simulator, so that the playground can push as WeChat does."""
    with httpx.Client(
        base_url=app_url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=30
    ) as admin:
        account = _answered(
            admin.post("/api/admin/accounts", json=ACCOUNT.registration(name=ACCOUNT_NAME)),
            "the account",
        )
        _answered(
            httpx.post(
                f"{simulator_url}/__sim/accounts",
                json={
                    **ACCOUNT.registration(name=ACCOUNT_NAME),
                    "serverUrl": account["callback"]["serverUrl"],
                },
                timeout=30,
            ),
            "the account with the simulator",
        )
        general = _answered(admin.post("/api/admin/queues", json={"name": "General"}), "a queue")
        refunds = _answered(
            admin.post(
                "/api/admin/queues",
                json={"name": "Refunds", "priority": 10, "assignmentMethod": "roundRobin"},
            ),
            "a queue",
        )
        _answered(
            admin.post(
                "/api/admin/workstreams",
                json=workstream(account["id"], general["id"], refunds["id"]),
            ),
            "the workstream",
        )
        agents = []
        for name, role, queue in (("Lin", "agent", refunds), ("Wu", "supervisor", general)):
            created = _answered(
                admin.post(
                    "/api/admin/agents",
                    json={"name": name, "role": role, "queueIds": [queue["id"]], "capacity": 3},
                ),
                f"agent {name}",
            )
            presence = httpx.put(
                f"{app_url}/api/agent/presence",
                json={"presence": "available"},
                headers={"Authorization": f"Bearer {created['token']}"},
                timeout=30,
            )
            _answered(presence, f"agent {name}'s presence")
            agents.append(DemoAgent(name, role, queue["name"], created["token"]))
    return Seeded(account["id"], agents)


def workstream(account_id: str, general: str, refunds: str) -> dict[str, Any]:
    """Refunds (by the words, or the menu) go to Refunds; everything else to General."""
    return {
        "name": "Demo shop on WeChat",
        "accountId": account_id,
        "fallbackQueueId": general,
        "language": "zh-CN",
        "automatedMessages": AUTOMATED_MESSAGES,
        "routingRules": [
            {
                "name": "refunds",
                "queueId": refunds,
                "condition": {
                    "any": [
                        {"field": "message.text", "op": "contains", "value": "退款"},
                        {
                            "field": "message.text",
                            "op": "contains",
                            "value": "refund",
                            "ignoreCase": True,
                        },
                    ]
                },
            },
            {
                "name": "refund menu",
                "queueId": refunds,
                "condition": {"field": "event.key", "op": "equals", "value": REFUND_MENU_KEY},
            },
        ],
    }


def _answered(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code >= 300:
        raise DemoError(f"seeding {what} failed: {response.status_code} {response.text[:500]}")
    return response.json()


def banner(
    app: LocalApp, simulator: WeChatApiSimulator, azurite: Azurite, seeded: Seeded, logs: Path
) -> str:
    agents = [
        f"  Agent {agent.name:<10}{agent.token}   ({agent.role}, queue {agent.queue})"
        for agent in seeded.agents
    ]
    return "\n".join(
        [
            "",
            "make demo is ready. Ctrl-C stops it all.",
            "",
            f"  Console         {app.url}/console/",
            f"  API viewer      {app.url}/api/docs/",
            f"  Playground      {simulator.url}{PAGE_PATH}",
            "",
            f"  Admin token     {app.admin_token}",
            *agents,
            "",
            f"  Account {ACCOUNT_NAME!r} ({ACCOUNT.app_id}, safe mode), id {seeded.account_id}:",
            f"  in the playground, write 退款 or refund, or click menu key {REFUND_MENU_KEY}, to",
            "  reach Refunds (Lin); anything else goes to General (Wu).",
            f"  Storage: Azurite in memory on ports {azurite.ports}, emptied when this stops.",
            f"  The app's log: {logs / 'app'}",
            "",
        ]
    )


def preferred_port(port: int) -> int:
    return port if not port_open(port) else free_port()


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.demo",
        description="make demo: Azurite, the app and the WeChat simulator, seeded, until Ctrl-C.",
    )
    parser.add_argument(
        "--app-port",
        type=int,
        help="the app's port (default: Host.LocalHttpPort of local.settings.json, 7071, if free)",
    )
    parser.add_argument(
        "--simulator-port",
        type=int,
        help=f"the WeChat simulator's and playground's port (default: {SIMULATOR_PORT} if free)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    # Ctrl-C and SIGTERM end the run alike; a shell may have started us with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        settings_port = read_local_http_port(ROOT) or DEFAULT_HTTP_PORT
    except StartupError as error:
        print(f"make demo: {error}", file=sys.stderr)
        return 1
    app_port = args.app_port or preferred_port(settings_port)
    simulator_port = args.simulator_port or preferred_port(SIMULATOR_PORT)
    logs = Path(tempfile.mkdtemp(prefix="wechat-demo-"))
    ready = False

    def wechat_log(line: str) -> None:
        if ready and " /__sim/" not in line:  # the page's polling is not news
            print(f"WeChat API: {line}", flush=True)

    azurite = Azurite(logs / "azurite", in_memory=True)
    simulator = WeChatApiSimulator(port=simulator_port, log=wechat_log)
    app: LocalApp | None = None
    code = 1
    try:
        print(f"starting Azurite (in memory) on {azurite.ports}", flush=True)
        azurite.start()
        simulator.start()
        print(f"WeChat API simulator on {simulator.url}", flush=True)
        app = LocalApp(
            app_settings(azurite.connection_string, WECHAT_API_BASE_URL=simulator.url),
            log_dir=logs / "app",
            timers=True,
            port=app_port,
            own_session=True,
        )
        print(f"starting the app on {app.url}", flush=True)
        app.start()
        wait_for(lambda: _healthy(app.url), 60, "the app's /api/health")
        seeded = seed(app.url, app.admin_token, simulator.url)
        print(banner(app, simulator, azurite, seeded, logs), flush=True)
        ready = True
        while app.process is not None and app.process.poll() is None:
            time.sleep(0.5)
        print(f"the app stopped by itself; its output:\n{app.output()[-4000:]}", file=sys.stderr)
    except KeyboardInterrupt:
        code = 0
    except (DemoError, RuntimeError, TimeoutError, OSError, httpx.HTTPError) as error:
        print(f"make demo: {error}", file=sys.stderr)
        if app is not None:
            print(f"the app's output:\n{app.output()[-4000:]}", file=sys.stderr)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("stopping the app, the WeChat simulator and Azurite", flush=True)
        app_code = app.stop() if app is not None else None
        simulator.stop()
        azurite.stop()
        if app_code not in (None, 0):
            print(f"the app exited with {app_code}; its log is in {logs}", file=sys.stderr)
            code = 1
        if code == 0:
            shutil.rmtree(logs, ignore_errors=True)
        else:
            print(f"logs kept in {logs}", file=sys.stderr)
    return code


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    sys.exit(main())
