"""What the agent console shows, on Azurite: each conversation's last line and unread count
(without reading transcripts), read markers, the customer panel, what the reply box may do,
and the transfer directory."""

from __future__ import annotations

import pytest

from shared.core.errors import DomainError
from shared.desk.work import CloseRequest
from shared.desk.workspace import (
    MAX_UPLOAD_BYTES,
    MEDIA_KINDS,
    Actor,
    ReadRequest,
    TextMessageRequest,
)
from shared.model.agents import AgentPatch
from shared.model.conversations import SUMMARY_CHARS
from shared.model.rich_messages import VIDEO_MAX_BYTES
from shared.model.workstreams import WorkstreamPatch
from tests.integration.conftest import store_push
from triggers.errors import status_of


def actor(world, agent) -> Actor:
    return Actor(world.fresh_agent(agent.id))


def listed(world, agent, conversation_id: str):
    workspace = world.services.workspace
    items = workspace.items(actor(world, agent), workspace.conversations(actor(world, agent)))
    [item] = [i for i in items if i.id == conversation_id]
    return item


def read(world, agent, conversation, up_to=None):
    return world.services.workspace.mark_read(
        actor(world, agent), conversation, ReadRequest(up_to=up_to)
    )


class TestTheList:
    def test_unread_counts_the_customers_lines_since_the_agent_read(self, chat):
        world, lin, customer, conversation = chat
        item = listed(world, lin, conversation)
        assert (item.unread, item.read_up_to, item.customer.open_id) == (1, None, customer.open_id)
        assert item.customer.name is None
        world.write(customer, customer.text("two"))
        world.write(customer, customer.text("three"))
        assert listed(world, lin, conversation).unread == 3

        marked = read(world, lin, conversation)
        assert marked.unread == 0
        assert marked.read_up_to == world.get(conversation).last_customer_line.id
        world.write(customer, customer.text("four"))
        item = listed(world, lin, conversation)
        assert (item.unread, item.read_up_to) == (1, marked.read_up_to)

    def test_reading_up_to_a_line_leaves_the_later_ones_unread_and_never_goes_back(self, chat):
        world, lin, customer, conversation = chat
        world.write(customer, customer.text("two"))
        world.write(customer, customer.text("three"))
        entries, _ = world.services.conversations.transcript(conversation, limit=50)
        first = next(e for e in entries if e.direction == "in")
        assert read(world, lin, conversation, first.key).unread == 2
        assert listed(world, lin, conversation).unread == 2
        assert read(world, lin, conversation).unread == 0
        again = read(world, lin, conversation, first.key)  # an older tab: the marker stays
        assert again.unread == 0
        assert again.read_up_to == world.get(conversation).last_customer_line.id
        with pytest.raises(DomainError) as caught:
            read(world, lin, conversation, "1764000000-m00000000000000000009")
        assert (caught.value.code, caught.value.field) == ("unknown_reference", "upTo")

    def test_each_reader_has_their_own_markers(self, chat):
        world, lin, _, conversation = chat
        boss = world.agent("Boss", [world.get(conversation).queue_id], role="supervisor")
        read(world, boss, conversation)
        assert listed(world, boss, conversation).unread == 0
        assert listed(world, lin, conversation).unread == 1
        with pytest.raises(DomainError) as caught:
            world.services.workspace.mark_read(Actor(None), conversation, ReadRequest())
        assert status_of(caught.value) == 403
        outsider = world.agent("Outsider", [world.queue("x").id])
        with pytest.raises(DomainError) as caught:
            read(world, outsider, conversation)
        assert status_of(caught.value) == 404

    def test_a_push_filed_twice_is_counted_once(self, chat):
        world, lin, customer, conversation = chat
        from tools.wechat_simulator import push_xml

        key = store_push(world.services, world.account.id, push_xml(customer.text("once")))
        world.services.inbound_step.take(world.account.id, key)
        world.services.inbound_step.take(world.account.id, key)
        assert world.get(conversation).customer_lines == 2
        assert listed(world, lin, conversation).unread == 2

    def test_the_last_line_is_the_customers_or_ours_whichever_came_last(self, chat):
        world, lin, customer, conversation = chat
        last = listed(world, lin, conversation).last_line
        assert (last.direction, last.type, last.text) == ("in", "text", "hello")
        world.clock.advance(1)
        world.services.workspace.send_text(
            actor(world, lin), conversation, TextMessageRequest(text="how can I help?")
        )
        last = listed(world, lin, conversation).last_line
        assert (last.direction, last.text) == ("out", "how can I help?")
        world.clock.advance(1)
        world.write(customer, customer.text("长" * 300))
        last = listed(world, lin, conversation).last_line
        assert last.direction == "in"
        assert len(last.text) == SUMMARY_CHARS
        assert last.text.endswith("…")
        world.clock.advance(1)
        world.write(customer, customer.location())
        last = listed(world, lin, conversation).last_line
        assert (last.type, last.text) == ("location", "位置")

    def test_the_queue_lists_waiting_conversations_the_same_way(self, world):
        queue = world.queue()
        world.workstream(queue.id, distributionMode="pick")
        picker = world.agent("Picker", [queue.id])
        customer = world.customer()
        conversation = world.conversation("waiting here", customer=customer)
        workspace = world.services.workspace
        waiting = world.services.desk.queue(world.fresh_agent(picker.id))
        [item] = [i for i in workspace.items(actor(world, picker), waiting) if i.id == conversation]
        assert (item.unread, item.last_line.text, item.state.value) == (1, "waiting here", "open")
        assert item.window.messages_left > 0


