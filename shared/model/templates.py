"""Template messages: WeChat's way to reach a customer outside the 48-hour reply window
(docs/protocol.md §6.3). An admin registers each template the account has chosen in WeChat's
console (its ``template_id`` and its fields); agents fill the fields and send it. What is
checked here is what WeChat would refuse later, so an agent learns it before anything is
queued: every field filled, none too long, no field the template does not have."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import ConfigDict, Field, field_validator

from shared.core.schema import ApiModel, CamelModel, ViewModel

TEMPLATE_TYPE = "template"
"""The transcript entry's ``type`` for a template message."""
TEMPLATE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
"""WeChat's template ids are 43 URL-safe characters; we take any such string up to 128."""
FIELD_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
"""``first``, ``keyword1``, ``remark`` or the newer ``thing1``, ``time2``…"""
MAX_FIELDS = 20
MAX_VALUE_CHARS = 200
DEFAULT_DAILY_QUOTA = 100_000
"""WeChat's default per account and day (docs/protocol.md §6.3); an admin may set less."""
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\.DATA\s*\}\}")
"""A field in a template's ``content``: ``{{keyword1.DATA}}``."""
WECHAT_DAY = timezone(timedelta(hours=8))
"""WeChat counts its daily limits in China Standard Time (UTC+8): an assumption, see §6.3."""

TemplateId = Annotated[str, Field(pattern=f"^{TEMPLATE_ID.pattern}$")]


class TemplateField(CamelModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Annotated[str, Field(pattern=f"^{FIELD_KEY.pattern}$")]
    """The name WeChat's ``data`` takes (``keyword1``, ``thing2``)."""
    label: Annotated[str, Field(min_length=1, max_length=50)]
    """What the agent sees beside the input (订单号, Order number)."""
    max_length: Annotated[int, Field(ge=1, le=MAX_VALUE_CHARS)] = 20
    """Characters WeChat shows of the value; 20 is the limit of the newer ``thing`` fields."""


class MiniProgram(CamelModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    appid: Annotated[str, Field(pattern=r"^wx[0-9a-f]{16}$")]
    pagepath: Annotated[str, Field(min_length=1, max_length=256)] | None = None


class TemplateFields(ApiModel):
    """What an admin registers (``PUT /api/admin/accounts/{id}/templates/{templateId}``)."""

    title: Annotated[str, Field(min_length=1, max_length=100)]
    fields: Annotated[list[TemplateField], Field(min_length=1, max_length=MAX_FIELDS)]
    enabled: bool = True
    """Approved for agents to send; a disabled template is kept but not offered."""
    url: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=1024)] | None = None
    """Where tapping the message leads (WeChat prefers ``miniprogram`` when both are set)."""
    miniprogram: MiniProgram | None = None
    daily_quota: Annotated[int, Field(ge=1, le=10_000_000)] = DEFAULT_DAILY_QUOTA
    """Sends of this template per day (China time) we allow before refusing, so a runaway
    desk does not spend the account's whole WeChat quota."""

    @field_validator("fields")
    @classmethod
    def _distinct(cls, fields: list[TemplateField]) -> list[TemplateField]:
        keys = [f.key for f in fields]
        if duplicate := next((k for k in keys if keys.count(k) > 1), None):
            raise ValueError(f"field {duplicate!r} is listed twice")
        return fields


class Template(TemplateFields):
    """A registered template as stored."""

    model_config = ConfigDict(extra="ignore")

    account_id: str
    template_id: TemplateId
    updated_at: datetime

    @property
    def id(self) -> str:
        return self.template_id


class TemplateView(ViewModel):
    template_id: str
    account_id: str
    title: str
    fields: list[TemplateField]
    enabled: bool
    url: str | None = None
    miniprogram: MiniProgram | None = None
    daily_quota: int
    updated_at: datetime
    sent_today: int | None = None
    """Sends counted today (China time) against ``dailyQuota``."""

    @classmethod
    def of(cls, template: Template, sent_today: int | None = None) -> TemplateView:
        return cls(**template.model_dump(), sent_today=sent_today)


