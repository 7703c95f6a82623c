"""Assignment with 10 and with 1,000 agents in the queue, and with 1,000 agents when the
workstream requires a skill, side by side in one run.

  decision: choosing the agent — the availability index query for the queue (the few best
            candidates by the queue's method) and the read of the chosen agent;
  assign:   the whole assign step for one conversation — decision, capacity reservation
            (ETag), the conversation's move to active (ETag) and the index update.
The decision must not read every agent: the figure that matters is decision p95 with 1,000
agents / decision p95 with 10. A required skill makes the decision load the first
``MATCHED_CANDIDATES`` agents of the index to filter and rank them: the last ratio says what
that costs (agents hold the skill at ratings 1-10, the workstream asks for 3 or more).

Reproduce (starts its own Azurite; runs the use cases in-process):
  make setup && .venv/bin/python bench/assign.py [--conversations 200] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stats import percentile
from devhost.azurite import Azurite
from shared.bootstrap import Services
from shared.core.settings import load_settings
from shared.desk.work import PresenceChange
from shared.model.accounts import AccountCreate
from shared.model.agents import AgentFields
from shared.model.conversations import utc
from shared.model.queues import QueueFields
from shared.model.workstreams import WorkstreamFields
from shared.store.inbound import SignedUrl
from shared.wechat import parse_message
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer, push_xml


class Scenario:
    """An account whose one queue has ``agents`` available agents, and waiting conversations."""

    def __init__(
        self,
        services: Services,
        agents: int,
        method: str,
        pool: ThreadPoolExecutor,
        *,
        skilled: bool = False,
    ) -> None:
        self.services = services
        self.agent_count = agents
        self.label = f"{agents} agents" + (", skill required" if skilled else "")
        simulated = SimulatedAccount.random()
        self.simulated = simulated
        self.account = services.accounts.register(
            AccountCreate.model_validate(simulated.registration(mode="plaintext"))
        )
        admin = services.routing_admin
        self.queue = admin.create_queue(
            QueueFields(name=f"{agents} agents", assignment_method=method)
        )
        self.workstream = admin.create_workstream(
            WorkstreamFields.model_validate(
                {
                    "name": "bench",
                    "accountId": self.account.id,
                    "fallbackQueueId": self.queue.id,
                    "requiredSkills": [{"name": "billing", "minRating": 3}] if skilled else [],
                }
            )
        )

        def add_agent(i: int) -> None:
            agent, _ = admin.create_agent(
                AgentFields.model_validate(
                    {
                        "name": f"agent{i}",
                        "queueIds": [self.queue.id],
                        "capacity": 1000,
                        "skills": [{"name": "billing", "rating": i % 10 + 1}] if skilled else [],
                    }
                )
            )
            services.desk.set_presence(agent, PresenceChange(presence="available"))

        list(pool.map(add_agent, range(agents)))

    def conversations(self, count: int, pool: ThreadPoolExecutor) -> list[str]:
        def one(_: int) -> str:
            customer = WeChatCustomer(self.simulated)
            xml = push_xml(customer.text("hello"))
            now = time.time()
            key, _ = self.services.inbound.add(
                self.account.id,
                parse_message(xml),
                xml,
                encrypted=False,
                received_at=utc(now),
                signed=SignedUrl(str(int(now)), secrets.token_hex(8), utc(now + 600)),
            )
            conversation_id = self.services.inbound_step.take(self.account.id, key)
            self.services.route_step.route(conversation_id)
            return conversation_id

        return list(pool.map(one, range(count)))


def timed(call, items, pool: ThreadPoolExecutor) -> tuple[list[float], float]:
    def run(item) -> float:
        start = time.perf_counter()
        call(item)
        return (time.perf_counter() - start) * 1000

    start = time.perf_counter()
    latencies = list(pool.map(run, items))
    return latencies, time.perf_counter() - start


def decide(services: Services, scenario: Scenario):
    assign_step = services.assign_step

    def choose(conversation_id: str) -> None:
        conversation = services.conversations.get(conversation_id)
        candidates = assign_step._candidates(conversation, scenario.workstream, 1)
        if not candidates or services.catalog.agent(candidates[0]) is None:
            raise SystemExit("no candidate agent: the benchmark's setup is broken")

    return choose


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--method", default="highestCapacity")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work, Azurite(Path(work), in_memory=True) as azurite:
        settings = load_settings(
            {
                "AzureWebJobsStorage": azurite.connection_string,
                "ADMIN_TOKEN": "bench-admin-token-0000",
                "SECRETS_KEY": base64.b64encode(os.urandom(32)).decode(),
            }
        )
        services = Services.build(settings)
        with ThreadPoolExecutor(args.concurrency) as pool:
            setup_start = time.perf_counter()
            scenarios = [
                Scenario(services, 10, args.method, pool),
                Scenario(services, 1000, args.method, pool),
                Scenario(services, 1000, args.method, pool, skilled=True),
            ]
            waiting = {s.label: s.conversations(args.conversations, pool) for s in scenarios}
            print(f"setup: {time.perf_counter() - setup_start:.0f} s (agents and conversations)")

            decisions: dict[str, list[float]] = {}
            assigns: dict[str, tuple[list[float], float]] = {}
            for scenario in scenarios:  # decisions first: they change nothing
                decisions[scenario.label] = timed(
                    decide(services, scenario), waiting[scenario.label], pool
                )[0]
            for scenario in scenarios:
                assigns[scenario.label] = timed(
                    services.assign_step.assign, waiting[scenario.label], pool
                )

    print(
        f"assignment, {args.conversations} conversations per queue, concurrency {args.concurrency},"
        f" method {args.method}"
    )
    labels = [s.label for s in scenarios]
    decision_p95 = {label: percentile(decisions[label], 95) for label in labels}
    assign_p95 = {label: percentile(assigns[label][0], 95) for label in labels}
    for label in labels:
        latencies, seconds = assigns[label]
        print(
            f"  {label:>28}: decision p50 {statistics.median(decisions[label]):6.2f} ms"
            f"  p95 {decision_p95[label]:6.2f} ms | assign p95 {assign_p95[label]:6.2f} ms,"
            f" {len(latencies) / seconds:6.1f} assignments/s"
        )
    few, many, skilled = labels
    for name, p95 in (("decision", decision_p95), ("assign", assign_p95)):
        print(f"  ratio {name} p95 1000 / 10 agents        = {p95[many] / p95[few]:.2f}")
        print(f"  ratio {name} p95 skill / no skill (1000) = {p95[skilled] / p95[many]:.2f}")


if __name__ == "__main__":
    main()
