"""Which addresses a webhook bot may be on: public ones, loopback only with the setting."""

from __future__ import annotations

import pytest

from shared.bots.targets import BotTargets, RefusedTargetError
from shared.core.settings import load_settings

STRICT, DEVELOPMENT = BotTargets(), BotTargets(allow_loopback=True)

REFUSED_ALWAYS = [
    ("10.0.0.1", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.10", "private"),
    ("169.254.169.254", "link-local"),  # the instance metadata endpoint
    ("fe80::1", "link-local"),
    ("fe80::1%2", "link-local"),  # with a scope id, as getaddrinfo answers
    ("fc00::1", "private"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 - an address under test, nothing binds it
    ("::", "unspecified"),
    ("240.0.0.1", "reserved"),
    ("100.64.0.1", "non-public"),  # carrier-grade NAT
    ("::ffff:10.0.0.1", "private address (it carries 10.0.0.1)"),  # IPv4-mapped
    ("::ffff:169.254.169.254", "link-local"),
    ("2002:a00:1::", "carries 10.0.0.1"),  # 6to4 of 10.0.0.1
    ("2002:a9fe:a9fe::", "link-local address (it carries 169.254.169.254)"),
    ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of the metadata endpoint
]


@pytest.mark.parametrize(("address", "named"), REFUSED_ALWAYS)
def test_private_link_local_and_other_non_public_addresses_are_refused(address, named):
    for targets in (STRICT, DEVELOPMENT):
        reason = targets.refusal(address)
        assert reason is not None, address
        assert named in reason


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.1", "::1"])
def test_loopback_only_with_the_development_setting(address):
    assert "BOT_WEBHOOK_ALLOW_LOOPBACK" in STRICT.refusal(address)
    assert DEVELOPMENT.refusal(address) is None


def test_mapped_and_6to4_loopback_are_refused_without_the_setting():
    for address in ("::ffff:127.0.0.1", "2002:7f00:1::"):
        assert STRICT.refusal(address) is not None


@pytest.mark.parametrize("address", ["1.1.1.1", "93.184.215.14", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert STRICT.refusal(address) is None


def test_every_resolved_address_must_pass():
    targets = BotTargets(resolve=lambda host, port: ["1.1.1.1", "10.0.0.7"])
    with pytest.raises(RefusedTargetError, match=r"bot\.example resolves to 10\.0\.0\.7"):
        targets.address("bot.example", 443)
    assert BotTargets(resolve=lambda host, port: ["1.1.1.1"]).address("bot.example", 443) == (
        "1.1.1.1"
    )


def test_a_name_that_does_not_resolve_is_refused():
    def fail(host, port):
        raise OSError("no such host")

    with pytest.raises(RefusedTargetError, match="could not be resolved"):
        BotTargets(resolve=fail).address("bot.invalid", 443)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.1.2.3/bot",
        "https://[fe80::1]/bot",
        "https://169.254.169.254/latest",
        "https://[::ffff:192.168.0.1]:8443/",
        "http://127.0.0.1:7073/bot",
        "http://localhost:7073/bot",
        "https://api.localhost/bot",
    ],
)
def test_saving_refuses_written_out_addresses_and_localhost(url):
    with pytest.raises(RefusedTargetError):
        STRICT.check_url(url)


def test_saving_accepts_names_and_loopback_with_the_setting():
    STRICT.check_url("https://bot.example.com/wechat")  # names are checked when called
    DEVELOPMENT.check_url("http://127.0.0.1:7073/bot")
    DEVELOPMENT.check_url("http://localhost:7073/bot")
    with pytest.raises(RefusedTargetError):
        DEVELOPMENT.check_url("https://10.1.2.3/bot")


def test_the_setting_is_off_by_default():
    base = {
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "ADMIN_TOKEN": "an-admin-token-of-some-length",
        "SECRETS_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    }
    assert load_settings(base).bot_webhook_allow_loopback is False
    assert load_settings({**base, "BOT_WEBHOOK_ALLOW_LOOPBACK": "true"}).bot_webhook_allow_loopback
