"""Writes that keep losing their race, on Azurite: each store tries as often as it always did
and then gives up the way it always did. Another writer is played by a real write made between
this one's read and its conditional write."""

from __future__ import annotations

import pytest

from shared.core.errors import ConflictError
from shared.model.accounts import AccountPatch
from shared.store.changes import ReadMarker
from shared.store.optimistic import ChangedError
from triggers.errors import status_of


def rewrite(documents, doc_id):
    """Another writer: the document written again as it is, under a new ETag."""
    doc, etag = documents.get(doc_id)
    documents.replace(doc, doc, etag)


def test_a_document_gives_up_after_8_lost_races(world):
    agents = world.services.catalog.agents
    agent = world.agent("a", [world.queue().id])
    tries = []

    def change(current):
        tries.append(1)
        rewrite(agents, agent.id)
        return current.model_copy(update={"capacity": 7})

    with pytest.raises(ChangedError, match=f"^{agent.id}$"):
        agents.update(agent.id, change)
    assert len(tries) == 8
    assert agents.get(agent.id)[0].capacity == agent.capacity


def test_a_document_written_on_the_second_try(world):
    agents = world.services.catalog.agents
    agent = world.agent("a", [world.queue().id])
    tries = []

    def change(current):
        tries.append(1)
        if len(tries) == 1:
            rewrite(agents, agent.id)
        return current.model_copy(update={"capacity": 7})

    before, after = agents.update(agent.id, change)
    assert (before.capacity, after.capacity) == (agent.capacity, 7)
    assert len(tries) == 2
    assert agents.get(agent.id)[0].capacity == 7


def test_a_conversation_gives_up_after_8_lost_races(world):
    conversations = world.services.conversations
    conversation_id = world.conversation(route=False)
    tries = []

    def update(conversation):
        tries.append(1)
        conversations.save(conversations.get(conversation_id))  # another writer
        return {"priority": 3}

    with pytest.raises(ChangedError, match=f"^{conversation_id}$"):
        conversations.change(conversation_id, update)
    assert len(tries) == 8
    assert conversations.get(conversation_id).priority != 3


def test_a_customer_gives_up_after_8_lost_races(world):
    conversations = world.services.conversations
    customer = world.customer()
    world.conversation(customer=customer, route=False)
    account_id, open_id = world.account.id, customer.open_id
    tries = []

    def update(current):
        tries.append(1)
        conversations.change_customer(account_id, open_id, lambda c: c.model_copy())
        return current.model_copy(update={"tags": ["vip"]})

    with pytest.raises(ChangedError, match=f"^customer {open_id}$"):
        conversations.change_customer(account_id, open_id, update)
    assert len(tries) == 8


def test_a_reply_window_gives_up_after_8_lost_races(world):
    conversations = world.services.conversations
    customer = world.customer()
    world.conversation(customer=customer, route=False)
    account_id, open_id = world.account.id, customer.open_id
    tries = []

    def update(current):
        tries.append(1)
        conversations.change_window(
            account_id, open_id, lambda w: w.model_copy(update={"sent": w.sent + 1})
        )
        return current.model_copy(update={"sent": 0})

    with pytest.raises(ChangedError, match=f"^window of {open_id}$"):
        conversations.change_window(account_id, open_id, update)
    assert len(tries) == 8
    assert conversations.window(account_id, open_id).sent == 8


def test_an_account_gives_up_after_5_lost_races_with_a_409(world, monkeypatch):
    store = world.services.accounts._store
    read = store.get
    reads = []

    def read_then_another_writes(account_id):
        found = read(account_id)
        reads.append(1)
        store.replace(found[0], found[0], found[1])  # another writer
        return found

    monkeypatch.setattr(store, "get", read_then_another_writes)
    with pytest.raises(ConflictError) as raised:
        world.services.accounts.update(world.account.id, AccountPatch(name="renamed"))
    assert (status_of(raised.value), raised.value.code) == (409, "conflict")
    assert str(raised.value) == "the account kept changing; try again"
    assert len(reads) == 5
    monkeypatch.undo()
    assert world.services.accounts.get(world.account.id).name == world.account.name


def test_read_markers_give_up_after_8_lost_races(world, monkeypatch):
    feed = world.services.feed
    read = feed._agent_row
    reads = []

    def read_then_bumped(agent_id):
        row = read(agent_id)
        reads.append(1)
        feed.agent(agent_id)  # the agent's row bumped by another change
        return row

    feed.agent("a1")
    monkeypatch.setattr(feed, "_agent_row", read_then_bumped)
    with pytest.raises(RuntimeError, match=r"^the read markers of agent a1 kept changing$"):
        feed.mark_read("a1", "c1", ReadMarker(3, "k3"))
    assert len(reads) == 8
