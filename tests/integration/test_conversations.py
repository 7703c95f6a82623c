"""The conversation step and its store on Azurite: opening, appending, closing, racing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from shared.core.ids import short_id
from shared.model.conversations import ConversationState, utc
from shared.store.names import ROUTE_WORK_QUEUE
from shared.wechat import MessageMode
from tests.integration.conftest import store_push as store_xml
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer, push_xml


def store_push(services, account_id: str, fields) -> str:
    return store_xml(services, account_id, push_xml(fields))


def route_messages(services) -> list[str]:
    queue = services.storage.queue(ROUTE_WORK_QUEUE)
    return [m.content for m in queue.peek_messages(max_messages=32)]


def setup_customer(clock):
    account = SimulatedAccount.random()
    return short_id(), WeChatCustomer(account, clock=clock)


def test_first_message_opens_a_conversation_and_asks_for_routing(services, clock):
    services.storage.queue(ROUTE_WORK_QUEUE).clear_messages()
    account_id, customer = setup_customer(clock)
    conversation_id = services.inbound_step.take(
        account_id, store_push(services, account_id, customer.text("hi"))
    )
    conversation = services.conversations.get(conversation_id)
    assert conversation.state is ConversationState.OPEN
    assert conversation.open_id == customer.open_id
    assert conversation.last_customer_message_at == utc(int(clock()))
    assert route_messages(services) == [f'{{"conversationId":"{conversation_id}"}}']


def test_later_messages_append_to_the_open_conversation(services, clock):
    account_id, customer = setup_customer(clock)
    first = services.inbound_step.take(
        account_id, store_push(services, account_id, customer.text("1"))
    )
    clock.advance(30)
    second = services.inbound_step.take(
        account_id, store_push(services, account_id, customer.text("2"))
    )
    assert first == second
    entries, _ = services.conversations.transcript(first, limit=10)
    assert [e.text for e in entries] == ["1", "2"]


def test_the_same_push_twice_is_one_row(services, clock):
    account_id, customer = setup_customer(clock)
    key = store_push(services, account_id, customer.text("once"))
    conversation_id = services.inbound_step.take(account_id, key)
    assert services.inbound_step.take(account_id, key) == conversation_id
    entries, _ = services.conversations.transcript(conversation_id, limit=10)
    assert len(entries) == 1


def test_racing_workers_open_one_conversation(services, clock):
    """Eight workers take eight different messages of one new customer at the same moment."""
    account_id, customer = setup_customer(clock)
    keys = [store_push(services, account_id, customer.text(f"m{i}")) for i in range(8)]
    barrier = threading.Barrier(8)

    def take(key):
        barrier.wait()
        return services.inbound_step.take(account_id, key)

    with ThreadPoolExecutor(8) as pool:
        conversation_ids = set(pool.map(take, keys))
    assert len(conversation_ids) == 1
    [conversation_id] = conversation_ids
    entries, _ = services.conversations.transcript(conversation_id, limit=20)
    assert sorted(e.text for e in entries) == sorted(f"m{i}" for i in range(8))
    listed, _ = services.conversations.list_conversations(
        account_id=account_id, state=None, limit=50
    )
    assert [c.id for c in listed] == [conversation_id]


def test_events_that_do_not_ask_for_help_open_nothing(services, clock):
    account_id, customer = setup_customer(clock)
    for fields in (
        customer.subscribe(),
        customer.event("LOCATION", Latitude=1.0, Longitude=2.0, Precision=3.0),
        customer.event("VIEW", EventKey="https://example.com"),
    ):
        assert (
            services.inbound_step.take(account_id, store_push(services, account_id, fields)) is None
        )
    customer_row = services.conversations.customer(account_id, customer.open_id)
    assert customer_row.subscribed is True
    assert customer_row.open_conversation_id is None


def test_subscription_state_ignores_an_older_event(services, clock):
    account_id, customer = setup_customer(clock)
    now = int(clock())
    services.inbound_step.take(
        account_id, store_push(services, account_id, customer.unsubscribe(create_time=now))
    )
    services.inbound_step.take(
        account_id,
        store_push(services, account_id, customer.subscribe(scene="shop7", create_time=now - 60)),
    )
    assert services.conversations.customer(account_id, customer.open_id).subscribed is False


def test_qr_follow_records_the_scene(services, clock):
    account_id, customer = setup_customer(clock)
    services.inbound_step.take(
        account_id, store_push(services, account_id, customer.subscribe(scene="shop7"))
    )
    assert services.conversations.customer(account_id, customer.open_id).scene == "shop7"


def test_close_clears_the_customer_pointer_and_a_new_message_reopens(services, clock):
    account_id, customer = setup_customer(clock)
    first = services.inbound_step.take(
        account_id, store_push(services, account_id, customer.text("a"))
    )
    closed = services.conversations.close(first, reason="test", now=utc(clock()))
    assert closed.state is ConversationState.CLOSED
    assert (
        services.conversations.customer(account_id, customer.open_id).open_conversation_id is None
    )
    assert (
        services.conversations.close(first, reason="again", now=utc(clock())).close_reason == "test"
    )
    clock.advance(5)
    second = services.inbound_step.take(
        account_id, store_push(services, account_id, customer.text("b"))
    )
    assert second != first
    assert (
        services.conversations.customer(account_id, customer.open_id).last_conversation_id == second
    )


def test_a_push_erased_before_its_turn_is_skipped(services):
    assert services.inbound_step.take("nobody", "msg%3A1") is None


def test_registry_cache_is_dropped_on_change(services):
    from shared.model.accounts import AccountCreate, AccountPatch

    account = SimulatedAccount.random()
    created = services.accounts.register(AccountCreate.model_validate(account.registration()))
    assert services.accounts.lookup(created.id).name == "Test account"
    services.accounts.update(created.id, AccountPatch(name="new name"))
    assert services.accounts.lookup(created.id).name == "new name"
    assert services.accounts.lookup(created.id).message_mode is MessageMode.SAFE
    services.accounts.remove(created.id)
    assert services.accounts.lookup(created.id) is None
