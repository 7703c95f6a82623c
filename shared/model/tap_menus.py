"""Tap-to-reply menus (``msgmenu`` customer-service messages): a question with options the
customer taps; the tap comes back as a text message carrying the option's id in
``bizmsgmenuid`` (docs/protocol.md §6.2, §4.1).

The Service-account page does not state limits; those here are WeChat Work's documented ones
for the same message (UNCONFIRMED for Service accounts): at most 10 options, ids of 1–64 bytes,
option texts of 1–128 bytes, head and tail texts of at most 1024 bytes.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from shared.core.schema import ApiModel, ViewModel

MENU_TYPE = "msgmenu"
"""The transcript type of a tap-to-reply menu line (and WeChat's msgtype)."""
MAX_OPTIONS = 10
MAX_OPTION_ID_BYTES = 64
MAX_OPTION_BYTES = 128
MAX_HEAD_TAIL_BYTES = 1024
MENU_DETAILS = "menu"
"""The key of a menu line's ``details`` that holds what was sent (and later the answer)."""
ANSWER_DETAILS = "menuAnswer"
"""The key of a customer's line's ``details`` that links it to the menu line it answers."""


def _fits(text: str, limit: int) -> str:
    size = len(text.encode("utf-8"))
    if size > limit:
        raise ValueError(f"is {size} bytes in UTF-8; WeChat takes at most {limit}")
    return text


class TapOption(ApiModel):
    id: Annotated[str, Field(min_length=1, max_length=MAX_OPTION_ID_BYTES)] | None = None
    """What WeChat sends back in ``bizmsgmenuid`` when the customer taps it, at most 64 bytes;
    left out, the option's place in the list (``1``, ``2``, …)."""
    content: Annotated[str, Field(min_length=1, max_length=MAX_OPTION_BYTES)]
    """The option's text, at most 128 bytes; the tap sends it as the customer's message."""

    @field_validator("id")
    @classmethod
    def _id_fits(cls, value: str | None) -> str | None:
        return value if value is None else _fits(value, MAX_OPTION_ID_BYTES)

    @field_validator("content")
    @classmethod
    def _content_fits(cls, value: str) -> str:
        return _fits(value, MAX_OPTION_BYTES)


class TapMenuRequest(ApiModel):
    """``POST /api/agent/conversations/{id}/menus``: a question and its options."""

    head_content: Annotated[str, Field(max_length=MAX_HEAD_TAIL_BYTES)] = ""
    """Text above the options, at most 1024 bytes."""
    options: Annotated[list[TapOption], Field(min_length=1, max_length=MAX_OPTIONS)]
    """1 to 10 options, ids unique."""
    tail_content: Annotated[str, Field(max_length=MAX_HEAD_TAIL_BYTES)] = ""
    """Text below the options, at most 1024 bytes."""

    @field_validator("head_content", "tail_content")
    @classmethod
    def _text_fits(cls, value: str) -> str:
        return _fits(value, MAX_HEAD_TAIL_BYTES)

    @model_validator(mode="after")
    def _numbered(self) -> TapMenuRequest:
        """Options without an id take their place in the list."""
        self.options = [
            o if o.id is not None else o.model_copy(update={"id": str(i)})
            for i, o in enumerate(self.options, start=1)
        ]
        return self

    @field_validator("options")
    @classmethod
    def _ids_unique(cls, options: list[TapOption]) -> list[TapOption]:
        ids = [o.id if o.id is not None else str(i) for i, o in enumerate(options, start=1)]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"use id {twice[0]!r} more than once: each option needs its own")
        return options

    def details(self) -> dict[str, Any]:
        """What the menu line stores: exactly what is sent."""
        return {
            "headContent": self.head_content,
            "options": [{"id": o.id, "content": o.content} for o in self.options],
            "tailContent": self.tail_content,
        }

    def summary(self) -> str:
        """The line's one-line text: the question, or the options."""
        return self.head_content or " / ".join(o.content for o in self.options)


class TapAnswer(ViewModel):
    """The option a customer tapped, recorded on the menu line."""

    option_id: str
    content: str
    entry_key: str
    """The customer's line that carried the tap."""


def wechat_msgmenu(details: dict[str, Any]) -> dict[str, Any]:
    """A menu line's stored ``details['menu']`` as custom/send's ``msgmenu`` object."""
    return {
        "head_content": details.get("headContent", ""),
        "list": [{"id": o["id"], "content": o["content"]} for o in details.get("options", [])],
        "tail_content": details.get("tailContent", ""),
    }


def option_of(details: dict[str, Any], option_id: str) -> dict[str, Any] | None:
    """The stored option with ``option_id``, if the menu line has one."""
    menu = details.get(MENU_DETAILS)
    options = menu.get("options") if isinstance(menu, dict) else None
    if not isinstance(options, list):
        return None
    return next((o for o in options if isinstance(o, dict) and o.get("id") == option_id), None)
