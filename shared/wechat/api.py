"""WeChat's server API, as a sender uses it (docs/protocol.md §6.2, §7–§10).

Every call goes to the configured base URL with a timeout, and every answer is checked for
``errcode`` even on HTTP 200, which is how WeChat reports errors (docs/protocol.md §11). Tokens are
passed in: keeping one shared token per account is
``shared.channel.access_tokens``' job, not this client's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message as MimeHeaders
from email.utils import collapse_rfc2231_value
from typing import Any

import httpx

from shared.wechat.errors import WeChatApiError, WeChatUnavailableError
from shared.wechat.users import WeChatTag, WeChatUser, parse_tags, parse_user

DEFAULT_TIMEOUT = 10.0

# httpx logs every request URL at INFO, and WeChat puts the access token in the query string:
# the Functions host would ship it to Application Insights. Only warnings, then.
logging.getLogger("httpx").setLevel(logging.WARNING)


@dataclass(frozen=True)
class IssuedToken:
    value: str
    expires_in: int


@dataclass(frozen=True)
class Media:
    content: bytes
    content_type: str
    filename: str | None


@dataclass(frozen=True)
class Material:
    media_id: str
    url: str | None


class WeChatApi:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": "wechat-contact-center"},
        )

    def close(self) -> None:
        self._http.close()

    # --- plumbing -----------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as error:
            # A write or read timeout: WeChat may have acted before we stopped listening.
            ambiguous = not isinstance(error, httpx.ConnectTimeout)
            raise WeChatUnavailableError(path, "timed out", ambiguous=ambiguous) from None
        except httpx.TransportError as error:
            raise WeChatUnavailableError(
                path, f"connection failed: {type(error).__name__}", ambiguous=False
            ) from None
        if response.status_code != 200:
            raise WeChatUnavailableError(
                path, f"HTTP {response.status_code}", ambiguous=response.status_code >= 500
            )
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._request(method, path, **kwargs)
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise WeChatUnavailableError(path, "the answer was not JSON", ambiguous=True) from None
        return _checked(path, body)

    def _call(self, path: str, token: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        return self._json(
            "POST",
            path,
            params={"access_token": token},
            content=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

    # --- access token (docs/protocol.md §7) -------------------------------------------------------

    def fetch_token(self, app_id: str, app_secret: str, *, stable: bool = True) -> IssuedToken:
        """``stable_token`` (normal mode: the same token while it is valid) or the classic
        ``token`` API (every call issues a new token and retires the old one in 5 minutes)."""
        if stable:
            body = self._json(
                "POST",
                "/cgi-bin/stable_token",
                json={
                    "grant_type": "client_credential",
                    "appid": app_id,
                    "secret": app_secret,
                    "force_refresh": False,
                },
            )
        else:
            body = self._json(
                "GET",
                "/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": app_id, "secret": app_secret},
            )
        try:
            return IssuedToken(str(body["access_token"]), int(body["expires_in"]))
        except (KeyError, TypeError, ValueError):
            raise WeChatUnavailableError(
                "token", "the answer had no access_token", ambiguous=False
            ) from None

    # --- callback IPs (docs/protocol.md §10) ------------------------------------------------

    def callback_ips(self, token: str) -> list[str]:
        """``getcallbackip``: the addresses (and CIDR ranges) WeChat sends pushes from."""
        body = self._json("GET", "/cgi-bin/getcallbackip", params={"access_token": token})
        ips = body.get("ip_list")
        if not isinstance(ips, list) or not all(isinstance(ip, str) for ip in ips):
            raise WeChatUnavailableError(
                "getcallbackip", "the answer had no ip_list", ambiguous=False
            )
        return ips

    # --- followers: info, remarks, tags (docs/protocol.md §9) -----------------------------------

    def user_info(self, token: str, open_id: str, *, timeout: float | None = None) -> WeChatUser:
        """``user/info``; ``timeout`` (seconds) shorter than the client's, for a caller that must
        not wait long."""
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        body = self._json(
            "GET",
            "/cgi-bin/user/info",
            params={"access_token": token, "openid": open_id, "lang": "zh_CN"},
            **extra,
        )
        return parse_user(body)

    def update_remark(self, token: str, open_id: str, remark: str) -> None:
        self._call("/cgi-bin/user/info/updateremark", token, {"openid": open_id, "remark": remark})

    def tags(self, token: str) -> list[WeChatTag]:
        """``tags/get``: every tag the account made, with its id, name and follower count."""
        return parse_tags(self._json("GET", "/cgi-bin/tags/get", params={"access_token": token}))

    def tag_users(self, token: str, tag_id: int, open_ids: list[str]) -> None:
        """``tags/members/batchtagging`` (at most 50 OpenIDs)."""
        payload = {"openid_list": open_ids, "tagid": tag_id}
        self._call("/cgi-bin/tags/members/batchtagging", token, payload)

    def untag_users(self, token: str, tag_id: int, open_ids: list[str]) -> None:
        """``tags/members/batchuntagging`` (at most 50 OpenIDs)."""
        payload = {"openid_list": open_ids, "tagid": tag_id}
        self._call("/cgi-bin/tags/members/batchuntagging", token, payload)

    # --- customer-service messages (docs/protocol.md §6.2) ---------------------------------------

    def send(self, token: str, message: Mapping[str, Any]) -> None:
        """``message/custom/send``: not idempotent, see ``shared.pipeline.outbound`` on retries."""
        self._call("/cgi-bin/message/custom/send", token, message)

    # --- temporary media (docs/protocol.md §8) ---------------------------------------------------

    def upload_media(
        self, token: str, kind: str, filename: str, content: bytes, content_type: str
    ) -> str:
        body = self._json(
            "POST",
            "/cgi-bin/media/upload",
            params={"access_token": token, "type": kind},
            files={"media": (filename, content, content_type)},
        )
        # A thumbnail's id comes back as thumb_media_id.
        media_id = body.get("thumb_media_id" if kind == "thumb" else "media_id")
        if not isinstance(media_id, str):
            raise WeChatUnavailableError(
                "media/upload", "the answer had no media_id", ambiguous=False
            )
        return media_id

    def download_media(self, token: str, media_id: str) -> Media | str:
        """The media, or for video the URL to fetch it from (WeChat answers JSON for both
        video URLs and errors, bytes otherwise)."""
        response = self._request(
            "GET", "/cgi-bin/media/get", params={"access_token": token, "media_id": media_id}
        )
        if response.headers.get("content-type", "").startswith(("application/json", "text/plain")):
            body = _checked("media/get", response.json())
            if isinstance(video_url := body.get("video_url"), str):
                return video_url
            raise WeChatUnavailableError(
                "media/get", "the answer had neither media nor a URL", ambiguous=False
            )
        return _media(response)

    def fetch_url(self, url: str) -> Media:
        return _media(self._request("GET", url))

    # --- typing indicator (docs/protocol.md §6.2) -------------------------------------------------

    def typing(self, token: str, open_id: str, command: str, *, timeout: float) -> None:
        """``message/custom/typing`` with ``Typing`` or ``CancelTyping``; ``timeout`` is short
        because the indicator is worth nothing once it arrives late."""
        self._json(
            "POST",
            "/cgi-bin/message/custom/typing",
            params={"access_token": token},
            content=json.dumps({"touser": open_id, "command": command}).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            timeout=timeout,
        )

    # --- template messages (docs/protocol.md §6.3) ------------------------------------------------

    def send_template(self, token: str, message: Mapping[str, Any]) -> int | None:
        """``message/template/send`` → WeChat's ``msgid`` (which its delivery report names).
        Not idempotent either: see ``shared.pipeline.template_send``."""
        body = self._call("/cgi-bin/message/template/send", token, message)
        msg_id = body.get("msgid")
        return msg_id if isinstance(msg_id, int) and not isinstance(msg_id, bool) else None

    def private_templates(self, token: str) -> list[dict[str, Any]]:
        """``template/get_all_private_template``: the templates chosen in WeChat's console."""
        body = self._json(
            "GET", "/cgi-bin/template/get_all_private_template", params={"access_token": token}
        )
        templates = body.get("template_list")
        if not isinstance(templates, list):
            raise WeChatUnavailableError(
                "get_all_private_template", "the answer had no template_list", ambiguous=False
            )
        return [t for t in templates if isinstance(t, dict)]

    # --- custom menu (docs/protocol.md §15) --------------------------------------------------

    def create_menu(self, token: str, menu: Mapping[str, Any]) -> None:
        """``menu/create``: replaces the account's whole menu (``{"button": […]}``)."""
        self._call("/cgi-bin/menu/create", token, menu)

    def get_menu(self, token: str) -> dict[str, Any]:
        """``menu/get``: the menu made through the API, ``{"menu": {"button": […]}}`` (46003
        when there is none)."""
        return self._json("GET", "/cgi-bin/menu/get", params={"access_token": token})

    # --- permanent media, the material library (docs/protocol.md §8.1) -------------------------

    def add_material(
        self, token: str, kind: str, filename: str, content: bytes, content_type: str
    ) -> Material:
        """``material/add_material``: a permanent medium; an image's answer carries its URL."""
        body = self._json(
            "POST",
            "/cgi-bin/material/add_material",
            params={"access_token": token, "type": kind},
            files={"media": (filename, content, content_type)},
        )
        media_id, url = body.get("media_id"), body.get("url")
        if not isinstance(media_id, str) or not media_id:
            raise WeChatUnavailableError(
                "material/add_material", "the answer had no media_id", ambiguous=False
            )
        return Material(media_id, url if isinstance(url, str) else None)

    def delete_material(self, token: str, media_id: str) -> None:
        """``material/del_material``."""
        self._call("/cgi-bin/material/del_material", token, {"media_id": media_id})


