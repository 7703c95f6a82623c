"""The agents' change feed on Azurite: every writer of something a console shows bumps the rows
its agents watch, and only those; a poll is one Table request (two past 14 rows); a bump that
fails never fails the step that made the change."""

from __future__ import annotations

import logging

import pytest
from azure.data.tables import TableClient

from shared.core.errors import DomainError
from shared.desk.work import CloseRequest, PresenceChange, TransferRequest
from shared.desk.workspace import Actor, ReadRequest, TextMessageRequest
from shared.pipeline.assign import Outcome
from shared.store.changes import ROWS_PER_QUERY
from shared.store.names import CHANGES_TABLE
from triggers.errors import status_of

AGENT, WAITING, SUPERVISED = "agent", "waiting", "supervised"


class Console:
    """One agent's console, polling the feed as the browser does."""

    def __init__(self, world, agent) -> None:
        self.world = world
        self.agent_id = agent.id
        first = self._poll(None)
        assert first is not None, "a first poll always answers a cursor"
        self.cursor = first.cursor

    def _poll(self, since):
        actor = Actor(self.world.fresh_agent(self.agent_id))
        return self.world.services.workspace.changes(actor, since)

    def changed(self) -> set[str]:
        """What changed since the last poll (nothing: the route's 204)."""
        view = self._poll(self.cursor)
        if view is None:
            return set()
        self.cursor = view.cursor
        return set(view.changed)


@pytest.fixture
def chat(chat):
    """Agent Lin in an active conversation, Lin's console, and the customer."""
    world, agent, customer, conversation = chat
    return world, agent, Console(world, agent), customer, conversation


def reply(world, agent, conversation, text="on it"):
    actor = Actor(world.fresh_agent(agent.id))
    return world.services.workspace.send_text(actor, conversation, TextMessageRequest(text=text))


def test_a_poll_with_nothing_new_reports_nothing(chat):
    _, _, console, _, _ = chat
    assert console.changed() == set()
    assert console.changed() == set()


def test_a_cursor_that_is_not_ours_means_refetch_everything_and_a_malformed_one_is_400(chat):
    world, agent, _, _, _ = chat
    actor = Actor(world.fresh_agent(agent.id))
    view = world.services.workspace.changes(actor, "AAAA")
    assert view is not None
    assert view.changed == [AGENT, WAITING]  # a plain agent watches no supervised rows
    with pytest.raises(DomainError) as caught:
        world.services.workspace.changes(actor, "not/a cursor")
    assert (status_of(caught.value), caught.value.field) == (400, "since")
    with pytest.raises(DomainError) as caught:
        world.services.workspace.changes(Actor(None), None)
    assert status_of(caught.value) == 403


def test_routing_and_assignment_tell_the_queues_agents_and_no_one_else(world):
    queue, elsewhere = world.queue(), world.queue("elsewhere")
    world.workstream(queue.id)
    lin = world.agent("Lin", [queue.id], presence="offline")
    outsider = world.agent("Outsider", [elsewhere.id])
    lins, outsiders = Console(world, lin), Console(world, outsider)

    conversation = world.conversation("hello")  # routed: it waits in the queue
    assert lins.changed() == {WAITING}
    world.services.desk.set_presence(
        world.fresh_agent(lin.id), PresenceChange(presence="available")
    )
    assert lins.changed() == {AGENT}
    assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
    assert lins.changed() == {AGENT, WAITING}  # Lin's now, and out of the waiting line
    assert outsiders.changed() == set()


def test_customer_lines_reach_the_agent_whether_the_conversation_is_active_or_parked(chat):
    world, agent, console, customer, conversation = chat
    world.write(customer, customer.text("still there?"))
    assert console.changed() == {AGENT}
    world.services.desk.park(world.fresh_agent(agent.id), conversation)
    assert console.changed() == {AGENT}
    world.write(customer, customer.text("back again"))  # to the parked conversation
    assert console.changed() == {AGENT}
    assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED  # revived
    assert console.changed() == {AGENT}


