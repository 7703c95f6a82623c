"""Storage clients built from identity-style settings, as in Azure (no key anywhere)."""

from __future__ import annotations

from azure.core.credentials import AccessToken

from shared.settings import StorageSettings
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
