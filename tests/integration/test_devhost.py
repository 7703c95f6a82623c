"""Devhost imitates the Functions host where the app depends on it.

Most tests run ``python -m devhost`` in a subprocess, against the session's Azurite, serving
``devhost_app/function_app.py`` (whose functions append what they received to a JSON-lines
file); the pure parts (route templates, TimeSpans, settings, decoding) are tested in-process.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient, QueueMessage

from devhost.app_index import HttpFunction, index_function
from devhost.azurite import DEFAULT_PORTS, ROOT, Azurite, free_port
from devhost.errors import StartupError
from devhost.invoker import Invoker
from devhost.local import azurite_ports, public_base_url
from devhost.queue_listener import PollingBackoff, decode_message_text
from devhost.routes import RouteTable
from devhost.settings import effective_settings, read_local_http_port, resolve_references
from devhost.timespan import parse_timespan
from shared.store import StorageClients
from tools import local_app
from tools.local_app import LocalApp, child_environment, storage_clients

APP_DIR = Path(__file__).resolve().parent / "devhost_app"
START_TIMEOUT = 30.0

pytestmark = pytest.mark.timeout(120)


# --- running devhost -----------------------------------------------------------------------


class Devhost(LocalApp):
    """Devhost serving a copy of ``devhost_app``, whose functions record what they received."""

    def __init__(
        self, root: Path, *, timers: bool = True, split: bool = False, **environment: str
    ) -> None:
        super().__init__(
            environment,
            log_dir=root,
            root=root,
            timers=timers,
            start_timeout=START_TIMEOUT,
            split=split,
        )
        values = json.loads((root / "local.settings.json").read_text("utf-8"))["Values"]
        self.record_file = Path(values["DEVHOST_RECORD_FILE"])

    def records(self, function: str | None = None) -> list[dict[str, Any]]:
        if not self.record_file.exists():
            return []
        lines = self.record_file.read_text("utf-8").splitlines()
        found = [json.loads(line) for line in lines if line.strip()]
        return [r for r in found if function is None or r["function"] == function]


def app_root(
    tmp_path: Path, values: dict[str, str], host_json: dict[str, Any] | None = None
) -> Path:
    """A copy of the test app with its own local.settings.json (and host.json, if given)."""
    root = tmp_path / "app"
    root.mkdir()
    for source in APP_DIR.iterdir():
        if source.suffix in (".py", ".json"):
            shutil.copy(source, root / source.name)
    if host_json is not None:
        (root / "host.json").write_text(json.dumps(host_json), "utf-8")
    settings = {"IsEncrypted": False, "Values": values}
    (root / "local.settings.json").write_text(json.dumps(settings), "utf-8")
    return root


def launch(root: Path, *args: str) -> subprocess.Popen[bytes]:
    """Devhost as it is, for tests that expect it not to start (the app's settings come from
    local.settings.json)."""
    with (root / "stdout.txt").open("wb") as out, (root / "stderr.txt").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "devhost", "--root", str(root), *args],
            cwd=ROOT,
            env=child_environment({}),
            stdout=out,
            stderr=err,
        )


def wait_for(condition: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    return local_app.wait_for(condition, timeout, what, interval=0.05)


def peek(queue: QueueClient) -> list[QueueMessage]:
    """The visible messages; none while the queue does not exist (poison queues start so)."""
    try:
        return list(queue.peek_messages(max_messages=32))
    except ResourceNotFoundError:
        return []


def base_values(connection_string: str, tmp_path: Path, queue_name: str) -> dict[str, str]:
    return {
        "FUNCTIONS_WORKER_RUNTIME": "python",
        "AzureWebJobsStorage": connection_string,
        "QUEUE_NAME": queue_name,
        "DEVHOST_RECORD_FILE": str(tmp_path / "records.jsonl"),
    }


@pytest.fixture(scope="module")
def storage(azurite: Azurite) -> StorageClients:
    return storage_clients(azurite.connection_string)


@pytest.fixture(scope="module")
def devhost_queue_name() -> str:
    return f"devhost-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def devhost(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory, devhost_queue_name: str
) -> Iterator[Devhost]:
    tmp_path = tmp_path_factory.mktemp("devhost")
    values = base_values(azurite.connection_string, tmp_path, devhost_queue_name)
    root = app_root(tmp_path, values)
    host = Devhost(root).start()
    yield host
    assert host.stop() == 0, host.output()


@pytest.fixture
def client(devhost: Devhost) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=devhost.url, timeout=10) as http:
        yield http


# --- HTTP ----------------------------------------------------------------------------------


def test_lists_functions_at_start(devhost):
    stdout = devhost.stdout_file.read_text("utf-8")
    assert f"devhost serving {devhost.url} (15 functions)" in stdout
    assert f"item_by_id: [GET] {devhost.url}/api/items/{{id:int}}" in stdout
    assert "on_message: queueTrigger (queue: devhost-" in stdout


def test_route_params_query_headers_and_full_url(client, devhost):
    response = client.get("/api/items/42?q=1&q=2&empty=", headers={"X-Probe": "seen"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["function"] == "item_by_id"  # context.function_name
    assert body["invocation_id"]
    assert body["method"] == "GET"
    assert body["url"] == f"{devhost.url}/api/items/42?q=1&q=2&empty="
    assert body["route_params"] == {"id": "42"}
    assert body["params"] == {"q": "1,2", "empty": ""}  # repeated keys joined, as the host does
    assert body["probe"] == "seen"
    assert "Executed 'Functions.item_by_id' (Succeeded, Id=" in wait_for(
        lambda: "Functions.item_by_id" in devhost.output() and devhost.output(), what="log line"
    )


def test_routes_need_the_prefix(client):
    assert client.get("/items/42").status_code == 404
    assert client.get("/api/nowhere").status_code == 404


def test_constraints_and_precedence(client):
    assert client.get("/api/items/abc").json()["function"] == "item_by_name"
    assert client.get("/api/items/latest").json()["function"] == "latest_item"  # literal wins
    assert client.get("/api/items/4a").status_code == 404  # neither int nor alpha
    assert client.get("/api/items/99999999999").status_code == 404  # not a 32-bit int


def test_literals_match_case_insensitively(client):
    assert client.get("/API/Items/LATEST").json()["function"] == "latest_item"
    assert client.get("/api/files/a").json()["function"] == "files"


def test_method_not_listed_is_404(client):
    assert client.post("/api/items/42").status_code == 404
    assert client.get("/api/submit").status_code == 404


def test_any_method_name_is_routed_never_501(client):
    """The host routes every method token: no route allows it, 404; a route for all, served."""
    assert client.request("PROPFIND", "/api/items/42").status_code == 404
    assert client.request("BREW", "/api/nowhere").status_code == 404
    response = client.request("PROPFIND", "/api/coroutine")  # a route without methods
    assert (response.status_code, response.text) == (200, "hello from a coroutine")


def test_the_peer_address_is_appended_to_x_forwarded_for(client):
    assert client.get("/api/items/1").json()["forwarded_for"] == "127.0.0.1"
    forwarded = client.get("/api/items/1", headers={"X-Forwarded-For": "203.0.113.7"})
    assert forwarded.json()["forwarded_for"] == "203.0.113.7, 127.0.0.1"
    repeated = client.get(
        "/api/items/1",
        headers=[("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-For", "198.51.100.2")],
    )
    assert repeated.json()["forwarded_for"] == "203.0.113.7,198.51.100.2, 127.0.0.1"


def test_a_burst_of_250_connections_is_answered(devhost):
    """Many customers writing at once: every connection is accepted and answered."""
    burst = 250

    async def call_all() -> list[int]:
        limits = httpx.Limits(max_connections=burst, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=devhost.url, limits=limits, timeout=5) as http:
            calls = [http.get(f"/api/greet/c{n}") for n in range(burst)]
            answers = await asyncio.gather(*calls, return_exceptions=True)
        return [a.status_code if isinstance(a, httpx.Response) else repr(a) for a in answers]

    statuses = asyncio.run(call_all())
    assert statuses == [200] * burst, Counter(statuses)


def test_an_escaped_slash_stays_escaped_in_route_values_as_kestrel_leaves_it(client):
    """Kestrel decodes every escape in the path but %2F, so a route value holds no "/"."""
    assert client.get("/api/greet/a%2Fb").text == "hello a%2Fb"
    assert client.get("/api/greet/a%2fb").text == "hello a%2fb"
    assert client.get("/api/greet/a%20b").text == "hello a b"
    deep = client.get("/api/Files/a%2Fb/c").json()
    assert deep["route_params"] == {"path": "a%2Fb/c"}


def test_catch_all_and_optional_segments(client):
    deep = client.get("/api/Files/a/b%20c/d.txt").json()
    assert deep["route_params"] == {"path": "a/b c/d.txt"}
    assert client.get("/api/Files").json()["route_params"] == {}
    assert client.get("/api/greet/ann").text == "hello ann"
    assert client.get("/api/greet").text == "hello nobody"
    assert client.get("/api/greet/ann/more").status_code == 404


def test_body_status_and_headers_round_trip(client):
    response = client.post("/api/submit", content=b"abc\x00\xff")
    assert response.status_code == 201
    assert response.content == b"\xff\x00cba"
    assert response.headers["x-body-length"] == "5"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_a_str_return_is_a_200_text_response(client):
    response = client.get("/api/greet/bo")
    assert (response.status_code, response.headers["content-type"]) == (
        200,
        "text/plain; charset=utf-8",
    )


def test_async_functions_are_awaited(client):
    assert client.get("/api/coroutine").text == "hello from a coroutine"


def test_an_exception_is_a_500_without_the_traceback(client, devhost):
    response = client.get("/api/fail")
    assert response.status_code == 500
    assert response.content == b""
    output = wait_for(
        lambda: "secret detail" in devhost.output() and devhost.output(), what="traceback in log"
    )
    assert "Executed 'Functions.fail' (Failed, Id=" in output
    assert "RuntimeError: secret detail that must stay in the log" in output


def test_returning_none_fails_like_the_worker(client):
    assert client.get("/api/nothing").status_code == 500


def test_a_body_over_100_mb_is_refused_with_413(devhost):
    connection = http.client.HTTPConnection(devhost.url.removeprefix("http://"), timeout=10)
    try:
        connection.putrequest("POST", "/api/submit")
        connection.putheader("Content-Length", str(100 * 1024 * 1024 + 1))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()


def test_the_body_limit_comes_from_the_app_setting(azurite: Azurite, tmp_path: Path):
    """FUNCTIONS_REQUEST_BODY_SIZE_LIMIT (the environment over local.settings.json), checked on
    Content-Length before the body is read, and on a chunked body while it is read."""
    values = {
        **base_values(azurite.connection_string, tmp_path, "devhost-limit"),
        "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT": "999999",
    }
    root = app_root(tmp_path, values)
    host = Devhost(root, timers=False, FUNCTIONS_REQUEST_BODY_SIZE_LIMIT="1000").start()
    address = ("127.0.0.1", host.port)

    def status_for(head: bytes, body: bytes = b"") -> int:
        """The status devhost answers to ``head`` and ``body``, sent without closing."""
        with socket.create_connection(address, timeout=5) as connection:
            connection.sendall(head + b"\r\n" + body)
            return int(connection.makefile("rb").readline().split()[1])

    post = b"POST /api/submit HTTP/1.1\r\nHost: x\r\n"
    try:
        with httpx.Client(base_url=host.url, timeout=10) as http:
            assert http.post("/api/submit", content=b"x" * 1000).status_code == 201
            chunks = iter([b"x" * 600, b"x" * 400])
            assert http.post("/api/submit", content=chunks).status_code == 201  # chunked
        assert status_for(post + b"Content-Length: 1001\r\n") == 413
        # 600 bytes, then a chunk header for 600 more: refused before that chunk is sent.
        chunked = post + b"Transfer-Encoding: chunked\r\n"
        partial = b"258\r\n" + b"x" * 600 + b"\r\n258\r\n"
        assert status_for(chunked, partial) == 413
    finally:
        assert host.stop() == 0, host.output()


def test_a_body_limit_that_is_not_a_number_stops_start_up(tmp_path: Path):
    values = {"DEVHOST_RECORD_FILE": str(tmp_path / "r.jsonl")}
    root = app_root(tmp_path, {**values, "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT": "100MB"})
    process = launch(root, "--port", str(free_port()))
    assert process.wait(timeout=START_TIMEOUT) == 1
    stderr = (root / "stderr.txt").read_text("utf-8")
    assert "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT must be a positive whole number of bytes" in stderr
    assert "'100MB'" in stderr


# --- queues --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def queue_name(storage: StorageClients, devhost: Devhost, devhost_queue_name: str) -> str:
    """The trigger's queue, created only after devhost started polling it while missing."""
    time.sleep(0.3)
    storage.ensure(queues=(devhost_queue_name,))
    return devhost_queue_name


