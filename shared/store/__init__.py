"""Adapters to Azure Storage: Tables for state, Queues between steps, Blobs for attachments."""

from shared.store.clients import StorageClients, identity_credential

__all__ = ["StorageClients", "identity_credential"]
