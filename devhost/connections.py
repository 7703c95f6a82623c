"""Queue storage for a trigger's ``connection``, resolved as the host resolves it.

``connection`` names a setting (default ``AzureWebJobsStorage``) holding a connection string,
or a prefix of ``<name>__accountName`` / ``__queueServiceUri``… settings for a managed identity;
the host also tries ``AzureWebJobs<name>``. The clients come from ``shared`` so that devhost
reads storage settings exactly as the app does, but with the SDK's long retries rather than the
app's short ones: nobody retries a listener's delete or visibility update after it, and one
that fails leaves its message hidden for the 10 minutes it was fetched for, so the listener
rides out a short storage outage instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from azure.storage.queue import QueueServiceClient

from devhost.errors import StartupError
from shared.core.settings import SettingsError, StorageSettings
from shared.store import StorageClients


def queue_service_for(connection: str, settings: Mapping[str, str]) -> QueueServiceClient:
    """The queue service named by ``connection``; a missing setting stops start-up."""
    candidates = [connection]
    if not connection.startswith("AzureWebJobs"):
        candidates.append(f"AzureWebJobs{connection}")
    for prefix in candidates:
        if (settings.get(prefix) or "").strip() or any(
            name.startswith(f"{prefix}__") for name in settings
        ):
            try:
                storage = StorageSettings.from_env(settings, prefix=prefix)
            except SettingsError as error:
                raise StartupError(f"connection {connection!r}: {error}") from None
            return StorageClients.from_settings(storage, fail_fast=False).queues
    raise StartupError(
        f"connection {connection!r}: no app setting {' or '.join(map(repr, candidates))} "
        f"(a connection string, or {connection}__accountName for a managed identity)"
    )