def test_base64_messages_reach_the_function_decoded(storage, devhost, queue_name):
    text = f"你好 {uuid.uuid4()}"
    storage.queue(queue_name).send_message(text)  # base64 on the wire, as the host expects
    [seen] = wait_for(
        lambda: [r for r in devhost.records("on_message") if r["body"] == text], what="delivery"
    )
    assert seen["dequeue_count"] == 1
    wait_for(lambda: not peek(storage.queue(queue_name)), what="deletion")


def test_a_failing_message_is_retried_after_the_visibility_timeout_then_poisoned(
    storage, devhost, queue_name
):
    text = f"fail {uuid.uuid4()}"
    storage.queue(queue_name).send_message(text)
    poison = storage.queue(f"{queue_name}-poison")
    [poisoned] = wait_for(
        lambda: [m for m in peek(poison) if m.content == text],
        timeout=30,
        what="the poison queue",
    )
    attempts = [r for r in devhost.records("on_message") if r["body"] == text]
    assert [a["dequeue_count"] for a in attempts] == [1, 2, 3]  # host.json maxDequeueCount 3
    assert len({a["id"] for a in attempts}) == 1
    gaps = [later["at"] - earlier["at"] for earlier, later in itertools.pairwise(attempts)]
    # visibilityTimeout is 1 s; then up to maxPollingInterval (1 s) before the next poll.
    assert all(0.9 <= gap < 8 for gap in gaps), gaps
    assert poisoned.content == text
    assert not [m for m in peek(storage.queue(queue_name)) if m.content == text]