def test_an_outbound_line_and_its_status_each_tell_the_agent(chat):
    world, agent, console, _, conversation = chat
    reply(world, agent, conversation)
    assert console.changed() == {AGENT}
    world.services.outbound_step.send_pending(conversation)
    assert [e.status for e in world.outbound(conversation)] == ["sent"]
    assert console.changed() == {AGENT}

    world.wechat_api.inject("/cgi-bin/message/custom/send", errcode=45015)
    reply(world, agent, conversation, "too late")
    assert console.changed() == {AGENT}
    world.services.outbound_step.send_pending(conversation)
    assert world.outbound(conversation)[-1].status == "failed"
    assert console.changed() == {AGENT}
    assert console.changed() == set()


def test_kept_media_tells_the_agent(chat):
    world, _, console, customer, conversation = chat
    media_id = world.wechat_api.add_media(
        b"\xff\xd8\xff" + b"0" * 64, "image/jpeg", "image", "a.jpg"
    )
    world.write(customer, customer.image(media_id))
    assert console.changed() == {AGENT}
    [entry] = [e for e in world.services.conversations.transcript(conversation, limit=50)[0]
               if e.type == "image"]  # fmt: skip
    world.services.media_step.keep(conversation, entry.key)
    assert console.changed() == {AGENT}


def test_wrap_up_close_and_transfers_tell_everyone_they_concern(chat):
    world, lin, lins, _, conversation = chat
    queue_id = world.get(conversation).queue_id
    other_queue = world.queue("other")
    wu = world.agent("Wu", [queue_id], capacity=5)
    far = world.agent("Far", [other_queue.id])
    wus, fars = Console(world, wu), Console(world, far)
    desk = world.services.desk

    desk.transfer(world.fresh_agent(lin.id), conversation, TransferRequest(agent_id=wu.id))
    assert (lins.changed(), wus.changed(), fars.changed()) == ({AGENT}, {AGENT}, set())
    desk.transfer(world.fresh_agent(wu.id), conversation, TransferRequest(queue_id=other_queue.id))
    assert (lins.changed(), wus.changed(), fars.changed()) == (set(), {AGENT}, {WAITING})

    second = world.conversation("another", customer=world.customer())
    world.services.assign_step.assign(second)
    assert world.get(second).agent_id in (lin.id, wu.id)
    holder, console = (lin, lins) if world.get(second).agent_id == lin.id else (wu, wus)
    console.changed()
    desk.close(world.fresh_agent(holder.id), second, CloseRequest(wrap_up=True))
    assert console.changed() == {AGENT}
    desk.close(world.fresh_agent(holder.id), second, CloseRequest())
    assert console.changed() == {AGENT}
    assert fars.changed() == set()


def test_pick_mode_agents_see_the_waiting_line_change(world):
    queue = world.queue()
    world.workstream(queue.id, distributionMode="pick")
    first, second = world.agent("First", [queue.id]), world.agent("Second", [queue.id])
    firsts, seconds = Console(world, first), Console(world, second)
    customer = world.customer()

    conversation = world.conversation("help", customer=customer)
    assert (firsts.changed(), seconds.changed()) == ({WAITING}, {WAITING})
    world.write(customer, customer.text("anyone?"))  # the waiting conversation's last line
    assert (firsts.changed(), seconds.changed()) == ({WAITING}, {WAITING})
    world.services.desk.pick(world.fresh_agent(first.id), conversation)
    assert (firsts.changed(), seconds.changed()) == ({AGENT, WAITING}, {WAITING})


def test_supervisors_hear_of_every_conversation_in_their_queues(chat):
    world, lin, lins, customer, conversation = chat
    queue_id = world.get(conversation).queue_id
    boss = world.agent("Boss", [queue_id], role="supervisor")
    elsewhere = world.agent("Elsewhere", [world.queue("x").id], role="supervisor")
    bosses, elsewheres = Console(world, boss), Console(world, elsewhere)

    world.write(customer, customer.text("hello?"))
    assert (lins.changed(), bosses.changed()) == ({AGENT}, {SUPERVISED})
    reply(world, lin, conversation)
    assert (lins.changed(), bosses.changed()) == ({AGENT}, {SUPERVISED})
    world.services.desk.park(world.fresh_agent(lin.id), conversation)
    assert (lins.changed(), bosses.changed()) == ({AGENT}, {SUPERVISED})
    assert elsewheres.changed() == set()


