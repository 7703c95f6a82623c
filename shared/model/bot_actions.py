"""What a bot can do with a customer's message: reply, remember context, hand over, end."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field

from shared.core.schema import ApiModel
from shared.model.bots import ImageAnswer, Text

ContextValue = Union[str, int, float, bool, None, list[Union[str, int, float, bool]]]  # noqa: UP007


class Reply(ApiModel):
    type: Literal["reply"] = "reply"
    text: Text | None = None
    image: ImageAnswer | None = None


class SetContext(ApiModel):
    type: Literal["setContext"] = "setContext"
    variables: Annotated[
        dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")], ContextValue],
        Field(max_length=50),
    ]


class Escalate(ApiModel):
    type: Literal["escalate"] = "escalate"
    summary: Annotated[str, Field(max_length=2000)] = ""
    """For the agent who takes over: what the customer wants, in a sentence or two."""


class End(ApiModel):
    type: Literal["end"] = "end"


Action = Annotated[Union[Reply, SetContext, Escalate, End], Field(discriminator="type")]  # noqa: UP007


class BotAnswer(ApiModel):
    actions: Annotated[list[Action], Field(max_length=20)]


class BotFailureError(Exception):
    """The bot did not give a usable answer; people take over."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def escalation(reason: str, text: Any) -> Escalate:
    said = f" The customer wrote: “{str(text)[:200]}”" if text else ""
    return Escalate(summary=f"{reason}.{said}")