def test_a_message_that_is_not_base64_goes_straight_to_poison(storage, devhost, queue_name):
    raw = storage.queues.get_queue_client(queue_name)  # no encode policy: the text as is
    text = f"plain text, not base64 {uuid.uuid4()}!"
    raw.send_message(text)
    poison = storage.queues.get_queue_client(f"{queue_name}-poison")  # raw: no decoding
    wait_for(
        lambda: [m for m in peek(poison) if m.content == text],
        what="the poison queue",
    )
    assert not [r for r in devhost.records("on_message") if text in r["body"]]


def test_queue_name_comes_from_the_setting(devhost, devhost_queue_name):
    stdout = devhost.stdout_file.read_text("utf-8")
    assert f"queueTrigger (queue: {devhost_queue_name})" in stdout


# --- timers and the admin endpoint ---------------------------------------------------------


def test_timers_fire_on_schedule_and_on_startup(devhost):
    wait_for(lambda: len(devhost.records("every_second")) >= 2, what="the NCRONTAB timer")
    wait_for(lambda: len(devhost.records("every_interval")) >= 2, what="the TimeSpan timer")
    assert len(devhost.records("on_startup")) == 1  # runOnStartup, yearly schedule
    seconds = [r["at"] for r in devhost.records("every_second")]
    assert all(b - a > 0.5 for a, b in itertools.pairwise(seconds))


