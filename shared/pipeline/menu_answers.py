"""A customer's tap on a tap-to-reply menu: WeChat pushes it as a text message whose
``bizmsgmenuid`` is the option's id (docs/protocol.md §4.1). The customer's line is linked to
the menu line it answers (``details.menuAnswer``: ``menuEntryKey``, ``optionId``), and the menu
line records the answer (``details.menu.answer``) for the agent's transcript.

The id is the customer's side to send, so it links only to a menu this conversation was sent
with that option; the latest such menu wins (agents may reuse ids such as ``1``).
"""

from __future__ import annotations

from shared.model.conversations import TranscriptEntry
from shared.model.tap_menus import (
    ANSWER_DETAILS,
    MENU_DETAILS,
    MENU_TYPE,
    TapAnswer,
    option_of,
)
from shared.store.conversations import ConversationStore
from shared.wechat import InboundMessage, TextMessage


class MenuAnswers:
    def __init__(self, conversations: ConversationStore) -> None:
        self._conversations = conversations

    def linked(self, entry: TranscriptEntry, message: InboundMessage) -> TranscriptEntry:
        """``entry`` with its link to the menu it answers, if it is a tap on one."""
        option_id = message.bizmsgmenuid if isinstance(message, TextMessage) else None
        if not option_id:
            return entry
        menus = self._conversations.outbound_of_type(entry.conversation_id, MENU_TYPE)
        menu = next(
            (m for m in reversed(menus) if m.key < entry.key and option_of(m.details, option_id)),
            None,
        ) or next((m for m in reversed(menus) if option_of(m.details, option_id)), None)
        if menu is None:
            return entry
        link = {"menuEntryKey": menu.key, "optionId": option_id}
        return entry.model_copy(update={"details": {**entry.details, ANSWER_DETAILS: link}})

    def record(self, entry: TranscriptEntry) -> None:
        """Note the answer on the menu line; a later tap on the same menu replaces an earlier
        one, and a rerun of the same push changes nothing."""
        link = entry.details.get(ANSWER_DETAILS)
        if not isinstance(link, dict):
            return
        menu = self._conversations.entry(entry.conversation_id, str(link.get("menuEntryKey")))
        option = option_of(menu.details, str(link.get("optionId"))) if menu else None
        if menu is None or option is None:
            return
        sent = menu.details[MENU_DETAILS]
        answered = sent.get("answer")
        if isinstance(answered, dict) and str(answered.get("entryKey", "")) >= entry.key:
            return
        answer = TapAnswer(option_id=option["id"], content=option["content"], entry_key=entry.key)
        details = {**menu.details, MENU_DETAILS: {**sent, "answer": answer.json_body()}}
        self._conversations.update_entry(menu, details=details)
