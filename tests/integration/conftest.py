"""In-process services against the session's Azurite, with a clock tests can move."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from shared.bootstrap import Services
from shared.channel.callback import Answer
from shared.core.settings import load_settings
from shared.pipeline.assign import Outcome
from shared.store import StorageClients
from shared.store.names import ensure_storage
from tests.fakes.clock import Clock
from tools.local_app import storage_clients
from tools.wechat_simulator import WeChatApiSimulator
from triggers.errors import status_of


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def wechat_api(clock: Clock) -> Iterator[WeChatApiSimulator]:
    """WeChat's server API on loopback, on the test's clock."""
    with WeChatApiSimulator(clock=clock) as simulator:
        yield simulator


@pytest.fixture(scope="session")
def app_storage(storage_connection_string: str) -> StorageClients:
    """Clients for the session's Azurite, with the app's tables, queues and container made
    once: every test shares that Azurite anyway, so creating them per test only repeated work."""
    clients = storage_clients(storage_connection_string)
    ensure_storage(clients)
    return clients


def build_services(
    connection_string: str,
    storage: StorageClients,
    clock: Clock,
    wechat_api: WeChatApiSimulator,
    **settings: str,
) -> Services:
    """The app's services on the session's Azurite, with fresh secrets and ``settings``."""
    values = {
        "AzureWebJobsStorage": connection_string,
        "ADMIN_TOKEN": "integration-admin-token",
        "SECRETS_KEY": base64.b64encode(os.urandom(32)).decode(),
        "WECHAT_API_BASE_URL": wechat_api.url,
        "WECHAT_API_TIMEOUT_SECONDS": "2",
        "BOT_WEBHOOK_ALLOW_LOOPBACK": "true",  # the tests' webhook bots run on loopback
        **settings,
    }
    return Services(load_settings(values), storage, clock)


@pytest.fixture
def services(
    storage_connection_string: str,
    app_storage: StorageClients,
    clock: Clock,
    wechat_api: WeChatApiSimulator,
) -> Services:
    return build_services(storage_connection_string, app_storage, clock, wechat_api)


def store_push(services: Services, account_id: str, xml: str) -> str:
    """Store a plaintext push as the callback would (with a fresh signed nonce) → its key."""
    from shared.model.conversations import utc
    from shared.store.inbound import SignedUrl
    from shared.wechat import parse_message

    now = services.clock()
    key, _ = services.inbound.add(
        account_id,
        parse_message(xml),
        xml,
        encrypted=False,
        received_at=utc(now),
        signed=SignedUrl(str(int(now)), secrets.token_hex(8), utc(now + 600)),
    )
    return key


class World:
    """An account with a workstream, queues and agents, built through the admin use cases,
    and customers whose pushes go through the real intake, route and assign steps."""

    def __init__(self, services: Services, clock: Clock, wechat_api: WeChatApiSimulator) -> None:
        from shared.model.accounts import AccountCreate
        from tools.wechat_simulator import SimulatedAccount

        self.services = services
        self.clock = clock
        self.simulated = SimulatedAccount.random()
        self.account = services.accounts.register(
            AccountCreate.model_validate(self.simulated.registration(mode="plaintext"))
        )
        self.wechat_api = wechat_api
        wechat_api.add_account(self.simulated.app_id, self.simulated.app_secret)

    def queue(self, name: str = "q", **fields: Any) -> Any:
        from shared.model.queues import QueueFields

        return self.services.routing_admin.create_queue(
            QueueFields.model_validate({"name": name, **fields})
        )

    def workstream(self, fallback_queue_id: str, **fields: Any) -> Any:
        from shared.model.workstreams import WorkstreamFields

        body = {
            "name": "ws",
            "accountId": self.account.id,
            "fallbackQueueId": fallback_queue_id,
            **fields,
        }
        return self.services.routing_admin.create_workstream(WorkstreamFields.model_validate(body))

    def agent(
        self,
        name: str,
        queue_ids: list[str],
        capacity: int = 2,
        presence: str = "available",
        **fields: Any,
    ) -> Any:
        from shared.desk.work import PresenceChange
        from shared.model.agents import AgentFields

        agent, _token = self.services.routing_admin.create_agent(
            AgentFields.model_validate(
                {"name": name, "queueIds": queue_ids, "capacity": capacity, **fields}
            )
        )
        return self.services.desk.set_presence(agent, PresenceChange(presence=presence))

    def customer(self, open_id: str | None = None) -> Any:
        from tools.wechat_simulator import WeChatCustomer

        return WeChatCustomer(self.simulated, open_id, clock=self.clock)

    def write(self, customer: Any, fields: dict[str, Any]) -> str:
        """A push through intake (and, for WeChat's window, the API simulator); returns the
        conversation id."""
        if fields.get("MsgType") != "event":
            self.wechat_api.customer_wrote(self.simulated.app_id, customer.open_id)
        from tools.wechat_simulator import push_xml

        key = store_push(self.services, self.account.id, push_xml(fields))
        return self.services.inbound_step.take(self.account.id, key)

    def conversation(self, text: str = "hello", customer: Any = None, route: bool = True) -> str:
        customer = customer or self.customer()
        conversation_id = self.write(customer, customer.text(text))
        if route:
            self.services.route_step.route(conversation_id)
        return conversation_id

    def get(self, conversation_id: str) -> Any:
        return self.services.conversations.get(conversation_id)

    def fresh_agent(self, agent_id: str) -> Any:
        return self.services.catalog.agent(agent_id)

    def outbound(self, conversation_id: str) -> list[Any]:
        """The conversation's outbound transcript entries, oldest first."""
        entries, _ = self.services.conversations.transcript(conversation_id, limit=200)
        return [e for e in entries if e.direction == "out"]

    def outbound_texts(self, conversation_id: str) -> list[str]:
        return [e.text for e in self.outbound(conversation_id)]


@pytest.fixture
def world(services: Services, clock: Clock, wechat_api: WeChatApiSimulator) -> World:
    return World(services, clock, wechat_api)


@pytest.fixture
def chat(world: World) -> tuple[World, Any, Any, Any]:
    """Agent Lin in an active conversation with a customer: (world, agent, customer,
    conversation)."""
    queue = world.queue()
    world.workstream(queue.id)
    agent = world.agent("Lin", [queue.id], capacity=5)
    customer = world.customer()
    conversation = world.conversation("hello", customer=customer)
    assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
    return world, agent, customer, conversation


def answer_status(answer: Answer) -> int:
    """The HTTP status the callback's trigger gives ``answer``: 200 unless it is a refusal."""
    return 200 if answer.refusal is None else status_of(answer.refusal)
