"""The FAQ editor's images in Chromium: an admin uploads an image to the account's material
library, makes it an entry's answer and saves; the workstream's answer then names the
material's media id (checked through the admin API)."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tools.desk import sign_in
from tools.wechat_simulator import SimulatedAccount

pytestmark = pytest.mark.timeout(90)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def test_an_uploaded_image_becomes_an_faq_answer(open_page, app, admin, wechat_api, tmp_path):
    suffix = secrets.token_hex(3)
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    created = admin.post(
        "/api/admin/accounts", json={**account.registration(mode="safe"), "name": f"Shop {suffix}"}
    )
    assert created.status_code == 201, created.text
    queue = admin.post("/api/admin/queues", json={"name": f"General {suffix}"}).json()
    faq = {
        "type": "faq",
        "entries": [{"name": "map", "keywords": ["map"], "answers": {"en": {"text": "Soon."}}}],
    }
    workstream = admin.post(
        "/api/admin/workstreams",
        json={
            "name": f"WeChat {suffix}",
            "accountId": created.json()["id"],
            "language": "en",
            "fallbackQueueId": queue["id"],
            "bot": faq,
        },
    )
    assert workstream.status_code == 201, workstream.text
    image = tmp_path / "store-map.png"
    image.write_bytes(PNG)

    page = open_page(path=f"/console/workstreams/{workstream.json()['id']}")
    sign_in(page, app.admin_token)
    expect(page.get_by_role("heading", name="Images for answers")).to_be_visible()
    expect(page.get_by_text("No images yet.")).to_be_visible()
    page.get_by_label("Image (JPEG, PNG, GIF or BMP, at most 10 MB)").set_input_files(str(image))
    page.get_by_label("Image name").fill("Store map")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Store map")).to_be_visible()
    page.get_by_label("FAQ entry").select_option("map")
    page.get_by_role("button", name="Use as the answer").click()
    expect(page.get_by_role("status")).to_contain_text("Set Store map as the answer of map (en)")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()

    [material] = admin.get(f"/api/admin/accounts/{created.json()['id']}/materials").json()[
        "materials"
    ]
    assert wechat_api.media(material["mediaId"]).content == PNG
    saved = admin.get(f"/api/admin/workstreams/{workstream.json()['id']}").json()
    assert saved["bot"]["entries"][0]["answers"]["en"] == {
        "image": {"mediaId": material["mediaId"]}
    }
