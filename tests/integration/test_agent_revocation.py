"""Revoking an agent on Azurite: rotating its token, disabling it (refused on every request, no
new work, capacity guarantees intact), and an admin closing or transferring its conversations."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.core.errors import DomainError
from shared.desk.work import CloseRequest, PresenceChange, TransferRequest
from shared.model.agents import AgentFields, AgentPatch, Presence
from shared.model.conversations import ConversationState as S
from shared.pipeline.assign import Outcome
from shared.store.names import AVAILABILITY_TABLE
from triggers.errors import status_of


def agent_with_token(world, name: str, queue_ids: list[str], capacity: int = 2):
    """A new agent, available, and its bearer token."""
    agent, token = world.services.routing_admin.create_agent(
        AgentFields.model_validate({"name": name, "queueIds": queue_ids, "capacity": capacity})
    )
    world.services.desk.set_presence(agent, PresenceChange(presence="available"))
    return agent, token


def refused(action) -> DomainError:
    with pytest.raises(DomainError) as caught:
        action()
    return caught.value


def disable(world, agent_id: str, disabled: bool = True):
    return world.services.routing_admin.update_agent(
        agent_id, AgentPatch.model_validate({"disabled": disabled})
    )


def force_available(world, agent_id: str) -> None:
    """Presence available on a disabled agent: what a write that raced the disabling could
    leave; the reserve step must refuse it all the same."""
    world.services.assign_step.change_agent(
        agent_id, lambda a: a.model_copy(update={"presence": Presence.AVAILABLE})
    )


def availability_rows(world, agent_id: str) -> list[str]:
    table = world.services.storage.table(AVAILABILITY_TABLE)
    return [e["PartitionKey"] for e in table.list_entities() if e["AgentId"] == agent_id]


class TestRotation:
    def test_the_old_token_stops_at_once_and_the_new_one_works(self, world):
        queue = world.queue()
        agent, old = agent_with_token(world, "Lin", [queue.id])
        workspace = world.services.workspace
        assert workspace.actor(old).agent.id == agent.id

        rotated, new = world.services.routing_admin.rotate_token(agent.id)

        assert new != old
        assert new.startswith("agt_")
        error = refused(lambda: workspace.actor(old))
        assert (status_of(error), error.code) == (401, "unauthorized")
        assert workspace.actor(new).agent.id == agent.id
        # Only the token changed: the agent keeps its presence, queues and holds.
        assert (rotated.presence.value, rotated.queue_ids) == ("available", [queue.id])

    def test_rotating_an_unknown_agent_is_404(self, world):
        error = refused(lambda: world.services.routing_admin.rotate_token("nobody"))
        assert status_of(error) == 404


class TestDisabled:
    def test_its_token_gets_403_and_enabling_it_again_restores_it(self, world):
        queue = world.queue()
        agent, token = agent_with_token(world, "Lin", [queue.id])
        disabled = disable(world, agent.id)
        assert (disabled.disabled, disabled.presence.value) == (True, "offline")
        error = refused(lambda: world.services.workspace.actor(token))
        assert (status_of(error), error.code) == (403, "agent_disabled")
        assert "disabled" in error.message
        # A presence change authorised just before the disabling leaves it offline.
        still = world.services.desk.set_presence(agent, PresenceChange(presence="available"))
        assert still.presence.value == "offline"

        enabled = disable(world, agent.id, False)
        assert enabled.presence.value == "offline"  # it comes back when it says so
        assert world.services.workspace.actor(token).agent.id == agent.id

    def test_it_gets_no_new_work_until_enabled_again(self, world):
        queue = world.queue()
        world.workstream(queue.id)
        agent, token = agent_with_token(world, "Lin", [queue.id], capacity=3)
        assert availability_rows(world, agent.id) == [queue.id]
        disable(world, agent.id)
        assert availability_rows(world, agent.id) == []

        conversation = world.conversation()
        assert world.services.assign_step.assign(conversation) is Outcome.WAITING
        force_available(world, agent.id)
        assert (
            world.services.assign_step.reserve(agent.id, world.get(conversation), 1, Presence)
            is None
        )
        assert world.services.assign_step.assign(conversation) is Outcome.WAITING
        assert world.fresh_agent(agent.id).holds == {}

        desk = world.services.desk
        disable(world, agent.id, False)
        actor = world.services.workspace.actor(token)
        desk.set_presence(actor.require_agent(), PresenceChange(presence="available"))
        world.services.assign_step.drain_for_agent(agent.id)
        assert world.get(conversation).state is S.ACTIVE

    def test_a_preferred_agent_is_skipped_when_disabled(self, world):
        """keepSameAgent and a parked conversation name the agent directly, not through the
        availability index: the reserve step itself must refuse."""
        queue = world.queue()
        world.workstream(queue.id, keepSameAgent=True)
        lin, _ = agent_with_token(world, "Lin", [queue.id])
        customer = world.customer()
        first = world.conversation(customer=customer)
        assert world.services.assign_step.assign(first) is Outcome.ASSIGNED
        parked = world.services.desk.park(world.fresh_agent(lin.id), first)
        assert parked.state is S.WAITING
        disable(world, lin.id)
        force_available(world, lin.id)
        wu = world.agent("Wu", [queue.id])

        world.clock.advance(30)
        world.write(customer, customer.text("any news?"))  # revives the parked conversation
        world.services.assign_step.assign(first)
        revived = world.get(first)
        assert (revived.state, revived.agent_id) == (S.ACTIVE, wu.id)
        assert world.fresh_agent(lin.id).holds == {}
        assert world.fresh_agent(lin.id).parked == []

    def test_disabling_during_concurrent_assignment_keeps_the_guarantees(self, world):
        """Holds taken after the disabling write would be on a later version: none may exist,
        and no agent is over capacity or shares a conversation with another."""
        queue = world.queue(assignmentMethod="roundRobin")
        world.workstream(queue.id)
        agents = [world.agent(f"a{i}", [queue.id], capacity=4) for i in range(3)]
        target = agents[0]
        conversations = [world.conversation(f"c{i}") for i in range(24)]
        assign_step = world.services.assign_step
        barrier = threading.Barrier(5)
        disabled_version = []

        def worker(batch: list[str]) -> None:
            barrier.wait()
            for conversation_id in batch:
                assign_step.assign(conversation_id)

        def admin() -> None:
            barrier.wait()
            disabled_version.append(disable(world, target.id))

        with ThreadPoolExecutor(5) as pool:
            futures = [pool.submit(worker, conversations[i::4]) for i in range(4)]
            futures.append(pool.submit(admin))
            for future in futures:
                future.result()

        [at_disable] = disabled_version
        final = {a.id: world.fresh_agent(a.id) for a in agents}
        assert set(final[target.id].holds) <= set(at_disable.holds)
        owners: dict[str, str] = {}
        for agent in final.values():
            assert agent.used_capacity <= agent.capacity
            for conversation_id in agent.holds:
                assert conversation_id not in owners, "held by two agents"
                owners[conversation_id] = agent.id
        for conversation_id in conversations:
            state = world.get(conversation_id)
            if state.state is S.ACTIVE:
                assert owners[conversation_id] == state.agent_id


class TestAdminActsForTheAgent:
    @pytest.fixture
    def stuck(self, world):
        """A disabled agent holding two active conversations."""
        queue = world.queue()
        world.workstream(queue.id)
        lin, _ = agent_with_token(world, "Lin", [queue.id], capacity=2)
        held = [world.conversation("1"), world.conversation("2")]
        for conversation in held:
            assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
        disable(world, lin.id)
        return world, queue, lin, held

    def test_the_admin_closes_it_and_the_capacity_is_released(self, stuck):
        world, _, lin, (first, _) = stuck
        closed = world.services.desk.close_as_admin(first, CloseRequest())
        assert (closed.state, closed.close_reason) == (S.CLOSED, "admin_closed")
        assert first not in world.fresh_agent(lin.id).holds
        assert world.fresh_agent(lin.id).used_capacity == 1

    def test_the_admin_transfers_to_a_queue_or_an_agent(self, stuck):
        world, queue, lin, (first, second) = stuck
        desk = world.services.desk
        wu = world.agent("Wu", [queue.id], capacity=1)
        moved = desk.transfer_as_admin(first, TransferRequest(agent_id=wu.id))
        assert (moved.state, moved.agent_id) == (S.ACTIVE, wu.id)
        other_queue = world.queue("second line")
        requeued = desk.transfer_as_admin(second, TransferRequest(queue_id=other_queue.id))
        assert (requeued.state, requeued.queue_id, requeued.agent_id) == (
            S.OPEN,
            other_queue.id,
            None,
        )
        assert world.fresh_agent(lin.id).used_capacity == 0
        assert world.fresh_agent(wu.id).holds.keys() == {first}

    def test_a_disabled_agent_cannot_be_the_target(self, stuck):
        world, queue, lin, (first, _) = stuck
        wu = world.agent("Wu", [queue.id], capacity=1)
        world.services.desk.transfer_as_admin(first, TransferRequest(agent_id=wu.id))
        error = refused(
            lambda: world.services.desk.transfer_as_admin(first, TransferRequest(agent_id=lin.id))
        )
        assert (status_of(error), error.code) == (409, "agent_disabled")
        assert world.get(first).agent_id == wu.id

    def test_an_unknown_conversation_is_404(self, world):
        error = refused(lambda: world.services.desk.close_as_admin("nope", CloseRequest()))
        assert status_of(error) == 404
