"""The typing indicator: the customer sees "typing…" in WeChat while their agent writes.

The console reports typing as it happens; the server decides what reaches WeChat
(docs/protocol.md §6.2): a ``Typing`` at most once per ``SHOWS_FOR`` per conversation, whichever
console asks (the decision is an ETag-guarded write, ``shared.store.typing_indicator``), a
``CancelTyping`` only while one of ours may still show, and nothing at all while the reply
window is closed or used up (WeChat would refuse it, and the agent cannot reply anyway). The
indicator costs no message slot.

The call to WeChat is made in the request, with a short timeout, rather than queued: a typing
indicator that arrives seconds late is worse than none, and a failed one is not worth a retry.
Failures are logged, never reported to the agent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from enum import Enum

from shared.channel.access_tokens import AccessTokens, NoAccountError
from shared.core.errors import ConflictError, ForbiddenError, not_found
from shared.core.schema import ApiModel
from shared.desk.workspace import SENDABLE_STATES, Actor
from shared.messaging.outbox import Outbox
from shared.model.conversations import utc
from shared.store.conversations import ConversationStore
from shared.store.typing_indicator import TypingState, TypingTable
from shared.wechat.api import WeChatApi
from shared.wechat.errors import WeChatError

log = logging.getLogger(__name__)

SHOWS_FOR = timedelta(seconds=15)
"""How long WeChat shows a Typing indicator, during which it refuses another (45081)."""
CALL_TIMEOUT = 3.0
"""Seconds the call to WeChat may take: an indicator later than that is not worth having."""


class TypingRequest(ApiModel):
    typing: bool
    """true while the agent writes a reply; false when they clear it or send it."""


class TypingOutcome(str, Enum):
    """What became of one report (logged; the agent's answer is 204 whatever it is)."""

    SENT = "sent"
    THROTTLED = "throttled"
    """A Typing went less than 15 s ago, or there is no Typing of ours to cancel."""
    WINDOW_CLOSED = "window_closed"
    FAILED = "failed"


class TypingIndicator:
    def __init__(
        self,
        conversations: ConversationStore,
        outbox: Outbox,
        table: TypingTable,
        tokens: AccessTokens,
        api: WeChatApi,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._conversations = conversations
        self._outbox = outbox
        self._table = table
        self._tokens = tokens
        self._api = api
        self._clock = clock

    def report(self, actor: Actor, conversation_id: str, request: TypingRequest) -> TypingOutcome:
        """The conversation's agent is (``typing``) or is no longer writing a reply."""
        agent = actor.require_agent()
        conversation = self._conversations.get(conversation_id)
        if conversation is None or not actor.can_see(conversation):
            raise not_found(f"conversation {conversation_id}")
        if conversation.agent_id != agent.id:
            raise ForbiddenError("only the conversation's agent can show typing")
        if conversation.state not in SENDABLE_STATES:
            state = conversation.state.value
            raise ConflictError(f"the conversation is {state}", code="not_active")
        now = utc(self._clock())
        if self._outbox.messages_left(self._outbox.window(conversation), now) <= 0:
            return TypingOutcome.WINDOW_CLOSED

        def decide(current: TypingState | None) -> TypingState | None:
            showing = current is not None and now - current.typed_at < SHOWS_FOR
            if request.typing:
                return None if showing else TypingState(now, showing=True)
            if current is not None and current.showing and showing:
                return TypingState(current.typed_at, showing=False)
            return None

        if self._table.claim(conversation.id, decide) is None:
            return TypingOutcome.THROTTLED
        command = "Typing" if request.typing else "CancelTyping"
        try:
            self._tokens.call(
                conversation.account_id,
                lambda token: self._api.typing(
                    token, conversation.open_id, command, timeout=CALL_TIMEOUT
                ),
            )
        except (WeChatError, NoAccountError) as error:
            log.info("typing indicator (%s) for %s not shown: %s", command, conversation.id, error)
            return TypingOutcome.FAILED
        return TypingOutcome.SENT
