"""One access token per account for the whole deployment (docs/protocol.md §7, §12).

Workers read the shared token; one worker at a time (the lease holder) fetches a new one a few
minutes before expiry while the others keep using the current one. A worker whose call was
refused for the token (40001/40014/42001) asks for one refresh: if another worker already
replaced the refused token it just uses the new one (single-flight), otherwise it refreshes.
Within a process a lock per account keeps threads from queueing up on the lease too.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from shared.channel.registry import AccountRegistry
from shared.core import metrics
from shared.model.conversations import utc
from shared.store.access_tokens import AccessTokenRow, AccessTokenTable
from shared.wechat.api import WeChatApi
from shared.wechat.errors import ApiAction, WeChatApiError, WeChatUnavailableError

T = TypeVar("T")
REFRESH_MARGIN = timedelta(minutes=5)
LEASE = timedelta(seconds=30)
WAIT = 15.0  # seconds a worker waits for another's refresh before giving up


class NoAccountError(Exception):
    """The account was deleted: there is nothing to fetch a token for."""


class AccountDisabledError(NoAccountError):
    """The admin disabled the account: nothing is sent for it until it is enabled again."""


class AccessTokens:
    def __init__(
        self,
        table: AccessTokenTable,
        api: WeChatApi,
        accounts: AccountRegistry,
        *,
        stable: bool = True,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._table = table
        self._api = api
        self._accounts = accounts
        self._stable = stable
        self._clock = clock
        self._sleep = sleep
        self._owner = uuid.uuid4().hex
        self._cache: dict[str, AccessTokenRow] = {}
        self._credentials: dict[str, tuple[str, str]] = {}
        """The AppID and AppSecret each cached token was fetched with: a token of the old
        ones is not used after an admin replaced them (the registry drops the stored row)."""
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def _now(self) -> datetime:
        return utc(self._clock())

    def _lock(self, account_id: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(account_id, threading.Lock())

    def get(self, account_id: str) -> str:
        """A token good for a few more minutes at least."""
        account = self._accounts.lookup(account_id)  # cached: no read on most calls
        if account is not None and account.disabled:
            raise AccountDisabledError(account_id)
        if account is not None:
            credentials = (account.app_id, account.app_secret)
            if self._credentials.get(account_id) != credentials:
                self._cache.pop(account_id, None)
                self._credentials[account_id] = credentials
        cached = self._cache.get(account_id)
        if cached and (token := cached.valid_at(self._now() + REFRESH_MARGIN)):
            return token
        with self._lock(account_id):
            now = self._now()
            row = self._table.read(account_id)
            if token := row.valid_at(now + REFRESH_MARGIN):
                self._cache[account_id] = row
                return token
            if token := row.valid_at(now):
                # Close to expiry: refresh if nobody else is, else keep using this one.
                return self._try_refresh(account_id, row) or token
            return self._refresh(account_id, row)

    def call(self, account_id: str, call: Callable[[str], T]) -> T:
        """``call(token)`` with the account's token and, when WeChat refuses that token
        (``ApiAction.REFRESH_TOKEN``), once more with a fresh one (``after_rejection``). A
        second refusal, like any other error, is the caller's."""
        token = self.get(account_id)
        try:
            return call(token)
        except WeChatApiError as error:
            if error.action is not ApiAction.REFRESH_TOKEN:
                raise
        return call(self.after_rejection(account_id, token))

    def after_rejection(self, account_id: str, rejected: str) -> str:
        """WeChat refused ``rejected`` for the token: a fresh one, fetched once however many
        workers were refused at the same time. A refresh that completed after this worker
        noticed the refusal serves it (with stable_token the value may even be the same)."""
        self._cache.pop(account_id, None)
        noticed = self._table.read(account_id).generation
        with self._lock(account_id):
            row = self._table.read(account_id)
            token = row.valid_at(self._now())
            if token and (row.generation > noticed or token != rejected):
                self._cache[account_id] = row
                return token
            return self._refresh(account_id, row)

    def _refresh(self, account_id: str, row: AccessTokenRow) -> str:
        """Refresh now, or wait for the worker that holds the lease to finish."""
        deadline = time.monotonic() + WAIT
        generation = row.generation
        while True:
            token = self._try_refresh(account_id, row)
            if token:
                return token
            if time.monotonic() > deadline:
                raise WeChatUnavailableError(
                    "token", "another worker's token refresh did not finish", ambiguous=False
                )
            self._sleep(0.1)
            row = self._table.read(account_id)
            token = row.valid_at(self._now())
            if token and row.generation > generation:
                self._cache[account_id] = row
                return token

    def _try_refresh(self, account_id: str, row: AccessTokenRow) -> str | None:
        """Take the lease and fetch a token; None if another worker holds the lease."""
        now = self._now()
        if row.leased_by_other(self._owner, now):
            return None
        etag = self._table.take_lease(account_id, row, self._owner, now + LEASE)
        if etag is None:
            return None
        account = self._accounts.lookup(account_id)
        if account is None:
            raise NoAccountError(account_id)
        if account.disabled:
            raise AccountDisabledError(account_id)
        with metrics.token_fetch(account_id):
            issued = self._api.fetch_token(account.app_id, account.app_secret, stable=self._stable)
        expires_at = self._now() + timedelta(seconds=issued.expires_in)
        if not self._table.store(account_id, etag, issued.value, expires_at, row.generation + 1):
            return None
        self._cache[account_id] = AccessTokenRow(
            issued.value, expires_at, row.generation + 1, None, None, None
        )
        return issued.value
