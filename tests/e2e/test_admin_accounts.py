"""The admin API for accounts (docs/architecture.md §5): auth, validation, secrets, rotation,
delete."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from shared.store.names import ACCOUNTS_TABLE
from tests.e2e.conftest import register
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer


def page_token(value: object) -> str:
    """A continuationToken as the API encodes one, around any JSON value."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_no_token_is_401_and_a_wrong_one_403(app):
    assert httpx.get(f"{app.url}/api/admin/accounts").status_code == 401
    assert httpx.get(f"{app.url}/api/admin/accounts").headers["www-authenticate"] == "Bearer"
    wrong = httpx.get(f"{app.url}/api/admin/accounts", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "forbidden"
    basic = httpx.get(f"{app.url}/api/admin/accounts", headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401


@pytest.mark.parametrize(
    "route",
    ["/api/admin/accounts/x", "/api/admin/accounts/x/callback", "/api/admin/conversations"],
)
def test_every_admin_route_needs_the_token(app, route):
    assert httpx.get(f"{app.url}{route}").status_code == 401


def test_create_answers_masked_settings_and_callback_information(app, admin):
    account = SimulatedAccount.random()
    response = admin.post("/api/admin/accounts", json=account.registration(name="客服"))
    assert response.status_code == 201
    body = response.json()
    for secret in (account.app_secret, account.token, account.encoding_aes_key):
        assert secret not in response.text
    assert body["appSecret"] == "****" + account.app_secret[-4:]
    assert body["token"] == "****"
    assert body["encodingAesKey"] == "****" + account.encoding_aes_key[-4:]
    assert body["messageMode"] == "safe"
    assert body["sandbox"] is False
    assert (body["name"], body["appId"], body["originalId"]) == (
        "客服",
        account.app_id,
        account.original_id,
    )
    assert body["callback"] == {
        "serverUrl": f"{app.url}/api/wechat/{body['id']}",
        "ipAllowlist": ["203.0.113.10", "203.0.113.11"],
    }
    assert admin.get(f"/api/admin/accounts/{body['id']}/callback").json() == body["callback"]
    assert admin.get(f"/api/admin/accounts/{body['id']}").json() == body
    assert body["id"] in [a["id"] for a in admin.get("/api/admin/accounts").json()["accounts"]]


def test_secrets_are_encrypted_at_rest(admin, storage):
    account = SimulatedAccount.random()
    account_id = register(admin, account)
    entity = storage.table(ACCOUNTS_TABLE).get_entity("accounts", f"a:{account_id}")
    stored = " ".join(str(value) for value in entity.values())
    for secret in (account.app_secret, account.token, account.encoding_aes_key):
        assert secret not in stored
    assert entity["SecretsKeyId"]


BAD_FIELDS = [
    ("originalId", "97417a04a28d", 'must start with "gh_"'),
    ("appId", "wx123", '"wx" followed by 16 hex digits'),
    ("appId", "WXBA5FAD812F8E6FB9", '"wx" followed by 16 hex digits'),
    ("appSecret", "not-hex", "32 hex digits"),
    ("token", "ab", "3 to 32 letters and digits"),
    ("token", "has space", "3 to 32 letters and digits"),
    ("encodingAesKey", "short", "43 letters and digits"),
    ("encodingAesKey", "+" * 43, "43 letters and digits"),
    ("messageMode", "secret", "plaintext"),
    ("name", "", "at least 1 character"),
    ("sandbox", "perhaps", "valid boolean"),
]


@pytest.mark.parametrize(("field", "value", "says"), BAD_FIELDS)
def test_validation_names_the_field(admin, field, value, says):
    body = SimulatedAccount.random().registration()
    body[field] = value
    response = admin.post("/api/admin/accounts", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field
    assert error["message"].startswith(field)
    assert says in error["message"]


@pytest.mark.parametrize(
    "field", ["name", "originalId", "appId", "appSecret", "token", "encodingAesKey"]
)
def test_required_fields(admin, field):
    body = SimulatedAccount.random().registration()
    del body[field]
    response = admin.post("/api/admin/accounts", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == f"{field} is required"


def test_unknown_field_and_bad_json(admin):
    body = {**SimulatedAccount.random().registration(), "appSecert": "typo"}
    response = admin.post("/api/admin/accounts", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "appSecert is not a known field"
    bad = admin.post("/api/admin/accounts", content=b"{not json")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_json")
    listed = admin.post("/api/admin/accounts", json=[1, 2])
    assert listed.status_code == 400


def test_duplicate_app_id_is_409_on_create_and_patch(admin):
    first, second = SimulatedAccount.random(), SimulatedAccount.random()
    register(admin, first)
    again = admin.post("/api/admin/accounts", json={**second.registration(), "appId": first.app_id})
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "appId"
    second_id = register(admin, second)
    moved = admin.patch(f"/api/admin/accounts/{second_id}", json={"appId": first.app_id})
    assert moved.status_code == 409
    # The failed patch changed nothing; a free AppID can still be taken.
    free = SimulatedAccount.random().app_id
    assert (
        admin.patch(f"/api/admin/accounts/{second_id}", json={"appId": free}).json()["appId"]
        == free
    )
    assert (
        admin.post(
            "/api/admin/accounts",
            json={**SimulatedAccount.random().registration(), "appId": second.app_id},
        ).status_code
        == 201
    )


def test_patch_rotates_the_key_with_a_grace_period(admin):
    account_id = register(admin, SimulatedAccount.random())
    before = datetime.now(timezone.utc)
    response = admin.patch(
        f"/api/admin/accounts/{account_id}",
        json={"name": "renamed", "encodingAesKey": SimulatedAccount.random().encoding_aes_key},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "renamed"
    expires = datetime.fromisoformat(body["previousKeyExpiresAt"].replace("Z", "+00:00"))
    assert (
        before + timedelta(hours=23, minutes=59) < expires < before + timedelta(hours=24, minutes=1)
    )


def test_patch_validates_like_create(admin):
    account_id = register(admin, SimulatedAccount.random())
    response = admin.patch(f"/api/admin/accounts/{account_id}", json={"token": "x"})
    assert (response.status_code, response.json()["error"]["field"]) == (400, "token")
    assert admin.patch("/api/admin/accounts/nosuch", json={"name": "x"}).status_code == 404


def test_sandbox_accounts_are_plaintext_only(app, admin):
    sandbox = SimulatedAccount.random()
    body = sandbox.registration(sandbox=True, encodingAesKey="A" * 43)
    del body["messageMode"]
    response = admin.post("/api/admin/accounts", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["messageMode"] == "plaintext"
    safe = admin.post(
        "/api/admin/accounts",
        json=SimulatedAccount.random().registration(mode="safe", sandbox=True),
    )
    assert safe.status_code == 400
    assert safe.json()["error"]["field"] == "messageMode"
    # A well-formed change that this account's state refuses: a conflict, not a bad request.
    to_safe = admin.patch(
        f"/api/admin/accounts/{response.json()['id']}", json={"messageMode": "safe"}
    )
    assert (to_safe.status_code, to_safe.json()["error"]["code"]) == (409, "sandbox_account")
    both = admin.patch(
        f"/api/admin/accounts/{response.json()['id']}",
        json={"messageMode": "safe", "sandbox": True},
    )
    assert (both.status_code, both.json()["error"]["field"]) == (400, "messageMode")


def test_turning_sandbox_on_makes_the_account_plaintext(admin):
    created = admin.post("/api/admin/accounts", json=SimulatedAccount.random().registration())
    patched = admin.patch(f"/api/admin/accounts/{created.json()['id']}", json={"sandbox": True})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["sandbox"], patched.json()["messageMode"]) == (True, "plaintext")


def test_delete_stops_the_channel_at_once(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    customer = WeChatCustomer(account)
    assert (
        app.push(account_id, *customer.push(customer.text("before"), "plaintext")).status_code
        == 200
    )
    assert admin.delete(f"/api/admin/accounts/{account_id}").status_code == 204
    assert (
        app.push(account_id, *customer.push(customer.text("after"), "plaintext")).status_code == 404
    )
    assert admin.get(f"/api/admin/accounts/{account_id}").status_code == 404
    assert admin.delete(f"/api/admin/accounts/{account_id}").status_code == 404
    # Its AppID is free again.
    assert register(admin, SimulatedAccount(**{**account.__dict__, "original_id": "gh_again"}))


def test_conversation_listing_pages_and_filters(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    customers = [WeChatCustomer(account) for _ in range(3)]
    for customer in customers:
        assert (
            app.push(account_id, *customer.push(customer.text("hi"), "plaintext")).status_code
            == 200
        )
    from tests.e2e.conftest import wait_for

    wait_for(
        lambda: (
            len(
                admin.get("/api/admin/conversations", params={"accountId": account_id}).json()[
                    "conversations"
                ]
            )
            == 3
        ),
        what="three conversations",
    )
    seen, page_ids, token = [], [], None
    while True:
        params = {
            "accountId": account_id,
            "limit": 1,
            **({"continuationToken": token} if token else {}),
        }
        page = admin.get("/api/admin/conversations", params=params).json()
        seen += [c["openId"] for c in page["conversations"]]
        page_ids += [c["id"] for c in page["conversations"]]
        token = page.get("continuationToken")
        if not token:
            break
    assert sorted(seen) == sorted(c.open_id for c in customers)
    first_id = page_ids[0]
    closed = admin.get(
        "/api/admin/conversations", params={"accountId": account_id, "state": "closed"}
    )
    assert closed.json()["conversations"] == []
    bad = admin.get("/api/admin/conversations", params={"state": "asleep"})
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "state")
    assert admin.get("/api/admin/conversations", params={"limit": "0"}).status_code == 400
    shapes = ([1], 7, "x", {}, {"Other": "x"}, {"PartitionKey": "a\nb"}, {"RowKey": 5})
    for malformed in ("%%%", *map(page_token, shapes)):
        for path in ("/api/admin/conversations", f"/api/admin/conversations/{first_id}"):
            answer = admin.get(path, params={"continuationToken": malformed})
            assert answer.status_code == 400, (malformed, answer.text)
            assert answer.json()["error"]["field"] == "continuationToken"
    assert admin.get(f"/api/admin/conversations/{account_id}-nosuch").status_code == 404
    assert admin.get("/api/admin/conversations/nodash").status_code == 404
