"""WeChat's callback IPs as an allow-list for pushes, when ``CALLBACK_IP_CHECK`` is on.

In safe mode the signatures authenticate every push; in plaintext mode they cannot, because the
URL signature does not cover the body (docs/protocol.md §1, §10). An operator can then also
require pushes to come from the addresses WeChat calls from. WeChat publishes them through
``getcallbackip`` and they change, so a timer fetches the list daily, every instance reads the
stored copy, and the callback fetches it itself only while none is stored.

The caller's address is the last ``X-Forwarded-For`` entry: the one the platform's front end
appends. Entries before it were sent by the caller and prove nothing.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta

from shared.channel.access_tokens import AccessTokens, NoAccountError
from shared.channel.registry import AccountRegistry
from shared.model.conversations import utc
from shared.store.callback_ips import CallbackIps, CallbackIpTable
from shared.wechat.api import WeChatApi
from shared.wechat.errors import WeChatError

log = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

CACHE_SECONDS = 300.0
"""How long an instance trusts its copy of the stored list before reading it again."""
RETRY_SECONDS = 60.0
"""After a failed fetch, how long pushes are refused before the next attempt."""
STALE_AFTER = timedelta(days=3)


def forwarded_client(headers: Mapping[str, str]) -> Address | None:
    """The caller's address as the platform's front end recorded it, or None."""
    forwarded = headers.get("x-forwarded-for") or headers.get("X-Forwarded-For") or ""
    last = forwarded.rsplit(",", 1)[-1].strip()
    if last.startswith("["):  # [v6]:port
        last = last[1:].split("]", 1)[0]
    elif last.count(":") == 1:  # v4:port
        last = last.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(last)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _networks(ips: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in ips:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            log.warning("getcallbackip listed %r, which is not an address or range", entry)
    return tuple(networks)


class CallbackIpAllowList:
    def __init__(
        self,
        table: CallbackIpTable,
        tokens: AccessTokens,
        api: WeChatApi,
        accounts: AccountRegistry,
        clock: Callable[[], float] = time.time,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self._table = table
        self._access_tokens = tokens
        self._api = api
        self._accounts = accounts
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._networks: tuple[Network, ...] = ()
        self._valid_until = 0.0

    def allows(self, address: Address | None, account_id: str) -> bool:
        """Whether a push from ``address`` to ``account_id`` comes from WeChat."""
        if address is None:
            return False
        return any(address in network for network in self._current(account_id))

    def _current(self, account_id: str) -> tuple[Network, ...]:
        with self._lock:
            if time.monotonic() < self._valid_until:
                return self._networks
            stored = self._table.read()
            if stored is None:
                stored = self._fetch_or_none(account_id)
            elif utc(self._clock()) - stored.fetched_at > STALE_AFTER:
                log.warning(
                    "WeChat's callback IPs were last fetched %s: is the daily refresh failing?",
                    stored.fetched_at.isoformat(),
                )
            wait = self._cache_seconds if stored else RETRY_SECONDS
            self._networks = _networks(stored.ips) if stored else ()
            self._valid_until = time.monotonic() + wait
            return self._networks

    def _fetch_or_none(self, account_id: str) -> CallbackIps | None:
        try:
            return self.refresh(account_id)
        except (WeChatError, NoAccountError) as error:
            log.error(
                "CALLBACK_IP_CHECK is on but WeChat's callback IPs could not be fetched with "
                "account %s's access token (%s); pushes are refused until they can be",
                account_id,
                error,
            )
            return None

    def refresh(self, account_id: str) -> CallbackIps:
        """Fetch the list with ``account_id``'s access token and store it for every instance."""
        ips = CallbackIps(
            tuple(self._api.callback_ips(self._access_tokens.get(account_id))), utc(self._clock())
        )
        self._table.write(ips)
        self._valid_until = 0.0
        return ips

    def refresh_daily(self) -> int:
        """The timer's refresh: with the first account whose token works → addresses listed."""
        for account in self._accounts.list_accounts():
            try:
                return len(self.refresh(account.id).ips)
            except (WeChatError, NoAccountError) as error:
                log.warning("callback IPs not fetched with account %s: %s", account.id, error)
        log.error("WeChat's callback IPs could not be fetched with any account")
        return 0
