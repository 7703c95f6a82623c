"""The README's walkthrough, run as written: its shell blocks in bash from a folder laid out as
the repository is after `make setup`, against the WeChat API simulator started by the README's
own command and the app under devhost; twice, since a second run must find what the first
created. Then the README's command for the example webhook bot, and what the bot answers.

Only the ports change (7071, 7072, 7073 may be taken on a shared machine), and the app runs
under devhost on its own Azurite rather than through `make run`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devhost.azurite import ROOT, Azurite, free_port, port_open
from shared.bots.webhook import REQUEST_ID_HEADER, signed_headers, verify
from tools.local_app import LocalApp, app_settings, wait_for

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(not (shutil.which("bash") and shutil.which("curl")), reason="no bash, curl"),
]

README = (ROOT / "README.md").read_text("utf-8")
PORTS = {"7071": "app", "7072": "simulator", "7073": "bot"}
BOT_SECRET = "demo-bot-secret"  # the README's


def sections(prefix: str) -> list[str]:
    return [part for part in re.split(r"^## ", README, flags=re.M) if part.startswith(prefix)]


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S)


def command(block: str, starting: str) -> str:
    """The command in ``block`` that starts with ``starting``, its continued lines joined."""
    joined = block.replace("\\\n", " ")
    found = [line.strip() for line in joined.splitlines() if line.startswith(starting)]
    assert len(found) == 1, f"no single command starting {starting!r} in:\n{block}"
    return found[0]


def on_ports(script: str, ports: dict[str, int]) -> str:
    for default, name in PORTS.items():
        if name not in ports:
            continue
        script = script.replace(f"127.0.0.1:{default}", f"127.0.0.1:{ports[name]}")
        script = script.replace(f"--port {default}", f"--port {ports[name]}")
    return script


def walkthrough_script() -> str:
    """The walkthrough's blocks for the third terminal, then those of the bot section without
    the lines that start servers (the test starts them)."""
    (servers, *steps) = [b for part in sections("Walkthrough") for b in shell_blocks(part)]
    assert "terminal 1" in servers, "the walkthrough changed shape"
    assert len(steps) == 4, "the walkthrough changed shape"
    (bots,) = sections("Bots, surveys and privacy")
    bot_blocks = shell_blocks(bots.split("### Surveys")[0])
    assert len(bot_blocks) == 3, "the bot section changed shape"
    starts_server = ("make run", "-m tools.webhook_bot")
    bot_lines = [
        line
        for block in bot_blocks
        for line in block.splitlines()
        if not any(server in line for server in starts_server)
    ]
    return "\n".join([*steps, *bot_lines])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as the README's commands see it: ``.venv/bin/python`` (this Python) and
    ``local.settings.json``; the code itself comes from the repository."""
    here = tmp_path_factory.mktemp("clone")
    python = here / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    return here


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def start(command_line: str, cwd: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command_line}"],
            cwd=cwd,
            env=environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: port_open(port) or process.poll() is not None, 30, command_line)
    except TimeoutError:
        process.kill()
        raise
    assert process.poll() is None, log.read_text("utf-8")
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def ports() -> dict[str, int]:
    """For the simulator and the bot; the app's is its own."""
    return {"simulator": free_port(), "bot": free_port()}


@pytest.fixture(scope="module")
def simulator(folder: Path, ports: dict[str, int]) -> Iterator[str]:
    """WeChat's server API, started by the README's terminal-1 command."""
    (servers, *_) = shell_blocks(sections("Walkthrough")[0])
    line = on_ports(command(servers, ".venv/bin/python -m tools.wechat_simulator api"), ports)
    process = start(line, folder, ports["simulator"], folder / "simulator.log")
    yield f"http://127.0.0.1:{ports['simulator']}"
    stop(process)


@pytest.fixture(scope="module")
def bot(folder: Path, ports: dict[str, int]) -> Iterator[str]:
    """The example webhook bot, started by the README's command."""
    line = on_ports(command(README, ".venv/bin/python -m tools.webhook_bot"), ports)
    process = start(line, folder, ports["bot"], folder / "bot.log")
    yield f"http://127.0.0.1:{ports['bot']}/bot"
    stop(process)


