"""The package's one exception family: every failure carries a stable code.

Callers map codes to HTTP statuses; nothing below ``shared.wechat`` lets a raw ``ValueError``,
``struct.error`` or ``binascii.Error`` escape, so a hostile request can never surface as a 500.
"""

from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    BAD_SIGNATURE = "bad_signature"
    STALE_TIMESTAMP = "stale_timestamp"
    BAD_AES_KEY = "bad_aes_key"
    BAD_BASE64 = "bad_base64"
    BAD_CIPHERTEXT = "bad_ciphertext"
    BAD_PADDING = "bad_padding"
    BAD_BUFFER = "bad_buffer"
    BAD_APPID = "bad_appid"
    XML_REFUSED = "xml_refused"
    BAD_XML = "bad_xml"
    BODY_TOO_LARGE = "body_too_large"
    MODE_REFUSED = "mode_refused"
    BAD_REPLY = "bad_reply"


class WeChatError(Exception):
    """Base of everything ``shared.wechat`` raises."""


class ProtocolError(WeChatError):
    """A push, key or reply that breaks the callback protocol (docs/protocol.md §1–§6).

    Messages describe what was wrong without echoing secrets or the offending payload.
    """

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"


class ApiAction(str, Enum):
    """What a sender does about an ``errcode`` (docs/protocol.md §11, "action")."""

    RETRY = "retry"  # busy or rate-limited: try again later, with backoff
    REFRESH_TOKEN = "refreshToken"  # noqa: S105 - the token is stale: refresh once (single-flight), retry
    GIVE_UP = "giveUp"  # the message cannot go: show the reason
    CONFIGURATION = "configuration"  # an operator must act (IP whitelist, permissions)
    REUPLOAD = "reupload"  # the media expired: upload again


