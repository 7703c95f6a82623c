"""What /api/health reports: storage answering or not, quickly, revealing nothing else."""

from __future__ import annotations

import time

from devhost.azurite import free_port
from shared.upkeep.health import StorageHealth
from tools.local_app import storage_clients

WELL_KNOWN_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


def dead_storage():
    """Clients for an emulator that is not there: every port refuses."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/devstoreaccount1"
    return storage_clients(
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={WELL_KNOWN_KEY};"
        f"BlobEndpoint={base};QueueEndpoint={base};TableEndpoint={base};"
    )


def test_storage_that_answers_is_healthy(app_storage):
    assert StorageHealth(app_storage).check() == {"tables": True, "queues": True, "blobs": True}


def test_storage_that_does_not_answer_is_reported_at_once(caplog):
    started = time.monotonic()
    assert StorageHealth(dead_storage()).check() == {
        "tables": False,
        "queues": False,
        "blobs": False,
    }
    assert time.monotonic() - started < 10, "one try each, no retries"
    assert "storage did not answer" in caplog.text
    assert "127.0.0.1" not in caplog.text
    assert "AccountKey" not in caplog.text


def test_probes_are_cached_a_few_seconds():
    now = [0.0]
    health = StorageHealth(dead_storage(), cache_seconds=5, clock=lambda: now[0])
    first = health.check()
    now[0] = 4.0
    assert health.check() is first
    now[0] = 6.0
    assert health.check() is not first
