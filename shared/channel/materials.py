"""An account's library of permanent images: uploaded to WeChat (``material/add_material``)
with the account's shared access token, recorded with WeChat's media id and URL, and removed
from WeChat again on delete (docs/protocol.md §8.1). A FAQ answer's ``image.mediaId`` takes a
material's ``mediaId``."""

from __future__ import annotations

import time
from collections.abc import Callable

from shared.channel.access_tokens import AccessTokens
from shared.channel.registry import AccountRegistry
from shared.core.errors import ConflictError, InvalidRequestError, TooLargeError, not_found
from shared.core.files import safe_name
from shared.core.ids import sortable_id
from shared.model.conversations import utc
from shared.model.materials import (
    MATERIAL_MAX_BYTES,
    MATERIAL_NAME_MAX,
    Material,
    image_format,
)
from shared.store.materials import MaterialStore
from shared.wechat.api import WeChatApi
from shared.wechat.errors import WeChatApiError, WeChatUnavailableError

_GONE = 40007
"""del_material's answer for a media id WeChat no longer has: the record may go all the same."""


class MaterialLibrary:
    def __init__(
        self,
        store: MaterialStore,
        accounts: AccountRegistry,
        tokens: AccessTokens,
        api: WeChatApi,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._tokens = tokens
        self._api = api
        self._clock = clock

    def upload(self, account_id: str, name: str | None, filename: str, content: bytes) -> Material:
        """Check the image by its first bytes and size, then add it to WeChat's library."""
        account = self._accounts.get(account_id)
        if not content:
            raise InvalidRequestError(
                "the file is empty", code="unsupported_material", field="file"
            )
        if len(content) > MATERIAL_MAX_BYTES:
            raise TooLargeError(f"images may be at most {MATERIAL_MAX_BYTES // 2**20} MB")
        found = image_format(content)
        if found is None:
            raise InvalidRequestError(
                "a material must be a JPEG, PNG, GIF or BMP image (judged by its first bytes)",
                code="unsupported_material",
                field="file",
            )
        content_type, extension = found
        stem = safe_name(filename).rsplit(".", 1)[0] or "image"
        upload_name = f"{stem}.{extension}"  # WeChat judges the format by the extension
        if name is not None and len(name) > MATERIAL_NAME_MAX:
            raise InvalidRequestError(
                f"name may be at most {MATERIAL_NAME_MAX} characters", field="name"
            )
        label = (name or "").strip() or safe_name(filename)[:MATERIAL_NAME_MAX]
        try:
            added = self._tokens.call(
                account.id,
                lambda token: self._api.add_material(
                    token, "image", upload_name, content, content_type
                ),
            )
        except WeChatApiError as error:
            raise ConflictError(
                f"WeChat refused the image: {error.reason} (errcode {error.errcode})",
                code="wechat_refused",
                field="file",
            ) from None
        except WeChatUnavailableError as error:
            raise ConflictError(
                f"WeChat did not answer ({error}); try again", code="wechat_unavailable"
            ) from None
        now = self._clock()
        material = Material(
            id=sortable_id(now),
            account_id=account.id,
            name=label,
            media_id=added.media_id,
            url=added.url,
            content_type=content_type,
            size=len(content),
            created_at=utc(now),
        )
        self._store.add(material)
        return material

    def list(self, account_id: str) -> list[Material]:
        self._accounts.get(account_id)
        return self._store.list(account_id)

    def remove(self, account_id: str, material_id: str) -> None:
        """Delete it from WeChat's library and then the record; an answer that still names
        its media id will fail with 40007, which the send step explains."""
        material = self._store.get(account_id, material_id)
        if material is None:
            raise not_found(f"material {material_id}")
        try:
            self._tokens.call(
                account_id, lambda token: self._api.delete_material(token, material.media_id)
            )
        except WeChatApiError as error:
            if error.errcode != _GONE:
                raise ConflictError(
                    f"WeChat refused to delete it: {error.reason} (errcode {error.errcode})",
                    code="wechat_refused",
                ) from None
        except WeChatUnavailableError as error:
            raise ConflictError(
                f"WeChat did not answer ({error}); try again", code="wechat_unavailable"
            ) from None
        self._store.remove(account_id, material_id)

    def forget_account(self, account_id: str) -> None:
        """A deleted account's records go; the images stay in WeChat's library, which the app
        can no longer reach without the account's AppSecret."""
        self._store.remove_all(account_id)