@pytest.fixture(scope="module")
def app(
    folder: Path,
    simulator: str,
    bot: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalApp]:
    """The app as the README's terminal 2 serves it, with the bot section's setting; its
    admin token is the one local.settings.json holds."""
    with Azurite(tmp_path_factory.mktemp("walkthrough-azurite"), in_memory=True) as azurite:
        settings = app_settings(
            azurite.connection_string,
            WECHAT_API_BASE_URL=simulator,
            BOT_WEBHOOK_ALLOW_LOOPBACK="true",
        )
        local = LocalApp(settings, log_dir=tmp_path_factory.mktemp("walkthrough-app"))
        values = {"Values": {"ADMIN_TOKEN": local.admin_token}}
        (folder / "local.settings.json").write_text(json.dumps(values))
        with local:
            yield local


def run(script: str, folder: Path, shell: str = "bash") -> list[str]:
    """Run ``script`` in a new ``shell``, as in a new terminal; its output lines. Any output on
    stderr (a helper that found no answer, a curl error, a traceback) fails the run."""
    done = subprocess.run(
        [shell, "-c", script],
        cwd=folder,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.stderr == "", done.stdout + done.stderr
    assert done.returncode == 0, done.stdout
    return done.stdout.splitlines()


def test_the_walkthrough_runs_twice_and_the_second_run_finds_what_the_first_made(
    app: LocalApp, folder: Path, ports: dict[str, int]
) -> None:
    script = on_ports(walkthrough_script(), {**ports, "app": app.port})
    first = run(script, folder)
    second = run(script, folder)

    def one(lines: list[str], prefix: str) -> str:
        (line,) = [line for line in lines if line.startswith(prefix)]
        return line

    for prefix in ("account ", "queues "):
        assert one(second, prefix) == one(first, prefix)
    queues = one(first, "queues ").removeprefix("queues ").split(", ")[0].split()
    with app.admin() as admin:
        lin = next(a for a in admin.get("/api/admin/agents").json()["agents"] if a["name"] == "Lin")
        totals = {
            kind: len(admin.get(f"/api/admin/{kind}").json()[kind])
            for kind in ("accounts", "queues", "workstreams", "agents")
        }
    assert totals == {"accounts": 1, "queues": 2, "workstreams": 1, "agents": 2}
    for lines in (first, second):
        routed = [line.split() for line in lines if line.startswith("oCustomer")]
        assert sorted(c[0] for c in routed) == ["oCustomer0001", "oCustomer0002", "oCustomer0003"]
        assert ["oCustomer0002", queues[1], "refunds", lin["id"]] in routed
        assert "out sent 您好，退款已受理，3 个工作日内到账。" in lines
        assert lines[lines.index("wrapup") + 1] == "closed"  # Lin closed the refund conversation
        assert lines[-1] == "Demo shop on WeChat"  # the bot taken away again
    # the webhook bot answered the new customer, in each run, and ended the conversation
    assert first.count('text {"content": "Goodbye!"}') == 1, "\n".join(first[-12:])
    assert second.count('text {"content": "Goodbye!"}') == 2, "\n".join(second[-12:])


@pytest.mark.skipif(not shutil.which("zsh"), reason="no zsh")
def test_the_walkthrough_runs_in_zsh(app: LocalApp, folder: Path, ports: dict[str, int]) -> None:
    """macOS's shell: no word splitting, and ``path`` is tied to ``PATH``."""
    lines = run(on_ports(walkthrough_script(), {**ports, "app": app.port}), folder, "zsh")
    assert "out sent 您好，退款已受理，3 个工作日内到账。" in lines
    assert lines[lines.index("wrapup") + 1] == "closed"


def test_the_readme_bot_command_answers_a_signed_request_signed(bot: str, folder: Path) -> None:
    body = json.dumps({"conversation": {"id": "c1"}, "message": {"text": "hi"}}).encode()
    request_id = secrets.token_hex(16)
    headers = {**signed_headers(BOT_SECRET, request_id, body, time.time())}
    headers[REQUEST_ID_HEADER] = request_id
    answer = httpx.post(bot, content=body, headers=headers, timeout=10)
    assert answer.status_code == 200
    assert verify(BOT_SECRET, answer.headers, answer.content, time.time(), request_id)
    assert answer.json() == {"actions": [{"type": "reply", "text": "You said: hi"}]}

    forged = {**headers, "X-WCC-Signature": "sha256=" + "0" * 64}
    assert httpx.post(bot, content=body, headers=forged, timeout=10).status_code == 401


def test_the_bots_usage_text_is_the_readme_command() -> None:
    line = command(README, ".venv/bin/python -m tools.webhook_bot")
    program = line.split(" --")[0]
    usage = subprocess.run(
        [sys.executable, "-m", "tools.webhook_bot", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert usage.startswith(f"usage: {program} ")
    assert f"  {line.split(' --secret')[0]} --secret" in usage
