"""WeChat accounts: what an admin registers, how it is validated, and the callback information
to paste into WeChat's console (docs/architecture.md §1)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .api import ApiError, ApiModel, ViewModel
from .wechat import Channel, MessageMode, ProtocolError, decode_encoding_aes_key
from .wechat.messages import ORIGINAL_ID

_APP_ID = re.compile(r"wx[0-9a-f]{16}")
_APP_SECRET = re.compile(r"[0-9a-f]{32}")
_TOKEN = re.compile(r"[A-Za-z0-9]{3,32}")


def _check(pattern: re.Pattern[str], value: str, rule: str) -> str:
    if not pattern.fullmatch(value):
        raise ValueError(rule)
    return value


def _encoding_aes_key(value: str) -> str:
    try:
        decode_encoding_aes_key(value)
    except ProtocolError:
        raise ValueError("must be 43 letters and digits (WeChat's EncodingAESKey)") from None
    return value


class _AccountFields(ApiModel):
    """Validators shared by create and patch; messages say what is right
    (docs/architecture.md §4)."""

    @field_validator("original_id", check_fields=False)
    @classmethod
    def _original_id(cls, v: str | None) -> str | None:
        return v if v is None else _check(ORIGINAL_ID, v, 'must start with "gh_" (the Original ID)')

    @field_validator("app_id", check_fields=False)
    @classmethod
    def _app_id(cls, v: str | None) -> str | None:
        return v if v is None else _check(_APP_ID, v, 'must be "wx" followed by 16 hex digits')

    @field_validator("app_secret", check_fields=False)
    @classmethod
    def _app_secret(cls, v: str | None) -> str | None:
        return v if v is None else _check(_APP_SECRET, v, "must be 32 hex digits")

    @field_validator("token", check_fields=False)
    @classmethod
    def _token(cls, v: str | None) -> str | None:
        return v if v is None else _check(_TOKEN, v, "must be 3 to 32 letters and digits")

    @field_validator("encoding_aes_key", check_fields=False)
    @classmethod
    def _key(cls, v: str | None) -> str | None:
        return v if v is None else _encoding_aes_key(v)


class AccountCreate(_AccountFields):
    name: str = Field(min_length=1, max_length=100)
    original_id: str
    app_id: str
    app_secret: str
    token: str
    encoding_aes_key: str
    sandbox: bool = False  # before message_mode: its validator reads it
    message_mode: MessageMode = MessageMode.SAFE

    @model_validator(mode="before")
    @classmethod
    def _sandbox_default_mode(cls, data: Any) -> Any:
        """A sandbox account's mode defaults to plaintext, the only one it has."""
        if isinstance(data, dict) and data.get("sandbox") is True:
            data.setdefault("messageMode", MessageMode.PLAINTEXT.value)
        return data

    @field_validator("message_mode")
    @classmethod
    def _mode(cls, mode: MessageMode, info: ValidationInfo) -> MessageMode:
        _check_sandbox_mode(info.data.get("sandbox", False), mode)
        return mode


class AccountPatch(_AccountFields):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    original_id: str | None = None
    app_id: str | None = None
    app_secret: str | None = None
    token: str | None = None
    encoding_aes_key: str | None = None
    message_mode: MessageMode | None = None
    sandbox: bool | None = None


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
    created_at: datetime
    updated_at: datetime

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
        new_key = changes.get("encoding_aes_key")
        if new_key and new_key != self.encoding_aes_key:
            changes["previous_encoding_aes_key"] = self.encoding_aes_key
            changes["previous_key_expires_at"] = now + grace
        updated = self.model_copy(update={**changes, "updated_at": now})
        try:
            _check_sandbox_mode(updated.sandbox, updated.message_mode)
        except ValueError as error:
            raise ApiError(
                400, "invalid_request", f"messageMode {error}", field="messageMode"
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
    created_at: datetime
    updated_at: datetime
    callback: CallbackInfo
    warnings: list[str] = []
    """What an admin should know about these settings (plaintext mode's exposure, say)."""


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
        created_at=account.created_at,
        updated_at=account.updated_at,
        callback=callback,
        warnings=mode_warnings(account.message_mode, ip_check=ip_check),
    )
