"""Deleting a WeChat account, and with it what the app keeps beside the account: its custom
menu draft and its material records. WeChat keeps the published menu and the images, which
the app can no longer reach without the account's AppSecret."""

from __future__ import annotations

from shared.channel.materials import MaterialLibrary
from shared.channel.menus import AccountMenus
from shared.channel.registry import AccountRegistry


class AccountRemoval:
    def __init__(
        self, registry: AccountRegistry, menus: AccountMenus, materials: MaterialLibrary
    ) -> None:
        self._registry = registry
        self._menus = menus
        self._materials = materials

    def remove(self, account_id: str) -> None:
        """The account first (NotFound when there is none): the rest is only its records."""
        self._registry.remove(account_id)
        self._menus.forget(account_id)
        self._materials.forget_account(account_id)