def test_admin_runs_a_timer_function(client, devhost):
    assert devhost.records("yearly") == []
    response = client.post("/admin/functions/yearly")
    assert response.status_code == 202
    [seen] = devhost.records("yearly")  # written before the answer: devhost runs it first
    assert seen["past_due"] is False


def test_admin_runs_a_queue_function_with_the_input(client, devhost):
    text = f"from admin {uuid.uuid4()}"
    response = client.post("/admin/functions/on_message", json={"input": text})
    assert response.status_code == 202
    [seen] = [r for r in devhost.records("on_message") if r["body"] == text]
    assert seen["dequeue_count"] == 1


def test_admin_reports_failure_and_unknown_names(client):
    assert client.post("/admin/functions/on_message", json={"input": "fail now"}).status_code == 500
    assert client.post("/admin/functions/no_such_function").status_code == 404
    assert client.post("/api/admin/functions/yearly").status_code == 404  # no prefix on admin


# --- other configurations ------------------------------------------------------------------


def test_no_timers_encoding_none_environment_over_file_and_worn_out_messages(
    azurite: Azurite, storage: StorageClients, tmp_path: Path
):
    queue_name = f"devhost-plain-{uuid.uuid4().hex[:8]}"
    values = base_values(azurite.connection_string, tmp_path, "not-this-queue")
    host_json = json.loads((APP_DIR / "host.json").read_text("utf-8"))
    host_json["extensions"]["queues"]["messageEncoding"] = "none"
    root = app_root(tmp_path, values, host_json)
    raw = storage.queues.get_queue_client(queue_name)  # no encoding, as host.json now says
    raw.create_queue()
    # A message already dequeued maxDequeueCount times (as after crashes mid-invocation).
    worn_out = f"worn out {uuid.uuid4()}"
    raw.send_message(worn_out)
    for _ in range(3):
        [message] = raw.receive_messages(visibility_timeout=30)
        raw.update_message(message.id, message.pop_receipt, visibility_timeout=0)
    host = Devhost(root, timers=False, QUEUE_NAME=queue_name).start()
    try:
        text = f"plain {uuid.uuid4()} ünïcode"
        raw.send_message(text)
        wait_for(lambda: [r for r in host.records("on_message") if r["body"] == text])
        poison = storage.queues.get_queue_client(f"{queue_name}-poison")
        wait_for(lambda: [m for m in peek(poison) if m.content == worn_out], what="poison")
        assert not [r for r in host.records("on_message") if r["body"] == worn_out]
        time.sleep(1)
        assert host.records("every_second") == host.records("on_startup") == []
        with httpx.Client(base_url=host.url) as http:
            assert http.post("/admin/functions/yearly").status_code == 202
        assert len(host.records("yearly")) == 1
    finally:
        assert host.stop() == 0, host.output()