def _checked(api: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise WeChatUnavailableError(api, "the answer was not a JSON object", ambiguous=True)
    errcode = body.get("errcode", 0)
    if errcode in (0, None):
        return body
    try:
        code = int(errcode)
    except (TypeError, ValueError):
        raise WeChatUnavailableError(
            api, "the answer's errcode was not a number", ambiguous=True
        ) from None
    raise WeChatApiError(code, str(body.get("errmsg", "")), api)


def _media(response: httpx.Response) -> Media:
    content_type = response.headers.get("content-type", "application/octet-stream")
    return Media(response.content, content_type.split(";")[0], _filename(response))


def _filename(response: httpx.Response) -> str | None:
    """The name Content-Disposition gives, ``filename*`` (RFC 6266/5987) before ``filename``.
    It is the far side's choice, raw: whoever stores it cleans it (``shared.core.files``)."""
    disposition = response.headers.get("content-disposition")
    if not disposition:
        return None
    header = MimeHeaders()  # the stdlib's RFC 2231 parameter parser
    header["Content-Disposition"] = disposition
    # An RFC 2231 value comes as (charset, language, text); typeshed types every value str.
    names: list[str | tuple[str | None, str | None, str]] = [
        value
        for key, value in header.get_params([], header="content-disposition")
        if key == "filename"
    ]
    extended = [collapse_rfc2231_value(v) for v in names if isinstance(v, tuple)]
    plain = [v for v in names if isinstance(v, str)]
    return next((name for name in extended + plain if name), None)
