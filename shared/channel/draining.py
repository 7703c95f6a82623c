"""Deactivating a channel without deleting it: drain, then inactive; reactivate.

``draining``: a customer without an open conversation opens none (their message is kept in
the ``inbound`` table as every push is, and nothing is routed or sent); open conversations go
on, agents reply as usual. When none is left open the account becomes ``inactive``, at the
close of the last one or on the next assignment sweep. ``inactive`` takes no new
conversations either; the callback answers WeChat ``success`` throughout, so WeChat does not
retry. ``disabled`` stays the hard stop: it refuses the callback and sends nothing.
"""

from __future__ import annotations

import logging

from shared.channel.registry import AccountRegistry
from shared.model.accounts import Account, ChannelStatus
from shared.store.conversations import ConversationStore

log = logging.getLogger(__name__)

_DRAINING = frozenset({ChannelStatus.DRAINING})


class ChannelDrain:
    def __init__(self, registry: AccountRegistry, conversations: ConversationStore) -> None:
        self._registry = registry
        self._conversations = conversations

    def takes_new_conversations(self, account_id: str) -> bool:
        """From the registry's short cache: another process sees a drain within seconds."""
        account = self._registry.lookup(account_id)
        return account is None or account.takes_new_conversations()

    def drain(self, account_id: str) -> Account:
        """Stop new conversations; inactive at once if none is open."""
        self._registry.change_status(
            account_id, ChannelStatus.DRAINING, only_from=frozenset({ChannelStatus.ACTIVE})
        )
        return self.settle(account_id)

    def reactivate(self, account_id: str) -> Account:
        return self._registry.change_status(account_id, ChannelStatus.ACTIVE)

    def settle(self, account_id: str) -> Account:
        """Draining with nothing left open: inactive."""
        account = self._registry.get(account_id)
        if account.status is not ChannelStatus.DRAINING:
            return account
        if self._conversations.has_unclosed(account_id):
            return account
        log.info("account %s is drained: inactive", account_id)
        return self._registry.change_status(account_id, ChannelStatus.INACTIVE, only_from=_DRAINING)

    def after_close(self, account_id: str) -> None:
        """A conversation closed: the account's last one, if it drains? Never raises (the
        sweep settles it otherwise)."""
        account = self._registry.lookup(account_id)
        if account is None or account.status is not ChannelStatus.DRAINING:
            return
        try:
            self.settle(account_id)
        except Exception as error:
            log.warning("account %s: settling its drain failed (%s)", account_id, error)

    def settle_all(self) -> int:
        """The sweep's part: every draining account with nothing open becomes inactive."""
        settled = 0
        for account in self._registry.list_accounts():
            if account.status is ChannelStatus.DRAINING:
                settled += self.settle(account.id).status is ChannelStatus.INACTIVE
        return settled
