"""What no fault may break, checked alike by the fault tests (a killed host, storage down):
one conversation per customer with exactly its one line, each held by one agent, capacity
matching the holds, and nothing in a poison queue; and the app each of them breaks, on an
Azurite of its own."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import httpx
from azure.core.exceptions import ResourceNotFoundError

from devhost.azurite import Azurite
from shared.bootstrap import Services
from shared.core.settings import load_settings
from shared.pipeline.assign import ORPHAN_HOLD_AGE
from shared.store import StorageClients
from shared.store.names import WORK_QUEUES
from tools.desk import DeskAgent
from tools.local_app import LocalApp, app_settings
from tools.wechat_simulator import WeChatApiSimulator


class FaultyApp(NamedTuple):
    app: LocalApp
    wechat_api: WeChatApiSimulator
    azurite: Azurite
    admin: httpx.Client


@contextmanager
def own_app(
    tmp_path: Path, *, in_memory: bool, hidden_seconds: int, split: bool = False
) -> Iterator[FaultyApp]:
    """The app on an Azurite and a WeChat simulator of its own, so that breaking it disturbs
    no other test. What a broken host or a lost receive had fetched stays hidden
    ``hidden_seconds`` (DEVHOST_PROCESSING_VISIBILITY_SECONDS), not the host's 10 minutes."""
    with (
        Azurite(tmp_path / "azurite", in_memory=in_memory) as azurite,
        WeChatApiSimulator() as wechat_api,
    ):
        local = LocalApp(
            app_settings(
                azurite.connection_string,
                WECHAT_API_BASE_URL=wechat_api.url,
                DEVHOST_PROCESSING_VISIBILITY_SECONDS=str(hidden_seconds),
            ),
            log_dir=tmp_path / "app",
            split=split,
        )
        with local, local.admin() as admin:
            yield FaultyApp(local, wechat_api, azurite, admin)


def assert_one_line_per_customer(
    admin: httpx.Client, conversations: list[dict[str, Any]], texts: Mapping[str, str]
) -> None:
    """``texts``: each customer's one line, by open id."""
    per_customer = Counter(c["openId"] for c in conversations)
    assert set(per_customer) == set(texts)
    assert max(per_customer.values()) == 1, "a customer got two conversations"
    for conversation in conversations:
        detail = admin.get(f"/api/admin/conversations/{conversation['id']}").json()
        lines = [m["text"] for m in detail["messages"] if m["direction"] == "in"]
        assert lines == [texts[conversation["openId"]]], conversation["id"]


def sweep_later(app: LocalApp, clients: StorageClients) -> dict[str, int]:
    """The assignment sweep as the host's timer runs it ORPHAN_HOLD_AGE from now: only then
    may it release a hold a fault orphaned (a younger one may still be committing). devhost's
    clock cannot be moved, so this runs here, on the app's settings and storage."""
    later = time.time() + ORPHAN_HOLD_AGE.total_seconds() + 1
    services = Services(load_settings(app.settings), clients, lambda: later)
    return services.housekeeping.sweep_assignments()


def assert_holds_match(
    admin: httpx.Client, agents: Iterable[DeskAgent], conversations: list[dict[str, Any]]
) -> None:
    """Every active conversation held by its agent and no other; used capacity = holds."""
    holder_of = {c["id"]: c["agentId"] for c in conversations if c["state"] == "active"}
    holders: Counter[str] = Counter()
    for agent in agents:
        view = admin.get(f"/api/admin/agents/{agent.id}").json()
        assert view["usedCapacity"] == len(view["conversationIds"]), view
        assert {holder_of.get(held) for held in view["conversationIds"]} <= {agent.id}, view
        holders.update(view["conversationIds"])
    assert set(holders) == set(holder_of), "a conversation is assigned but not held"
    assert max(holders.values(), default=1) == 1, "a conversation is held by two agents"


def assert_no_poison(clients: StorageClients) -> None:
    for queue in WORK_QUEUES:
        poison = clients.queue(f"{queue}-poison")
        try:
            left = list(poison.peek_messages(max_messages=32))
        except ResourceNotFoundError:  # never created: nothing ever went to poison
            left = []
        assert left == [], f"{queue}-poison holds {len(left)} messages"
