"""The store adapters against a real Azurite: a table, a queue and a container."""

from __future__ import annotations

import uuid

import pytest

from shared.store import StorageClients
from tools.local_app import storage_clients


@pytest.fixture(scope="module")
def clients(storage_connection_string) -> StorageClients:
    return storage_clients(storage_connection_string)


def test_table_queue_and_container(clients):
    suffix = uuid.uuid4().hex[:8]
    names = {
        "tables": (f"smoke{suffix}",),
        "queues": (f"smoke-{suffix}",),
        "containers": (f"smoke-{suffix}",),
    }
    clients.ensure(**names)
    clients.ensure(**names)  # idempotent

    table = clients.table(f"smoke{suffix}")
    table.create_entity({"PartitionKey": "p", "RowKey": "r", "Text": "你好"})
    assert table.get_entity("p", "r")["Text"] == "你好"

    queue = clients.queue(f"smoke-{suffix}")
    queue.send_message('{"id": "42"}')
    [message] = queue.receive_messages(max_messages=1)
    assert message.content == '{"id": "42"}'

    blob = clients.container(f"smoke-{suffix}").get_blob_client("a.bin")
    blob.upload_blob(b"\x00\x01")
    assert blob.download_blob().readall() == b"\x00\x01"


def test_queue_messages_are_base64_on_the_wire(clients):
    """The Functions host decodes queue messages as base64 (host.json messageEncoding)."""
    from azure.storage.queue import QueueClient

    name = f"wire-{uuid.uuid4().hex[:8]}"
    clients.ensure(queues=(name,))
    clients.queue(name).send_message("héllo")
    raw = QueueClient.from_queue_url(clients.queue(name).url, credential=clients.queues.credential)
    [message] = raw.receive_messages(max_messages=1)
    import base64

    assert base64.b64decode(message.content).decode() == "héllo"
