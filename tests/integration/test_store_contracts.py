"""What the service tests' fakes (tests/fakes) promise, checked on each fake and on its real
adapter against Azurite: every test here runs twice, ``[fake]`` and ``[azurite]``, so a fake
that drifts from the store it stands for fails here. Lost races are made the way another worker
makes them: a write that lands between a read and the write that depends on it."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import pytest
from azure.storage.queue import QueueClient

from shared.model.agents import Agent, Presence
from shared.model.conversations import (
    Conversation,
    ConversationState,
    Customer,
    ReplyWindow,
    TranscriptEntry,
)
from shared.model.queues import AssignmentMethod
from shared.model.skills import HeldSkill
from shared.store import StorageClients
from shared.store.availability import AvailabilityIndex
from shared.store.changes import ChangeFeed
from shared.store.conversations import ConversationStore
from shared.store.documents import DocumentStore, DuplicateError
from shared.store.optimistic import ChangedError
from shared.store.waiting import WaitingLine
from shared.store.work_items import AssignItem
from shared.store.work_queues import Receipt, WorkQueue
from tests.fakes.availability import FakeAvailabilityIndex
from tests.fakes.changes import FakeChangeFeed
from tests.fakes.clock import Clock
from tests.fakes.conversations import FakeConversationStore
from tests.fakes.documents import FakeDocumentStore
from tests.fakes.waiting import FakeWaitingLine
from tests.fakes.work_queues import FakeWorkQueue

NOW = datetime(2025, 11, 24, 8, 0, tzinfo=timezone.utc)


class QueueReader:
    """What a listener sees of a real queue: ``FakeWorkQueue.peek`` and ``receive``."""

    def __init__(self, client: QueueClient) -> None:
        self._client = client

    def peek(self) -> list[dict[str, Any]]:
        return [json.loads(m.content) for m in self._client.peek_messages(max_messages=32)]

    def receive(self, visibility_timeout: int = 30) -> tuple[dict[str, Any], Receipt] | None:
        message = self._client.receive_message(visibility_timeout=visibility_timeout)
        if message is None:
            return None
        return json.loads(message.content), Receipt(message.id, message.pop_receipt or "")


class Backend:
    """Makes one kind of each store: the fakes, or the real adapters on fresh tables."""

    name: str

    def documents(self, unique: dict[str, Callable[[Agent], str | None]]) -> Any:
        raise NotImplementedError

    def feed(self) -> Any:
        raise NotImplementedError

    def conversations(self, feed: Any) -> Any:
        raise NotImplementedError

    def waiting(self) -> Any:
        raise NotImplementedError

    def availability(self) -> Any:
        raise NotImplementedError

    def work_queue(self) -> tuple[Any, Any]:
        """The queue and a reader of it."""
        raise NotImplementedError

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` pass for the queue's visibility."""
        raise NotImplementedError


class Fakes(Backend):
    name = "fake"

    def __init__(self) -> None:
        self.clock = Clock()

    def documents(self, unique: dict[str, Callable[[Agent], str | None]]) -> Any:
        return FakeDocumentStore(Agent, unique=unique)

    def feed(self) -> Any:
        return FakeChangeFeed()

    def conversations(self, feed: Any) -> Any:
        return FakeConversationStore(feed)

    def waiting(self) -> Any:
        return FakeWaitingLine()

    def availability(self) -> Any:
        return FakeAvailabilityIndex()

    def work_queue(self) -> tuple[Any, Any]:
        queue = FakeWorkQueue("contract", self.clock, AssignItem)
        return queue, queue

    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)


class Azurite(Backend):
    name = "azurite"

    def __init__(self, storage: StorageClients) -> None:
        self.storage = storage
        self.tables: list[str] = []
        self.queues: list[str] = []

    def table(self) -> Any:
        name = "contract" + uuid.uuid4().hex[:12]
        self.storage.tables.create_table(name)
        self.tables.append(name)
        return self.storage.table(name)

    def documents(self, unique: dict[str, Callable[[Agent], str | None]]) -> Any:
        return DocumentStore(self.table(), "agents", Agent, unique=unique)

    def feed(self) -> Any:
        return ChangeFeed(self.table(), lambda: NOW.timestamp())

    def conversations(self, feed: Any) -> Any:
        return ConversationStore(self.table(), self.table(), feed)

    def waiting(self) -> Any:
        return WaitingLine(self.table())

    def availability(self) -> Any:
        return AvailabilityIndex(self.table())

    def work_queue(self) -> tuple[Any, Any]:
        name = "contract-" + uuid.uuid4().hex[:12]
        client = self.storage.queue(name)
        client.create_queue()
        self.queues.append(name)
        return WorkQueue(client, AssignItem), QueueReader(client)

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)

    def close(self) -> None:
        for name in self.tables:
            self.storage.tables.delete_table(name)
        for name in self.queues:
            self.storage.queue(name).delete_queue()


