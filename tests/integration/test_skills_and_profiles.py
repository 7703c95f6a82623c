"""Skill matching and capacity profiles on Azurite: concurrent assign steps never put more of a
profile's conversations on an agent than its maxItems, nor one conversation on two agents;
exact matching skips the under-rated, closest ranks them; wrap-up keeps or frees an item as
the profile says."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.desk.work import CloseRequest
from shared.model.capacity_profiles import CapacityProfileFields
from shared.model.conversations import ConversationState as S
from shared.pipeline.assign import Outcome
from shared.store.names import AVAILABILITY_TABLE

BURST = 12


def profile(world: Any, max_items: int, **fields: Any) -> Any:
    return world.services.routing_admin.create_profile(
        CapacityProfileFields.model_validate({"name": "chat", "maxItems": max_items, **fields})
    )


def assign_all_at_once(world: Any, conversations: list[str]) -> None:
    """One assign step per conversation, all released at once; steps that were handed back
    (lost every race) run again until every conversation is assigned or waits."""
    step = world.services.assign_step
    failures: list[BaseException] = []
    pending = list(conversations)
    for round_ in range(10):
        barrier = threading.Barrier(len(pending)) if round_ == 0 else None

        def invoke(conversation_id: str, barrier: threading.Barrier | None = barrier) -> Outcome:
            if barrier:
                barrier.wait()
            try:
                return step.assign(conversation_id)
            except Exception as error:  # a failed invocation
                failures.append(error)
                raise

        with ThreadPoolExecutor(len(pending)) as pool:
            outcomes = dict(zip(pending, pool.map(invoke, pending), strict=True))
        pending = [c for c, outcome in outcomes.items() if outcome is Outcome.HANDED_BACK]
        if not pending:
            break
    assert failures == []
    assert pending == [], "steps still lost every race after 10 rounds"


def test_concurrent_steps_keep_each_agents_profile_items_and_skills(world):
    """12 steps at once on 4 agents with room for 10 units each: a profile of 2 items, and a
    rule asking for billing ≥ 3. Only the two agents that hold the profile and are rated high
    enough take work, two conversations each; nobody holds a conversation twice."""
    chat = profile(world, 2)
    queue = world.queue()
    world.workstream(
        queue.id,
        capacityProfileId=chat.id,
        requiredSkills=[{"name": "billing", "minRating": 3}],
    )
    expert = world.agent(
        "expert",
        [queue.id],
        10,
        skills=[{"name": "billing", "rating": 5}],
        capacityProfileIds=[chat.id],
    )
    able = world.agent(
        "able",
        [queue.id],
        10,
        skills=[{"name": "billing", "rating": 3}],
        capacityProfileIds=[chat.id],
    )
    novice = world.agent(
        "novice",
        [queue.id],
        10,
        skills=[{"name": "billing", "rating": 2}],
        capacityProfileIds=[chat.id],
    )
    outsider = world.agent("outsider", [queue.id], 10, skills=[{"name": "billing", "rating": 9}])
    conversations = [world.conversation(f"c{i}") for i in range(BURST)]

    assign_all_at_once(world, conversations)

    states = {c: world.get(c) for c in conversations}
    fresh = {a.id: world.fresh_agent(a.id) for a in (expert, able, novice, outsider)}
    assert {a.name: len(a.holds) for a in fresh.values()} == {
        "expert": 2,
        "able": 2,
        "novice": 0,
        "outsider": 0,
    }
    for agent in fresh.values():
        assert set(agent.holds) == {c for c, s in states.items() if s.agent_id == agent.id}
        assert all(hold.profile_id == chat.id for hold in agent.holds.values())
    assert sum(s.state is S.ACTIVE for s in states.values()) == 4
    assert sum(s.state is S.OPEN for s in states.values()) == BURST - 4


def test_a_plain_string_skill_reads_as_rating_one(world):
    """Documents stored before ratings: agents' and rules' skills as plain strings."""
    queue = world.queue()
    world.workstream(
        queue.id,
        routingRules=[
            {
                "name": "all",
                "condition": {"field": "message.type", "op": "equals", "value": "text"},
                "queueId": queue.id,
                "skills": ["billing"],
            }
        ],
    )
    agent = world.agent("old", [queue.id], skills=["billing"])
    conversation = world.conversation("hi")
    assert world.get(conversation).skills[0].min_rating == 1
    assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
    assert world.get(conversation).agent_id == agent.id


def _four_agents(world: Any, queue_id: str) -> dict[str, Any]:
    skills = {
        "none": [],
        "billingOnly": [{"name": "billing", "rating": 9}],
        "both": [{"name": "billing", "rating": 3}, {"name": "mandarin", "rating": 5}],
        "bothWithRoom": [{"name": "billing", "rating": 8}, {"name": "mandarin", "rating": 6}],
    }
    return {name: world.agent(name, [queue_id], 1, skills=held) for name, held in skills.items()}


NEEDS = [{"name": "billing", "minRating": 3}, {"name": "mandarin", "minRating": 5}]


def test_closest_offers_the_best_match_first_and_an_agent_matching_none_last(world):
    queue = world.queue(assignmentMethod="roundRobin")
    world.workstream(queue.id, skillMatching="closest", requiredSkills=NEEDS)
    agents = _four_agents(world, queue.id)
    by_id = {a.id: name for name, a in agents.items()}
    order = []
    for i in range(4):
        conversation = world.conversation(f"c{i}")
        assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
        order.append(by_id[world.get(conversation).agent_id])
    # two skills met beat one; the larger surplus (5 + 1) beats none; one met beats none
    assert order == ["bothWithRoom", "both", "billingOnly", "none"]


def test_exact_offers_only_the_agents_holding_every_skill_at_its_rating(world):
    queue = world.queue()
    world.workstream(queue.id, requiredSkills=NEEDS)  # skillMatching defaults to exact
    agents = _four_agents(world, queue.id)
    assigned = set()
    for i in range(3):
        conversation = world.conversation(f"c{i}")
        outcome = world.services.assign_step.assign(conversation)
        if outcome is Outcome.ASSIGNED:
            assigned.add(world.get(conversation).agent_id)
    assert outcome is Outcome.WAITING  # the third: both full matchers are busy
    assert assigned == {agents["both"].id, agents["bothWithRoom"].id}


def test_rows_from_before_skills_were_indexed_rank_by_the_agents_documents(world):
    """Index rows written by an older version carry no skills until the maintenance sweep
    rebuilds them: the assign step reads those agents' documents instead."""
    queue = world.queue()
    world.workstream(queue.id, requiredSkills=NEEDS)
    agents = _four_agents(world, queue.id)
    table = world.services.storage.table(AVAILABILITY_TABLE)
    rows = list(table.query_entities("PartitionKey eq @q", parameters={"q": queue.id}))
    assert len(rows) == 4
    assert all("Skills" in row for row in rows)
    for row in rows:
        table.upsert_entity({k: v for k, v in row.items() if k != "Skills"}, mode="replace")
    assert all("Skills" not in row for row in table.query_entities(f"PartitionKey eq '{queue.id}'"))

    assigned = set()
    for i in range(2):
        conversation = world.conversation(f"c{i}")
        assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
        assigned.add(world.get(conversation).agent_id)
    assert assigned == {agents["both"].id, agents["bothWithRoom"].id}


