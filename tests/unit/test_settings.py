"""Settings: defaults, and a start-up failure that names each bad setting."""

from __future__ import annotations

import base64

import pytest

from shared.core.settings import SettingsError, key_id, load_settings

KEY = base64.b64encode(bytes(range(32))).decode()
GOOD = {
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "ADMIN_TOKEN": "an-admin-token-of-some-length",
    "SECRETS_KEY": KEY,
}


def test_defaults():
    settings = load_settings(GOOD)
    assert settings.wechat_api_base_url == "https://api.weixin.qq.com"
    assert settings.public_base_url == "http://localhost:7071"
    assert settings.outbound_ips == ()
    assert settings.callback_timestamp_tolerance_seconds == 600
    assert settings.aes_key_grace_hours == 24


def test_values_are_parsed():
    settings = load_settings(
        {
            **GOOD,
            "WECHAT_API_BASE_URL": "http://127.0.0.1:9999/",
            "OUTBOUND_IPS": " 20.1.2.3, 2001:db8::1 ,",
            "CALLBACK_TIMESTAMP_TOLERANCE_SECONDS": "120",
        }
    )
    assert settings.wechat_api_base_url == "http://127.0.0.1:9999"
    assert settings.outbound_ips == ("20.1.2.3", "2001:db8::1")
    assert settings.callback_timestamp_tolerance_seconds == 120


def test_public_base_url_from_website_hostname():
    settings = load_settings({**GOOD, "WEBSITE_HOSTNAME": "cc.azurewebsites.net"})
    assert settings.public_base_url == "https://cc.azurewebsites.net"


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"ADMIN_TOKEN": ""}, "ADMIN_TOKEN"),
        ({"ADMIN_TOKEN": "short"}, "ADMIN_TOKEN"),
        ({"SECRETS_KEY": ""}, "SECRETS_KEY"),
        ({"SECRETS_KEY": "bm90IDMyIGJ5dGVz"}, "SECRETS_KEY"),
        ({"SECRETS_KEY": "***"}, "SECRETS_KEY"),
        ({"SECRETS_KEY_PREVIOUS": "abc"}, "SECRETS_KEY_PREVIOUS"),
        ({"AzureWebJobsStorage": ""}, "AzureWebJobsStorage"),
        ({"OUTBOUND_IPS": "1.2.3.4,not-an-ip"}, "OUTBOUND_IPS"),
        ({"WECHAT_API_BASE_URL": "api.weixin.qq.com"}, "WECHAT_API_BASE_URL"),
        ({"PUBLIC_BASE_URL": "ftp://x"}, "PUBLIC_BASE_URL"),
        ({"CALLBACK_TIMESTAMP_TOLERANCE_SECONDS": "soon"}, "CALLBACK_TIMESTAMP_TOLERANCE_SECONDS"),
    ],
)
def test_bad_setting_is_named(change, name):
    with pytest.raises(SettingsError) as caught:
        load_settings({**GOOD, **change})
    assert f"{name}:" in str(caught.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as caught:
        load_settings({})
    message = str(caught.value)
    for name in ("AzureWebJobsStorage", "ADMIN_TOKEN", "SECRETS_KEY"):
        assert name in message


def test_secret_values_never_appear_in_errors_or_repr():
    secret = "x" * 15
    with pytest.raises(SettingsError) as caught:
        load_settings({**GOOD, "ADMIN_TOKEN": secret})
    assert secret not in str(caught.value)
    settings = load_settings(GOOD)
    assert GOOD["ADMIN_TOKEN"] not in repr(settings)
    assert KEY not in repr(settings)


def test_identity_based_storage():
    settings = load_settings(
        {
            "AzureWebJobsStorage__accountName": "ccstore",
            "AzureWebJobsStorage__credential": "managedidentity",
            "AzureWebJobsStorage__clientId": "00000000-0000-0000-0000-000000000001",
            "ADMIN_TOKEN": GOOD["ADMIN_TOKEN"],
            "SECRETS_KEY": KEY,
        }
    )
    assert settings.storage.connection_string is None
    assert settings.storage.service_uri("queue") == "https://ccstore.queue.core.windows.net"


def test_secrets_keys_current_first_then_previous():
    previous = base64.b64encode(bytes(32)).decode()
    keys = load_settings({**GOOD, "SECRETS_KEY_PREVIOUS": previous}).secrets_keys
    assert list(keys.values()) == [bytes(range(32)), bytes(32)]
    assert list(keys) == [key_id(bytes(range(32))), key_id(bytes(32))]
