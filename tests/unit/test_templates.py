"""Template messages without storage: what an admin may register, how an agent's values are
checked and filled, and how a WeChat template's content becomes fields."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from shared.core.schema import validation_error
from shared.model.templates import (
    Template,
    TemplateFields,
    TemplateSendRequest,
    fields_of_content,
    filled,
    template_payload,
    template_spec,
    template_text,
    wechat_day,
)

ONE_FIELD = [{"key": "a", "label": "A"}]
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)


def template(**changes) -> Template:
    body = {
        "title": "Order update",
        "fields": [
            {"key": "character_string1", "label": "Order number", "maxLength": 32},
            {"key": "thing2", "label": "Status", "maxLength": 20},
        ],
        **changes,
    }
    return Template(
        **TemplateFields.model_validate(body).model_dump(),
        account_id="acc1",
        template_id="tpl_1",
        updated_at=NOW,
    )


class TestRegistering:
    def test_defaults(self):
        fields = TemplateFields.model_validate(
            {"title": "t", "fields": [{"key": "keyword1", "label": "Order"}]}
        )
        assert fields.enabled is True
        assert fields.daily_quota == 100_000
        assert fields.fields[0].max_length == 20

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"fields": []}, "fields"),
            ({"title": ""}, "title"),
            ({"fields": [{"key": "1st", "label": "A"}]}, "fields.0.key"),
            ({"fields": [{"key": "a", "label": "A", "maxLength": 0}]}, "fields.0.maxLength"),
            ({"fields": [{"key": "a", "label": "A", "maxLength": 201}]}, "fields.0.maxLength"),
            ({"dailyQuota": 0}, "dailyQuota"),
            ({"url": "ftp://x"}, "url"),
            ({"miniprogram": {"appid": "x"}}, "miniprogram.appid"),
            ({"colour": "red"}, "colour"),
        ],
    )
    def test_refusals_name_the_field(self, body, field):
        with pytest.raises(ValidationError) as error:
            TemplateFields.model_validate({"title": "t", "fields": ONE_FIELD, **body})
        assert validation_error(error.value).field == field

    def test_a_key_listed_twice_is_refused(self):
        with pytest.raises(ValidationError, match="'a' is listed twice"):
            TemplateFields.model_validate(
                {"title": "t", "fields": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]}
            )


class TestFilling:
    def test_values_are_trimmed_and_kept_in_the_templates_order(self):
        values = filled(template(), {"thing2": " Shipped ", "character_string1": "A1"})
        assert list(values.items()) == [("character_string1", "A1"), ("thing2", "Shipped")]

    @pytest.mark.parametrize(
        ("values", "message"),
        [
            ({}, "fields.thing2 (Status) needs a value"),
            ({"thing2": "   "}, "fields.thing2 (Status) needs a value"),
            (
                {"thing2": "x" * 21},
                "fields.thing2 (Status) is 21 characters; the template takes at most 20",
            ),
            ({"thing2": "ok", "remark": "x"}, "fields.remark is not a field of template tpl_1"),
        ],
    )
    def test_every_field_is_checked(self, values, message):
        with pytest.raises(ValueError, match=r"^fields\.") as error:
            filled(template(), {"character_string1": "A1", **values})
        assert str(error.value) == message

    def test_chinese_counts_characters_not_bytes(self):
        assert filled(template(), {"character_string1": "A1", "thing2": "退" * 20})["thing2"]

    def test_text_and_payload(self):
        t = template(url="https://shop.example.com/o", miniprogram={"appid": "wx" + "0" * 16})
        values = filled(t, {"character_string1": "A1", "thing2": "Shipped"})
        assert template_text(t, values) == "Order update\nOrder number: A1\nStatus: Shipped"
        payload = template_payload(template_spec(t), "oOPENID", values)
        assert payload == {
            "touser": "oOPENID",
            "template_id": "tpl_1",
            "data": {"character_string1": {"value": "A1"}, "thing2": {"value": "Shipped"}},
            "url": "https://shop.example.com/o",
            "miniprogram": {"appid": "wx" + "0" * 16},
        }
        assert "url" not in template_payload(template(), "o", values)

    def test_a_send_request_needs_values(self):
        with pytest.raises(ValidationError):
            TemplateSendRequest.model_validate({"templateId": "tpl_1", "fields": {}})
        with pytest.raises(ValidationError):
            TemplateSendRequest.model_validate({"templateId": "bad id", "fields": {"a": "b"}})


class TestImportedContent:
    def test_classic_placeholders_are_labelled_by_the_text_before_them(self):
        content = (
            "{{first.DATA}}\n订单号：{{keyword1.DATA}}\n金额: {{keyword2.DATA}}\n{{remark.DATA}}"
        )
        fields = fields_of_content(content)
        assert [(f.key, f.label, f.max_length) for f in fields] == [
            ("first", "first", 200),
            ("keyword1", "订单号", 200),
            ("keyword2", "金额", 200),
            ("remark", "remark", 200),
        ]

    def test_typed_keys_get_wechats_limits_and_escaped_newlines_split(self):
        fields = fields_of_content(
            "商品名称:{{thing1.DATA}}\\n下单时间:{{time2.DATA}}{{thing1.DATA}}"
        )
        assert [(f.key, f.label, f.max_length) for f in fields] == [
            ("thing1", "商品名称", 20),
            ("time2", "下单时间", 32),
        ]

    def test_no_placeholder_no_fields(self):
        assert fields_of_content("Thank you") == []


def test_the_day_is_chinas():
    assert wechat_day(datetime(2026, 12, 2, 15, 59, tzinfo=timezone.utc)) == "20261202"
    assert wechat_day(datetime(2026, 12, 2, 16, 0, tzinfo=timezone.utc)) == "20261203"
