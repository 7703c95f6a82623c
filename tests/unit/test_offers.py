"""Offer mode: the workstream's three settings as validated on save, the order in which an
offer goes to agents, and accept / decline / timeout on the store fakes (Azurite's versions,
with concurrent workers, are in tests/integration/test_offers.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from shared.core.errors import OfferGoneError
from shared.model.conversations import ConversationState as S
from shared.model.offers import AssignmentMode, offer_order
from shared.model.workstreams import WorkstreamFields, WorkstreamPatch
from shared.pipeline.assign import Outcome

BASE = {"name": "ws", "accountId": "a1", "fallbackQueueId": "q1"}


def fields(**extra: object) -> WorkstreamFields:
    return WorkstreamFields.model_validate({**BASE, **extra})


def refused_field(**extra: object) -> str:
    with pytest.raises(ValidationError) as refused:
        fields(**extra)
    return ".".join(str(part) for part in refused.value.errors()[0]["loc"])


def test_the_defaults_keep_todays_assignment():
    workstream = fields()
    assert workstream.assignment_mode is AssignmentMode.ASSIGN
    assert workstream.offer_timeout == timedelta(seconds=30)
    assert workstream.max_declines == 1
    body = workstream.json_body()
    assert (body["assignmentMode"], body["offerTimeout"], body["maxDeclines"]) == (
        "assign",
        "PT30S",
        1,
    )


@pytest.mark.parametrize("timeout", ["PT10S", "PT30S", "PT5M"])
def test_an_offer_timeout_from_ten_seconds_to_five_minutes_is_taken(timeout):
    assert fields(assignmentMode="offer", offerTimeout=timeout).assignment_mode.value == "offer"


@pytest.mark.parametrize("timeout", ["PT9S", "PT5M1S", "PT1H", "P1D"])
def test_an_offer_timeout_outside_the_range_is_refused(timeout):
    assert refused_field(offerTimeout=timeout) == "offerTimeout"


@pytest.mark.parametrize("declines", [0, 6, -1])
def test_max_declines_is_one_to_five(declines):
    assert refused_field(maxDeclines=declines) == "maxDeclines"
    assert fields(maxDeclines=5).max_declines == 5


def test_an_unknown_mode_is_refused():
    assert refused_field(assignmentMode="broadcast") == "assignmentMode"


def test_a_patch_checks_the_range_and_names_the_field():
    assert WorkstreamPatch.model_validate({"offerTimeout": "PT1M"}).model_dump(exclude_unset=True)
    with pytest.raises(ValidationError) as refused:
        WorkstreamPatch.model_validate({"offerTimeout": "PT5S"})
    assert refused.value.errors(include_url=False)[0]["loc"] == ("offerTimeout",)


def test_offer_order_skips_agents_at_max_declines_and_puts_those_who_passed_last():
    candidates = ["a", "b", "c", "d"]
    assert offer_order(candidates, {}, {}, 1) == candidates
    assert offer_order(candidates, {"a": 1}, {}, 1) == ["b", "c", "d"]
    assert offer_order(candidates, {"a": 1}, {}, 2) == ["b", "c", "d", "a"]
    assert offer_order(candidates, {}, {"b": 1, "a": 2}, 1) == ["c", "d", "b", "a"]
    assert offer_order(candidates, {"c": 1}, {"c": 3}, 1) == ["a", "b", "d"], "timeouts never skip"


@pytest.fixture
def queue(world):
    queue = world.queue()
    world.workstream(queue.id, assignmentMode="offer", offerTimeout="PT20S", maxDeclines=1)
    return queue


def test_offer_accept_on_the_fakes(world, services, queue):
    lin = world.agent("Lin", [queue.id], capacity=1)
    conversation_id = world.conversation()
    assert services.assign_step.assign(conversation_id) is Outcome.OFFERED
    assert world.get(conversation_id).state is S.OPEN
    assert world.fresh_agent(lin.id).used_capacity == 1
    second = world.conversation("2")
    assert services.assign_step.assign(second) is Outcome.WAITING, "the offer holds capacity"
    active = services.offers.accept(world.fresh_agent(lin.id), conversation_id)
    assert (active.state, active.agent_id, active.offer) == (S.ACTIVE, lin.id, None)
    assert world.fresh_agent(lin.id).holds[conversation_id].offered_until is None


def test_decline_and_timeout_on_the_fakes(world, services, queue):
    lin = world.agent("Lin", [queue.id], capacity=1)
    conversation_id = world.conversation()
    services.assign_step.assign(conversation_id)
    services.offers.decline(world.fresh_agent(lin.id), conversation_id)
    assert world.fresh_agent(lin.id).holds == {}
    assert services.assign_step.assign(conversation_id) is Outcome.WAITING, "maxDeclines 1"

    wu = world.agent("Wu", [queue.id], capacity=1)
    assert services.assign_step.assign(conversation_id) is Outcome.OFFERED
    assert world.get(conversation_id).offer.agent_id == wu.id
    world.clock.advance(20)
    with pytest.raises(OfferGoneError) as late:
        services.offers.decline(world.fresh_agent(wu.id), conversation_id)
    assert late.value.code == "offer_expired"
    assert services.assign_step.assign(conversation_id) is Outcome.OFFERED, "offered again"
    stored = world.get(conversation_id)
    assert stored.expired_offers == {wu.id: 1}
    assert stored.offer.agent_id == wu.id, "a timeout never skips: Wu is the only one left"
