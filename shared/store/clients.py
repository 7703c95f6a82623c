"""Storage clients from the same settings the Functions host reads.

Locally and in tests that is a connection string (Azurite); in Azure it is an account reached
with the app's managed identity, so no storage key exists anywhere in the deployment.

The app's calls give up after about a second and a half of retries. The SDKs' own defaults
retry a queue or blob call for over a minute (a Table read for 5 s): the callback would then
answer long after WeChat gave up at 5 s (docs/protocol.md §5). Every caller has a retry of its
own that takes over: WeChat sends the push again, a queue message comes back after the
visibility timeout, the console asks again, the next timer run repeats the work.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient, TableServiceClient
from azure.storage.blob import BlobServiceClient, ContainerClient
from azure.storage.blob import LinearRetry as BlobLinearRetry
from azure.storage.queue import (
    LinearRetry,
    QueueClient,
    QueueServiceClient,
    TextBase64DecodePolicy,
    TextBase64EncodePolicy,
)

from shared.core.settings import StorageSettings

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

RETRIES = 3
# Tables: the first retry at once, then 0.4 s and 0.8 s (azure-core's exponential back-off).
TABLE_BACKOFF_FACTOR = 0.2
# Queues and blobs: 0.4 s ± 0.2 s before each retry.
LINEAR_BACKOFF = 0.4
LINEAR_JITTER = 0.2


def _retry_options(fail_fast: bool) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Keyword arguments for the table, queue and blob clients; none: the SDKs' defaults."""
    if not fail_fast:
        return {}, {}, {}
    tables = {"retry_total": RETRIES, "retry_backoff_factor": TABLE_BACKOFF_FACTOR}
    linear = {"backoff": LINEAR_BACKOFF, "random_jitter_range": LINEAR_JITTER}
    # The SDKs annotate these seconds as int and compute with floats (random.uniform).
    queues = {"retry_policy": LinearRetry(retry_total=RETRIES, **linear)}  # type: ignore[arg-type]
    blobs = {"retry_policy": BlobLinearRetry(retry_total=RETRIES, **linear)}  # type: ignore[arg-type]
    return tables, queues, blobs


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
        cls,
        storage: StorageSettings,
        credential: TokenCredential | None = None,
        *,
        fail_fast: bool = True,
    ) -> StorageClients:
        """``fail_fast``: give up after about 1.5 s of retries (the app's calls, see above);
        False keeps the SDKs' long retries, for a caller with nobody to retry after it."""
        tables, queues, blobs = _retry_options(fail_fast)
        if storage.connection_string is not None:
            text = storage.connection_string.get_secret_value()
            return cls(
                tables=TableServiceClient.from_connection_string(text, **tables),
                queues=QueueServiceClient.from_connection_string(text, **queues),
                blobs=BlobServiceClient.from_connection_string(text, **blobs),
            )
        credential = credential or identity_credential(storage)
        return cls(
            tables=TableServiceClient(
                storage.service_uri("table"), credential=credential, **tables
            ),
            queues=QueueServiceClient(
                storage.service_uri("queue"), credential=credential, **queues
            ),
            blobs=BlobServiceClient(storage.service_uri("blob"), credential=credential, **blobs),
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
