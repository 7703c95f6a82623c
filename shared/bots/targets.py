"""Where a webhook bot may point: public addresses only.

The URL is the admin's, but the request leaves from inside the deployment, so a URL that
names or resolves to a private, loopback or link-local address would reach what only the app
can reach (the instance metadata endpoint at 169.254.169.254, a storage account's private
endpoint, a service on the VNet). The host is therefore resolved when the bot is called,
every address it resolves to is checked, and the request goes to the address that was checked
(no second lookup that DNS rebinding could answer differently). Saving a bot refuses a URL
whose host is such an address written out. Loopback is allowed only with
``BOT_WEBHOOK_ALLOW_LOOPBACK``, for a bot on a developer's machine.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


class RefusedTargetError(Exception):
    """The bot's host is, or resolves to, an address the app must not call."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, as the operating system's resolver answers."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64): each is where
    a packet may really go, so each is checked too."""
    found = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [ip for ip in found if ip is not None]


def _kind(address: IPAddress) -> str | None:
    """What makes ``address`` unfit for a bot (loopback apart), or None for a public one."""
    for name, flag in (
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if flag:
            return name
    return None if address.is_global else "non-public"


class BotTargets:
    """The rule above, with the resolver injectable (tests name hosts DNS does not know)."""

    def __init__(self, *, allow_loopback: bool = False, resolve: Resolver = system_resolver):
        self.allow_loopback = allow_loopback
        self._resolve = resolve

    def refusal(self, address: str) -> str | None:
        """Why ``address`` may not be called ("a private address; …"), or None when it may."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return "not an IP address"
        for candidate in [*(_embedded_ipv4(ip) if ip.version == 6 else []), ip]:
            carried = "" if candidate is ip else f" (it carries {candidate})"
            if candidate.is_loopback:
                if self.allow_loopback:
                    continue
                return (
                    f"a loopback address{carried}; set BOT_WEBHOOK_ALLOW_LOOPBACK=true for a "
                    "bot on this machine, in development only"
                )
            kind = _kind(candidate)
            if kind:
                return f"a {kind} address{carried}; a webhook bot must be on a public one"
        return None

    def check_url(self, url: str) -> None:
        """At save time: refuse a URL the HTTP client cannot call (``0177.0.0.1``, a host
        that is no IDNA name), and a host that is a refused address written out (or localhost
        without the setting); names are checked when the bot is called."""
        try:
            httpx.URL(url)
        except httpx.InvalidURL as error:
            raise RefusedTargetError(f"it cannot be called: {error}") from None
        host = urlsplit(url).hostname or ""
        if host.rstrip(".").lower() in _LOOPBACK_NAMES or host.lower().endswith(".localhost"):
            host = "127.0.0.1"
        host = _written_out_address(host) or ""
        if not host:
            return
        reason = self.refusal(host)
        if reason:
            raise RefusedTargetError(f"{host} is {reason}")

    def address(self, host: str, port: int) -> str:
        """The address to connect to for ``host``: every address it resolves to must pass,
        or a refused one could be the one used on another try."""
        try:
            addresses = self._resolve(host, port)
        except (OSError, UnicodeError) as error:
            raise RefusedTargetError(
                f"{host} could not be resolved ({type(error).__name__})"
            ) from None
        if not addresses:
            raise RefusedTargetError(f"{host} resolves to no address")
        for address in addresses:
            reason = self.refusal(address)
            if reason:
                raise RefusedTargetError(f"{host} resolves to {address}, {reason}")
        return addresses[0].split("%", 1)[0]


_LEGACY_IPV4 = re.compile(r"[0-9a-fA-FxX.]+")


def _written_out_address(host: str) -> str | None:
    """The address a host written as one means, in the forms resolvers also take (2130706433,
    0x7f.0.0.1, 127.1, a trailing dot), or None for a name."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    candidate = host.rstrip(".")
    if _LEGACY_IPV4.fullmatch(candidate) and any(ch.isdigit() for ch in candidate):
        try:
            return socket.inet_ntoa(socket.inet_aton(candidate))
        except OSError:
            return None
    return None