class TestCustomerPanel:
    def test_subscription_scene_tags_and_earlier_conversations(self, chat):
        world, lin, customer, first = chat
        world.write(customer, customer.subscribe(scene="poster-7"))
        world.services.conversations.change_customer(
            world.account.id, customer.open_id, lambda c: c.model_copy(update={"tags": ["vip"]})
        )
        world.services.desk.close(world.fresh_agent(lin.id), first, CloseRequest())
        world.clock.advance(60)
        second = world.conversation("me again", customer=customer)
        world.services.assign_step.assign(second)

        panel = world.services.workspace.customer(actor(world, lin), second)
        assert (panel.open_id, panel.subscribed, panel.scene, panel.tags) == (
            customer.open_id,
            True,
            "poster-7",
            ["vip"],
        )
        assert panel.subscription_changed_at is not None
        [earlier] = panel.conversations
        assert (earlier.id, earlier.state.value, earlier.agent_id, earlier.agent_name) == (
            first,
            "closed",
            lin.id,
            "Lin",
        )
        assert earlier.visible
        assert earlier.closed_at is not None
        body = panel.json_body()
        assert set(body) == {
            "openId",
            "subscribed",
            "subscriptionChangedAt",
            "scene",
            "tags",
            "conversations",
            "tagIds",  # the WeChat profile, read with the first message
            "subscribeTime",
            "subscribeScene",
            "profileFetchedAt",
        }

    def test_it_lists_at_most_twenty_newest_first_and_not_what_is_purged(self, world):
        queue = world.queue()
        world.workstream(queue.id)
        lin = world.agent("Lin", [queue.id], capacity=50)
        customer = world.customer()
        ids = []
        for i in range(22):
            world.clock.advance(10)
            ids.append(world.conversation(f"visit {i}", customer=customer))
            world.services.assign_step.close(world.get(ids[-1]), reason="test", farewell=False)
        world.clock.advance(10)
        current = world.conversation("now", customer=customer)
        world.services.assign_step.assign(current)
        panel = world.services.workspace.customer(actor(world, lin), current)
        assert [c.id for c in panel.conversations] == list(reversed(ids))[:19]
        assert not any(c.visible for c in panel.conversations)  # closed unassigned: not Lin's
        world.services.eraser.purge_conversation(world.get(ids[-1]))
        panel = world.services.workspace.customer(actor(world, lin), current)
        assert ids[-1] not in [c.id for c in panel.conversations]


