"""An account's custom menu (自定义菜单): the two-level draft an admin edits, checked against
WeChat's limits when it is saved, and its shape in ``menu/create`` (docs/protocol.md §15).

WeChat refuses a menu that breaks a limit with one errcode for the whole menu (40016–40027);
checking each limit on save names the button and field instead, and a draft that saves is one
WeChat's own checks let through.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from shared.core.schema import ApiModel, ViewModel

MAX_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_TOP_NAME_BYTES = 16  # about 5 Chinese characters; WeChat's client shows 4
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024

ButtonType = Literal["click", "view"]
"""``click`` pushes a CLICK event with the button's key; ``view`` opens its URL."""


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _fits(text: str, limit: int, what: str) -> str:
    size = _bytes(text)
    if size > limit:
        raise ValueError(f"is {size} bytes in UTF-8; WeChat takes at most {limit} for {what}")
    return text


def _web_url(url: str) -> str:
    _fits(url, MAX_URL_BYTES, "a URL")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return url


class _Action(ApiModel):
    """What a button without sub-buttons does: a click with its key, or a view with its URL."""

    type: ButtonType | None = None
    key: Annotated[str, Field(min_length=1, max_length=MAX_KEY_BYTES)] | None = None
    """A click button's key, at most 128 bytes: what a routing rule's ``event.key`` sees."""
    url: Annotated[str, Field(min_length=1, max_length=MAX_URL_BYTES)] | None = None
    """A view button's http(s) URL, at most 1024 bytes."""

    @field_validator("key")
    @classmethod
    def _key_fits(cls, key: str | None) -> str | None:
        return key if key is None else _fits(key, MAX_KEY_BYTES, "a key")

    @field_validator("url")
    @classmethod
    def _url_is_web(cls, url: str | None) -> str | None:
        return url if url is None else _web_url(url)

    def _check_action(self) -> None:
        if self.type is None:
            raise ValueError("needs a type: click (with a key) or view (with a url)")
        if self.type == "click" and self.key is None:
            raise ValueError("is a click button without a key: give it one")
        if self.type == "click" and self.url is not None:
            raise ValueError("is a click button: it takes a key, not a url")
        if self.type == "view" and self.url is None:
            raise ValueError("is a view button without a url: give it one")
        if self.type == "view" and self.key is not None:
            raise ValueError("is a view button: it takes a url, not a key")


class SubButton(_Action):
    name: Annotated[str, Field(min_length=1, max_length=MAX_SUB_NAME_BYTES)]
    """At most 60 bytes."""

    @field_validator("name")
    @classmethod
    def _name_fits(cls, name: str) -> str:
        return _fits(name, MAX_SUB_NAME_BYTES, "a sub-button's name")

    @model_validator(mode="after")
    def _acts(self) -> SubButton:
        self._check_action()
        return self


class MenuButton(_Action):
    """A top-level button: either it acts itself (``type``) or it opens its ``subButtons``."""

    name: Annotated[str, Field(min_length=1, max_length=MAX_TOP_NAME_BYTES)]
    """At most 16 bytes: 16 letters, or 5 Chinese characters (WeChat's client shows 4)."""
    sub_buttons: Annotated[list[SubButton], Field(max_length=MAX_SUB_BUTTONS)] = []
    """At most 5. A button with sub-buttons has no type, key or url of its own."""

    @field_validator("name")
    @classmethod
    def _name_fits(cls, name: str) -> str:
        return _fits(name, MAX_TOP_NAME_BYTES, "a top-level button's name")

    @model_validator(mode="after")
    def _acts(self) -> MenuButton:
        if not self.sub_buttons:
            self._check_action()
        elif self.type is not None or self.key is not None or self.url is not None:
            raise ValueError("has subButtons, so it opens them: leave out its type, key and url")
        return self


class AccountMenu(ApiModel):
    """The account's custom menu: 1 to 3 buttons, each with up to 5 sub-buttons."""

    buttons: Annotated[list[MenuButton], Field(min_length=1, max_length=MAX_BUTTONS)]

    @field_validator("buttons")
    @classmethod
    def _keys_unique(cls, buttons: list[MenuButton]) -> list[MenuButton]:
        seen: dict[str, str] = {}
        for path, key in _keyed(buttons):
            if key in seen:
                raise ValueError(
                    f"use key {key!r} twice ({seen[key]} and {path}): each click button needs "
                    "its own, or a routing rule cannot tell them apart"
                )
            seen[key] = path
        return buttons

    def keys(self) -> list[str]:
        """The click buttons' keys, in menu order: what ``event.key`` rules can match."""
        return [key for _, key in _keyed(self.buttons)]

    def wechat_payload(self) -> dict[str, Any]:
        """The body of ``menu/create``."""
        return {"button": [_wechat_button(b) for b in self.buttons]}


def _keyed(buttons: list[MenuButton]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for i, button in enumerate(buttons):
        if button.key is not None:
            found.append((f"buttons.{i}.key", button.key))
        for j, sub in enumerate(button.sub_buttons):
            if sub.key is not None:
                found.append((f"buttons.{i}.subButtons.{j}.key", sub.key))
    return found


def _wechat_button(button: MenuButton | SubButton) -> dict[str, Any]:
    out: dict[str, Any] = {"name": button.name}
    for name in ("type", "key", "url"):
        if (value := getattr(button, name)) is not None:
            out[name] = value
    if isinstance(button, MenuButton) and button.sub_buttons:
        out["sub_button"] = [_wechat_button(s) for s in button.sub_buttons]
    return out


def menu_of_wechat(body: dict[str, Any]) -> AccountMenu:
    """A ``menu/get`` answer (``{"menu": {"button": […]}}``) as a draft; buttons of types this
    app does not edit (scancode_push, miniprogram, …) are dropped, and ``ValueError`` if what is
    left is not a menu this app can save."""
    raw = body.get("menu", body)
    buttons = raw.get("button") if isinstance(raw, dict) else None
    if not isinstance(buttons, list):
        raise ValueError("the answer had no menu.button")

    def plain(button: dict[str, Any], *, top: bool) -> dict[str, Any] | None:
        subs = [s for s in button.get("sub_button") or [] if isinstance(s, dict)]
        out: dict[str, Any] = {"name": button.get("name", "")}
        if top and subs:
            kept = [p for s in subs if (p := plain(s, top=False)) is not None]
            return {**out, "subButtons": kept} if kept else None
        if button.get("type") not in ("click", "view"):
            return None
        out["type"] = button["type"]
        field = "key" if button["type"] == "click" else "url"
        out[field] = button.get(field)
        return out

    kept = [p for b in buttons if isinstance(b, dict) and (p := plain(b, top=True)) is not None]
    return AccountMenu.model_validate({"buttons": kept})


class PublishResult(ViewModel):
    """How the last ``menu/create`` went."""

    ok: bool
    at: datetime
    errcode: int | None = None
    errmsg: str | None = None
    """WeChat's own text, with its ``rid`` for Tencent support."""
    reason: str | None = None
    """What went wrong, in words an admin can act on."""


class MenuView(ViewModel):
    """The stored draft, whether it is what WeChat shows, and how the last publish went."""

    account_id: str
    menu: AccountMenu | None = None
    """The draft; absent until one is saved (or pulled from WeChat)."""
    keys: list[str] = []
    """The draft's click keys: suggestions for routing rules on ``event.key``."""
    updated_at: datetime | None = None
    published: bool = False
    """Whether WeChat shows the draft as it is now (false: never published, or changed since)."""
    published_at: datetime | None = None
    """When a menu was last published."""
    last_publish: PublishResult | None = None
