"""The WeChat accounts pages: the form refusing a wrong value in place, the callback information
WeChat's URL verification passes against, the go-live check, disable, drain and delete."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LANGUAGES, WIDE
from tools.desk import sign_in
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer

pytestmark = pytest.mark.timeout(90)

_43_ALPHANUMERIC = re.compile(r"^[A-Za-z0-9]{43}$")
_32_ALPHANUMERIC = re.compile(r"[A-Za-z0-9]{32}")
CLIPBOARD = {"permissions": ["clipboard-read", "clipboard-write"]}


def app_ids(admin: httpx.Client) -> list[str]:
    return [a["appId"] for a in admin.get("/api/admin/accounts").json()["accounts"]]


def fill_form(page: Page, account: SimulatedAccount, name: str = "Demo shop") -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Original ID", exact=True).fill(account.original_id)
    page.get_by_label("Developer ID (AppID)", exact=True).fill(account.app_id)
    page.get_by_label("Developer password (AppSecret)", exact=True).fill(account.app_secret)
    page.get_by_label("Token", exact=True).fill(account.token)
    page.get_by_label("Message encryption key (EncodingAESKey)", exact=True).fill(
        account.encoding_aes_key or ""
    )


def open_new_account_form(page: Page, app) -> None:
    sign_in(page, app.admin_token)
    page.get_by_role("link", name="New WeChat account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New WeChat account")


def test_a_wrong_key_is_refused_next_to_its_field_and_nothing_is_created(page, app, admin):
    open_new_account_form(page, app)
    expect(page.get_by_role("radio", name="Safe")).to_be_checked()
    expect(page.get_by_text("Choose Safe mode")).to_be_visible()
    account = SimulatedAccount.random()
    fill_form(page, account)
    key = page.get_by_label("Message encryption key (EncodingAESKey)", exact=True)
    key.fill("A" * 42)
    page.get_by_role("button", name="Next").click()

    expect(key).to_have_attribute("aria-invalid", "true")
    expect(key).to_have_accessible_description(
        "The EncodingAESKey is exactly 43 letters and digits. "
        "43 letters and digits; enter the same in WeChat's console. Generate one here."
    )
    expect(key).to_be_focused()
    expect(page.get_by_role("heading", level=1)).to_have_text("New WeChat account")
    assert account.app_id not in app_ids(admin)

    # What only the API knows (another account has this Token) is shown in place too.
    other = SimulatedAccount.random()
    assert admin.post("/api/admin/accounts", json=other.registration()).status_code == 201
    page.get_by_role("button", name="Generate Message encryption key (EncodingAESKey)").click()
    expect(key).to_have_value(_43_ALPHANUMERIC)
    expect(key).not_to_have_attribute("aria-invalid", "true")
    token = page.get_by_label("Token", exact=True)
    token.fill(other.token)
    page.get_by_role("button", name="Next").click()
    expect(token).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("uses this Token already")
    assert account.app_id not in app_ids(admin)


def test_a_good_account_gets_callback_information_wechat_verifies(
    open_page, app, admin, wechat_api
):
    page = open_page(**CLIPBOARD)
    open_new_account_form(page, app)
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    fill_form(page, account)
    page.get_by_role("button", name="Generate Token").click()
    generated = page.get_by_label("Token", exact=True).input_value()
    assert _32_ALPHANUMERIC.fullmatch(generated)
    account = SimulatedAccount(
        token=generated,
        app_id=account.app_id,
        original_id=account.original_id,
        encoding_aes_key=account.encoding_aes_key,
        app_secret=account.app_secret,
    )
    page.get_by_role("button", name="Next").click()

    callback = page.get_by_role("region", name="Callback information")
    expect(callback).to_be_visible()
    assert account.app_id in app_ids(admin)
    server_url = callback.locator("code").inner_text()
    assert server_url.startswith(f"{app.url}/api/wechat/")
    callback.get_by_role("button", name="Copy Server address (URL)").click()
    expect(callback.get_by_role("status").first).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == server_url
    callback.get_by_role("button", name="Copy IP allowlist").click()
    assert page.evaluate("navigator.clipboard.readText()") == "203.0.113.10\n203.0.113.11"
    for secret in (account.app_secret, account.token, account.encoding_aes_key):
        assert secret not in page.content()

    # WeChat's console, on Submit: a signed GET to the shown URL, answered with its echostr.
    query = WeChatCustomer(account).verify_url_query("1234567890")
    answer = httpx.get(server_url, params=query)
    assert (answer.status_code, answer.text) == (200, "1234567890")

    page.get_by_role("link", name="Finish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo shop")
    check = page.get_by_role("region", name="Go-live check")
    item = check.get_by_role("listitem").filter(has_text="WeChat verified the server address")
    expect(item).to_contain_text("passed")
    expect(item).to_contain_text("Last verified")
    expect(check).to_contain_text("Ready: WeChat reaches this server")
    for secret in (account.app_secret, account.token, account.encoding_aes_key):
        assert secret not in page.content()


def test_the_go_live_check_reports_a_wrong_appsecret(page, app, admin, wechat_api):
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, "e" * 32)  # WeChat's console has another AppSecret
    created = admin.post("/api/admin/accounts", json=account.registration(name="Wrong secret"))
    account_id = created.json()["id"]
    sign_in(page, app.admin_token)
    page.goto(f"/console/accounts/{account_id}")

    check = page.get_by_role("region", name="Go-live check")
    token = check.get_by_role("listitem").filter(has_text="Access token")
    expect(token).to_contain_text("failed")
    expect(token).to_contain_text("WeChat refused the Developer password (AppSecret)")
    expect(token).to_contain_text("WeChat answered 40001")
    expect(check).to_contain_text("Not ready yet")

    # Edit: the secret is masked with Replace; the right one makes the check pass.
    page.get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Replace Developer password (AppSecret)").click()
    page.get_by_label("Developer password (AppSecret)", exact=True).fill("e" * 32)
    page.get_by_role("button", name="Save").click()
    token = (
        page.get_by_role("region", name="Go-live check")
        .get_by_role("listitem")
        .filter(has_text="Access token")
    )
    expect(token).to_contain_text("WeChat issued an access token")


def test_rotate_the_key_disable_then_delete_with_a_confirmation(page, app, admin):
    account = SimulatedAccount.random()
    account_id = admin.post(
        "/api/admin/accounts", json=account.registration(name="To delete")
    ).json()["id"]
    sign_in(page, app.admin_token)
    page.goto(f"/console/accounts/{account_id}")
    page.get_by_role("button", name="Rotate EncodingAESKey").click()
    rotate = page.get_by_role("dialog", name="Rotate EncodingAESKey")
    expect(rotate).to_contain_text("before the grace period ends")
    new_key = rotate.locator("code").inner_text()
    rotate.get_by_role("button", name="Rotate key").click()
    expect(page.get_by_text("the previous EncodingAESKey is accepted until")).to_be_visible()
    expect(page.get_by_role("region", name="Settings")).to_contain_text("****" + new_key[-4:])

    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_text("This account is disabled")).to_be_visible()
    assert admin.get(f"/api/admin/accounts/{account_id}").json()["disabled"] is True

    page.get_by_role("button", name="Delete account").click()
    dialog = page.get_by_role("dialog", name="Delete To delete?")
    expect(dialog).to_contain_text("Customers' messages stop reaching your agents")
    dialog.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{app.url}/console/accounts")
    assert admin.get(f"/api/admin/accounts/{account_id}").status_code == 404


def test_drain_with_a_confirmation_then_reactivate(page, app, admin):
    """An account without open conversations is inactive as soon as it is drained; the page
    says so, and reactivating takes new conversations again."""
    account = SimulatedAccount.random()
    account_id = admin.post(
        "/api/admin/accounts", json=account.registration(name="Seasonal shop")
    ).json()["id"]
    sign_in(page, app.admin_token)
    page.goto(f"/console/accounts/{account_id}")

    page.get_by_role("button", name="Drain").click()
    dialog = page.get_by_role("dialog", name="Drain Seasonal shop?")
    expect(dialog).to_contain_text("without deleting it")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert admin.get(f"/api/admin/accounts/{account_id}").json()["status"] == "active"

    page.get_by_role("button", name="Drain").click()
    page.get_by_role("dialog", name="Drain Seasonal shop?").get_by_role(
        "button", name="Drain"
    ).click()
    expect(page.get_by_text("This account is inactive")).to_be_visible()
    assert admin.get(f"/api/admin/accounts/{account_id}").json()["status"] == "inactive"

    page.get_by_role("button", name="Reactivate").click()
    page.get_by_role("dialog", name="Reactivate Seasonal shop?").get_by_role(
        "button", name="Reactivate"
    ).click()
    expect(page.get_by_role("button", name="Drain")).to_be_visible()
    expect(page.get_by_text("This account is inactive")).to_be_hidden()
    assert admin.get(f"/api/admin/accounts/{account_id}").json()["status"] == "active"


@pytest.mark.screenshots
@pytest.mark.parametrize("language", LANGUAGES)
def test_screenshot_an_account_and_its_go_live_check(
    open_page, app, admin, wechat_api, shoot, language
):
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    name = "Demo shop" if language == "en" else "演示商店"
    account_id = admin.post("/api/admin/accounts", json=account.registration(name=name)).json()[
        "id"
    ]
    customer = WeChatCustomer(account)
    url = f"{app.url}/api/wechat/{account_id}"
    assert httpx.get(url, params=customer.verify_url_query()).status_code == 200
    query, body = customer.push(customer.text("hello"), "safe")
    assert httpx.post(url, params=query, content=body).status_code == 200

    page = open_page(locale=language, viewport=WIDE)
    sign_in(page, app.admin_token, language)
    page.goto(f"/console/accounts/{account_id}")
    check = page.locator(".ac-verdict.ac-good")
    expect(check).to_be_visible()
    shoot(page, "accounts", language)