def test_disabled_functions_do_not_trigger_but_run_on_demand(
    azurite: Azurite, storage: StorageClients, tmp_path: Path
):
    """``AzureWebJobs.<name>.Disabled``: no route, no listener, no timer; admin still runs it."""
    queue_name = f"devhost-off-{uuid.uuid4().hex[:8]}"
    values = {
        **base_values(azurite.connection_string, tmp_path, queue_name),
        "AzureWebJobs.submit.Disabled": "true",
        "AzureWebJobs.on_message.Disabled": "1",
        "AzureWebJobs__every_second__Disabled": "True",
    }
    root = app_root(tmp_path, values)
    queue = storage.queue(queue_name)
    queue.create_queue()
    host = Devhost(root).start()
    try:
        assert "submit: [POST]" in host.output()
        assert "(disabled)" in host.output()
        with httpx.Client(base_url=host.url) as http:
            assert http.post("/api/submit", content=b"x").status_code == 404
            assert http.get("/api/greet/ann").status_code == 200
            queue.send_message("left alone")
            time.sleep(1.5)
            assert host.records("on_message") == []
            assert host.records("every_second") == []
            assert [m.content for m in peek(queue)] == ["left alone"]
            assert http.post("/admin/functions/on_message", json={"input": "x"}).status_code == 202
        assert [r["body"] for r in host.records("on_message")] == ["x"]
    finally:
        assert host.stop() == 0, host.output()


def test_sigterm_lets_the_running_invocation_finish(azurite: Azurite, tmp_path: Path):
    root = app_root(tmp_path, base_values(azurite.connection_string, tmp_path, "devhost-idle"))
    host = Devhost(root, timers=False).start()
    answer: dict[str, Any] = {}

    def call_slow() -> None:
        with httpx.Client(base_url=host.url, timeout=15) as http:
            response = http.get("/api/slow")
            answer.update(status=response.status_code, text=response.text)

    caller = threading.Thread(target=call_slow)
    caller.start()
    try:
        wait_for(lambda: host.records("slow"), what="the slow function to start")
        host.process.send_signal(signal.SIGTERM)
        caller.join(timeout=15)
        assert answer == {"status": 200, "text": "done"}
        assert host.process.wait(timeout=15) == 0
        assert [r["phase"] for r in host.records("slow")] == ["started", "finished"]
    finally:
        host.stop()
        caller.join(timeout=5)


def test_split_runs_queues_and_timers_in_a_second_process_that_goes_with_the_first(
    azurite: Azurite, storage: StorageClients, tmp_path: Path
):
    queue_name = f"devhost-split-{uuid.uuid4().hex[:8]}"
    storage.ensure(queues=(queue_name,))
    root = app_root(tmp_path, base_values(azurite.connection_string, tmp_path, queue_name))
    host = Devhost(root, split=True).start()
    try:
        assert "on_message: queueTrigger (queue: " in host.output()
        assert "in the background process" in host.output()
        with httpx.Client(base_url=host.url, timeout=10) as http:
            assert http.get("/api/items/7").status_code == 200
            assert http.post("/admin/functions/yearly").status_code == 202  # runs here
        storage.queue(queue_name).send_message("split")
        [message] = wait_for(lambda: host.records("on_message"), what="the queue trigger")
        [timer] = wait_for(lambda: host.records("on_startup"), what="the startup timer")
        [admin_run] = host.records("yearly")
        assert admin_run["pid"] == host.process.pid
        background = message["pid"]
        assert background != host.process.pid
        assert timer["pid"] == background

        host.process.kill()  # the HTTP process dies: the background one must not outlive it
        host.process.wait(timeout=5)
        wait_for(lambda: not pid_alive(background), what="the background process to exit")
    finally:
        host.stop()


def test_split_stops_both_processes_in_order(azurite: Azurite, tmp_path: Path):
    root = app_root(tmp_path, base_values(azurite.connection_string, tmp_path, "devhost-idle"))
    host = Devhost(root, timers=False, split=True).start()
    assert host.stop() == 0
    log = host.output()
    assert log.count("SIGTERM received, stopping") == 2, log
    assert "Fatal Python error" not in log


def test_a_processing_visibility_that_is_not_seconds_stops_start_up(
    azurite: Azurite, tmp_path: Path
):
    values = base_values(azurite.connection_string, tmp_path, "unused")
    values["DEVHOST_PROCESSING_VISIBILITY_SECONDS"] = "ten"
    root = app_root(tmp_path, values)
    process = launch(root, "--port", str(free_port()))
    assert process.wait(timeout=START_TIMEOUT) == 1
    stderr = (root / "stderr.txt").read_text("utf-8")
    assert "DEVHOST_PROCESSING_VISIBILITY_SECONDS must be a whole number of seconds" in stderr


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_an_unsupported_binding_stops_start_up(tmp_path: Path):
    root = app_root(tmp_path, {"DEVHOST_RECORD_FILE": str(tmp_path / "r.jsonl")})
    process = launch(root, "--app", "unsupported_app", "--port", str(free_port()))
    assert process.wait(timeout=START_TIMEOUT) == 1
    stderr = (root / "stderr.txt").read_text("utf-8")
    assert "function 'on_upload'" in stderr
    assert "'blobTrigger'" in stderr


