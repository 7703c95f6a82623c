"""WeChat accounts: what an admin registers, how it is validated, and the callback information
to paste into WeChat's console (docs/architecture.md §1)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from shared.core.errors import ConflictError
from shared.core.schema import ApiModel, ViewModel, omitted
from shared.wechat import Channel, MessageMode
from shared.wechat.messages import ORIGINAL_ID

_APP_ID = re.compile(r"wx[0-9a-f]{16}")
_APP_SECRET = re.compile(r"[0-9a-f]{32}")
_TOKEN = re.compile(r"[A-Za-z0-9]{3,32}")
_ENCODING_AES_KEY = re.compile(r"[A-Za-z0-9]{43}")


def _matching(pattern: re.Pattern[str], rule: str) -> AfterValidator:
    """Text that must match ``pattern`` whole; the error says what is right
    (docs/architecture.md §4), not the regex."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(rule)
        return value

    return AfterValidator(check)


def _shown(pattern: re.Pattern[str]) -> Any:
    """The OpenAPI document shows the pattern that ``_matching`` checks."""
    return Field(json_schema_extra={"pattern": f"^{pattern.pattern}$"})


# Spelled out as Annotated[str, ...] so that a type checker reads each as str.
OriginalId = Annotated[
    str, _matching(ORIGINAL_ID, 'must start with "gh_" (the Original ID)'), _shown(ORIGINAL_ID)
]
AppId = Annotated[
    str, _matching(_APP_ID, 'must be "wx" followed by 16 hex digits'), _shown(_APP_ID)
]
AppSecret = Annotated[str, _matching(_APP_SECRET, "must be 32 hex digits"), _shown(_APP_SECRET)]
WeChatToken = Annotated[
    str, _matching(_TOKEN, "must be 3 to 32 letters and digits"), _shown(_TOKEN)
]
EncodingAesKey = Annotated[
    str,
    _matching(_ENCODING_AES_KEY, "must be 43 letters and digits (WeChat's EncodingAESKey)"),
    _shown(_ENCODING_AES_KEY),
]
AccountName = Annotated[str, Field(min_length=1, max_length=100)]
MAX_MINI_PROGRAMS = 20


def _each_once(app_ids: list[str]) -> list[str]:
    if len(set(app_ids)) != len(app_ids):
        raise ValueError("lists an AppID twice")
    return app_ids


MiniProgramAppIds = Annotated[
    list[AppId],
    Field(max_length=MAX_MINI_PROGRAMS, json_schema_extra={"uniqueItems": True}),
    AfterValidator(_each_once),
]
"""The mini-programs linked to the account (关联小程序), by AppID: agents can send cards of
these only (WeChat refuses a card of a mini-program the account is not linked to)."""


class ChannelStatus(str, Enum):
    """Whether the channel takes new conversations. ``disabled`` is the hard stop beside it
    (the callback refuses pushes, nothing is sent); the status leaves the callback answering
    WeChat ``success`` and decides only what a customer's message may open."""

    ACTIVE = "active"  # new conversations open as usual
    DRAINING = "draining"  # no new conversations; open ones go on; inactive once none is left
    INACTIVE = "inactive"  # no new conversations, and none left open


class _SandboxIsPlaintext(ApiModel):
    """A sandbox account's pushes are never encrypted: its messageMode is plaintext. Declare
    ``sandbox`` before ``message_mode``: the check reads it."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"sandbox": {"const": True}}, "required": ["sandbox"]},
            "then": {"properties": {"messageMode": {"enum": [MessageMode.PLAINTEXT.value]}}},
        }
    )

    @field_validator("message_mode", check_fields=False)
    @classmethod
    def _mode(cls, mode: MessageMode, info: ValidationInfo) -> MessageMode:
        _check_sandbox_mode(bool(info.data.get("sandbox")), mode)
        return mode


class AccountCreate(_SandboxIsPlaintext):
    name: AccountName
    original_id: OriginalId
    app_id: AppId
    app_secret: AppSecret
    token: WeChatToken
    encoding_aes_key: EncodingAesKey
    sandbox: bool = False
    message_mode: MessageMode = MessageMode.SAFE
    mini_program_app_ids: MiniProgramAppIds = []

    @model_validator(mode="before")
    @classmethod
    def _sandbox_default_mode(cls, data: Any) -> Any:
        """A sandbox account's mode defaults to plaintext, the only one it has."""
        if isinstance(data, dict) and data.get("sandbox") is True:
            data.setdefault("messageMode", MessageMode.PLAINTEXT.value)
        return data


class AccountPatch(_SandboxIsPlaintext):
    """What a PATCH changes; absent fields stay as they are (none of them can be null).

    Turning ``sandbox`` on without a ``messageMode`` makes the account plaintext, as creating
    a sandbox account does."""

    name: AccountName = omitted()
    original_id: OriginalId = omitted()
    app_id: AppId = omitted()
    app_secret: AppSecret = omitted()
    token: WeChatToken = omitted()
    encoding_aes_key: EncodingAesKey = omitted()
    sandbox: bool = omitted()
    message_mode: MessageMode = omitted()
    disabled: bool = omitted()
    """``true`` stops the channel without deleting it: its callback refuses WeChat's requests
    and nothing is sent for it until it is ``false`` again."""
    mini_program_app_ids: MiniProgramAppIds = omitted()


