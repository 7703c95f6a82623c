"""The automated messages of issue 16 on Azurite: agentNotAssigned, nextInLine,
transferAccepted, agentEndedConversation, {QueueName}, and positionInQueue, which never spends
the reply-window slots the agent needs (POSITION_RESERVE), even with sweeps running at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from shared.desk.work import CloseRequest, TransferRequest
from shared.messaging.positions import POSITION_RESERVE
from shared.model.conversations import ConversationState as S
from shared.pipeline.assign import Outcome

MESSAGES = {
    "en": {
        "queued": "You are number {Position} in {QueueName}.",
        "agentNotAssigned": "Nobody in {QueueName} can answer yet.",
        "nextInLine": "You are next in {QueueName}.",
        "agentAssigned": "{AgentName} will help you.",
        "transferAccepted": "Moved to {QueueName}.",
        "agentEndedConversation": "{AgentName} ended the conversation.",
        "conversationClosed": "Bye!",
    }
}


def test_the_line_the_transfer_and_the_agents_close_each_say_their_message(world):
    general, billing = world.queue("General"), world.queue("Billing")
    world.workstream(general.id, language="en", automatedMessages=MESSAGES)
    first = world.conversation("one")
    world.clock.advance(1)
    second = world.conversation("two")
    assert world.services.assign_step.assign(first) is Outcome.WAITING
    assert world.services.assign_step.assign(first) is Outcome.WAITING  # says it once
    assert world.outbound_texts(first) == [
        "You are number 1 in General.",
        "Nobody in General can answer yet.",
    ]
    assert world.outbound_texts(second) == ["You are number 2 in General."]

    lin = world.agent("Lin", [general.id], capacity=1)
    world.services.assign_step.assign(first)
    assert world.get(first).state is S.ACTIVE
    assert world.outbound_texts(second)[-1] == "You are next in General."
    assert world.outbound_texts(first)[-1] == "Lin will help you."

    world.clock.advance(1)
    world.services.desk.close(lin, first, CloseRequest())
    assert world.outbound_texts(first)[-2:] == ["Lin ended the conversation.", "Bye!"]

    world.clock.advance(1)
    world.services.desk.transfer_as_admin(second, TransferRequest(queueId=billing.id))
    assert world.outbound_texts(second)[-1] == "Moved to Billing."
    assert world.outbound_texts(second).count("You are next in General.") == 1


def test_a_transfer_to_an_agent_is_accepted_by_name(world):
    queue = world.queue("General")
    world.workstream(queue.id, language="en", automatedMessages=MESSAGES)
    lin = world.agent("Lin", [queue.id], capacity=2)
    conversation = world.conversation("hi")
    world.services.assign_step.assign(conversation)
    assert world.get(conversation).agent_id == lin.id
    mei = world.agent("Mei", [], capacity=2)
    world.clock.advance(1)
    world.services.desk.transfer(lin, conversation, TransferRequest(agentId=mei.id))
    assert world.outbound_texts(conversation)[-2:] == ["Moved to General.", "Mei will help you."]


def test_position_updates_leave_the_agent_the_last_slots(world):
    queue = world.queue("General")
    world.workstream(
        queue.id,
        language="en",
        positionUpdateEvery="PT5M",
        automatedMessages={
            "en": {"greeting": "Hello", "positionInQueue": "Still number {Position}."}
        },
    )
    conversation = world.conversation("waiting")
    housekeeping = world.services.housekeeping
    housekeeping.sweep_assignments()
    assert world.outbound_texts(conversation) == ["Hello"]  # none due yet
    world.clock.advance(5 * 60)
    housekeeping.sweep_assignments()
    housekeeping.sweep_assignments()  # the same update is not said twice
    assert world.outbound_texts(conversation) == ["Hello", "Still number 1."]

    quota = world.services.outbox.quota
    for _ in range(quota + 2):
        world.clock.advance(5 * 60)
        with ThreadPoolExecutor(4) as pool:  # concurrent sweeps race for the same slots
            list(pool.map(lambda _: housekeeping.sweep_assignments(), range(4)))
    updates = world.outbound_texts(conversation)[1:]
    assert len(updates) == quota - 1 - POSITION_RESERVE
    window = world.services.outbox.window(world.get(conversation))
    assert world.services.outbox.messages_left(window) == POSITION_RESERVE