def test_a_missing_setting_in_a_binding_stops_start_up(azurite: Azurite, tmp_path: Path):
    values = base_values(azurite.connection_string, tmp_path, "unused")
    del values["QUEUE_NAME"]
    root = app_root(tmp_path, values)
    process = launch(root, "--port", str(free_port()))
    assert process.wait(timeout=START_TIMEOUT) == 1
    stderr = (root / "stderr.txt").read_text("utf-8")
    assert "function 'on_message': app setting 'QUEUE_NAME' (referenced as %QUEUE_NAME%)" in stderr


def with_host_section(root: Path, host: dict[str, Any]) -> Path:
    path = root / "local.settings.json"
    settings = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**settings, "Host": host}), "utf-8")
    return root


def serving_port(root: Path, *args: str) -> int:
    """The port devhost says it serves on, checked with a request; devhost stopped after."""
    process = launch(root, "--no-timers", *args)
    stdout = root / "stdout.txt"
    try:
        wait_for(
            lambda: "devhost serving" in stdout.read_text("utf-8") or process.poll() is not None,
            START_TIMEOUT,
            "devhost to serve",
        )
        url = stdout.read_text("utf-8").partition("devhost serving ")[2].split()[0]
        assert httpx.get(f"{url}/api/items/latest", timeout=10).json() == {
            "function": "latest_item"
        }
        return int(url.rpartition(":")[2])
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=START_TIMEOUT) == 0


def test_the_port_is_host_local_http_port_unless_port_is_given(azurite: Azurite, tmp_path: Path):
    """As ``func start``: Host.LocalHttpPort of local.settings.json, and ``--port`` over it."""
    values = base_values(azurite.connection_string, tmp_path, "devhost-port")
    from_settings, from_argument = free_port(), free_port()
    root = with_host_section(app_root(tmp_path, values), {"LocalHttpPort": from_settings})
    assert serving_port(root) == from_settings
    assert serving_port(root, "--port", str(from_argument)) == from_argument


def test_a_local_http_port_that_is_not_a_number_stops_start_up(tmp_path: Path):
    root = app_root(tmp_path, {"DEVHOST_RECORD_FILE": str(tmp_path / "r.jsonl")})
    process = launch(with_host_section(root, {"LocalHttpPort": "seventy"}))
    assert process.wait(timeout=START_TIMEOUT) == 1
    stderr = (root / "stderr.txt").read_text("utf-8")
    assert "Host.LocalHttpPort must be a port number from 1 to 65535, not 'seventy'" in stderr


# --- pure parts, in-process ----------------------------------------------------------------


def route_table(*routes: tuple[str, list[str] | None], prefix: str = "api") -> RouteTable[str]:
    table: RouteTable[str] = RouteTable(prefix=prefix)
    for template, methods in routes:
        table.add(template, methods, template)
    return table


def test_route_templates_in_process():
    table = route_table(
        ("users/{id:int}", ["GET"]),
        ("users/{name}", None),
        ("users/me", None),
        ("docs/{name}.{ext}", None),
        ("v/{n:range(1,3)}", None),
        ("page/{number=1}", None),
        ("g/{id:guid}", None),
        ("odd/{id:frobnicate}", None),
    )

    def target(method: str, path: str) -> tuple[str, dict[str, str]] | None:
        found = table.match(method, path)
        return None if found is None else (found.target, found.route_params)

    assert target("GET", "/api/users/7") == ("users/{id:int}", {"id": "7"})
    assert target("POST", "/api/users/7") == ("users/{name}", {"name": "7"})  # next candidate
    assert target("GET", "/api/USERS/Me") == ("users/me", {})
    assert target("GET", "/api/docs/a.b.txt") == (
        "docs/{name}.{ext}",
        {"name": "a.b", "ext": "txt"},
    )
    assert target("GET", "/api/v/2")[0] == "v/{n:range(1,3)}"
    assert target("GET", "/api/v/4") is None
    assert target("GET", "/api/page") == ("page/{number=1}", {"number": "1"})
    assert target("GET", "/api/g/3f2504e0-4f89-11d3-9a0c-0305e82c3301")[0] == "g/{id:guid}"
    assert target("GET", "/api/g/nope") is None
    assert target("GET", "/api/odd/anything")[0] == "odd/{id:frobnicate}"  # unknown: no check
    assert target("GET", "/api/users/7/") == ("users/{id:int}", {"id": "7"})  # trailing slash
    assert route_table(("health", None), prefix="").match("GET", "/health") is not None


