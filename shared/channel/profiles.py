"""Customers' WeChat profiles: read from ``user/info`` as their pushes come in, and the
remark and tags that agents set, written back to WeChat (docs/protocol.md §9).

Reading never fails the push that asked for it: an error or a timeout (a short one,
``FETCH_TIMEOUT``) is logged without the token and tried again with a later push
(shared/model/customer_profiles.py says when). Writing is for a person waiting on an answer:
WeChat's refusal comes back to them as a ``ConflictError`` that says why and WeChat's errcode;
WeChat busy, over quota or silent, as an ``UpstreamError``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from shared.channel.access_tokens import AccessTokens, NoAccountError
from shared.core.errors import ConflictError, UpstreamError
from shared.model.conversations import Customer, utc
from shared.model.customer_profiles import claim, failed, fetching, with_profile
from shared.store.conversations import ConversationStore
from shared.wechat.api import WeChatApi
from shared.wechat.errors import ApiAction, WeChatApiError, WeChatError, WeChatUnavailableError
from shared.wechat.users import WeChatTag, WeChatUser

log = logging.getLogger(__name__)
T = TypeVar("T")

FETCH_TIMEOUT = 3.0
"""Seconds a push waits for ``user/info`` at most: routing a new conversation waits for it."""
TAGS_CACHE_SECONDS = 300.0
WAIT_POLL = 0.1


@dataclass(frozen=True)
class _CachedTags:
    tags: list[WeChatTag]
    at: float


class CustomerProfiles:
    def __init__(
        self,
        conversations: ConversationStore,
        tokens: AccessTokens,
        api: WeChatApi,
        clock: Callable[[], float] = time.time,
        *,
        timeout: float = FETCH_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._conversations = conversations
        self._tokens = tokens
        self._api = api
        self._clock = clock
        self._timeout = timeout
        self._sleep = sleep
        self._tags: dict[str, _CachedTags] = {}
        self._tags_lock = threading.Lock()

    # --- reading, as pushes come in ---------------------------------------------------------

    def refresh(self, account_id: str, open_id: str, *, wait: bool = False) -> None:
        """Fetch the profile if it is due and no other worker is fetching it. ``wait``: when
        another worker is, wait for its answer (a new conversation about to be routed)."""
        try:
            self._refresh(account_id, open_id, wait=wait)
        except Exception as error:  # a profile is never worth a push: it is tried again later
            log.warning(
                "customer profile %s/%s: not fetched (%s)",
                account_id,
                open_id,
                _described(error),
            )

    def _refresh(self, account_id: str, open_id: str, *, wait: bool) -> None:
        now = utc(self._clock())
        won = False

        def take(customer: Customer) -> Customer | None:
            nonlocal won
            claimed = claim(customer, now)
            won = claimed is not None
            return claimed

        current = self._conversations.change_customer(account_id, open_id, take)
        if not won:
            first = current is not None and current.profile_fetched_at is None
            if wait and current is not None and first and fetching(current, now):
                self._wait_for_other(account_id, open_id, current)
            return
        try:
            user = self._tokens.call(
                account_id, lambda token: self._api.user_info(token, open_id, timeout=self._timeout)
            )
        except (WeChatError, NoAccountError) as error:
            at = utc(self._clock())
            self._conversations.change_customer(account_id, open_id, lambda c: failed(c, at))
            log.warning(
                "customer profile %s/%s: WeChat did not give it (%s); tried again later",
                account_id,
                open_id,
                _described(error),
            )
            return
        self._store(account_id, open_id, user)

    def _wait_for_other(self, account_id: str, open_id: str, seen: Customer) -> None:
        """Until the claim ``seen`` holds is settled (fetched, failed or expired), at most a
        little longer than a fetch takes."""
        deadline = time.monotonic() + self._timeout + 1
        while time.monotonic() < deadline:
            self._sleep(WAIT_POLL)
            customer = self._conversations.customer(account_id, open_id)
            if customer is None or customer.profile_claimed_until != seen.profile_claimed_until:
                return

    def _store(self, account_id: str, open_id: str, user: WeChatUser) -> Customer | None:
        names = self._tag_names(account_id) if user.tagid_list else {}
        at = utc(self._clock())
        return self._conversations.change_customer(
            account_id, open_id, lambda c: with_profile(c, user, names, at)
        )

    # --- tags -------------------------------------------------------------------------------

    def tags(self, account_id: str, *, fresh: bool = False) -> list[WeChatTag]:
        """The account's tags (``tags/get``), kept a few minutes per process; WeChat's errors
        come back as for ``update``."""
        with self._tags_lock:
            cached = self._tags.get(account_id)
        now = time.monotonic()
        if cached and not fresh and now - cached.at < TAGS_CACHE_SECONDS:
            return cached.tags
        tags = self._upstream("list the account's tags", account_id, self._api.tags)
        with self._tags_lock:
            self._tags[account_id] = _CachedTags(tags, now)
        return tags

    def _tag_names(self, account_id: str) -> dict[int, str]:
        """Names for tag ids, or none when WeChat will not list them now (ids still serve)."""
        try:
            return {tag.id: tag.name for tag in self.tags(account_id)}
        except (UpstreamError, ConflictError) as error:
            log.warning("account %s: tag names not fetched (%s)", account_id, error.message)
            return {}

    # --- writing, for agents and admins -----------------------------------------------------

    def update(
        self,
        account_id: str,
        open_id: str,
        *,
        remark: str | None = None,
        tag_ids: list[int] | None = None,
    ) -> Customer:
        """Set the remark and/or the tags in WeChat, then on the customer. The tags go as a
        difference from what WeChat holds now (read first): ``batchtagging`` for each added,
        ``batchuntagging`` for each removed. What WeChat took before a refusal is kept."""
        user = self._upstream(
            "read the customer's profile",
            account_id,
            lambda token: self._api.user_info(token, open_id),
        )
        if not user.following:
            raise ConflictError(
                "the customer no longer follows the account: WeChat keeps no remark or tags "
                "for them",
                code="not_following",
            )
        remark_now, tags_now = user.remark, list(user.tagid_list)
        try:
            if remark is not None and remark != remark_now:
                self._upstream(
                    "set the remark",
                    account_id,
                    lambda token: self._api.update_remark(token, open_id, remark),
                )
                remark_now = remark
            if tag_ids is not None:
                for tag_id in [t for t in tag_ids if t not in tags_now]:
                    self._upstream(
                        f"add tag {tag_id}",
                        account_id,
                        _tagging(self._api.tag_users, tag_id, open_id),
                    )
                    tags_now.append(tag_id)
                for tag_id in [t for t in list(tags_now) if t not in tag_ids]:
                    self._upstream(
                        f"remove tag {tag_id}",
                        account_id,
                        _tagging(self._api.untag_users, tag_id, open_id),
                    )
                    tags_now.remove(tag_id)
        finally:
            written = user.model_copy(update={"remark": remark_now, "tagid_list": tags_now})
            stored = self._store(account_id, open_id, written)
        assert stored is not None  # change_customer writes a blank customer when there is none
        return stored

    def _upstream(self, doing: str, account_id: str, call: Callable[[str], T]) -> T:
        """``call`` with the account's token; WeChat's refusal → ``ConflictError``, its being
        busy or silent → ``UpstreamError``."""
        try:
            return self._tokens.call(account_id, call)
        except WeChatApiError as error:
            message = f"WeChat refused to {doing}: {error.reason} (errcode {error.errcode})"
            if error.action is ApiAction.RETRY:  # busy or over quota: WeChat's state, not ours
                raise UpstreamError(message, code="wechat_busy") from None
            raise ConflictError(message, code="wechat_refused") from None
        except WeChatUnavailableError as error:
            raise UpstreamError(
                f"WeChat did not answer when asked to {doing}: {error.detail}",
                code="wechat_unavailable",
            ) from None
        except NoAccountError:
            raise ConflictError(
                f"account {account_id} is disabled or gone: nothing is sent to WeChat for it",
                code="account_disabled",
            ) from None


def _tagging(
    batch: Callable[[str, int, list[str]], None], tag_id: int, open_id: str
) -> Callable[[str], None]:
    return lambda token: batch(token, tag_id, [open_id])


def _described(error: Exception) -> str:
    """What a log may say of a failure: its kind and WeChat's errcode, never the URL (the token
    is in it)."""
    if isinstance(error, WeChatApiError):
        return f"errcode {error.errcode}: {error.reason}"
    if isinstance(error, WeChatUnavailableError):
        return f"{error.api}: {error.detail}"
    return type(error).__name__
