"""Customers' media, kept before WeChat drops it (docs/protocol.md §8: media_id lives 3 days).

The media step downloads each image, voice, video and short video into Blob storage with its
content type, size and SHA-256, and records where it is on the transcript entry; agents open
it through the agent API. When the workstream turns customers' attachments off, nothing is
downloaded: the agent sees a placeholder and the customer the configured notice.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from typing import Any
from urllib.parse import urlsplit

from azure.storage.blob import ContainerClient, ContentSettings

from shared.channel.access_tokens import AccessTokens
from shared.core import metrics
from shared.core.files import safe_name
from shared.core.log_dimensions import add_log_dimensions
from shared.messaging.automated import AutomatedMessenger
from shared.model.conversations import TranscriptEntry
from shared.model.workstreams import AutomatedMessage
from shared.store.catalog import RoutingCatalog
from shared.store.changes import ChangeFeed
from shared.store.conversations import ConversationStore
from shared.wechat.api import Media, WeChatApi
from shared.wechat.errors import ApiAction, WeChatApiError, WeChatError, WeChatUnavailableError

log = logging.getLogger(__name__)


THUMBNAIL = "thumbnail"
"""The key of a video entry's details that records its kept poster image, as ``attachment``
records the video."""
VIDEO_TYPES = frozenset({"video", "shortvideo"})


def blob_prefix(account_id: str, conversation_id: str) -> str:
    """Where a conversation's attachments live: erasure deletes everything under it."""
    return f"{account_id}/{conversation_id}/"


def blob_name(entry: TranscriptEntry, account_id: str, filename: str) -> str:
    return f"{blob_prefix(account_id, entry.conversation_id)}{entry.key}/{filename}"


def store_attachment(
    container: ContainerClient,
    entry: TranscriptEntry,
    account_id: str,
    filename: str,
    content: bytes,
    content_type: str,
) -> dict[str, Any]:
    """Upload a transcript line's file → the ``attachment`` record its details keep. The name
    is cleaned here, where it becomes part of the blob's path, whoever chose it."""
    filename = safe_name(filename)
    name = blob_name(entry, account_id, filename)
    container.upload_blob(
        name,
        content,
        overwrite=True,
        content_settings=ContentSettings(content_type=content_type),
    )
    return {
        "blob": name,
        "contentType": content_type,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "filename": filename,
    }


class MediaStep:
    def __init__(
        self,
        conversations: ConversationStore,
        catalog: RoutingCatalog,
        tokens: AccessTokens,
        api: WeChatApi,
        container: ContainerClient,
        messenger: AutomatedMessenger,
        feed: ChangeFeed,
        *,
        allowed_hosts: tuple[str, ...],
        api_host: str | None,
    ) -> None:
        self._conversations = conversations
        self._feed = feed
        self._catalog = catalog
        self._access_tokens = tokens
        self._api = api
        self._container = container
        self._messenger = messenger
        self._allowed_hosts = allowed_hosts
        self._api_host = api_host

    def keep(self, conversation_id: str, key: str) -> None:
        entry = self._conversations.entry(conversation_id, key)
        if (
            entry is None
            or not entry.media_id
            or {"attachment", "placeholder"} & entry.details.keys()
        ):
            return  # gone, not media, or done already (a redelivered message)
        conversation = self._conversations.get(conversation_id)
        if conversation is None:
            return
        add_log_dimensions(account_id=conversation.account_id)
        workstream = self._catalog.workstream_for_account(conversation.account_id)
        if workstream and not workstream.file_attachments.customers_can_send:
            self._conversations.update_entry(
                entry,
                details={
                    **entry.details,
                    "placeholder": f"The customer sent {entry.type}; this workstream does not "
                    "accept attachments from customers, so it was not kept.",
                },
            )
            notice = self._messenger.send(
                conversation,
                workstream,
                AutomatedMessage.ATTACHMENTS_DISABLED,
                at=entry.received_at,
            )
            if notice is None:  # a notice queued has told the agent's console already
                self._feed.conversations(conversation)
            metrics.media_rescued(conversation.account_id, "declined")
            return
        try:
            media = self._download(conversation.account_id, entry.media_id)
        except WeChatApiError as error:
            if error.action in (ApiAction.GIVE_UP, ApiAction.REUPLOAD):
                self._conversations.update_entry(
                    entry, details={**entry.details, "attachmentError": error.reason}
                )
                metrics.media_rescued(conversation.account_id, "failed", error.errcode)
                self._feed.conversations(conversation)
                return
            raise  # busy or configuration: the queue retries
        attachment = store_attachment(
            self._container,
            entry,
            conversation.account_id,
            safe_name(media.filename, default=_default_name(entry, media.content_type)),
            media.content,
            media.content_type,
        )
        details = {**entry.details, "attachment": attachment}
        details.update(self._poster(conversation.account_id, entry))
        self._conversations.update_entry(entry, details=details)
        metrics.media_rescued(conversation.account_id, "kept")
        self._feed.conversations(conversation)  # the agent can open it now

    def _poster(self, account_id: str, entry: TranscriptEntry) -> dict[str, Any]:
        """A video's thumbnail (``ThumbMediaId``), kept beside it under ``THUMBNAIL`` so the
        console shows a poster. It expires with the video, so it is fetched now, in the same
        step; a thumbnail WeChat will not give is noted (``thumbnailError``) and the video
        kept all the same, rather than retrying the video for its poster's sake."""
        thumb_media_id = entry.push_fields.get("thumb_media_id")
        if entry.type not in VIDEO_TYPES or not isinstance(thumb_media_id, str):
            return {}
        if not thumb_media_id:
            return {}
        try:
            media = self._download(account_id, thumb_media_id)
        except WeChatError as error:
            reason = error.reason if isinstance(error, WeChatApiError) else str(error)
            log.info("thumbnail of %s not kept: %s", entry.key, reason)
            return {"thumbnailError": reason}
        name = safe_name(media.filename, default=_default_name(entry, media.content_type))
        thumbnail = store_attachment(
            self._container,
            entry,
            account_id,
            f"poster-{name}",
            media.content,
            media.content_type,
        )
        return {THUMBNAIL: thumbnail}

    def _download(self, account_id: str, media_id: str) -> Media:
        media = self._access_tokens.call(
            account_id, lambda token: self._api.download_media(token, media_id)
        )
        if isinstance(media, Media):
            return media
        if not self._host_allowed(media):
            raise WeChatUnavailableError(
                "media/get", "video_url points at a host not in WECHAT_MEDIA_HOSTS", ambiguous=False
            )
        return self._api.fetch_url(media)

    def _host_allowed(self, url: str) -> bool:
        """Outbound HTTP goes only where configured (docs/architecture.md §4): WeChat's API host
        and the media hosts its video URLs use."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            return False
        if host == self._api_host:
            return True
        return any(
            host == allowed or host.endswith("." + allowed) for allowed in self._allowed_hosts
        )


def _default_name(entry: TranscriptEntry, content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type) or ""
    return f"{entry.type}{extension}"
