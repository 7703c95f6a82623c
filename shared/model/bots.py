"""How a workstream's bot is set up (the seed's "Add a bot"): a built-in FAQ bot, or a
webhook to a bot of the operator's own. Either way the bot answers first and hands over to
people when asked, when it cannot answer, or when it fails."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union
from urllib.parse import urlsplit

import regex
from pydantic import ConfigDict, Field, SecretStr, field_validator, model_validator

from shared.core.schema import ApiModel, one_of
from shared.model.conditions import MAX_PATTERN

LANGUAGE_PATTERN = r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*"
"""A BCP 47 tag as WeChat's clients send it: zh-CN, en, zh-Hant-TW."""
Language = Annotated[str, Field(pattern=f"^{LANGUAGE_PATTERN}$")]
BY_LANGUAGE = Field(json_schema_extra={"propertyNames": {"pattern": f"^{LANGUAGE_PATTERN}$"}})
"""On a map keyed by language tag: the OpenAPI document says what the keys must be (pydantic
checks ``Language`` keys but leaves them out of the schema)."""
Text = Annotated[str, Field(min_length=1, max_length=2000)]


_HTTP_URL = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@:\\[\\]]"
_WEBHOOK_URL = (
    r"^([Hh][Tt][Tt][Pp][Ss]://[^/?#@:\[\]]"
    r"|[Hh][Tt][Tt][Pp]://(127\.0\.0\.1|[Ll][Oo][Cc][Aa][Ll][Hh][Oo][Ss][Tt]|\[::1\])([:/?#]|$))"
)
"""The URLs the validators below accept, as the OpenAPI document states them: a host name or
IPv4 address after the scheme, and plain http only to this machine."""


def _url(value: str, pattern: str, rule: str) -> str:
    if not re.match(pattern, value) or not urlsplit(value).hostname:
        raise ValueError(rule)
    return value


class ImageAnswer(ApiModel):
    media_id: Annotated[str, Field(min_length=1, max_length=200)]
    """A permanent image in the account's WeChat material library (素材管理)."""


class Answer(ApiModel):
    model_config = ConfigDict(json_schema_extra=one_of("text", "image"))

    text: Text | None = None
    image: ImageAnswer | None = None

    @model_validator(mode="after")
    def _one(self) -> Answer:
        if (self.text is None) == (self.image is None):
            raise ValueError("an answer is either text or image")
        return self


class FaqEntry(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["keywords"], "properties": {"keywords": {"minItems": 1}}},
                {"required": ["pattern"], "properties": {"pattern": {"type": "string"}}},
            ]
        }
    )

    name: Annotated[str, Field(min_length=1, max_length=100)]
    keywords: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=50)]], Field(max_length=50)
    ] = []
    pattern: Annotated[str, Field(min_length=1, max_length=MAX_PATTERN)] | None = None
    """A regex searched in the customer's text (case-insensitive), as an alternative to keywords."""
    answers: Annotated[dict[Language, Answer], BY_LANGUAGE]
    """Language → answer; the workstream's language is used."""

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                regex.compile(value)
            except regex.error as error:
                raise ValueError(f"is not a valid regular expression: {error}") from None
        return value

    @model_validator(mode="after")
    def _something_to_match(self) -> FaqEntry:
        if not self.keywords and self.pattern is None:
            raise ValueError(f"FAQ entry {self.name!r} needs keywords or a pattern")
        return self


class FaqBot(ApiModel):
    type: Literal["faq"]
    entries: Annotated[list[FaqEntry], Field(max_length=500)] = []
    escalation_phrases: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=50)]], Field(max_length=50)
    ] = [
        "人工",
        "转人工",
        "agent",
        "human",
    ]
    no_match: Literal["escalate", "reply"] = "escalate"
    no_match_answers: Annotated[dict[Language, Answer], BY_LANGUAGE] = {}
    """With noMatch "reply": what to say when no entry matches (say how to reach a person)."""


class WebhookBot(ApiModel):
    type: Literal["webhook"]
    url: Annotated[
        str,
        Field(
            min_length=1,
            max_length=2000,
            json_schema_extra={"pattern": _WEBHOOK_URL},
        ),
    ]
    secret: SecretStr | None = None
    """HMAC-SHA256 key for requests and answers. Write-only: stored sealed, never shown."""
    timeout_seconds: Annotated[float, Field(gt=0, le=10)] = 5.0
    has_secret: bool = False
    """Set by the service: whether a secret is stored."""

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        return _url(
            value, _WEBHOOK_URL, "must be an https:// URL (http:// only for a bot on this machine)"
        )


BotConfig = Annotated[Union[FaqBot, WebhookBot], Field(discriminator="type")]  # noqa: UP007


class LinkSurvey(ApiModel):
    type: Literal["link"]
    url: Annotated[
        str, Field(min_length=1, max_length=1000, json_schema_extra={"pattern": _HTTP_URL})
    ]
    """May contain {ConversationId}."""
    texts: Annotated[dict[Language, Text], BY_LANGUAGE]
    """The message around the link; {Url} is replaced by the link."""

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        return _url(value, _HTTP_URL, "must be an http:// or https:// URL")


class RatingSurvey(ApiModel):
    type: Literal["rating"]
    questions: Annotated[dict[Language, Text], BY_LANGUAGE]
    """Asks for a rating from 1 to 5; the customer's next message, if it is one, is recorded."""
    thanks: Annotated[dict[Language, Text], BY_LANGUAGE] = {}


Survey = Annotated[Union[LinkSurvey, RatingSurvey], Field(discriminator="type")]  # noqa: UP007


class QuickReply(ApiModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    text: Text
    """May use {AgentName} and {context.<name>}, filled when the reply is sent."""