def test_a_function_without_a_route_is_served_at_its_name():
    bindings = [
        {"direction": "IN", "type": "httpTrigger", "name": "req"},
        {"direction": "OUT", "type": "http", "name": "$return"},
    ]
    spec = index_function("ping", lambda req: "pong", bindings, {})
    assert isinstance(spec, HttpFunction)
    assert (spec.route, spec.methods) == ("ping", None)


def test_parameters_must_match_bindings():
    bindings = [{"direction": "IN", "type": "queueTrigger", "name": "msg", "queueName": "abc"}]
    with pytest.raises(StartupError, match=r"parameters \['extra'\] have no binding"):
        index_function("f", lambda msg, extra: None, bindings, {})
    with pytest.raises(StartupError, match=r"bindings \['msg'\] have no parameter"):
        index_function("f", lambda message: None, bindings, {})


def test_a_function_without_an_output_binding_must_return_none():
    timer = [{"direction": "IN", "type": "timerTrigger", "name": "t", "schedule": "0 0 0 1 1 *"}]
    invoker = Invoker(function_directory=str(APP_DIR))
    try:
        returns_one = invoker.invoke(index_function("f", lambda t: 1, timer, {}), None)
        assert not returns_one.succeeded
        assert "'f' has no $return binding but returned a value (int)" in str(returns_one.error)
        assert invoker.invoke(index_function("g", lambda t: None, timer, {}), None).succeeded
    finally:
        invoker.close()


def test_invalid_queue_name_and_schedule_stop_start_up():
    queue = [{"direction": "IN", "type": "queueTrigger", "name": "msg", "queueName": "a_b"}]
    with pytest.raises(StartupError, match="queue name 'a_b' is invalid"):
        index_function("f", lambda msg: None, queue, {})
    timer = [{"direction": "IN", "type": "timerTrigger", "name": "t", "schedule": "0 0 25 * * *"}]
    with pytest.raises(StartupError, match=r"function 'f': .* hour field '25'"):
        index_function("f", lambda t: None, timer, {})


def test_timespans():
    assert parse_timespan("00:00:02") == timedelta(seconds=2)
    assert parse_timespan("00:05") == timedelta(minutes=5)
    assert parse_timespan("1.02:03:04.5") == timedelta(days=1, hours=2, minutes=3, seconds=4.5)
    assert parse_timespan("2") == timedelta(days=2)
    for bad in ("", "5 minutes", "00:60:00", "24:00:00", "-00:00:01"):
        with pytest.raises(ValueError, match="is not a TimeSpan"):
            parse_timespan(bad)


def test_message_decoding():
    assert (
        decode_message_text(base64.b64encode("你好".encode()).decode(), "base64") == "你好".encode()
    )
    assert decode_message_text("aGk=\n", "base64") == b"hi"
    assert decode_message_text("not base64!", "none") == b"not base64!"
    with pytest.raises(ValueError, match="not base64"):
        decode_message_text("not base64!", "base64")


