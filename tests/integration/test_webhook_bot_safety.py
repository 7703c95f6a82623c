"""Where and how webhook bots are called, against real bots on loopback (https with a test CA
where the host name matters): refused addresses get no request, the connection goes to the
address that was checked while TLS checks the certificate for the host name, answers are
capped while they stream, and an answer signed for another request is refused."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from shared.bootstrap import Services
from shared.bots.targets import BotTargets
from shared.bots.webhook import MAX_ANSWER_BYTES, WebhookClient
from shared.core.errors import DomainError
from shared.core.settings import load_settings
from shared.model.bot_actions import BotFailureError
from shared.model.bots import WebhookBot
from shared.model.workstreams import WorkstreamFields, WorkstreamPatch
from tools.webhook_bot import WebhookBotServer
from triggers.errors import status_of

SECRET = "safety-bot-secret-0123"
PAYLOAD = {"conversation": {"id": "c1"}, "message": {"text": "hello"}, "history": []}


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _cert(subject, issuer, public_key, signer, *, ca: bool, names: list[str] = ()):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory):
    """A CA the client trusts, and a function making server contexts for given host names."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert(_name("wcc test CA"), _name("wcc test CA"), ca_key.public_key(), ca_key, ca=True)
    folder: Path = tmp_path_factory.mktemp("tls")

    def server_context(*names: str) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = _cert(_name(names[0]), ca.subject, key.public_key(), ca_key, ca=False, names=names)
        cert_file, key_file = folder / f"{names[0]}.pem", folder / f"{names[0]}.key"
        cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        return context

    client = ssl.create_default_context(
        cadata=ca.public_bytes(serialization.Encoding.PEM).decode("ascii")
    )
    return server_context, client


def resolving(table: dict[str, list[str]]):
    """A resolver for names DNS does not know (``*.test``), as a deployment's DNS would."""
    return lambda host, port: table[host]


def ask(client: WebhookClient, url: str, timeout: float = 2.0):
    bot = WebhookBot(type="webhook", url=url, secret=SECRET, timeout_seconds=timeout)
    return client.ask(bot, SECRET, PAYLOAD)


def refusal(action) -> str:
    with pytest.raises(BotFailureError) as caught:
        action()
    return caught.value.reason


@pytest.fixture
def plain_bot():
    with WebhookBotServer(SECRET) as server:
        yield server


class TestRefusedTargets:
    def test_loopback_without_the_setting_is_refused_before_sending(self, plain_bot):
        reason = refusal(lambda: ask(WebhookClient(targets=BotTargets()), plain_bot.url))
        assert "loopback" in reason
        assert "BOT_WEBHOOK_ALLOW_LOOPBACK" in reason
        assert plain_bot.request_ids == []
        assert plain_bot.rejected == 0  # not even an unsigned attempt reached it

    def test_a_name_resolving_to_a_private_address_is_refused_before_sending(self, test_ca):
        server_context, client_context = test_ca
        with WebhookBotServer(SECRET, tls=server_context("bot.test"), host_name="bot.test") as bot:
            # One good address is not enough: another try could get the private one.
            targets = BotTargets(
                allow_loopback=True, resolve=resolving({"bot.test": ["127.0.0.1", "10.0.0.5"]})
            )
            client = WebhookClient(targets=targets, ssl_context=client_context)
            reason = refusal(lambda: ask(client, bot.url))
            assert "bot.test resolves to 10.0.0.5, a private address" in reason
            assert bot.request_ids == []

    @pytest.mark.parametrize("address", ["169.254.169.254", "fe80::1", "::ffff:10.0.0.1"])
    def test_link_local_and_mapped_private_targets_are_refused(self, address):
        targets = BotTargets(allow_loopback=True, resolve=resolving({"bot.test": [address]}))
        reason = refusal(lambda: ask(WebhookClient(targets=targets), "https://bot.test/bot"))
        assert "refused" in reason
        assert address in reason

    def test_saving_a_bot_on_a_written_out_private_address_is_400(self, world):
        queue = world.queue()
        for url in ("https://10.1.2.3/bot", "https://169.254.169.254/"):
            with pytest.raises(DomainError) as caught:
                world.workstream(queue.id, bot={"type": "webhook", "url": url, "secret": SECRET})
            assert (status_of(caught.value), caught.value.field) == (400, "bot.url")
        with pytest.raises(ValidationError):  # no IPv6 literal at all: refused by the model
            world.workstream(
                queue.id, bot={"type": "webhook", "url": "https://[fe80::1]/", "secret": SECRET}
            )
        workstream = world.workstream(
            queue.id, bot={"type": "webhook", "url": "https://bot.example.com/", "secret": SECRET}
        )
        with pytest.raises(DomainError) as caught:
            world.services.routing_admin.update_workstream(
                workstream.id,
                WorkstreamPatch.model_validate(
                    {"bot": {"type": "webhook", "url": "https://192.168.0.9/"}}
                ),
            )
        assert caught.value.field == "bot.url"

    def test_saving_a_loopback_bot_needs_the_setting(
        self, world, storage_connection_string, app_storage, clock
    ):
        settings = {
            "AzureWebJobsStorage": storage_connection_string,
            "ADMIN_TOKEN": "integration-admin-token",
            "SECRETS_KEY": world.services.settings.secrets_key.get_secret_value(),
        }
        strict = Services(load_settings(settings), app_storage, clock)
        queue = world.queue()
        bot = {"type": "webhook", "url": "http://127.0.0.1:7073/bot", "secret": SECRET}
        fields = WorkstreamFields.model_validate(
            {"name": "ws", "accountId": world.account.id, "fallbackQueueId": queue.id, "bot": bot}
        )
        with pytest.raises(DomainError) as caught:
            strict.routing_admin.create_workstream(fields)
        assert caught.value.field == "bot.url"
        assert "BOT_WEBHOOK_ALLOW_LOOPBACK" in caught.value.message
        assert world.services.routing_admin.create_workstream(fields).bot.url == bot["url"]