def _check_sandbox_mode(sandbox: bool, mode: MessageMode) -> None:
    if sandbox and mode is not MessageMode.PLAINTEXT:
        raise ValueError(
            "must be plaintext for a sandbox (test) account: WeChat does not encrypt its pushes"
        )


class Account(BaseModel):
    """An account as stored, secrets included; never serialised to a response as is."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    original_id: str
    app_id: str
    app_secret: str = Field(repr=False)
    token: str = Field(repr=False)
    encoding_aes_key: str = Field(repr=False)
    previous_encoding_aes_key: str | None = Field(default=None, repr=False)
    previous_key_expires_at: datetime | None = None
    message_mode: MessageMode
    sandbox: bool = False
    disabled: bool = False
    status: ChannelStatus = ChannelStatus.ACTIVE
    created_at: datetime
    updated_at: datetime
    mini_program_app_ids: tuple[str, ...] = ()

    def takes_new_conversations(self) -> bool:
        return self.status is ChannelStatus.ACTIVE

    def encoding_aes_keys(self, now: datetime) -> tuple[str, ...]:
        """The current key, then the previous one while its grace period lasts."""
        if (
            self.previous_encoding_aes_key
            and self.previous_key_expires_at
            and now < self.previous_key_expires_at
        ):
            return (self.encoding_aes_key, self.previous_encoding_aes_key)
        return (self.encoding_aes_key,)

    def channel(self, now: datetime) -> Channel:
        return Channel(
            token=self.token,
            app_id=self.app_id,
            mode=self.message_mode,
            encoding_aes_keys=self.encoding_aes_keys(now),
        )

    def patched(self, patch: AccountPatch, now: datetime, grace: timedelta) -> Account:
        """Apply ``patch``; a new EncodingAESKey keeps the old one decrypting for ``grace``."""
        changes: dict[str, Any] = patch.model_dump(exclude_unset=True, exclude_none=True)
        if "mini_program_app_ids" in changes:
            changes["mini_program_app_ids"] = tuple(changes["mini_program_app_ids"])
        if changes.get("sandbox") and "message_mode" not in changes:
            changes["message_mode"] = MessageMode.PLAINTEXT
        new_key = changes.get("encoding_aes_key")
        if new_key and new_key != self.encoding_aes_key:
            changes["previous_encoding_aes_key"] = self.encoding_aes_key
            changes["previous_key_expires_at"] = now + grace
        updated = self.model_copy(update={**changes, "updated_at": now})
        try:
            _check_sandbox_mode(updated.sandbox, updated.message_mode)
        except ValueError as error:  # the body is fine; this account is a sandbox one
            raise ConflictError(
                f"messageMode {error}", code="sandbox_account", field="messageMode"
            ) from None
        return updated


def mask(secret: str, visible: int = 4) -> str:
    """``****`` and, for long random secrets, the last few characters to tell them apart."""
    return "****" + secret[-visible:] if visible and len(secret) >= 16 else "****"


class CallbackInfo(ViewModel):
    server_url: str
    ip_allowlist: list[str]


class AccountView(ViewModel):
    id: str
    name: str
    original_id: str
    app_id: str
    app_secret: str
    token: str
    encoding_aes_key: str
    previous_key_expires_at: datetime | None = None
    message_mode: MessageMode
    sandbox: bool
    disabled: bool = False
    status: ChannelStatus = ChannelStatus.ACTIVE
    """``active``; ``draining``: no new conversations, open ones go on; ``inactive``: drained."""
    created_at: datetime
    updated_at: datetime
    callback: CallbackInfo
    warnings: list[str] = []
    """What an admin should know about these settings (plaintext mode's exposure, say)."""
    mini_program_app_ids: list[str] = []
    """The linked mini-programs agents may send cards of."""


def mode_warnings(mode: MessageMode, *, ip_check: bool) -> list[str]:
    """Plaintext mode cannot be protected by signatures: say so where the admin sets it."""
    if mode is not MessageMode.PLAINTEXT:
        return []
    warning = (
        "Plaintext mode: WeChat signs the callback URL but not the message, so anyone who sees "
        "one callback URL (in a log or telemetry) could send forged messages with it for a few "
        "minutes. Use safe mode wherever the account allows it."
    )
    if not ip_check:
        warning += (
            " If it must stay in plaintext mode, set CALLBACK_IP_CHECK=true so that only "
            "WeChat's callback IPs are accepted."
        )
    return [warning]


def callback_info(
    account_id: str, public_base_url: str, outbound_ips: tuple[str, ...]
) -> CallbackInfo:
    return CallbackInfo(
        server_url=f"{public_base_url}/api/wechat/{account_id}", ip_allowlist=list(outbound_ips)
    )


def account_view(
    account: Account, callback: CallbackInfo, now: datetime, *, ip_check: bool
) -> AccountView:
    rotating = len(account.encoding_aes_keys(now)) > 1
    return AccountView(
        id=account.id,
        name=account.name,
        original_id=account.original_id,
        app_id=account.app_id,
        app_secret=mask(account.app_secret),
        token=mask(account.token, visible=0),
        encoding_aes_key=mask(account.encoding_aes_key),
        previous_key_expires_at=account.previous_key_expires_at if rotating else None,
        message_mode=account.message_mode,
        sandbox=account.sandbox,
        disabled=account.disabled,
        status=account.status,
        created_at=account.created_at,
        updated_at=account.updated_at,
        callback=callback,
        warnings=mode_warnings(account.message_mode, ip_check=ip_check),
        mini_program_app_ids=list(account.mini_program_app_ids),
    )
