"""Every refused push gets its status and leaves no trace: no row, no queue message.

These run against an app whose conversation step is disabled (``AzureWebJobs.<name>.Disabled``,
as on the real host), so anything a refused request enqueued would still be in the queue.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from devhost.azurite import Azurite
from shared.store.names import CONVERSATIONS_TABLE, INBOUND_TABLE, INBOUND_WORK_QUEUE
from shared.wechat import MessageCipher, sign
from tests.e2e.conftest import register
from tools.local_app import LocalApp, app_settings, storage_clients
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer, push_xml


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalApp, Azurite]]:
    with Azurite(tmp_path_factory.mktemp("quiet-azurite"), in_memory=True) as azurite:
        local = LocalApp(
            app_settings(azurite.connection_string),
            log_dir=tmp_path_factory.mktemp("quiet-app"),
            disabled=["inbound"],
        )
        with local:
            yield local, azurite


@pytest.fixture(scope="module")
def setup(quiet):
    app, azurite = quiet
    storage = storage_clients(azurite.connection_string)
    with app.admin() as admin:
        account = SimulatedAccount.random()
        account_id = register(admin, account)
        plain_account = SimulatedAccount.random()
        plain_id = register(admin, plain_account, mode="plaintext")
        gone = SimulatedAccount.random()
        gone_id = register(admin, gone)
        assert admin.delete(f"/api/admin/accounts/{gone_id}").status_code == 204
    return app, storage, (account_id, account), (plain_id, plain_account), (gone_id, gone)


def assert_no_trace(storage) -> None:
    assert list(storage.table(INBOUND_TABLE).list_entities()) == []
    assert list(storage.table(CONVERSATIONS_TABLE).list_entities()) == []
    assert list(storage.queue(INBOUND_WORK_QUEUE).peek_messages(max_messages=32)) == []


def safe_push(account: SimulatedAccount, **kw):
    customer = WeChatCustomer(account)
    return customer.push(customer.text("hello"), "safe", **kw)


def tampered_signature(account):
    query, body = safe_push(account)
    query["signature"] = "0" * 40
    return query, body


def tampered_msg_signature(account):
    query, body = safe_push(account)
    query["msg_signature"] = sign("not-the-token", query["timestamp"], query["nonce"], "x")
    return query, body


def stale(account):
    return safe_push(account, timestamp=int(WeChatCustomer(account).clock()) - 3600)


def plaintext_to_safe(account):
    customer = WeChatCustomer(account)
    return customer.push(customer.text("downgrade"), "plaintext")


def wrong_to_user_name(account):
    customer = WeChatCustomer(account)
    fields = customer.text("misrouted")
    fields["ToUserName"] = "gh_someoneelse1"
    return customer.push(fields, "safe")


def path_in_open_id(account):
    customer = WeChatCustomer(account, open_id="o/../../other#x")
    return customer.push(customer.text("keys"), "safe")


def letters_in_msg_id(account):
    customer = WeChatCustomer(account)
    fields = customer.text("id")
    fields["MsgId"] = "12ab"
    return customer.push(fields, "safe")


def nested_too_deep(account):
    customer = WeChatCustomer(account)
    deep: dict = {"x": "y"}
    for _ in range(10):
        deep = {"Level": deep}
    return customer.push({**customer.text("deep"), "Nest": deep}, "safe")


def xxe_inside(account):
    customer = WeChatCustomer(account)
    query, _ = customer.push(customer.text("x"), "safe")
    inner = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml>&e;</xml>'
    encrypted = MessageCipher(account.encoding_aes_key, account.app_id).encrypt(inner)
    query["msg_signature"] = sign(account.token, query["timestamp"], query["nonce"], encrypted)
    return query, push_xml({"ToUserName": account.original_id, "Encrypt": encrypted}).encode()


def garbage_ciphertext(account):
    query, _ = safe_push(account)
    encrypted = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0IGF0IGFsbA=="
    query["msg_signature"] = sign(account.token, query["timestamp"], query["nonce"], encrypted)
    return query, push_xml({"ToUserName": account.original_id, "Encrypt": encrypted}).encode()


def too_large(account):
    query, _ = safe_push(account)
    return query, b"<xml>" + b"x" * (1024 * 1024) + b"</xml>"


SAFE_ACCOUNT_CASES = [
    (tampered_signature, 401, "bad_signature"),
    (tampered_msg_signature, 401, "bad_signature"),
    (stale, 401, "stale_timestamp"),
    (plaintext_to_safe, 400, "mode_refused"),
    (wrong_to_user_name, 400, "wrong_account"),
    (path_in_open_id, 400, "bad_xml"),
    (letters_in_msg_id, 400, "bad_xml"),
    (nested_too_deep, 400, "bad_xml"),
    (xxe_inside, 400, "xml_refused"),
    (garbage_ciphertext, 400, "bad_ciphertext"),
    (too_large, 413, "body_too_large"),
]


@pytest.mark.parametrize(
    ("build", "status", "code"), SAFE_ACCOUNT_CASES, ids=lambda c: getattr(c, "__name__", None)
)
def test_refused_push_leaves_no_trace(setup, build, status, code):
    app, storage, (account_id, account), _, _ = setup
    response = app.push(account_id, *build(account))
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert_no_trace(storage)


def test_malformed_plaintext_body(setup):
    app, storage, _, (plain_id, plain_account), _ = setup
    query, _ = WeChatCustomer(plain_account).push(
        WeChatCustomer(plain_account).text("x"), "plaintext"
    )
    response = app.push(plain_id, query, b"<xml><ToUserName>unclosed")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_xml"
    assert_no_trace(storage)


def test_encrypted_push_to_plaintext_account(setup):
    app, storage, _, (plain_id, plain_account), _ = setup
    response = app.push(plain_id, *safe_push(plain_account))
    assert response.status_code == 400
    assert_no_trace(storage)


def test_unknown_account(setup):
    app, storage, _, _, _ = setup
    response = app.push("nosuchaccount", {"signature": "x"}, b"<xml/>")
    assert response.status_code == 404
    assert_no_trace(storage)


def test_deleted_account(setup):
    app, storage, _, _, (gone_id, gone) = setup
    assert app.push(gone_id, *safe_push(gone)).status_code == 404
    assert (
        httpx.get(
            f"{app.url}/api/wechat/{gone_id}", params=WeChatCustomer(gone).verify_url_query()
        ).status_code
        == 404
    )
    assert_no_trace(storage)


def test_an_accepted_push_does_leave_a_trace(setup):
    """Guard for the tests above: the same checks do see an accepted push."""
    app, storage, (account_id, account), _, _ = setup
    assert app.push(account_id, *safe_push(account)).status_code == 200
    with pytest.raises(AssertionError):
        assert_no_trace(storage)
    for entity in storage.table(INBOUND_TABLE).list_entities():
        storage.table(INBOUND_TABLE).delete_entity(entity)
    storage.queue(INBOUND_WORK_QUEUE).clear_messages()
    assert_no_trace(storage)
