"""``make demo`` (``python -m tools.demo``) as a user runs it: started, read from what it prints,
used through the URLs and tokens it printed, and stopped with Ctrl-C (SIGINT), after which
nothing it started is left running."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from devhost.azurite import ROOT, free_port, port_open
from tools import local_app

pytestmark = pytest.mark.timeout(240)


def descendants(pid: int) -> set[int]:
    """The processes under ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def printed(output: str, label: str) -> str:
    found = re.search(rf"^  {label}\s+(\S+)", output, flags=re.M)
    assert found, f"make demo printed no {label!r}:\n{output}"
    return found.group(1)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_make_demo_serves_a_seeded_app_and_playground_until_ctrl_c(tmp_path: Path):
    app_port, simulator_port = free_port(), free_port()
    log = tmp_path / "demo.out"

    def output() -> str:
        return log.read_text("utf-8", errors="replace")

    environment = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    command = [
        *(sys.executable, "-m", "tools.demo"),
        *("--app-port", str(app_port), "--simulator-port", str(simulator_port)),
    ]
    started: set[int] = set()
    storage_ports: list[int] = []
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        local_app.wait_for(
            lambda: "Ctrl-C stops it all" in output() or process.poll() is not None,
            150,
            "make demo to be ready",
        )
        assert process.poll() is None, output()
        text = output()
        app = f"http://127.0.0.1:{app_port}"
        simulator = f"http://127.0.0.1:{simulator_port}"
        assert printed(text, "Console") == f"{app}/console/"
        assert printed(text, "API viewer") == f"{app}/api/docs/"
        playground = printed(text, "Playground")
        assert playground == f"{simulator}/__sim/playground/"
        admin_token = printed(text, "Admin token")
        lin, wu = printed(text, "Agent Lin"), printed(text, "Agent Wu")
        storage_ports += [int(p) for p in re.findall(r"\d+", text.split("in memory on", 1)[1])[:3]]
        started |= descendants(process.pid)
        assert len(started) >= 2, "no devhost and Azurite under make demo"

        assert httpx.get(f"{app}/api/health", timeout=10).status_code == 200
        page = httpx.get(playground, timeout=10)
        assert page.status_code == 200
        assert "WeChat customer playground" in page.text
        assert httpx.get(f"{app}/api/docs/", timeout=10).status_code == 200
        with httpx.Client(base_url=app, timeout=30) as http:
            me = http.get("/api/agent/me", headers={"Authorization": f"Bearer {lin}"})
            assert me.status_code == 200, me.text
            assert (me.json()["name"], me.json()["presence"]) == ("Lin", "available")
            wu_me = http.get("/api/agent/me", headers={"Authorization": f"Bearer {wu}"}).json()
            assert (wu_me["name"], wu_me["role"]) == ("Wu", "supervisor")
            accounts = http.get(
                "/api/admin/accounts", headers={"Authorization": f"Bearer {admin_token}"}
            ).json()["accounts"]
        [account] = accounts
        [registered] = httpx.get(f"{simulator}/__sim/accounts", timeout=10).json()["accounts"]
        assert registered["appId"] == account["appId"]
        assert registered["serverUrl"] == f"{app}/api/wechat/{account['id']}"

        # The seeded workstream answers a customer: the greeting, then Lin for a refund.
        who = {"appId": account["appId"], "openId": "oDemoSmokeTest0000000000001"}
        sent = httpx.post(
            f"{playground}api/send", json={**who, "type": "text", "text": "我要退款"}, timeout=30
        )
        assert sent.json()["item"]["appAnswer"]["status"] == 200, sent.text

        def answers():
            thread = httpx.get(f"{playground}api/thread", params=who, timeout=10).json()
            texts = [item.get("text", "") for item in thread["items"] if item["from"] == "app"]
            return texts if len(texts) >= 2 else None

        greeting, assigned = local_app.wait_for(answers, 30, "the greeting and the assignment")
        assert greeting.startswith("您好")
        assert assigned == "Lin 为您服务。"
        # What the console's Timeline tab shows for it: routed by a rule, to Lin, sent.
        with httpx.Client(
            base_url=app, timeout=30, headers={"Authorization": f"Bearer {admin_token}"}
        ) as http:
            listed = http.get("/api/admin/conversations", params={"accountId": account["id"]})
            [conversation] = listed.json()["conversations"]
            path = f"/api/admin/conversations/{conversation['id']}/timeline"

            def sent_on_the_timeline():
                events = http.get(path).json()["events"]
                return events if any(e["kind"] == "sent" for e in events) else None

            events = local_app.wait_for(sent_on_the_timeline, 30, "the sends on the timeline")
        # The greeting goes out while the conversation is routed: its "sent" may come first.
        steps = [event for event in events if event["kind"] != "sent"]
        kinds = [event["kind"] for event in steps]
        assert kinds[:4] == ["received", "filed", "routed", "assigned"], kinds
        assert steps[2]["details"]["rule"]
        assert steps[3]["outcome"] == "Lin"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
    assert code == 0, output()
    assert "stopping the app, the WeChat simulator and Azurite" in output()
    assert not [pid for pid in started if alive(pid)], "make demo left processes running"
    for port in (app_port, simulator_port, *storage_ports):
        assert not port_open(port), f"port {port} still answers"