class TemplateSendRequest(ApiModel):
    """``POST /api/agent/conversations/{id}/templates``: one value per field of the template."""

    template_id: TemplateId
    fields: Annotated[
        dict[str, Annotated[str, Field(max_length=MAX_VALUE_CHARS)]],
        Field(min_length=1, max_length=MAX_FIELDS),
    ]
    """A value for each of the template's fields, by key."""


class TemplateImport(ApiModel):
    """``POST /api/admin/accounts/{id}/templates/import``: copy the templates chosen in WeChat's
    console (``get_all_private_template``); ones registered already are left as they are."""

    enabled: bool = False
    """Whether imported templates may be sent at once (default: an admin approves each)."""


def filled(template: Template, values: dict[str, str]) -> dict[str, str]:
    """The values, checked against the template: ``ValueError`` naming the field if one is
    missing, empty, too long or not the template's."""
    known = {f.key for f in template.fields}
    if unknown := sorted(values.keys() - known):
        raise ValueError(f"fields.{unknown[0]} is not a field of template {template.template_id}")
    result: dict[str, str] = {}
    for field in template.fields:
        value = values.get(field.key, "").strip()
        if not value:
            raise ValueError(f"fields.{field.key} ({field.label}) needs a value")
        if len(value) > field.max_length:
            raise ValueError(
                f"fields.{field.key} ({field.label}) is {len(value)} characters; "
                f"the template takes at most {field.max_length}"
            )
        result[field.key] = value
    return result


def template_text(template: Template, values: dict[str, str]) -> str:
    """The message as the transcript shows it: the title, then ``label: value`` lines."""
    lines = [template.title]
    lines += [f"{f.label}: {values[f.key]}" for f in template.fields if f.key in values]
    return "\n".join(lines)


def template_payload(
    template: Template | dict[str, Any], open_id: str, values: dict[str, str]
) -> dict[str, Any]:
    """The body of ``message/template/send``."""
    spec = template if isinstance(template, dict) else template_spec(template)
    payload: dict[str, Any] = {
        "touser": open_id,
        "template_id": spec["templateId"],
        "data": {key: {"value": value} for key, value in values.items()},
    }
    if spec.get("url"):
        payload["url"] = spec["url"]
    if spec.get("miniprogram"):
        payload["miniprogram"] = spec["miniprogram"]
    return payload


def template_spec(template: Template) -> dict[str, Any]:
    """What a queued template message keeps of its template, so a later edit of the template
    does not change a message already accepted."""
    spec: dict[str, Any] = {"templateId": template.template_id, "title": template.title}
    if template.url:
        spec["url"] = template.url
    if template.miniprogram:
        spec["miniprogram"] = template.miniprogram.model_dump(exclude_none=True)
    return spec


def fields_of_content(content: str) -> list[TemplateField]:
    """The fields a WeChat template's ``content`` names, labelled by the text before each
    placeholder on its line (``订单号：{{keyword1.DATA}}`` → 订单号), else by the key."""
    fields: list[TemplateField] = []
    seen: set[str] = set()
    for line in content.replace("\\n", "\n").splitlines():
        start = 0
        for match in PLACEHOLDER.finditer(line):
            key = match.group(1)
            before = line[start : match.start()].strip().rstrip(":：").strip()
            start = match.end()
            if key in seen or not FIELD_KEY.fullmatch(key) or len(fields) >= MAX_FIELDS:
                continue
            seen.add(key)
            label = before[:50] or key
            fields.append(TemplateField(key=key, label=label, max_length=_default_length(key)))
    return fields


def _default_length(key: str) -> int:
    """The newer typed keys have WeChat's published limits; the classic ones are free text."""
    for prefix, length in (
        ("thing", 20),
        ("character_string", 32),
        ("number", 32),
        ("letter", 32),
        ("amount", 32),
        ("phone_number", 17),
        ("car_number", 8),
        ("const", 20),
        ("phrase", 5),
        ("time", 32),
        ("date", 32),
    ):
        if key.startswith(prefix):
            return length
    return MAX_VALUE_CHARS


def wechat_day(at: datetime) -> str:
    """The day WeChat counts a send in, ``YYYYMMDD``."""
    return at.astimezone(WECHAT_DAY).strftime("%Y%m%d")
