"""The built-in FAQ bot: escalation phrases first, then the entries in order, first match wins."""

from __future__ import annotations

from functools import lru_cache

import regex

from shared.model.bot_actions import Action, Reply, escalation
from shared.model.bots import Answer, FaqBot
from shared.model.matching import RegexBudget


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.IGNORECASE)


def _reply(answer: Answer) -> Reply:
    return Reply(text=answer.text, image=answer.image)


def faq_actions(bot: FaqBot, text: str | None, language: str) -> list[Action]:
    if text:
        budget = RegexBudget()
        folded = text.casefold()
        if any(phrase.casefold() in folded for phrase in bot.escalation_phrases):
            return [escalation("The customer asked for a person", text)]
        for entry in bot.entries:
            answer = entry.answers.get(language) or next(iter(entry.answers.values()), None)
            if answer is None:
                continue
            if any(keyword.casefold() in folded for keyword in entry.keywords):
                return [_reply(answer)]
            if entry.pattern and budget.search(_compiled(entry.pattern), text):
                return [_reply(answer)]
    if bot.no_match == "reply" and (answer := bot.no_match_answers.get(language)):
        return [_reply(answer)]
    return [escalation("The FAQ bot had no answer", text)]
