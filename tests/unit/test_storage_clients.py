"""Storage clients built from identity-style settings, as in Azure (no key anywhere)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ServiceRequestError

from devhost.azurite import connection_string, free_port
from shared.core.settings import STORAGE_SETTING, StorageSettings
from shared.store import StorageClients, identity_credential


class FakeCredential:
    def get_token(self, *scopes, **kwargs) -> AccessToken:
        return AccessToken("token", 2**31)


def test_clients_from_account_name_use_the_credential():
    storage = StorageSettings.from_env({"AzureWebJobsStorage__accountName": "ccstore"})
    credential = FakeCredential()
    clients = StorageClients.from_settings(storage, credential)
    assert clients.tables.url.startswith("https://ccstore.table.core.windows.net")
    assert clients.queues.url.startswith("https://ccstore.queue.core.windows.net")
    assert clients.blobs.url.startswith("https://ccstore.blob.core.windows.net")
    assert clients.queues.credential is credential
    assert clients.blobs.credential is credential


def test_clients_from_explicit_service_uris():
    storage = StorageSettings.from_env(
        {
            "AzureWebJobsStorage__blobServiceUri": "https://b.example/",
            "AzureWebJobsStorage__queueServiceUri": "https://q.example/",
            "AzureWebJobsStorage__tableServiceUri": "https://t.example/",
        }
    )
    clients = StorageClients.from_settings(storage, FakeCredential())
    assert clients.blobs.url.startswith("https://b.example")
    assert clients.queues.url.startswith("https://q.example")
    assert clients.tables.url.startswith("https://t.example")


def test_managed_identity_credential_uses_the_client_id():
    from azure.identity import ManagedIdentityCredential

    storage = StorageSettings.from_env(
        {
            "AzureWebJobsStorage__accountName": "ccstore",
            "AzureWebJobsStorage__credential": "managedidentity",
            "AzureWebJobsStorage__clientId": "11111111-2222-3333-4444-555555555555",
        }
    )
    credential = identity_credential(storage)
    assert isinstance(credential, ManagedIdentityCredential)


def _unreachable(**options: bool) -> StorageClients:
    """Clients of a storage account on a loopback port nothing listens on."""
    port = free_port()
    storage = StorageSettings.from_env({STORAGE_SETTING: connection_string(port, port, port)})
    return StorageClients.from_settings(storage, **options)


def _seconds_to_fail(call: Callable[[], object]) -> float:
    started = time.monotonic()
    with pytest.raises(ServiceRequestError):
        call()
    return time.monotonic() - started


@pytest.mark.timeout(30)
def test_the_apps_calls_give_up_on_unreachable_storage_within_two_seconds():
    """The callback must answer within WeChat's 5 s; the SDKs' defaults retry a queue or blob
    call for over a minute and a table read for 5 s."""
    clients = _unreachable()
    calls = {
        "table read": lambda: clients.table("inbound").get_entity("p", "r"),
        "table transaction": lambda: clients.table("inbound").submit_transaction(
            [("create", {"PartitionKey": "p", "RowKey": "r"})]
        ),
        "queue send": lambda: clients.queue("inbound").send_message("{}"),
        "blob upload": lambda: clients.container("attachments").upload_blob("b", b"x"),
    }
    took = {name: _seconds_to_fail(call) for name, call in calls.items()}
    assert max(took.values()) < 2.0, took


def test_clients_that_need_not_fail_fast_keep_the_sdks_retries():
    patient = _unreachable(fail_fast=False)
    assert patient.queues._config.retry_policy.total_retries == 3
    assert patient.queues._config.retry_policy.initial_backoff == 15