@pytest.fixture(params=["fake", "azurite"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "fake":
        yield Fakes()
        return
    real = Azurite(request.getfixturevalue("app_storage"))
    yield real
    real.close()


def agent(agent_id: str, **fields: Any) -> Agent:
    defaults = {"name": agent_id, "token_hash": f"hash-{agent_id}"}
    return Agent(id=agent_id, created_at=NOW, updated_at=NOW, **{**defaults, **fields})


# --- DocumentStore ---------------------------------------------------------------------------


@pytest.fixture
def documents(backend: Backend) -> Any:
    return backend.documents({"token": lambda a: a.token_hash})


def test_documents_are_read_by_id_and_index_and_listed_by_id(documents):
    documents.create(agent("b"))
    documents.create(agent("a", capacity=7))
    found = documents.get("a")
    assert found is not None
    assert found[0] == agent("a", capacity=7)
    assert found[1]  # an ETag
    assert documents.get("missing") is None
    assert documents.find("token", "hash-b") == agent("b")
    assert documents.find("token", "hash-none") is None
    assert [a.id for a in documents.list_all()] == ["a", "b"]


def test_a_taken_id_or_unique_value_is_refused_and_nothing_is_written(documents):
    documents.create(agent("a"))
    with pytest.raises(DuplicateError) as taken:
        documents.create(agent("b", token_hash="hash-a"))
    assert (taken.value.index, taken.value.value) == ("token", "hash-a")
    assert documents.get("b") is None
    with pytest.raises(DuplicateError):
        documents.create(agent("a", token_hash="hash-other"))
    assert documents.find("token", "hash-other") is None  # the pointer went with the refusal
    assert documents.get("a")[0] == agent("a")


def test_a_replace_on_a_stale_etag_loses(documents):
    documents.create(agent("a"))
    before, etag = documents.get("a")
    documents.replace(before, before.model_copy(update={"capacity": 5}), etag)
    with pytest.raises(ChangedError):
        documents.replace(before, before.model_copy(update={"capacity": 9}), etag)
    assert documents.get("a")[0].capacity == 5
    assert documents.get("a")[1] != etag


def test_a_replace_moves_the_index_and_refuses_a_value_another_holds(documents):
    documents.create(agent("a"))
    documents.create(agent("b"))
    before, etag = documents.get("a")
    documents.replace(before, before.model_copy(update={"token_hash": "hash-new"}), etag)
    assert documents.find("token", "hash-a") is None
    assert documents.find("token", "hash-new").id == "a"
    before, etag = documents.get("b")
    with pytest.raises(DuplicateError) as taken:
        documents.replace(before, before.model_copy(update={"token_hash": "hash-new"}), etag)
    assert (taken.value.index, taken.value.value) == ("token", "hash-new")
    assert documents.get("b")[0].token_hash == "hash-b"


def test_update_retries_after_another_writer_and_gives_up_after_its_attempts(documents):
    documents.create(agent("a", capacity=1))
    calls = []

    def add_one(current: Agent) -> Agent:
        calls.append(current.capacity)
        if len(calls) == 1:  # another worker writes between this read and this write
            documents.update("a", lambda a: a.model_copy(update={"capacity": 10}))
        return current.model_copy(update={"capacity": current.capacity + 1})

    before, after = documents.update("a", add_one)
    assert calls == [1, 10]
    assert (before.capacity, after.capacity) == (10, 11)
    assert documents.get("a")[0].capacity == 11

    calls.clear()
    with pytest.raises(ChangedError):
        documents.update("a", add_one, attempts=1)
    assert documents.get("a")[0].capacity == 10  # only the other worker's write landed

    unchanged = documents.get("a")[0]
    assert documents.update("a", lambda a: None) == (unchanged, unchanged)
    assert documents.update("missing", add_one) is None


def test_delete_takes_the_index_with_it_and_a_missing_one_is_a_change(documents):
    documents.create(agent("a"))
    documents.delete(agent("a"))
    assert documents.get("a") is None
    assert documents.find("token", "hash-a") is None
    with pytest.raises(ChangedError):
        documents.delete(agent("a"))
    documents.create(agent("z", token_hash="hash-a"))  # the value is free again


# --- ConversationStore -----------------------------------------------------------------------


@pytest.fixture
def conversations(backend: Backend) -> Any:
    return backend.conversations(backend.feed())


def test_opening_points_the_customer_at_it_and_reuses_an_open_one(conversations):
    first, created = conversations.open_for("acct", "alice", NOW)
    assert created
    assert first.id.startswith("acct-")
    assert (first.state, first.open_id, first.etag is not None) == (
        ConversationState.OPEN,
        "alice",
        True,
    )
    assert conversations.get(first.id) == first
    again, created = conversations.open_for("acct", "alice", NOW + timedelta(seconds=5))
    assert (again.id, created) == (first.id, False)
    assert conversations.current("acct", "alice").id == first.id

    conversations.close(first.id, reason="done", now=NOW + timedelta(minutes=1))
    assert conversations.current("acct", "alice") is None
    second, created = conversations.open_for("acct", "alice", NOW + timedelta(minutes=2))
    assert created
    customer = conversations.customer("acct", "alice")
    assert customer.open_conversation_id == second.id
    assert customer.conversation_ids == [second.id, first.id]


def test_a_save_on_a_stale_copy_loses_and_changes_nothing(conversations):
    read, _ = conversations.open_for("acct", "bob", NOW)
    saved = conversations.save(read, queue_id="q1", updated_at=NOW)
    assert saved.etag != read.etag
    assert conversations.get(read.id).queue_id == "q1"
    with pytest.raises(ChangedError):
        conversations.save(read, queue_id="q2")
    assert conversations.get(read.id).queue_id == "q1"
    again = conversations.save(saved, queue_id="q3")  # the ETag a save returns is the row's
    assert conversations.get(read.id).etag == again.etag


def test_a_save_of_a_conversation_that_is_not_there_loses(conversations):
    read, _ = conversations.open_for("acct", "carol", NOW)
    ghost = read.model_copy(update={"id": "acct-nothere"})
    with pytest.raises(ChangedError):
        conversations.save(ghost, queue_id="q1")
    assert conversations.get("acct-nothere") is None
    assert conversations.get("no account part") is None


def test_change_reads_again_after_another_writer(conversations):
    opened, _ = conversations.open_for("acct", "dave", NOW)
    seen = []

    def count(current: Conversation) -> dict[str, Any]:
        seen.append(current.customer_lines)
        if len(seen) == 1:
            conversations.change(opened.id, lambda c: {"customer_lines": 5})
        return {"customer_lines": current.customer_lines + 1}

    changed = conversations.change(opened.id, count)
    assert seen == [0, 5]
    assert changed.customer_lines == conversations.get(opened.id).customer_lines == 6
    assert conversations.change(opened.id, lambda c: None).etag == changed.etag
    assert conversations.change("acct-nothere", count) is None


def test_closing_clears_the_customers_pointer_once(conversations):
    opened, _ = conversations.open_for("acct", "erin", NOW)
    later = NOW + timedelta(minutes=3)
    closed = conversations.close(opened.id, reason="agent_closed", now=later)
    assert (closed.state, closed.close_reason, closed.closed_at) == (
        ConversationState.CLOSED,
        "agent_closed",
        later,
    )
    assert conversations.get(opened.id) == closed
    assert conversations.customer("acct", "erin").open_conversation_id is None
    again = conversations.close(opened.id, reason="other", now=later + timedelta(minutes=1))
    assert (again.close_reason, again.etag) == ("agent_closed", closed.etag)
    assert conversations.close("acct-nothere", reason="x", now=later) is None


def test_a_customer_is_made_when_missing_and_changed_under_its_etag(conversations):
    made = conversations.change_customer(
        "acct", "fay", lambda c: c.model_copy(update={"tags": ["vip"]})
    )
    assert (made.tags, made.etag is not None) == (["vip"], True)
    seen = []

    def tag(current: Customer) -> Customer:
        seen.append(list(current.tags))
        if len(seen) == 1:
            conversations.change_customer(
                "acct", "fay", lambda c: c.model_copy(update={"scene": "qr"})
            )
        return current.model_copy(update={"tags": [*current.tags, "new"]})

    conversations.change_customer("acct", "fay", tag)
    assert seen == [["vip"], ["vip"]]
    stored = conversations.customer("acct", "fay")
    assert (stored.tags, stored.scene) == (["vip", "new"], "qr")  # neither write lost
    assert conversations.customer("acct", "nobody") is None


def test_remembering_the_agent_merges_one_field_and_changes_the_etag(conversations):
    conversations.remember_agent("acct", "gus", "agent-1")
    assert conversations.customer("acct", "gus").last_agent_id == "agent-1"
    opened, _ = conversations.open_for("acct", "gus", NOW)
    before = conversations.customer("acct", "gus")
    conversations.remember_agent("acct", "gus", "agent-2")
    after = conversations.customer("acct", "gus")
    assert (after.last_agent_id, after.open_conversation_id) == ("agent-2", opened.id)
    assert after.etag != before.etag


def test_the_reply_window_starts_blank_and_a_racing_writer_is_not_lost(conversations):
    blank = conversations.window("acct", "hal")
    assert (blank, blank.etag) == (ReplyWindow(), None)
    opened = conversations.change_window(
        "acct", "hal", lambda w: w.model_copy(update={"last_customer_message_at": NOW})
    )
    assert opened.last_customer_message_at == NOW
    assert conversations.change_window("acct", "hal", lambda w: None).etag is not None
    seen = []

    def take_slot(window: ReplyWindow) -> ReplyWindow:
        seen.append(window.sent)
        if len(seen) == 1:
            conversations.change_window(
                "acct", "hal", lambda w: w.model_copy(update={"sent": w.sent + 1})
            )
        return window.model_copy(update={"sent": window.sent + 1})

    conversations.change_window("acct", "hal", take_slot)
    assert seen == [0, 1]
    assert conversations.window("acct", "hal").sent == 2


def line(
    conversation_id: str, key: str, direction: Literal["in", "out"] = "in", text: str = "hi"
) -> TranscriptEntry:
    return TranscriptEntry(
        conversation_id=conversation_id,
        key=key,
        direction=direction,
        type="text",
        text=text,
        create_time=int(NOW.timestamp()),
        received_at=NOW,
        status="queued" if direction == "out" else None,
        sender="system" if direction == "out" else None,
    )


def test_transcript_lines_are_kept_once_in_key_order(conversations):
    cid = "acct-transcript"
    assert conversations.first_inbound(cid) is None
    assert conversations.append(line(cid, "0000000002-m2", text="second"))
    assert conversations.append(line(cid, "0000000001-o0001greeting", "out", "Hello"))
    assert conversations.append(line(cid, "0000000001-m1", text="first"))
    assert not conversations.append(line(cid, "0000000001-m1", text="again"))
    assert conversations.entry(cid, "0000000001-m1").text == "first"
    assert conversations.entry(cid, "nothing") is None
    assert conversations.first_inbound(cid).text == "first"
    page, token = conversations.transcript(cid, limit=2)
    assert [e.key for e in page] == ["0000000001-m1", "0000000001-o0001greeting"]
    rest, _ = conversations.transcript(cid, limit=2, page_token=token)
    assert [e.text for e in rest] == ["second"]
    assert rest[0] == line(cid, "0000000002-m2", text="second")


# --- WaitingLine -----------------------------------------------------------------------------


def queued(cid: str, queue_id: str, minute: int, priority: int | None = None) -> Conversation:
    at = NOW + timedelta(minutes=minute)
    return Conversation(
        id=cid,
        account_id="acct",
        open_id="o",
        created_at=at,
        updated_at=at,
        last_activity_at=at,
        queue_id=queue_id,
        priority=priority,
        enqueued_at=at,
    )


def test_the_line_is_served_by_priority_then_time_queued(backend):
    line_ = backend.waiting()
    late_urgent = queued("acct-c", "q", 9, priority=1)
    first, second = queued("acct-a", "q", 1, priority=5), queued("acct-b", "q", 2, priority=5)
    for conversation in (second, late_urgent, first, first):  # adding twice keeps one row
        line_.add(conversation)
    line_.add(queued("acct-x", "other", 0))
    assert [e.conversation_id for e in line_.entries("q")] == ["acct-c", "acct-a", "acct-b"]
    assert [e.conversation_id for e in line_.entries("q", limit=2)] == ["acct-c", "acct-a"]
    assert [line_.position(c) for c in (late_urgent, first, second)] == [1, 2, 3]
    assert line_.has_at_least("q", 3)
    assert not line_.has_at_least("q", 4)
    assert line_.has_at_least("empty", 0)
    assert not line_.has_at_least("empty", 1)


def test_leaving_the_line_is_idempotent(backend):
    line_ = backend.waiting()
    first, second = queued("acct-a", "q", 1), queued("acct-b", "q", 2)
    line_.add(first)
    line_.add(second)
    line_.discard(first)
    line_.discard(first)  # gone already: no error
    line_.discard(first.model_copy(update={"queue_id": None}))  # never queued: nothing to do
    [entry] = line_.entries("q")
    assert entry.conversation_id == second.id
    line_.remove("q", entry.key)
    line_.remove("q", entry.key)
    assert list(line_.entries("q")) == []


# --- AvailabilityIndex -----------------------------------------------------------------------


def test_candidates_are_the_listed_agents_best_first(backend):
    index = backend.availability()
    methods = {"q": AssignmentMethod.HIGHEST_CAPACITY, "r": AssignmentMethod.ROUND_ROBIN}
    roomy = agent("roomy", queue_ids=["q", "r", "gone"], capacity=5, presence=Presence.AVAILABLE)
    small = agent(
        "small",
        queue_ids=["q", "r"],
        capacity=2,
        presence=Presence.BUSY,
        last_assigned_at=NOW - timedelta(hours=1),
    )
    for listed in (roomy, small):
        index.sync(None, listed, methods, NOW)
    everyone = list(Presence)
    assert index.candidates("q", units=1, presences=everyone) == ["roomy", "small"]
    assert index.candidates("r", units=1, presences=everyone) == [
        "roomy",
        "small",
    ]  # never assigned
    assert index.candidates("q", units=3, presences=everyone) == ["roomy"]
    assert index.candidates("q", units=1, presences=[Presence.BUSY]) == ["small"]
    assert index.candidates("q", units=1, presences=[]) == []
    assert index.candidates("q", units=1, presences=everyone, limit=1) == ["roomy"]
    assert index.candidates("gone", units=1, presences=everyone) == []

    offline = roomy.model_copy(update={"presence": Presence.OFFLINE})
    index.sync(roomy, offline, methods, NOW)
    assert index.candidates("q", units=1, presences=everyone) == ["small"]
    disabled = small.model_copy(update={"disabled": True})
    index.sync(small, disabled, methods, NOW)
    assert index.candidates("q", units=1, presences=everyone) == []


def test_a_row_carries_the_agents_skills_and_follows_their_change(backend):
    index = backend.availability()
    methods = {"q": AssignmentMethod.ROUND_ROBIN}
    novice = agent(
        "novice",
        queue_ids=["q"],
        capacity=1,
        presence=Presence.AVAILABLE,
        skills=[{"name": "退款", "rating": 2}, "billing"],
    )
    index.sync(None, novice, methods, NOW)
    [listed] = index.listed("q", units=1, presences=list(Presence))
    assert listed.agent_id == "novice"
    assert {(s.name, s.rating) for s in listed.skills or []} == {("退款", 2), ("billing", 1)}

    expert = novice.model_copy(update={"skills": [HeldSkill(name="退款", rating=9)]})
    index.sync(novice, expert, methods, NOW)
    [listed] = index.listed("q", units=1, presences=list(Presence))
    assert [(s.name, s.rating) for s in listed.skills or []] == [("退款", 9)]


def test_rebuild_makes_a_queues_rows_what_the_agents_say(backend):
    index = backend.availability()
    methods = {"q": AssignmentMethod.LEAST_ACTIVE}
    stale = agent("stale", queue_ids=["q"], capacity=1, presence=Presence.AVAILABLE)
    index.sync(None, stale, methods, NOW)
    fresh = agent("fresh", queue_ids=["q"], capacity=1, presence=Presence.AVAILABLE)
    moved = stale.model_copy(update={"last_freed_at": NOW})  # its row sorts elsewhere now
    assert index.rebuild("q", [fresh, moved], AssignmentMethod.LEAST_ACTIVE, NOW) == 3
    assert index.candidates("q", units=1, presences=list(Presence)) == ["fresh", "stale"]
    assert index.rebuild("q", [fresh, moved], AssignmentMethod.LEAST_ACTIVE, NOW) == 0


def test_a_console_gone_quiet_leaves_on_rebuild_and_its_next_poll_lists_it_again(backend):
    index = backend.availability()
    methods = {"q": AssignmentMethod.ROUND_ROBIN}
    polled = agent("quiet", queue_ids=["q"], capacity=1, presence=Presence.AVAILABLE)
    polled = polled.model_copy(update={"last_polled_at": NOW})
    never = agent("api-client", queue_ids=["q"], capacity=1, presence=Presence.AVAILABLE)
    for listed in (polled, never):
        index.sync(None, listed, methods, NOW)
    later = NOW + timedelta(seconds=151)
    assert index.rebuild("q", [polled, never], AssignmentMethod.ROUND_ROBIN, later) == 1
    assert index.candidates("q", units=1, presences=list(Presence)) == ["api-client"]

    again = polled.model_copy(update={"last_polled_at": later})
    index.sync(polled, again, methods, later)
    assert index.candidates("q", units=1, presences=list(Presence)) == ["api-client", "quiet"]


# --- WorkQueue -------------------------------------------------------------------------------


def test_a_message_put_can_be_withdrawn_until_a_listener_takes_it(backend):
    queue, reader = backend.work_queue()
    kept = queue.put(AssignItem(conversation_id="acct-1"))
    withdrawn = queue.put(AssignItem(conversation_id="acct-2"))
    assert reader.peek() == [{"conversationId": "acct-1"}, {"conversationId": "acct-2"}]
    assert queue.withdraw(withdrawn)
    assert not queue.withdraw(withdrawn)
    assert reader.peek() == [{"conversationId": "acct-1"}]

    body, taken = reader.receive(visibility_timeout=60)
    assert body == {"conversationId": "acct-1"}
    assert not queue.withdraw(kept)  # the listener's pop receipt is the one that counts now
    assert reader.peek() == []  # hidden while the listener works on it
    assert queue.withdraw(taken)


def test_a_delayed_message_stays_hidden_for_its_delay(backend):
    queue, reader = backend.work_queue()
    delayed = queue.put(AssignItem(queue_id="q"), delay_seconds=1)
    assert reader.peek() == []
    assert reader.receive() is None
    backend.wait(2.5)
    assert reader.peek() == [{"queueId": "q"}]
    assert queue.withdraw(delayed)  # never taken: the put's receipt still deletes it


# --- ChangeFeed ------------------------------------------------------------------------------


def test_a_poll_hears_the_rows_its_agent_watches_and_only_those(backend):
    feed = backend.feed()
    watcher = agent("watcher", queue_ids=["q"])
    first = feed.poll(watcher, None)
    assert first.changed == ("agent", "waiting")
    assert feed.poll(watcher, first.cursor).changed == ()

    feed.agent("someone-else")
    feed.conversations(queued("acct-o", "other", 0))
    assert feed.poll(watcher, first.cursor).changed == ()

    feed.conversations(queued("acct-w", "q", 0))  # open in the watcher's queue
    waiting = feed.poll(watcher, first.cursor)
    assert waiting.changed == ("waiting",)
    active = queued("acct-w", "q", 0).model_copy(
        update={"state": ConversationState.ACTIVE, "agent_id": "watcher"}
    )
    feed.conversations(active)
    assert feed.poll(watcher, waiting.cursor).changed == ("agent",)
    before = feed.poll(watcher, None).cursor
    feed.agent("watcher")
    assert feed.poll(watcher, before).changed == ("agent",)
