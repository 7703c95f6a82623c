"""Post-conversation surveys: a link, or a 1-5 rating asked in the chat.

A survey goes out when a conversation closes, and only if WeChat's reply window still has room
(it is one more customer-service message). A rating survey waits for the customer's next
message: if it is a digit from 1 to 5 it is recorded on the closed conversation (and thanked
for) instead of opening a new one; anything else simply opens a new conversation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from shared.messaging.automated import SURVEY_RANK, outbound_entry
from shared.messaging.outbox import Outbox
from shared.model.bots import LinkSurvey, RatingSurvey
from shared.model.conversations import Conversation, utc
from shared.model.timeline import EventKind
from shared.model.workstreams import Workstream
from shared.store.conversations import ConversationStore
from shared.store.timeline import UNRECORDED, TimelineStore

log = logging.getLogger(__name__)

ANSWER_WINDOW = timedelta(hours=24)
RATINGS = {"1", "2", "3", "4", "5", "１", "２", "３", "４", "５"}


class Surveys:
    def __init__(
        self,
        conversations: ConversationStore,
        outbox: Outbox,
        clock: Callable[[], float] = time.time,
        timeline: TimelineStore = UNRECORDED,
    ) -> None:
        self._timeline = timeline
        self._conversations = conversations
        self._outbox = outbox
        self._clock = clock

    def after_close(self, conversation: Conversation, workstream: Workstream | None) -> None:
        """Send the workstream's survey for a conversation that just closed, if any fits."""
        if workstream is None:
            return
        served_by_people = conversation.agent_id is not None or conversation.assigned_at is not None
        survey = workstream.survey if served_by_people else workstream.bot_survey
        if survey is None or (not served_by_people and conversation.bot is None):
            return
        at = conversation.closed_at or utc(self._clock())
        if isinstance(survey, LinkSurvey):
            template = survey.texts.get(workstream.language)
            if not template:
                return
            url = survey.url.replace("{ConversationId}", conversation.id)
            text = template.replace("{Url}", url) if "{Url}" in template else f"{template} {url}"
        else:
            question = survey.questions.get(workstream.language)
            if not question:
                return
            text = question
        if not self._send(conversation, text, at, "survey"):
            return
        self._timeline.record(
            conversation.id, EventKind.SURVEY_ASKED, at, about="survey", outcome=survey.type
        )
        if isinstance(survey, RatingSurvey):
            self._conversations.change_customer(
                conversation.account_id,
                conversation.open_id,
                lambda c: c.model_copy(
                    update={
                        "survey_conversation_id": conversation.id,
                        "survey_expires_at": at + ANSWER_WINDOW,
                    }
                ),
            )

    def take_answer(
        self,
        account_id: str,
        open_id: str,
        text: str | None,
        workstream: Workstream | None,
        at: datetime,
    ) -> Conversation | None:
        """If a rating survey waits for this customer, settle it with ``text``: the rated
        conversation when ``text`` is a rating (recorded), else None (the survey lapses)."""
        customer = self._conversations.customer(account_id, open_id)
        if customer is None or not customer.survey_conversation_id:
            return None
        survey_id = customer.survey_conversation_id
        self._conversations.change_customer(
            account_id,
            open_id,
            lambda c: c.model_copy(
                update={"survey_conversation_id": None, "survey_expires_at": None}
            ),
        )
        expired = customer.survey_expires_at is not None and customer.survey_expires_at < at
        answer = (text or "").strip()
        if expired or answer not in RATINGS:
            return None
        rating = int(answer.translate(str.maketrans("１２３４５", "12345")))
        rated = self._conversations.change(
            survey_id, lambda c: {"rating": rating, "rated_at": at} if c.rating is None else None
        )
        if rated is not None:
            self._timeline.record(
                rated.id,
                EventKind.SURVEY_ANSWERED,
                at,
                about="survey",
                outcome=str(rating),
                rating=rating,
            )
        if rated is not None and workstream and isinstance(workstream.survey, RatingSurvey):
            thanks = workstream.survey.thanks.get(workstream.language)
            if thanks:
                self._send(rated, thanks, at, "survey-thanks")
        return rated

    def _send(self, conversation: Conversation, text: str, at: datetime, tag: str) -> bool:
        entry = outbound_entry(
            conversation.id,
            at,
            SURVEY_RANK,
            tag,
            sender="system",
            received_at=utc(self._clock()),
            type="text",
            text=text,
            details={"automated": tag},
        )
        return self._outbox.offer(conversation, entry, tag) is not None
