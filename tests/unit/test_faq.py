"""The built-in FAQ bot's matching, without storage."""

from __future__ import annotations

import time

from shared.bots.faq import faq_actions
from shared.model.bot_actions import Reply
from shared.model.bots import FaqBot


def entry(name: str, **fields) -> dict:
    return {"name": name, "answers": {"zh-CN": {"text": f"answer {name}"}}, **fields}


def test_first_matching_entry_answers():
    bot = FaqBot.model_validate(
        {
            "type": "faq",
            "entries": [entry("hours", keywords=["几点"]), entry("fee", pattern="运费|邮费")],
        }
    )
    (action,) = faq_actions(bot, "请问邮费多少", "zh-CN")
    assert isinstance(action, Reply)
    assert action.text == "answer fee"


def test_slow_patterns_share_one_time_budget():
    """500 backtracking patterns, each within its own timeout, would take 25 s per message."""
    slow = [entry(f"slow{i}", pattern=f"(a+)+${i}") for i in range(500)]
    bot = FaqBot.model_validate({"type": "faq", "entries": slow})
    start = time.perf_counter()
    (action,) = faq_actions(bot, "a" * 40 + "!", "zh-CN")
    assert time.perf_counter() - start < 3.0
    assert action.type == "escalate"
