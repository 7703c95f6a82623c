"""A burst of assign steps on Azurite: many at once on few agents, as a menu push causes.

The steps run as the host runs them: each queue message's step is one invocation, an
exception is a failed invocation (the message would come back after the visibility timeout),
and a step that returns has its message deleted, so work it hands back must be queued anew.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.model.conversations import ConversationState as S
from shared.store.names import ASSIGN_WORK_QUEUE

BURST = 24


def assign(services: Any, data: dict[str, Any]) -> None:
    """What triggers/pipeline.py's assign runs for one message."""
    assign_step = services.assign_step
    if "conversationId" in data:
        assign_step.assign(data["conversationId"])
    elif "agentId" in data:
        assign_step.drain_for_agent(data["agentId"])
    elif "queueId" in data:
        assign_step.drain([data["queueId"]])


def take_ours(services: Any, ours: set[str]) -> list[tuple[Any, dict[str, Any]]]:
    """Receive the assign messages that concern this test (other tests' go back at once)."""
    queue = services.storage.queue(ASSIGN_WORK_QUEUE)
    taken = []
    for message in queue.receive_messages(max_messages=32, visibility_timeout=30):
        data = json.loads(message.content)
        if ours & set(data.values()):
            taken.append((message, data))
        else:
            queue.update_message(message, visibility_timeout=0)
    return taken


def test_a_burst_of_assign_steps_never_fails_and_loses_nothing(world):
    """24 assign steps at once on 2 agents with room for all: no invocation fails (contention
    retries or is handed back, never raised), every conversation ends assigned exactly once,
    and no agent holds more than its capacity or a hold no conversation backs."""
    queue = world.queue(assignmentMethod="highestCapacity")
    world.workstream(queue.id)
    agents = [world.agent(f"agent{i}", [queue.id], capacity=BURST) for i in range(2)]
    conversations = [world.conversation(f"c{i}") for i in range(BURST)]
    ours = {*conversations, queue.id, *(a.id for a in agents)}
    services = world.services
    assign_queue = services.storage.queue(ASSIGN_WORK_QUEUE)

    failures: list[BaseException] = []
    lock = threading.Lock()

    def invoke(item: tuple[Any, dict[str, Any]], barrier: threading.Barrier | None) -> None:
        message, data = item
        if barrier:
            barrier.wait()
        try:
            assign(services, data)
        except Exception as error:  # a failed invocation
            with lock:
                failures.append(error)
            return
        assign_queue.delete_message(message)

    # The router asked for each conversation once (and presence for each agent's queues): take
    # those requests and run them all at once.
    burst: list[tuple[Any, dict[str, Any]]] = []
    deadline = time.monotonic() + 10
    while sum("conversationId" in d for _, d in burst) < BURST and time.monotonic() < deadline:
        burst += take_ours(services, ours)
    assert sum("conversationId" in d for _, d in burst) == BURST
    barrier = threading.Barrier(len(burst))
    with ThreadPoolExecutor(len(burst)) as pool:
        list(pool.map(lambda item: invoke(item, barrier), burst))
    assert failures == [], f"{len(failures)} assign steps failed: {failures[:3]!r}"

    # Whatever was handed back comes back as queue messages; run them until all are served.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(world.get(c).state is S.ACTIVE for c in conversations):
            break
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda item: invoke(item, None), take_ours(services, ours)))
        time.sleep(0.2)
    assert failures == [], f"{len(failures)} handed-back steps failed: {failures[:3]!r}"

    states = {c: world.get(c) for c in conversations}
    assert [c for c, s in states.items() if s.state is not S.ACTIVE] == [], "work was lost"
    fresh = [world.fresh_agent(a.id) for a in agents]
    for agent in fresh:
        assert agent.used_capacity <= agent.capacity
        assert set(agent.holds) == {c for c, s in states.items() if s.agent_id == agent.id}
    assert sum(len(a.holds) for a in fresh) == BURST  # each conversation held exactly once
