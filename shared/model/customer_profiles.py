"""How WeChat's profile of a follower lands on our customer record, and when it is due again.

The profile is read on the customer's first push and then at most once a day
(``PROFILE_MAX_AGE``): remark and tags change rarely, and ``user/info`` counts against the
account's daily API quota. One worker claims each fetch (``claim``), so a burst of pushes from
one customer costs one call; a failed fetch waits ``RETRY_AFTER`` before the next push tries.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from shared.model.conversations import Customer
from shared.wechat.users import WeChatUser

PROFILE_MAX_AGE = timedelta(days=1)
CLAIM_FOR = timedelta(seconds=30)
"""Longer than a fetch can take (its timeout): a worker that died holding a claim frees it."""
RETRY_AFTER = timedelta(minutes=1)


def profile_due(customer: Customer | None, now: datetime) -> bool:
    if customer is None:
        return True
    if customer.profile_claimed_until is not None and customer.profile_claimed_until > now:
        return False
    fetched = customer.profile_fetched_at
    return fetched is None or now - fetched >= PROFILE_MAX_AGE


def claim(customer: Customer, now: datetime) -> Customer | None:
    """The customer with this worker's claim on the fetch, or None when none is due."""
    if not profile_due(customer, now):
        return None
    return customer.model_copy(
        update={"profile_claimed_until": now + CLAIM_FOR, "profile_failed_at": None}
    )


def fetching(customer: Customer, now: datetime) -> bool:
    """Whether another worker is fetching the profile now (not: the last fetch failed)."""
    until = customer.profile_claimed_until
    return until is not None and until > now and customer.profile_failed_at is None


def tag_labels(tag_ids: list[int], names: Mapping[int, str]) -> list[str]:
    """What ``customer.tags`` holds: each tag's id as text, then the names that are known."""
    return [str(i) for i in tag_ids] + [names[i] for i in tag_ids if i in names]


def with_profile(
    customer: Customer, user: WeChatUser, names: Mapping[int, str], now: datetime
) -> Customer:
    """``customer`` after a fetch of ``user``. Someone who does not follow gets nothing but
    ``subscribe: 0`` from WeChat, so what is known of them stays. A SCAN later than the follow
    keeps its scene."""
    changes: dict[str, object] = {
        "profile_fetched_at": now,
        "profile_claimed_until": None,
        "profile_failed_at": None,
    }
    if not user.following:
        changes["subscribed"] = False
        return customer.model_copy(update=changes)
    changes.update(
        subscribed=True,
        remark=user.remark or None,
        tag_ids=list(user.tagid_list),
        tags=tag_labels(user.tagid_list, names),
        union_id=user.unionid or None,
        subscribe_time=user.subscribe_time,
        subscribe_scene=user.subscribe_scene or None,
        qr_scene=user.qr,
    )
    followed = user.subscribe_time or 0
    if followed and (customer.subscription_changed_at or 0) <= followed:
        changes["subscription_changed_at"] = followed
    changes["scene"] = _scene(customer, user)
    return customer.model_copy(update=changes)


def _scene(customer: Customer, user: WeChatUser) -> str | None:
    """A scan later than the follow, else the follow's QR scene, else the scene the follow
    event named (the same fact, already recorded), else how WeChat says they followed."""
    if customer.scanned_at and customer.scanned_at > (user.subscribe_time or 0):
        return customer.scene
    return user.qr or customer.scene or user.subscribe_scene or None


def failed(customer: Customer, now: datetime) -> Customer:
    """After a failed fetch: no try before ``RETRY_AFTER``."""
    return customer.model_copy(
        update={"profile_claimed_until": now + RETRY_AFTER, "profile_failed_at": now}
    )


def scanned(customer: Customer, scene: str, at: int) -> Customer | None:
    """After a SCAN event (a follower scanned a parametrised QR code): its scene, unless a
    later scan is recorded already."""
    if customer.scanned_at is not None and customer.scanned_at > at:
        return None
    return customer.model_copy(update={"scene": scene or None, "scanned_at": at})