# errcode → (action, a reason a person understands)
API_ERRORS: dict[int, tuple[ApiAction, str]] = {
    -1: (ApiAction.RETRY, "WeChat was busy"),
    40001: (ApiAction.REFRESH_TOKEN, "the access token was not accepted"),
    40014: (ApiAction.REFRESH_TOKEN, "the access token was not valid"),
    42001: (ApiAction.REFRESH_TOKEN, "the access token had expired"),
    40003: (ApiAction.GIVE_UP, "this customer's OpenID is not valid for the account"),
    40004: (ApiAction.GIVE_UP, "WeChat does not accept this media type"),
    40005: (ApiAction.GIVE_UP, "WeChat does not accept this file type"),
    40006: (ApiAction.GIVE_UP, "the file is too large for WeChat"),
    40007: (
        ApiAction.REUPLOAD,
        "WeChat does not know this media_id (invalid media_id): temporary media last 3 days",
    ),
    40008: (ApiAction.GIVE_UP, "WeChat does not know this message type"),
    40013: (ApiAction.CONFIGURATION, "the AppID is not valid"),
    40164: (ApiAction.CONFIGURATION, "this server's IP is not in the account's API IP whitelist"),
    40125: (ApiAction.CONFIGURATION, "the AppSecret is not valid"),
    41001: (ApiAction.REFRESH_TOKEN, "the access token was missing"),
    41005: (ApiAction.GIVE_UP, "no media was sent"),
    43004: (ApiAction.GIVE_UP, "the customer no longer follows the account"),
    44003: (ApiAction.GIVE_UP, "the news message had no article"),
    44004: (ApiAction.GIVE_UP, "the message was empty"),
    45001: (ApiAction.GIVE_UP, "the file is too large for WeChat"),
    45002: (ApiAction.GIVE_UP, "the text is too long for WeChat"),
    45008: (ApiAction.GIVE_UP, "too many articles (WeChat takes one)"),
    45009: (ApiAction.RETRY, "the account reached its daily API quota"),
    45011: (ApiAction.RETRY, "too many calls per minute"),
    45015: (
        ApiAction.GIVE_UP,
        "the 48-hour reply window has closed: the customer must write again first",
    ),
    45047: (
        ApiAction.GIVE_UP,
        "the reply quota for this window is used up: wait for the customer's next message",
    ),
    48001: (ApiAction.CONFIGURATION, "the account is not allowed to use this API"),
    48004: (ApiAction.GIVE_UP, "the API is banned for this account"),
    50002: (ApiAction.GIVE_UP, "the customer is restricted"),
    46004: (ApiAction.GIVE_UP, "the customer does not exist"),
    # remarks and tags (docs/protocol.md §9.1)
    40032: (ApiAction.GIVE_UP, "too many (or no) OpenIDs for one tagging call"),
    45059: (ApiAction.GIVE_UP, "the customer already carries 20 tags, WeChat's most"),
    45159: (ApiAction.GIVE_UP, "WeChat does not know this tag (invalid tag id)"),
    49003: (ApiAction.GIVE_UP, "the OpenID belongs to another account"),
    # custom menu (menu/create, menu/get: docs/protocol.md §15)
    40016: (ApiAction.GIVE_UP, "WeChat refused the number of top-level menu buttons (1 to 3)"),
    40017: (ApiAction.GIVE_UP, "WeChat refused a top-level menu button's type"),
    40018: (ApiAction.GIVE_UP, "a top-level menu button's name is too long for WeChat"),
    40019: (ApiAction.GIVE_UP, "a top-level menu button's key is too long for WeChat"),
    40020: (ApiAction.GIVE_UP, "a top-level menu button's URL is too long for WeChat"),
    40023: (ApiAction.GIVE_UP, "WeChat refused the number of sub-buttons (1 to 5 per button)"),
    40024: (ApiAction.GIVE_UP, "WeChat refused a sub-button's type"),
    40025: (ApiAction.GIVE_UP, "a sub-button's name is too long for WeChat"),
    40026: (ApiAction.GIVE_UP, "a sub-button's key is too long for WeChat"),
    40027: (ApiAction.GIVE_UP, "a sub-button's URL is too long for WeChat"),
    40054: (ApiAction.GIVE_UP, "WeChat refused a sub-button's URL domain"),
    40055: (ApiAction.GIVE_UP, "WeChat refused a top-level menu button's URL domain"),
    46003: (ApiAction.GIVE_UP, "the account has no menu made through the API"),
}


# errcode → a reason, where a template message's refusal means something of its own
# (docs/protocol.md §6.3); every other errcode reads as in API_ERRORS.
TEMPLATE_ERRORS: dict[int, tuple[ApiAction, str]] = {
    40037: (ApiAction.GIVE_UP, "WeChat does not know this template_id (40037): check the template"),
    43101: (
        ApiAction.GIVE_UP,
        "the customer refused the account's messages or no longer follows it (43101)",
    ),
    43004: (ApiAction.GIVE_UP, "the customer no longer follows the account (43004)"),
    45009: (
        ApiAction.GIVE_UP,
        "WeChat's daily limit for template messages is reached (45009): try again tomorrow",
    ),
    47003: (ApiAction.GIVE_UP, "WeChat refused the template's data (47003): check its fields"),
}


class WeChatApiError(WeChatError):
    """WeChat answered with a non-zero ``errcode``. ``errmsg`` is WeChat's text (with its
    ``rid`` for Tencent support); ``reason`` is ours, for agents and operators."""

    def __init__(self, errcode: int, errmsg: str, api: str) -> None:
        action, reason = API_ERRORS.get(
            errcode, (ApiAction.GIVE_UP, f"WeChat refused it ({errcode})")
        )
        super().__init__(f"{api}: errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.api = api
        self.action = action
        self.reason = reason


class WeChatUnavailableError(WeChatError):
    """No usable answer: a timeout, a connection error or an HTTP error status.

    After a timeout WeChat may still have acted on the request (``ambiguous``)."""

    def __init__(self, api: str, detail: str, *, ambiguous: bool) -> None:
        super().__init__(f"{api}: {detail}")
        self.api = api
        self.detail = detail
        self.ambiguous = ambiguous