class TestPinnedConnection:
    def test_the_checked_address_is_used_and_tls_checks_the_host_name(self, test_ca):
        """bot.test is unknown to DNS: the call works only because the client connects to
        the address it checked, while Host, SNI and the certificate stay bot.test."""
        server_context, client_context = test_ca
        with WebhookBotServer(SECRET, tls=server_context("bot.test"), host_name="bot.test") as bot:
            targets = BotTargets(
                allow_loopback=True, resolve=resolving({"bot.test": ["127.0.0.1"]})
            )
            client = WebhookClient(targets=targets, ssl_context=client_context)
            [reply] = ask(client, bot.url)
            assert reply.text == "You said: hello"
            assert bot.hosts == [f"bot.test:{bot.port}"]

    def test_a_certificate_for_another_name_is_refused(self, test_ca):
        server_context, client_context = test_ca
        with WebhookBotServer(
            SECRET, tls=server_context("other.test"), host_name="bot.test"
        ) as bot:
            targets = BotTargets(
                allow_loopback=True, resolve=resolving({"bot.test": ["127.0.0.1"]})
            )
            client = WebhookClient(targets=targets, ssl_context=client_context)
            reason = refusal(lambda: ask(client, bot.url))
            assert "could not be reached (ConnectError)" in reason
            assert bot.request_ids == []

    def test_a_connection_checked_for_one_name_is_not_reused_for_another(self, test_ca):
        """Both names resolve to the same address and port; the certificate holds only the
        first. A pooled connection would carry the second name's request unchecked."""
        server_context, client_context = test_ca
        with WebhookBotServer(SECRET, tls=server_context("bot.test"), host_name="bot.test") as bot:
            table = {"bot.test": ["127.0.0.1"], "evil.test": ["127.0.0.1"]}
            targets = BotTargets(allow_loopback=True, resolve=resolving(table))
            client = WebhookClient(targets=targets, ssl_context=client_context)
            assert ask(client, bot.url)[0].text == "You said: hello"
            reason = refusal(lambda: ask(client, bot.url.replace("bot.test", "evil.test")))
            assert "could not be reached" in reason
            assert bot.hosts == [f"bot.test:{bot.port}"]


class TestAnswers:
    @pytest.fixture
    def client(self):
        return WebhookClient(targets=BotTargets(allow_loopback=True))

    def test_a_too_large_streamed_answer_is_refused_without_reading_it_all(self, client, plain_bot):
        plain_bot.oversized = 32 * 1024 * 1024
        reason = refusal(lambda: ask(client, plain_bot.url))
        assert f"larger than {MAX_ANSWER_BYTES} bytes" in reason
        assert plain_bot.oversized_written < plain_bot.oversized

    def test_each_request_has_its_own_id_and_a_replayed_answer_is_refused(self, client, plain_bot):
        assert ask(client, plain_bot.url)[0].text == "You said: hello"
        plain_bot.replay_answers = True  # the first answer again: signed, fresh, wrong request
        reason = refusal(lambda: ask(client, plain_bot.url))
        assert "not signed with the workstream's secret for this request" in reason
        first, second = plain_bot.request_ids
        assert first != second
        assert plain_bot.rejected == 0
