"""Draining a channel on Azurite: with concurrent inbound workers no new conversation opens
while the open one goes on; the last close makes it inactive (or the sweep does);
reactivating opens the door again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from shared.desk.work import CloseRequest
from shared.desk.workspace import Actor, TextMessageRequest
from shared.model.accounts import ChannelStatus
from shared.model.conversations import ConversationState as S
from shared.pipeline.assign import Outcome


def conversations_of(world):
    found, _ = world.services.conversations.list_conversations(
        account_id=world.account.id, state=None, limit=100
    )
    return found


def test_draining_keeps_the_open_conversation_and_opens_none(world):
    queue = world.queue()
    world.workstream(queue.id)
    lin = world.agent("Lin", [queue.id], capacity=5)
    regular = world.customer()
    conversation = world.conversation("hello", customer=regular)
    assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED

    drained = world.services.drain.drain(world.account.id)
    assert drained.status is ChannelStatus.DRAINING  # one is still open

    newcomers = [world.customer() for _ in range(6)]
    pushes = [(c, c.text("new here")) for c in newcomers]
    pushes += [(regular, regular.text(f"more {n}")) for n in range(4)]
    with ThreadPoolExecutor(4) as pool:  # concurrent inbound workers
        taken = list(pool.map(lambda p: world.write(*p), pushes))
    assert taken[:6] == [None] * 6
    assert set(taken[6:]) == {conversation}
    assert [c.id for c in conversations_of(world)] == [conversation]
    assert world.get(conversation).customer_lines == 5

    actor = Actor(world.fresh_agent(lin.id))
    reply = world.services.workspace.send_text(
        actor, conversation, TextMessageRequest(text="still here")
    )
    assert reply.status == "queued"  # agents reply as usual
    world.services.desk.close(lin, conversation, CloseRequest())
    assert world.services.accounts.get(world.account.id).status is ChannelStatus.INACTIVE

    assert world.write(regular, regular.text("anyone?")) is None  # inactive: none opens
    assert len(conversations_of(world)) == 1

    world.services.drain.reactivate(world.account.id)
    reopened = world.write(regular, regular.text("back"))
    assert reopened is not None
    assert reopened != conversation
    assert world.get(reopened).state is S.OPEN


def test_a_drain_with_nothing_open_is_inactive_at_once(world):
    assert world.services.drain.drain(world.account.id).status is ChannelStatus.INACTIVE
    view = world.services.accounts.view(world.services.accounts.get(world.account.id))
    assert view.json_body()["status"] == "inactive"


def test_the_sweep_settles_a_drain_whose_last_close_it_missed(world):
    queue = world.queue()
    world.workstream(queue.id)
    conversation = world.conversation("hello")
    world.services.drain.drain(world.account.id)
    now = world.get(conversation).updated_at
    world.services.conversations.close(conversation, reason="test", now=now)  # no hook
    assert world.services.accounts.get(world.account.id).status is ChannelStatus.DRAINING
    world.services.housekeeping.sweep_assignments()
    assert world.services.accounts.get(world.account.id).status is ChannelStatus.INACTIVE
