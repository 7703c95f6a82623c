"""The go-live check: does an account's channel work before customers rely on it?

Four questions an admin cannot answer from our side alone: has WeChat verified the server URL
(the GET it sends when the URL is saved in its console), can we fetch an access token (WeChat
names a wrong AppSecret or an IP missing from its whitelist), do the pushes arrive in the mode
the account is set to, and when did the last one come.

The callback records what it sees through ``ActivityRecorder``: a verification GET is rare and
is written at once; pushes and refusals are written at most once a minute per account and
process, so a busy account's acknowledgements do not wait on an extra Table write.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from shared.channel.access_tokens import AccessTokens, NoAccountError
from shared.core.schema import ViewModel
from shared.model.accounts import Account, ChannelStatus
from shared.model.conversations import utc
from shared.store.activity import ActivityStore
from shared.wechat import MessageMode
from shared.wechat.errors import WeChatApiError, WeChatUnavailableError

log = logging.getLogger(__name__)

PUSH_RECORD_SECONDS = 60.0
"""A push or refusal is written when the last one this process wrote is older than this."""

_CALLING_IP = re.compile(r"invalid ip ([0-9A-Fa-f.:]+)")


class ActivityRecorder:
    def __init__(self, store: ActivityStore, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        self._written: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def _due(self, account_id: str, kind: str) -> bool:
        now = self._clock()
        with self._lock:
            last = self._written.get((account_id, kind))
            if last is not None and now - last < PUSH_RECORD_SECONDS:
                return False
            self._written[(account_id, kind)] = now
            return True

    def verified(self, account_id: str) -> None:
        self._safely(self._store.verified, account_id, utc(self._clock()))

    def pushed(self, account_id: str, *, encrypted: bool) -> None:
        if self._due(account_id, "push"):
            self._safely(self._store.pushed, account_id, utc(self._clock()), encrypted=encrypted)

    def refused(self, account_id: str, code: str, message: str) -> None:
        if self._due(account_id, "refusal"):
            self._safely(self._store.refused, account_id, utc(self._clock()), code, message)

    @staticmethod
    def _safely(write: Callable[..., None], *args: object, **kwargs: object) -> None:
        """The record is a diagnostic: failing to write it must not fail WeChat's request."""
        try:
            write(*args, **kwargs)
        except Exception:
            log.warning("could not record the callback's activity", exc_info=True)


TokenProblem = Literal[
    "appSecret", "appId", "ipWhitelist", "disabled", "wechatUnavailable", "other"
]


class UrlVerification(ViewModel):
    verified: bool
    last_verified_at: datetime | None = None
    """The last GET from WeChat whose signature held (we echoed its echostr)."""


class TokenCheck(ViewModel):
    ok: bool
    problem: TokenProblem | None = None
    errcode: int | None = None
    errmsg: str | None = None
    """WeChat's own words, with its rid for Tencent's support."""
    message: str | None = None
    """What is wrong and what to do, in ours."""
    ips_to_add: list[str] = []
    """For ``ipWhitelist``: the address WeChat saw and this deployment's OUTBOUND_IPS."""


class PushCheck(ViewModel):
    last_push_at: datetime | None = None
    last_push_encrypted: bool | None = None
    matches_mode: bool | None = None
    """None until a push or a mode refusal came; false when the latest was refused for its
    mode (WeChat's console and the account's messageMode differ)."""
    last_refusal_at: datetime | None = None
    last_refusal_code: str | None = None
    last_refusal_message: str | None = None


class GoLiveReport(ViewModel):
    account_id: str
    message_mode: MessageMode
    disabled: bool
    status: ChannelStatus = ChannelStatus.ACTIVE
    """The channel's intake: ``draining`` or ``inactive`` take no new conversations."""
    checked_at: datetime
    url_verification: UrlVerification
    access_token: TokenCheck
    pushes: PushCheck
    ready: bool
    """The URL is verified and a token can be fetched: customers' messages can come and go."""


class GoLiveCheck:
    def __init__(
        self,
        activity: ActivityStore,
        tokens: AccessTokens,
        outbound_ips: tuple[str, ...],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._activity = activity
        self._access_tokens = tokens
        self._outbound_ips = outbound_ips
        self._clock = clock

    def report(self, account: Account) -> GoLiveReport:
        seen = self._activity.read(account.id)
        verification = UrlVerification(
            verified=seen.verified_at is not None, last_verified_at=seen.verified_at
        )
        token = self._token(account)
        mode_refused = (
            seen.refused_code == "mode_refused"
            and seen.refused_at is not None
            and (seen.pushed_at is None or seen.refused_at > seen.pushed_at)
        )
        matches = False if mode_refused else (True if seen.pushed_at else None)
        pushes = PushCheck(
            last_push_at=seen.pushed_at,
            last_push_encrypted=seen.push_encrypted,
            matches_mode=matches,
            last_refusal_at=seen.refused_at,
            last_refusal_code=seen.refused_code,
            last_refusal_message=seen.refused_message,
        )
        return GoLiveReport(
            account_id=account.id,
            message_mode=account.message_mode,
            disabled=account.disabled,
            status=account.status,
            checked_at=utc(self._clock()),
            url_verification=verification,
            access_token=token,
            pushes=pushes,
            ready=verification.verified and token.ok and not account.disabled,
        )

    def _token(self, account: Account) -> TokenCheck:
        """Through the shared token (one fetch for the deployment, as every sender): a token
        stored and valid was fetched with these credentials, since changing them drops it."""
        if account.disabled:
            return TokenCheck(
                ok=False,
                problem="disabled",
                message="The account is disabled: nothing is sent for it, so no token is fetched.",
            )
        try:
            self._access_tokens.get(account.id)
        except WeChatApiError as error:
            return self._refused(error)
        except WeChatUnavailableError as error:
            return TokenCheck(
                ok=False,
                problem="wechatUnavailable",
                message=f"WeChat's API did not answer ({error}); try again in a minute.",
            )
        except NoAccountError:
            return TokenCheck(ok=False, problem="other", message="The account is gone.")
        return TokenCheck(ok=True)

    def _refused(self, error: WeChatApiError) -> TokenCheck:
        code, words = error.errcode, error.errmsg
        if code in (40001, 40125):  # from the token API itself 40001 means the AppSecret too
            return TokenCheck(
                ok=False,
                problem="appSecret",
                errcode=code,
                errmsg=words,
                message="WeChat refused the AppSecret: copy the Developer password (AppSecret) "
                "from WeChat's console again (reset it there if nobody has it) and replace it "
                "here.",
            )
        if code == 40013:
            return TokenCheck(
                ok=False,
                problem="appId",
                errcode=code,
                errmsg=words,
                message="WeChat does not know this Developer ID (AppID): check it in WeChat's "
                "console.",
            )
        if code == 40164:
            seen = _CALLING_IP.search(words or "")
            ips = list(dict.fromkeys([*([seen.group(1)] if seen else []), *self._outbound_ips]))
            return TokenCheck(
                ok=False,
                problem="ipWhitelist",
                errcode=code,
                errmsg=words,
                message="This server's address is not in the account's IP whitelist: add the "
                "addresses below in WeChat's console (Settings and Development → Basic "
                "configuration → IP whitelist).",
                ips_to_add=ips,
            )
        return TokenCheck(
            ok=False, problem="other", errcode=code, errmsg=words, message=error.reason
        )
