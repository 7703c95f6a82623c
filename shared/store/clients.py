"""Storage clients from the same settings the Functions host reads.

Locally and in tests that is a connection string (Azurite); in Azure it is an account reached
with the app's managed identity, so no storage key exists anywhere in the deployment.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient, TableServiceClient
from azure.storage.blob import BlobServiceClient, ContainerClient
from azure.storage.queue import (
    QueueClient,
    QueueServiceClient,
    TextBase64DecodePolicy,
    TextBase64EncodePolicy,
)

from ..settings import StorageSettings

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential


def identity_credential(storage: StorageSettings) -> TokenCredential:
    """The managed identity named by ``__credential``/``__clientId``, as the host picks it."""
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

    if (storage.credential or "").lower() == "managedidentity":
        return ManagedIdentityCredential(client_id=storage.client_id)
    return DefaultAzureCredential(managed_identity_client_id=storage.client_id)


@dataclass(frozen=True)
class StorageClients:
    """One client per storage service; cheap to share across threads and invocations."""

    tables: TableServiceClient
    queues: QueueServiceClient
    blobs: BlobServiceClient

    @classmethod
    def from_settings(
        cls, storage: StorageSettings, credential: TokenCredential | None = None
    ) -> StorageClients:
        if storage.connection_string is not None:
            text = storage.connection_string.get_secret_value()
            return cls(
                tables=TableServiceClient.from_connection_string(text),
                queues=QueueServiceClient.from_connection_string(text),
                blobs=BlobServiceClient.from_connection_string(text),
            )
        credential = credential or identity_credential(storage)
        return cls(
            tables=TableServiceClient(storage.service_uri("table"), credential=credential),
            queues=QueueServiceClient(storage.service_uri("queue"), credential=credential),
            blobs=BlobServiceClient(storage.service_uri("blob"), credential=credential),
        )

    def table(self, name: str) -> TableClient:
        return self.tables.get_table_client(name)

    def queue(self, name: str) -> QueueClient:
        """A queue client speaking base64, the encoding the Functions host expects."""
        return self.queues.get_queue_client(
            name,
            message_encode_policy=TextBase64EncodePolicy(),
            message_decode_policy=TextBase64DecodePolicy(),
        )

    def container(self, name: str) -> ContainerClient:
        return self.blobs.get_container_client(name)

    def ensure(
        self,
        *,
        tables: tuple[str, ...] = (),
        queues: tuple[str, ...] = (),
        containers: tuple[str, ...] = (),
    ) -> None:
        """Create what is missing; safe to run on every start and from many instances."""
        for name in tables:
            self.tables.create_table_if_not_exists(name)
        for name in queues:
            with suppress(ResourceExistsError):
                self.queue(name).create_queue()
        for name in containers:
            with suppress(ResourceExistsError):
                self.container(name).create_container()