@pytest.mark.parametrize(
    ("blocking", "assigned_at_once", "assigned_after_31s"),
    [
        ({"blockAssignmentDuringWrapUp": "always"}, False, False),
        ({"blockAssignmentDuringWrapUp": "never"}, True, True),
        ({"blockAssignmentDuringWrapUp": "fixed", "wrapUpDuration": "PT30S"}, False, True),
    ],
)
def test_wrap_up_keeps_or_frees_the_profile_item(
    world, clock, blocking, assigned_at_once, assigned_after_31s
):
    chat = profile(world, 1, **blocking)
    queue = world.queue()
    world.workstream(queue.id, capacityProfileId=chat.id)
    agent = world.agent("solo", [queue.id], 10, capacityProfileIds=[chat.id])
    step = world.services.assign_step
    first = world.conversation("first")
    assert step.assign(first) is Outcome.ASSIGNED
    world.services.desk.close(world.fresh_agent(agent.id), first, CloseRequest(wrap_up=True))
    assert world.get(first).state is S.WRAPUP
    assert world.fresh_agent(agent.id).holds[first].wrap_up_since is not None

    second = world.conversation("second")
    assert (step.assign(second) is Outcome.ASSIGNED) is assigned_at_once
    if not assigned_at_once:
        clock.advance(31)
        assert (step.assign(second) is Outcome.ASSIGNED) is assigned_after_31s
    # wrap-up ended: the item is free in every mode
    world.services.desk.close(world.fresh_agent(agent.id), first, CloseRequest())
    if world.get(second).state is S.OPEN:
        assert step.assign(second) is Outcome.ASSIGNED
    assert first not in world.fresh_agent(agent.id).holds