def test_the_agents_own_presence_and_capacity_tell_the_agent_alone(chat):
    world, lin, lins, _, _ = chat
    wu = world.agent("Wu", [world.queue().id])
    wus = Console(world, wu)
    world.services.desk.set_presence(world.fresh_agent(lin.id), PresenceChange(presence="busy"))
    assert (lins.changed(), wus.changed()) == ({AGENT}, set())
    world.services.routing_admin.update_agent(lin.id, _agent_patch(capacity=7))
    assert (lins.changed(), wus.changed()) == ({AGENT}, set())
    world.services.routing_admin.rotate_token(lin.id)  # nothing a console shows
    assert lins.changed() == set()


def _agent_patch(**fields):
    from shared.model.agents import AgentPatch

    return AgentPatch.model_validate(fields)


def test_marking_read_tells_the_agents_other_tabs(chat):
    world, lin, lins, _, conversation = chat
    world.services.workspace.mark_read(
        Actor(world.fresh_agent(lin.id)), conversation, ReadRequest()
    )
    assert lins.changed() == {AGENT}


# --- what it costs ----------------------------------------------------------------------------


class Requests:
    """Counts the HTTP requests a Table client makes."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, response) -> None:
        self.count += 1


@pytest.fixture
def counted(world, storage_connection_string):
    """The feed's table client, swapped for one that counts its requests."""
    feed = world.services.feed
    requests = Requests()
    original = feed._table
    feed._table = TableClient.from_connection_string(
        storage_connection_string, CHANGES_TABLE, raw_response_hook=requests
    )
    yield requests
    feed._table = original


def test_a_poll_is_one_request_and_each_event_one_write(world, counted):
    queues = [world.queue(f"q{i}") for i in range(7)]
    world.workstream(queues[0].id)
    boss = world.agent("Boss", [q.id for q in queues[:6]], role="supervisor")  # 13 rows
    agent = world.agent("Lin", [queues[0].id])
    console = Console(world, boss)
    world.conversation("hi")  # routed into queue 0: its waiting and supervised rows
    counted.count = 0
    assert console.changed() == {WAITING, SUPERVISED}
    assert counted.count == 1
    assert console.changed() == set()
    assert counted.count == 2

    counted.count = 0
    customer = world.customer()
    conversation = world.conversation("and another", customer=customer)
    assert counted.count == 1  # intake (no queue yet: no row to tell), then the route
    world.services.assign_step.assign(conversation)
    counted.count = 0
    world.write(customer, customer.text("a line in an assigned conversation"))
    assert counted.count == 1

    world.services.routing_admin.update_agent(
        boss.id, _agent_patch(queueIds=[q.id for q in queues])
    )
    assert ROWS_PER_QUERY < 2 * 7 + 1
    counted.count = 0
    Console(world, boss)
    assert counted.count == 2  # 15 rows: past one query's 14
    assert agent.id


def test_a_failing_feed_never_fails_the_step_that_changed_something(world, caplog):
    queue = world.queue()
    world.workstream(queue.id)
    lin = world.agent("Lin", [queue.id])
    feed = world.services.feed
    original = feed._table
    feed._table = world.services.storage.table("nosuchtable")  # every bump fails
    try:
        with caplog.at_level(logging.WARNING, logger="shared.store.changes"):
            customer = world.customer()
            conversation = world.conversation("hi", customer=customer)
            assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
            world.write(customer, customer.text("more"))
            reply(world, lin, conversation)
            world.services.outbound_step.send_pending(conversation)
            world.services.desk.set_presence(
                world.fresh_agent(lin.id), PresenceChange(presence="busy")
            )
            world.services.desk.close(world.fresh_agent(lin.id), conversation, CloseRequest())
    finally:
        feed._table = original
    assert world.get(conversation).state.value == "closed"
    assert [e.status for e in world.outbound(conversation)] == ["sent"]
    bumps = [r.getMessage() for r in caplog.records if "could not bump" in r.getMessage()]
    # route, assign, the customer's line, the reply, its status, presence, close
    assert len(bumps) == 7, bumps


def test_a_purged_conversation_leaves_its_agents_list(chat):
    world, _, console, _, conversation = chat
    world.services.eraser.purge_conversation(world.get(conversation))
    assert console.changed() == {AGENT}
