"""Typed settings from the environment (docs/architecture.md §5).

``load_settings`` runs at start-up; a missing or malformed setting stops the app with the
setting's name in the message rather than failing on the first request that needs it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import os
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

STORAGE_SETTING = "AzureWebJobsStorage"


class SettingsError(Exception):
    """One or more settings are missing or malformed; the message names each one."""


class StorageSettings(BaseModel):
    """Where Tables, Queues and Blobs live: a connection string, or an account reached with a
    managed identity, in the same shape the Functions host reads for ``AzureWebJobsStorage``."""

    model_config = ConfigDict(frozen=True)

    connection_string: SecretStr | None = None
    account_name: str | None = None
    blob_service_uri: str | None = None
    queue_service_uri: str | None = None
    table_service_uri: str | None = None
    credential: str | None = None
    client_id: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], prefix: str = STORAGE_SETTING) -> StorageSettings:
        def get(suffix: str) -> str | None:
            return (env.get(f"{prefix}__{suffix}") or "").strip() or None

        connection_string = (env.get(prefix) or "").strip()
        settings = cls(
            connection_string=SecretStr(connection_string) if connection_string else None,
            account_name=get("accountName"),
            blob_service_uri=get("blobServiceUri"),
            queue_service_uri=get("queueServiceUri"),
            table_service_uri=get("tableServiceUri"),
            credential=get("credential"),
            client_id=get("clientId"),
        )
        if (
            not settings.connection_string
            and not settings.account_name
            and not all(
                (settings.blob_service_uri, settings.queue_service_uri, settings.table_service_uri)
            )
        ):
            raise SettingsError(
                f"{prefix}: is required: a connection string, or {prefix}__accountName "
                f"(or __blobServiceUri, __queueServiceUri and __tableServiceUri) "
                f"for a managed identity"
            )
        return settings

    def service_uri(self, service: str) -> str:
        """The endpoint of ``blob``, ``queue`` or ``table`` for identity-based access."""
        explicit = getattr(self, f"{service}_service_uri")
        return explicit or f"https://{self.account_name}.{service}.core.windows.net"


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


def key_id(key: bytes) -> str:
    """A short, non-secret name for a secrets key, stored beside what it encrypted."""
    return hashlib.sha256(key).hexdigest()[:12]


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    storage: StorageSettings
    wechat_api_base_url: str = Field(
        default="https://api.weixin.qq.com", alias="WECHAT_API_BASE_URL"
    )
    public_base_url: str = Field(default="http://localhost:7071", alias="PUBLIC_BASE_URL")
    outbound_ips: tuple[str, ...] = Field(default=(), alias="OUTBOUND_IPS")
    admin_token: SecretStr = Field(alias="ADMIN_TOKEN")
    secrets_key: SecretStr = Field(alias="SECRETS_KEY")
    secrets_key_previous: SecretStr | None = Field(default=None, alias="SECRETS_KEY_PREVIOUS")
    callback_timestamp_tolerance_seconds: int = Field(
        default=600, ge=1, le=3600, alias="CALLBACK_TIMESTAMP_TOLERANCE_SECONDS"
    )
    callback_ip_check: bool = Field(default=False, alias="CALLBACK_IP_CHECK")
    """Accept pushes only from WeChat's callback IPs (getcallbackip, refreshed daily)."""
    aes_key_grace_hours: float = Field(default=24, ge=0, alias="AES_KEY_GRACE_HOURS")
    wechat_token_api: Literal["stable_token", "token"] = Field(
        default="stable_token", alias="WECHAT_TOKEN_API"
    )
    wechat_api_timeout_seconds: float = Field(
        default=10, gt=0, le=60, alias="WECHAT_API_TIMEOUT_SECONDS"
    )
    wechat_media_hosts: tuple[str, ...] = Field(
        default=("qq.com", "qpic.cn"), alias="WECHAT_MEDIA_HOSTS"
    )
    """Hosts (and their subdomains) a video_url from WeChat may point at."""
    retention_days: int = Field(default=180, ge=1, le=3650, alias="RETENTION_DAYS")
    """Closed conversations older than this are purged (a workstream may set its own)."""
    window_hours: float = Field(default=48, gt=0, alias="WINDOW_HOURS")
    window_message_quota: int = Field(default=5, ge=1, alias="WINDOW_MESSAGE_QUOTA")
    """Customer-service messages WeChat accepts per customer message (docs/protocol.md §6.2)."""
    bot_webhook_allow_loopback: bool = Field(default=False, alias="BOT_WEBHOOK_ALLOW_LOOPBACK")
    """Development only: let webhook bots be on this machine (127.0.0.1, ::1, localhost).
    Private and link-local addresses stay refused whatever this says."""

    @field_validator("wechat_api_base_url", "public_base_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("wechat_media_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("outbound_ips", mode="before")
    @classmethod
    def _ips(cls, value: Any) -> Any:
        ips = _split(value)
        for ip in ips:
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                raise ValueError(f"{ip!r} is not an IP address") from None
        return ips

    @field_validator("admin_token")
    @classmethod
    def _admin_token(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @field_validator("secrets_key", "secrets_key_previous")
    @classmethod
    def _secrets_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _decode_key(value.get_secret_value())
        return value

    @property
    def secrets_keys(self) -> dict[str, bytes]:
        """Key id → key, the current key first; the previous one still decrypts after rotation."""
        keys = [self.secrets_key] + (
            [self.secrets_key_previous] if self.secrets_key_previous else []
        )
        decoded = [_decode_key(key.get_secret_value()) for key in keys]
        return {key_id(key): key for key in decoded}


def _decode_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be base64") from None
    if len(key) != 32:
        raise ValueError("must decode to 32 bytes (generate one with: openssl rand -base64 32)")
    return key


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting; raise ``SettingsError`` naming each bad one."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {
        name: value
        for name in (
            info.alias for info in Settings.model_fields.values() if info.alias is not None
        )
        if (value := (env.get(name) or "").strip())
    }
    if "PUBLIC_BASE_URL" not in values and env.get("WEBSITE_HOSTNAME"):
        values["PUBLIC_BASE_URL"] = f"https://{env['WEBSITE_HOSTNAME']}"
    problems: list[str] = []
    try:
        values["storage"] = StorageSettings.from_env(env)
    except SettingsError as error:
        problems.append(str(error))
    try:
        settings = Settings.model_validate(values)
    except ValidationError as error:
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else "settings"
            if name == "storage":
                continue  # already reported above
            message = item["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {'is required' if item['type'] == 'missing' else message}")
    if problems:
        raise SettingsError("invalid settings: " + "; ".join(problems))
    return settings