class TestCapabilities:
    def test_what_the_holder_may_do_by_state(self, chat):
        world, lin, _, conversation = chat
        workspace = world.services.workspace
        can = workspace.capabilities(actor(world, lin), world.get(conversation))
        assert (can.can_reply, can.can_send_files, can.can_park, can.can_close) == (
            True,
            True,
            True,
            True,
        )
        assert (can.can_wrap_up, can.can_transfer, can.can_pick) == (True, True, False)
        assert can.max_file_bytes == MAX_UPLOAD_BYTES
        limits = {m.type: (set(m.content_types), m.max_bytes) for m in can.media_limits}
        assert limits == {
            **{
                kind: ({t for k, _, t, _ in MEDIA_KINDS if k == kind}, limit)
                for kind, _, _, limit in MEDIA_KINDS
            },
            "video": ({"video/mp4"}, VIDEO_MAX_BYTES),  # MP4 is told by its ftyp box
        }

        world.services.desk.park(world.fresh_agent(lin.id), conversation)
        can = workspace.capabilities(actor(world, lin), world.get(conversation))
        assert (can.can_reply, can.can_park, can.can_wrap_up) == (True, False, True)
        world.services.desk.close(
            world.fresh_agent(lin.id), conversation, CloseRequest(wrap_up=True)
        )
        can = workspace.capabilities(actor(world, lin), world.get(conversation))
        assert (can.can_reply, can.can_close, can.can_wrap_up, can.can_transfer) == (
            False,
            True,
            False,
            False,
        )

    def test_files_off_and_someone_elses_conversation(self, chat):
        world, lin, _, conversation = chat
        workstream = world.services.catalog.workstream_for_account(world.account.id)
        world.services.routing_admin.update_workstream(
            workstream.id,
            WorkstreamPatch.model_validate(
                {"fileAttachments": {"customersCanSend": True, "agentsCanSend": False}}
            ),
        )
        workspace = world.services.workspace
        can = workspace.capabilities(actor(world, lin), world.get(conversation))
        assert (can.can_reply, can.can_send_files) == (True, False)
        boss = world.agent("Boss", [world.get(conversation).queue_id], role="supervisor")
        can = workspace.capabilities(actor(world, boss), world.get(conversation))
        assert not any((can.can_reply, can.can_park, can.can_close, can.can_transfer))

    def test_pick_mode(self, world):
        queue = world.queue()
        world.workstream(queue.id, distributionMode="pick")
        picker = world.agent("Picker", [queue.id])
        conversation = world.conversation("pick me")
        can = world.services.workspace.capabilities(actor(world, picker), world.get(conversation))
        assert (can.can_pick, can.can_reply, can.can_close) == (True, False, False)

    def test_the_detail_carries_them(self, chat):
        world, lin, _, conversation = chat
        body, _ = world.services.workspace.detail(
            world.get(conversation), limit=10, page_token=None, actor=actor(world, lin)
        )
        assert body["capabilities"]["canReply"] is True
        assert body["unread"] == 1
        assert body["lastLine"]["text"] == "hello"


def test_the_directory_lists_queues_and_enabled_agents_with_presence_only(world):
    refunds, general = world.queue("Refunds"), world.queue("General")
    lin = world.agent("Lin", [refunds.id], presence="busy")
    gone = world.agent("Gone", [general.id])
    world.services.routing_admin.update_agent(gone.id, AgentPatch(disabled=True))
    directory = world.services.workspace.directory()
    queues = {q.id: q.name for q in directory.queues}
    assert (queues[refunds.id], queues[general.id]) == ("Refunds", "General")
    agents = {a.id: a for a in directory.agents}
    assert agents[lin.id].presence.value == "busy"
    assert gone.id not in agents
    body = directory.json_body()
    assert {key for agent in body["agents"] for key in agent} == {"id", "name", "presence"}
    assert {key for queue in body["queues"] for key in queue} == {"id", "name"}


def test_erasing_a_customer_tells_the_agent_and_forgets_what_they_read(chat):
    from tests.integration.test_change_feed import Console

    world, lin, customer, conversation = chat
    read(world, lin, conversation)
    console = Console(world, lin)
    assert conversation in world.services.feed.read_markers(lin.id)
    world.services.eraser.erase_customer(world.account.id, customer.open_id)
    assert console.changed() == {"agent"}
    assert conversation not in world.services.feed.read_markers(lin.id)


def test_retention_leaves_no_summary_of_a_purged_conversation(chat):
    world, lin, customer, conversation = chat
    world.services.workspace.send_text(
        actor(world, lin), conversation, TextMessageRequest(text="our last word")
    )
    window = world.services.conversations.window(world.account.id, customer.open_id)
    assert window.last_outbound.conversation_id == conversation
    world.services.desk.close(world.fresh_agent(lin.id), conversation, CloseRequest())
    world.clock.advance(400 * 86400)
    world.services.housekeeping.purge_expired()
    assert world.get(conversation) is None
    window = world.services.conversations.window(world.account.id, customer.open_id)
    assert window.last_outbound is None
