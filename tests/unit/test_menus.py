"""The custom menu and tap-to-reply menus are checked on save against WeChat's limits, each
refusal naming the field (docs/protocol.md §6.2, §15)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.core.errors import InvalidRequestError
from shared.model.menus import AccountMenu, menu_of_wechat
from shared.model.tap_menus import TapMenuRequest, option_of, wechat_msgmenu
from triggers.requests import parse_body


def _menu(body: dict[str, Any]) -> AccountMenu:
    return parse_body(AccountMenu, json.dumps(body).encode())


def _refused(body: dict[str, Any], model: Any = AccountMenu) -> InvalidRequestError:
    with pytest.raises(InvalidRequestError) as refused:
        parse_body(model, json.dumps(body).encode())
    return refused.value


def click(name: str = "Go", key: str = "K") -> dict[str, Any]:
    return {"name": name, "type": "click", "key": key}


def view(name: str = "Web", url: str = "https://example.com/") -> dict[str, Any]:
    return {"name": name, "type": "view", "url": url}


def test_a_full_menu_at_every_limit_saves_and_becomes_wechats_body() -> None:
    subs = [click("n" * 60, f"k{i}" + "x" * 126) for i in range(5)]
    menu = _menu(
        {
            "buttons": [
                click("退款退款退", "REFUND"),  # 15 bytes
                {"name": "a" * 16, "subButtons": subs},
                view("Web", "https://example.com/" + "p" * (1024 - 20)),
            ]
        }
    )
    assert menu.keys() == ["REFUND", *(s["key"] for s in subs)]
    payload = menu.wechat_payload()
    assert payload["button"][0] == {"name": "退款退款退", "type": "click", "key": "REFUND"}
    assert payload["button"][1]["sub_button"][0]["type"] == "click"
    assert "type" not in payload["button"][1]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"buttons": []}, "buttons", "at least 1"),
        ({"buttons": [click(key=f"k{i}") for i in range(4)]}, "buttons", "at most 3"),
        ({"buttons": [click("a" * 17)]}, "buttons.0.name", "at most 16"),
        ({"buttons": [click("退款退款退款")]}, "buttons.0.name", "18 bytes"),
        ({"buttons": [click(key="k" * 129)]}, "buttons.0.key", "at most 128"),
        ({"buttons": [view(url="https://e.com/" + "p" * 1011)]}, "buttons.0.url", "1024"),
        ({"buttons": [view(url="ftp://example.com/")]}, "buttons.0.url", "http"),
        ({"buttons": [{"name": "x", "type": "click"}]}, "buttons.0", "without a key"),
        ({"buttons": [{"name": "x", "type": "view"}]}, "buttons.0", "without a url"),
        ({"buttons": [{"name": "x"}]}, "buttons.0", "needs a type"),
        ({"buttons": [{"name": "x", "type": "scancode_push", "key": "k"}]}, "buttons.0.type", ""),
        (
            {"buttons": [{"name": "x", "type": "click", "key": "k", "url": "https://e.com"}]},
            "buttons.0",
            "not a url",
        ),
        (
            {"buttons": [{"name": "x", "type": "click", "key": "a", "subButtons": [click()]}]},
            "buttons.0",
            "leave out its type",
        ),
        (
            {"buttons": [{"name": "x", "subButtons": [click(key=f"k{i}") for i in range(6)]}]},
            "buttons.0.subButtons",
            "at most 5",
        ),
        (
            {"buttons": [{"name": "x", "subButtons": [click("n" * 61)]}]},
            "buttons.0.subButtons.0.name",
            "at most 60",
        ),
        (
            {"buttons": [{"name": "x", "subButtons": [click("好" * 21)]}]},
            "buttons.0.subButtons.0.name",
            "63 bytes",
        ),
        ({"buttons": [click(key="键" * 43)]}, "buttons.0.key", "129 bytes"),
        (
            {"buttons": [{"name": "x", "subButtons": [click(key="k" * 129)]}]},
            "buttons.0.subButtons.0.key",
            "128",
        ),
        (
            {"buttons": [click(key="A"), {"name": "x", "subButtons": [click(key="A")]}]},
            "buttons",
            "buttons.0.key and buttons.1.subButtons.0.key",
        ),
        ({"buttons": [click()], "extra": 1}, "extra", "not a known field"),
    ],
)
def test_each_limit_is_refused_with_the_field_named(
    body: dict[str, Any], field: str, words: str
) -> None:
    refused = _refused(body)
    assert refused.field == field, refused.message
    assert words in refused.message


def test_wechats_menu_comes_back_as_a_draft_without_the_types_the_console_does_not_edit() -> None:
    answer = {
        "menu": {
            "button": [
                {"type": "click", "name": "A", "key": "A", "sub_button": []},
                {"type": "scancode_push", "name": "Scan", "key": "S", "sub_button": []},
                {
                    "name": "More",
                    "sub_button": [
                        {"type": "view", "name": "W", "url": "https://e.com/", "sub_button": []},
                        {"type": "miniprogram", "name": "M", "url": "https://e.com/"},
                    ],
                },
            ]
        }
    }
    menu = menu_of_wechat(answer)
    assert [b.name for b in menu.buttons] == ["A", "More"]
    assert menu.buttons[1].sub_buttons[0].url == "https://e.com/"
    with pytest.raises(ValueError, match=r"menu\.button"):
        menu_of_wechat({"errcode": 0})


# --- tap-to-reply menus ------------------------------------------------------------------------


def test_a_tap_menu_numbers_options_without_ids_and_becomes_wechats_msgmenu() -> None:
    request = parse_body(
        TapMenuRequest,
        json.dumps(
            {"headContent": "Solved?", "options": [{"content": "Yes"}, {"content": "No"}]}
        ).encode(),
    )
    details = request.details()
    assert [o["id"] for o in details["options"]] == ["1", "2"]
    assert request.summary() == "Solved?"
    assert wechat_msgmenu(details) == {
        "head_content": "Solved?",
        "list": [{"id": "1", "content": "Yes"}, {"id": "2", "content": "No"}],
        "tail_content": "",
    }
    assert option_of({"menu": details}, "2") == {"id": "2", "content": "No"}
    assert option_of({"menu": details}, "3") is None


def test_a_tap_menu_at_its_limits_is_accepted() -> None:
    options = [{"id": f"{i}" + "i" * 62, "content": "c" * 128} for i in range(10)]
    body = {"headContent": "h" * 1024, "options": options, "tailContent": "t" * 1024}
    assert len(parse_body(TapMenuRequest, json.dumps(body).encode()).options) == 10


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"options": []}, "options", "at least 1"),
        ({"options": [{"content": f"{i}"} for i in range(11)]}, "options", "at most 10"),
        ({"options": [{"id": "i" * 65, "content": "x"}]}, "options.0.id", "at most 64"),
        ({"options": [{"id": "号" * 22, "content": "x"}]}, "options.0.id", "66 bytes"),
        ({"options": [{"content": "好" * 43}]}, "options.0.content", "129 bytes"),
        ({"options": [{"content": ""}]}, "options.0.content", ""),
        ({"headContent": "h" * 1025, "options": [{"content": "x"}]}, "headContent", "at most 1024"),
        ({"tailContent": "t" * 1025, "options": [{"content": "x"}]}, "tailContent", "at most 1024"),
        ({"headContent": "问" * 342, "options": [{"content": "x"}]}, "headContent", "1026 bytes"),
        (
            {"options": [{"id": "2", "content": "a"}, {"content": "b"}]},
            "options",
            "'2' more than once",
        ),
    ],
)
def test_a_tap_menu_beyond_a_limit_is_refused_with_the_field_named(
    body: dict[str, Any], field: str, words: str
) -> None:
    refused = _refused(body, TapMenuRequest)
    assert refused.field == field, refused.message
    assert words in refused.message
