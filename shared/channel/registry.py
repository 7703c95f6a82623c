"""The registry of WeChat accounts: the admin's use cases, and the callback's cached lookup.

The callback reads an account on every push; a short in-memory cache keeps that off the hot
path. Changes made through this registry drop the entry at once; other instances see a
change within ``cache_seconds``.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from shared.core.cache import CachedReader
from shared.core.errors import ConflictError, not_found
from shared.core.ids import short_id
from shared.core.secretbox import SecretBoxError
from shared.core.settings import Settings
from shared.model.accounts import (
    Account,
    AccountCreate,
    AccountPatch,
    AccountView,
    CallbackInfo,
    ChannelStatus,
    account_view,
    callback_info,
)
from shared.model.conversations import utc
from shared.store.access_tokens import AccessTokenTable
from shared.store.accounts import AccountStore, DuplicateAppIdError
from shared.store.activity import ActivityStore
from shared.store.optimistic import ChangedError, retried

ATTEMPTS = 5
log = logging.getLogger(__name__)


class AccountRegistry:
    def __init__(
        self,
        store: AccountStore,
        tokens: AccessTokenTable,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        cache_seconds: float = 5.0,
        activity: ActivityStore | None = None,
    ) -> None:
        self._store = store
        self._access_tokens = tokens
        self._settings = settings
        self._clock = clock
        self._activity = activity
        self._cache: CachedReader[Account] = CachedReader(self._usable, cache_seconds)

    def _now(self) -> datetime:
        return utc(self._clock())

    # --- the callback's lookup ------------------------------------------------------------------

    def lookup(self, account_id: str) -> Account | None:
        """The account for a push, from the cache when fresh (absent accounts are cached too,
        so a flood of made-up ids costs one read per id per ``cache_seconds``). An account
        whose secrets do not open is absent: its pushes are refused, never checked in a mode
        someone wrote into the row."""
        return self._cache.get(account_id)

    def _usable(self, account_id: str) -> Account | None:
        try:
            return _account(self._store.get(account_id))
        except SecretBoxError as error:
            log.error("account %s is unusable and refuses its pushes: %s", account_id, error)
            return None

    def forget(self, account_id: str) -> None:
        self._cache.forget(account_id)

    # --- admin use cases --------------------------------------------------------------------

    def callback(self, account_id: str) -> CallbackInfo:
        return callback_info(
            account_id, self._settings.public_base_url, self._settings.outbound_ips
        )

    def view(self, account: Account) -> AccountView:
        return account_view(
            account,
            self.callback(account.id),
            self._now(),
            ip_check=self._settings.callback_ip_check,
        )

    def register(self, request: AccountCreate) -> Account:
        now = self._now()
        account = Account(
            id=short_id(),
            name=request.name,
            original_id=request.original_id,
            app_id=request.app_id,
            app_secret=request.app_secret,
            token=request.token,
            encoding_aes_key=request.encoding_aes_key,
            message_mode=request.message_mode,
            sandbox=request.sandbox,
            created_at=now,
            updated_at=now,
            mini_program_app_ids=tuple(request.mini_program_app_ids),
        )
        self._check_token_unique(account)
        try:
            self._store.create(account)
        except DuplicateAppIdError:
            raise _duplicate(account.app_id) from None
        self.forget(account.id)
        return account

    def list_accounts(self) -> list[Account]:
        return self._store.list_accounts()

    def _check_token_unique(self, account: Account) -> None:
        """WeChat signs a push's URL with the Token alone: two accounts sharing one would take
        each other's signed URLs, and the replay guard is per account. (Checked against the
        stored accounts; two admins registering the same Token in the same instant could
        still both succeed.)"""
        for other in self._store.list_accounts():
            if other.id != account.id and hmac.compare_digest(other.token, account.token):
                raise ConflictError(
                    f"account {other.id} uses this Token already: give each account its own "
                    "(WeChat signs pushes with it)",
                    code="duplicate_token",
                    field="token",
                )

    def _found(self, account_id: str) -> tuple[Account, str] | None:
        try:
            return self._store.get(account_id)
        except SecretBoxError:
            raise ConflictError(
                f"account {account_id}'s secrets do not open with the settings stored beside "
                "them (the row was changed outside the app, or SECRETS_KEY is not the key it "
                "was sealed with); its pushes are refused. Delete it and register it again",
                code="account_unreadable",
            ) from None

    def get(self, account_id: str) -> Account:
        found = self._found(account_id)
        if found is None:
            raise not_found(f"account {account_id}")
        return found[0]

    def update(self, account_id: str, patch: AccountPatch) -> Account:
        grace = timedelta(hours=self._settings.aes_key_grace_hours)

        def attempt() -> Account:
            found = self._found(account_id)
            if found is None:
                raise not_found(f"account {account_id}")
            before, etag = found
            after = before.patched(patch, self._now(), grace)
            if after.token != before.token:
                self._check_token_unique(after)
            try:
                self._store.replace(before, after, etag)
            except DuplicateAppIdError:
                raise _duplicate(after.app_id) from None
            self.forget(account_id)
            if (after.app_id, after.app_secret) != (before.app_id, before.app_secret):
                # The stored token came from the old credentials: the next use (a send, the
                # go-live check) fetches one with the new ones, and so tests them.
                self._access_tokens.forget(account_id)
            return after

        return retried(
            attempt,
            attempts=ATTEMPTS,
            exhausted=ConflictError("the account kept changing; try again"),
        )

    def change_status(
        self,
        account_id: str,
        status: ChannelStatus,
        *,
        only_from: frozenset[ChannelStatus] | None = None,
    ) -> Account:
        """Set the channel's status under the row's ETag; unchanged when it is not one of
        ``only_from`` (a drain that finished meanwhile is not undone)."""

        def attempt() -> Account:
            found = self._found(account_id)
            if found is None:
                raise not_found(f"account {account_id}")
            before, etag = found
            if before.status is status or (
                only_from is not None and before.status not in only_from
            ):
                return before
            after = before.model_copy(update={"status": status, "updated_at": self._now()})
            self._store.replace(before, after, etag)
            self.forget(account_id)
            return after

        return retried(
            attempt,
            attempts=ATTEMPTS,
            exhausted=ConflictError("the account kept changing; try again"),
        )

    def remove(self, account_id: str) -> None:
        """Stop the channel now: its settings and secrets (its access token too) go;
        conversations stay for retention. An account whose secrets do not open goes too."""
        try:
            found: tuple[Account | None, str] | None = self._store.get(account_id)
        except SecretBoxError:
            found = (None, "")  # removed all the same, without its secrets
        if found is None:
            raise not_found(f"account {account_id}")
        account = found[0]
        try:
            if account is None:
                self._store.delete_unopened(account_id)
            else:
                self._store.delete(account)
        except ChangedError:
            raise not_found(f"account {account_id}") from None
        finally:
            self.forget(account_id)
        self._access_tokens.forget(account_id)
        if self._activity is not None:
            self._activity.forget(account_id)


def _account(found: tuple[Account, str] | None) -> Account | None:
    return found[0] if found else None


def _duplicate(app_id: str) -> ConflictError:
    return ConflictError(
        f"an account with appId {app_id} exists already", code="duplicate_app_id", field="appId"
    )
