"""Each metric of shared/core/metrics.py is emitted, with its attributes, after the action it
measures: the real steps on Azurite and the WeChat API simulator, read through an SDK
MeterProvider with an in-memory reader (the app installs an exporter in Azure instead)."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from azure.functions.queue import QueueMessage
from opentelemetry import metrics as otel_metrics
from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    MeterProvider,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
    _Gauge,
)
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader

from shared.core import metrics
from shared.core.errors import DomainError
from shared.desk.workspace import Actor, TextMessageRequest
from shared.pipeline.assign import Outcome
from shared.store.names import ROUTE_WORK_QUEUE
from shared.store.work_items import RouteItem
from tests.conftest import example_values

ROOT = Path(__file__).resolve().parents[2]
DELTA = AggregationTemporality.DELTA
_READER = InMemoryMetricReader(
    preferred_temporality={
        kind: DELTA
        for kind in (
            Counter,
            UpDownCounter,
            Histogram,
            _Gauge,
            ObservableCounter,
            ObservableUpDownCounter,
            ObservableGauge,
        )
    }
)


class Emitted:
    """What the app emitted since the last ``read``, as (metric name, attributes, value)."""

    def __init__(self, reader: InMemoryMetricReader) -> None:
        self._reader = reader

    def read(self) -> list[tuple[str, dict[str, Any], float]]:
        data = self._reader.get_metrics_data()
        found = []
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    for point in metric.data.data_points:
                        value = getattr(point, "value", None)
                        if value is None:  # a histogram: its count and sum
                            value = point.sum
                            found.append(
                                (metric.name + ".count", dict(point.attributes), point.count)
                            )
                        found.append((metric.name, dict(point.attributes), value))
        return found

    def of(self, name: str) -> list[tuple[dict[str, Any], float]]:
        return [(attrs, value) for n, attrs, value in self.read() if n == name]


@pytest.fixture(scope="session")
def meter_provider() -> MeterProvider:
    provider = MeterProvider(metric_readers=[_READER])
    otel_metrics.set_meter_provider(provider)
    assert otel_metrics.get_meter_provider() is provider, (
        "another test installed the global MeterProvider first: install this reader with it"
    )
    return provider


@pytest.fixture
def emitted(meter_provider: MeterProvider) -> Emitted:
    seen = Emitted(_READER)
    seen.read()  # what earlier tests emitted is not this test's
    return seen


@pytest.fixture
def triggers_on(services: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """triggers/wechat.py and triggers/pipeline.py as the host runs them, on these services."""
    for name, value in example_values().items():
        monkeypatch.setenv(
            name, os.environ.get(name, value)
        )  # triggers.runtime's import reads them
    import triggers.pipeline
    import triggers.wechat

    monkeypatch.setattr(triggers.wechat, "services", lambda: services)
    monkeypatch.setattr(triggers.pipeline, "services", lambda: services)
    return triggers


def post(triggers: Any, account_id: str, query: dict[str, str], body: bytes) -> func.HttpResponse:
    request = func.HttpRequest(
        "POST",
        f"http://localhost/api/wechat/{account_id}",
        params=query,
        route_params={"accountId": account_id},
        body=body,
    )
    response: func.HttpResponse = triggers.wechat.wechat_callback(request)
    return response


class TestCallback:
    def test_an_ack_a_push_and_its_retry(self, world, triggers_on, emitted):
        customer = world.customer()
        query, body = customer.push(customer.text("hello"), mode="plaintext")
        account = world.account.id
        assert post(triggers_on, account, query, body).status_code == 200
        read = emitted.read()
        [(attrs, seconds)] = [(a, v) for n, a, v in read if n == "wechat.callback.ack_duration"]
        assert attrs == {
            "wechat.account_id": account,
            "http.request.method": "POST",
            "outcome": "answered",
        }
        assert 0 < seconds < metrics.SLOW_ACK_SECONDS
        pushes = [(a, v) for n, a, v in read if n == "wechat.callback.pushes"]
        assert pushes == [({"wechat.account_id": account, "wechat.msg_type": "text"}, 1)]
        assert not [n for n, _, _ in read if n == "wechat.callback.duplicates"]

        assert post(triggers_on, account, query, body).status_code == 200  # WeChat's retry
        assert emitted.of("wechat.callback.duplicates") == [
            ({"wechat.account_id": account, "wechat.msg_type": "text"}, 1)
        ]

    def test_refusals_by_reason_and_unknown_accounts_in_one_series(
        self, world, triggers_on, emitted
    ):
        customer = world.customer()
        query, body = customer.push(customer.text("hello"), mode="plaintext")
        forged = {**query, "signature": "0" * 40}
        assert post(triggers_on, world.account.id, forged, body).status_code == 401
        assert post(triggers_on, "no-such-account-1", query, body).status_code == 404
        assert post(triggers_on, "no-such-account-2", query, body).status_code == 404
        read = emitted.read()
        refused = {
            (a["wechat.account_id"], a["reason"], v)
            for n, a, v in read
            if n == "wechat.callback.refused"
        }
        assert refused == {
            (metrics.UNKNOWN, "not_found", 2),
            (world.account.id, "bad_signature", 1),
        }
        acks = [a for n, a, _ in read if n == "wechat.callback.ack_duration"]
        assert {a["outcome"] for a in acks} == {"refused"}

    def test_an_ack_that_failed(self, world, triggers_on, services, monkeypatch, emitted):
        class StorageDown:
            def receive(self, *args: Any) -> Any:
                raise ConnectionError("storage did not answer")

        monkeypatch.setattr(services, "callback", StorageDown())
        customer = world.customer()
        query, body = customer.push(customer.text("hello"), mode="plaintext")
        with pytest.raises(ConnectionError):
            post(triggers_on, world.account.id, query, body)
        [(attrs, _)] = emitted.of("wechat.callback.ack_duration")
        assert attrs["outcome"] == "failed"
        assert attrs["wechat.account_id"] == world.account.id

    def test_a_slow_ack_counts(self, emitted):
        metrics.callback_answered("acct", "POST", None, time.perf_counter() - 2.5)
        assert emitted.of("wechat.callback.slow_acks") == [
            ({"wechat.account_id": "acct", "http.request.method": "POST", "outcome": "answered"}, 1)
        ]


class TestPipeline:
    def test_queue_wait_from_the_hosts_insertion_time(self, world, triggers_on, emitted):
        queue = world.queue()
        world.workstream(queue.id)
        conversation = world.conversation("hello", route=False)
        put = datetime.now(UTC) - timedelta(seconds=7)
        message = QueueMessage(
            body=RouteItem(conversation_id=conversation).to_body(),
            dequeue_count=1,
            insertion_time=put,
        )
        triggers_on.pipeline.route(message)
        [(attrs, seconds)] = emitted.of("pipeline.work_queue.wait")
        assert attrs == {"work_queue": ROUTE_WORK_QUEUE}
        assert 7 <= seconds < 30

    def test_a_last_failure_is_a_poison_message(self, triggers_on, emitted):
        for dequeue_count in (1, metrics.POISON_AFTER):
            bad = QueueMessage(body='{"conversation_id":"x"}', dequeue_count=dequeue_count)
            with pytest.raises(ValueError, match="does not fit RouteItem"):
                triggers_on.pipeline.route(bad)
        failures = {"work_queue": ROUTE_WORK_QUEUE, "error.type": "WorkItemError"}
        read = emitted.read()
        assert [(a, v) for n, a, v in read if n == "pipeline.step.failures"] == [(failures, 2)]
        assert [(a, v) for n, a, v in read if n == "pipeline.poison_messages"] == [(failures, 1)]

    def test_poison_after_is_host_jsons_max_dequeue_count(self):
        host = json.loads((ROOT / "host.json").read_text("utf-8"))
        assert host["extensions"]["queues"]["maxDequeueCount"] == metrics.POISON_AFTER


class TestAssignment:
    def test_assignment_latency_and_the_waiting_gauges(self, world, emitted):
        queue = world.queue()
        world.workstream(queue.id)
        first = world.conversation("first")
        world.clock.advance(40)
        world.conversation("second")
        world.clock.advance(20)
        world.services.housekeeping.sweep_assignments()  # no agent yet: both wait
        mine = {"queue": queue.id}
        read = emitted.read()  # the sweep reads every queue of the session's Azurite: this one's
        waiting = [
            v for n, a, v in read if n == "contact_center.waiting.conversations" and a == mine
        ]
        oldest = [v for n, a, v in read if n == "contact_center.waiting.oldest" and a == mine]
        assert (waiting, oldest) == ([2], [pytest.approx(60, abs=1)])

        world.agent("Lin", [queue.id], capacity=1)  # room for the first only
        world.services.assign_step.assign(first)
        world.services.housekeeping.sweep_assignments()
        read = emitted.read()
        latency = [v for n, a, v in read if n == "contact_center.assignment.latency" and a == mine]
        assert latency == [pytest.approx(60, abs=1)]
        waiting = [
            v for n, a, v in read if n == "contact_center.waiting.conversations" and a == mine
        ]
        oldest = [v for n, a, v in read if n == "contact_center.waiting.oldest" and a == mine]
        assert (waiting, oldest) == ([1], [pytest.approx(20, abs=1)])

    def test_the_assignment_log_line_names_the_conversation(self, world, emitted, caplog):
        queue = world.queue()
        world.workstream(queue.id)
        world.agent("Lin", [queue.id])
        conversation = world.conversation("hello")
        world.clock.advance(12)
        with caplog.at_level("INFO", logger="shared.core.metrics"):
            assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
        [record] = [r for r in caplog.records if r.name == "shared.core.metrics"]
        assert record.conversationId == conversation
        assert record.assignmentSeconds == pytest.approx(12, abs=1)
        assert emitted.of("contact_center.assignment.latency") == [
            ({"queue": queue.id}, pytest.approx(12, abs=1))
        ]


def reply(world: Any, agent: Any, conversation: str, text: str) -> Any:
    actor = Actor(world.fresh_agent(agent.id))
    return world.services.workspace.send_text(actor, conversation, TextMessageRequest(text=text))


class TestSends:
    def test_sends_by_outcome_and_errcode(self, chat, emitted):
        world, agent, _, conversation = chat
        world.services.outbound_step.send_pending(conversation)  # the greeting, if any
        emitted.read()
        world.wechat_api.inject("/cgi-bin/message/custom/send", errcode=45015)
        world.wechat_api.inject("/cgi-bin/message/custom/send", errcode=-1)
        reply(world, agent, conversation, "too late")
        reply(world, agent, conversation, "busy, then sent")
        world.services.outbound_step.send_pending(conversation)
        world.clock.advance(60)
        world.services.outbound_step.send_pending(conversation)
        account = world.account.id
        sends = sorted(
            (a["outcome"], a.get("wechat.errcode", 0), v) for a, v in emitted.of("wechat.sends")
        )
        assert sends == [("failed", 45015, 1), ("retry", -1, 1), ("sent", 0, 1)]
        assert all(a["wechat.account_id"] == account for a, _ in emitted.of("wechat.sends"))

    def test_a_reply_after_the_window_expired(self, chat, emitted):
        world, agent, _, conversation = chat
        world.clock.advance(49 * 3600)
        with pytest.raises(DomainError):
            reply(world, agent, conversation, "too late")
        assert emitted.of("wechat.window.refusals") == [
            ({"wechat.account_id": world.account.id, "reason": "expired"}, 1)
        ]

    def test_token_fetches_ok_and_refused_with_the_errcode(self, world, emitted):
        tokens = world.services.access_tokens
        world.wechat_api.inject("/cgi-bin/stable_token", errcode=40164)
        with pytest.raises(Exception, match="40164"):
            tokens.get(world.account.id)
        tokens.get(world.account.id)
        account = world.account.id
        assert sorted(emitted.of("wechat.token.fetches"), key=lambda p: p[0]["outcome"]) == [
            ({"wechat.account_id": account, "outcome": "failed", "wechat.errcode": 40164}, 1),
            ({"wechat.account_id": account, "outcome": "ok"}, 1),
        ]


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


class TestMedia:
    def image(self, world: Any) -> tuple[str, str]:
        queue = world.queue()
        world.workstream(queue.id)
        media_id = world.wechat_api.add_media(PNG, "image/png", "image", "photo.png")
        customer = world.customer()
        conversation = world.write(customer, customer.image(media_id))
        [entry] = world.services.conversations.transcript(conversation, limit=10)[0]
        return conversation, entry.key

    def test_media_kept(self, world, emitted):
        conversation, key = self.image(world)
        world.services.media_step.keep(conversation, key)
        assert emitted.of("wechat.media.rescues") == [
            ({"wechat.account_id": world.account.id, "outcome": "kept"}, 1)
        ]

    def test_media_wechat_gave_up(self, world, emitted):
        conversation, key = self.image(world)
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject("/cgi-bin/media/get", errcode=40007)
        world.services.media_step.keep(conversation, key)
        assert emitted.of("wechat.media.rescues") == [
            (
                {
                    "wechat.account_id": world.account.id,
                    "outcome": "failed",
                    "wechat.errcode": 40007,
                },
                1,
            )
        ]


def test_every_metric_is_documented_in_operations_md():
    text = (ROOT / "docs" / "operations.md").read_text("utf-8")
    missing = sorted(name for name in metrics.METRIC_NAMES if f"`{name}`" not in text)
    assert not missing, f"docs/operations.md does not document {missing}"
