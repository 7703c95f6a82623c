"""The admin's use cases for an account's custom menu: keep a draft (checked against WeChat's
limits on save), publish it with ``menu/create``, and pull what WeChat has with ``menu/get``.

Publishing goes through the account's shared access token (``AccessTokens.call``). WeChat's
refusal is recorded beside the draft and answered as a 409 naming the errcode and what it
means, so the console can show it where the admin pressed Publish.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from shared.channel.access_tokens import AccessTokens, AccountDisabledError, NoAccountError
from shared.channel.registry import AccountRegistry
from shared.core.errors import ConflictError
from shared.model.conversations import utc
from shared.model.menus import AccountMenu, MenuView, PublishResult, menu_of_wechat
from shared.store.menus import MenuStore
from shared.wechat.api import WeChatApi
from shared.wechat.errors import WeChatApiError, WeChatUnavailableError


class AccountMenus:
    def __init__(
        self,
        accounts: AccountRegistry,
        store: MenuStore,
        tokens: AccessTokens,
        api: WeChatApi,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._accounts = accounts
        self._store = store
        self._tokens = tokens
        self._api = api
        self._clock = clock

    def _now(self) -> datetime:
        return utc(self._clock())

    def view(self, account_id: str) -> MenuView:
        self._accounts.get(account_id)  # 404 for an unknown account
        stored = self._store.read(account_id)
        return MenuView(
            account_id=account_id,
            menu=stored.menu,
            keys=stored.menu.keys() if stored.menu else [],
            updated_at=stored.updated_at,
            published=stored.published,
            published_at=stored.published_at,
            last_publish=stored.last_publish,
        )

    def keys(self, account_id: str) -> list[str]:
        """The draft's click keys (none for an account without a menu)."""
        menu = self._store.read(account_id).menu
        return menu.keys() if menu else []

    def save(self, account_id: str, menu: AccountMenu) -> MenuView:
        self._accounts.get(account_id)
        self._store.save_draft(account_id, menu, self._now())
        return self.view(account_id)

    def publish(self, account_id: str) -> MenuView:
        """``menu/create`` with the stored draft; ``ConflictError`` if there is none or
        WeChat refuses it (the result is recorded either way)."""
        account = self._accounts.get(account_id)
        draft = self._store.read(account_id).menu
        if draft is None:
            raise ConflictError(
                "this account has no menu draft: save one first", code="no_menu", field="menu"
            )
        if account.disabled:
            raise ConflictError("the account is disabled", code="account_disabled")
        at = self._now()
        try:
            self._tokens.call(
                account_id, lambda token: self._api.create_menu(token, draft.wechat_payload())
            )
        except WeChatApiError as error:
            result = PublishResult(
                ok=False, at=at, errcode=error.errcode, errmsg=error.errmsg, reason=error.reason
            )
            self._store.published(account_id, result, draft)
            raise ConflictError(
                f"WeChat refused the menu: {error.reason} (errcode {error.errcode}: "
                f"{error.errmsg})",
                code="wechat_refused",
            ) from None
        except (WeChatUnavailableError, NoAccountError, AccountDisabledError) as error:
            reason = f"WeChat could not be reached: {error}"
            self._store.published(account_id, PublishResult(ok=False, at=at, reason=reason), draft)
            raise ConflictError(reason, code="wechat_unavailable") from None
        self._store.published(account_id, PublishResult(ok=True, at=at), draft)
        return self.view(account_id)

    def pull(self, account_id: str) -> MenuView:
        """WeChat's current menu (``menu/get``) as the draft, replacing the stored one."""
        self._accounts.get(account_id)
        try:
            body = self._tokens.call(account_id, self._api.get_menu)
        except WeChatApiError as error:
            raise ConflictError(
                f"WeChat did not give the menu: {error.reason} (errcode {error.errcode})",
                code="wechat_refused",
            ) from None
        except (WeChatUnavailableError, NoAccountError, AccountDisabledError) as error:
            raise ConflictError(
                f"WeChat could not be reached: {error}", code="wechat_unavailable"
            ) from None
        try:
            menu = menu_of_wechat(body)
        except ValueError as error:
            raise ConflictError(
                f"WeChat's menu is not one this console can edit: {error}", code="menu_unreadable"
            ) from None
        self._store.save_draft(account_id, menu, self._now())
        return self.view(account_id)

    def forget(self, account_id: str) -> None:
        self._store.forget(account_id)