def test_polling_backs_off_to_the_maximum_and_resets():
    backoff = PollingBackoff(timedelta(seconds=2))
    assert [backoff.next_delay() for _ in range(7)] == [0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    backoff.reset()
    assert backoff.next_delay() == 0.1


def test_environment_wins_over_local_settings(tmp_path: Path):
    document = {"Values": {"A": "from file", "B": "from file"}, "Host": {"LocalHttpPort": 7123}}
    (tmp_path / "local.settings.json").write_text(json.dumps(document), "utf-8")
    assert effective_settings(tmp_path, {"A": "from env"}) == {"A": "from env", "B": "from file"}
    assert read_local_http_port(tmp_path) == 7123  # Core Tools' default port, when set
    assert resolve_references("q-%B%-x", {"B": "b"}, where="here") == "q-b-x"
    with pytest.raises(StartupError, match="here: app setting 'C'"):
        resolve_references("%C%", {}, where="here")


AZURITE = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=k;"


@pytest.mark.parametrize(
    ("connection_string", "ports"),
    [
        ("UseDevelopmentStorage=true", DEFAULT_PORTS),  # what the SDKs and the host take it for
        ("usedevelopmentstorage=TRUE;", DEFAULT_PORTS),
        (
            AZURITE + "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
            "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"
            "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;",
            (10000, 10001, 10002),
        ),
        (
            AZURITE + "TableEndpoint=http://localhost:45003/devstoreaccount1;"
            "blobendpoint=http://LOCALHOST:45001/devstoreaccount1;"
            "QueueEndpoint=http://127.0.0.1:45002/devstoreaccount1",
            (45001, 45002, 45003),  # blob, queue, table whatever the order and case
        ),
        (
            AZURITE + "BlobEndpoint=https://127.0.0.1:45001/devstoreaccount1;"
            "QueueEndpoint=https://127.0.0.1:45002/devstoreaccount1;"
            "TableEndpoint=https://127.0.0.1:45003/devstoreaccount1",
            None,  # Azurite with a certificate: the user's own
        ),
        (
            AZURITE + "BlobEndpoint=http://[::1]:45001/devstoreaccount1;"
            "QueueEndpoint=http://[::1]:45002/devstoreaccount1;"
            "TableEndpoint=http://[::1]:45003/devstoreaccount1",
            None,  # make run's Azurite listens on 127.0.0.1 only
        ),
        ("DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=k", None),
        (
            "DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=k;"
            "BlobEndpoint=https://prod.blob.core.windows.net",
            None,
        ),
        ("", None),
    ],
)
def test_make_run_starts_azurite_on_the_ports_of_local_storage(connection_string, ports):
    assert azurite_ports(connection_string) == ports


@pytest.mark.parametrize(
    ("connection_string", "message"),
    [
        (
            AZURITE + "QueueEndpoint=http://127.0.0.1:45123/devstoreaccount1",
            "names local Azurite for QueueEndpoint but not for BlobEndpoint and TableEndpoint",
        ),
        (
            AZURITE + "BlobEndpoint=http://127.0.0.1:45001/devstoreaccount1;"
            "QueueEndpoint=http://127.0.0.1:45002/devstoreaccount1;"
            "TableEndpoint=https://prod.table.core.windows.net",
            "but not for TableEndpoint",
        ),
        (
            AZURITE + "BlobEndpoint=http://127.0.0.1:45001/devstoreaccount1;"
            "QueueEndpoint=http://127.0.0.1:45001/devstoreaccount1;"
            "TableEndpoint=http://127.0.0.1:45003/devstoreaccount1",
            r"on ports \(45001, 45001, 45003\); Azurite needs three different ports",
        ),
        (
            AZURITE + "BlobEndpoint=http://127.0.0.1:99999/devstoreaccount1",
            "BlobEndpoint 'http://127.0.0.1:99999/devstoreaccount1' has no valid port",
        ),
    ],
)
def test_make_run_refuses_storage_only_partly_on_local_azurite(connection_string, message):
    with pytest.raises(StartupError, match=message) as raised:
        azurite_ports(connection_string)
    assert "AccountKey" not in str(raised.value)


def test_make_run_points_public_base_url_at_the_host_unless_it_is_set(capsys):
    assert public_base_url({}, 8123) == {"PUBLIC_BASE_URL": "http://localhost:8123"}
    assert public_base_url({"PUBLIC_BASE_URL": " "}, 8123) == {
        "PUBLIC_BASE_URL": "http://localhost:8123"
    }
    for kept in ("https://abc.ngrok.app", "http://localhost:8123", "http://127.0.0.1:8123/"):
        assert public_base_url({"PUBLIC_BASE_URL": kept}, 8123) == {}
    assert capsys.readouterr().err == ""
    assert public_base_url({"PUBLIC_BASE_URL": "http://localhost:7071"}, 8123) == {}
    warning = capsys.readouterr().err
    assert "PUBLIC_BASE_URL is http://localhost:7071 but the host listens on port 8123" in warning


@pytest.mark.parametrize(
    ("host", "port"),
    [
        ({"LocalHttpPort": 7123}, 7123),
        ({"LocalHttpPort": "7124"}, 7124),  # Json.NET reads a numeric string as a number
        ({"localHTTPport": 7125}, 7125),  # and names in any case
        ({"CORS": "*"}, None),
        (None, None),
    ],
)
def test_local_http_port_is_read_as_core_tools_read_it(tmp_path: Path, host, port):
    document = {"Values": {}} if host is None else {"Values": {}, "Host": host}
    (tmp_path / "local.settings.json").write_text(json.dumps(document), "utf-8")
    assert read_local_http_port(tmp_path) == port


@pytest.mark.parametrize("value", ["seventy", 0, 65536, True, 7071.5, [7071]])
def test_a_local_http_port_that_is_not_a_port_is_refused(tmp_path: Path, value):
    document = {"Values": {}, "Host": {"LocalHttpPort": value}}
    (tmp_path / "local.settings.json").write_text(json.dumps(document), "utf-8")
    with pytest.raises(StartupError, match=r"Host\.LocalHttpPort must be a port number"):
        read_local_http_port(tmp_path)
