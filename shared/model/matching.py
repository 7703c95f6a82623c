"""Searching admin-written regular expressions in customers' text, in bounded time.

A backtracking pattern such as ``(a+)+$`` must not stall a pipeline step, so every search runs
on the ``regex`` engine, which can give up: each search gets at most ``MATCH_TIMEOUT``, and
all the searches of one decision (routing one conversation, answering one message with the
FAQ bot) share ``DECISION_BUDGET``. Without the shared budget, a condition of 200 slow
``matches`` could take 200 timeouts. A search that runs out of time does not match.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import regex

log = logging.getLogger(__name__)

MATCH_WINDOW = 4096
"""Only this many leading characters of the text are searched."""
MATCH_TIMEOUT = 0.05
"""Seconds one search may take."""
DECISION_BUDGET = 0.2
"""Seconds all the searches of one decision may take together."""


class RegexBudget:
    """The time left for regex searches in one decision; create one per decision."""

    def __init__(
        self, seconds: float = DECISION_BUDGET, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._deadline = clock() + seconds
        self._exhausted = False

    def search(self, pattern: regex.Pattern[str], text: str) -> bool:
        """Whether ``pattern`` is found in ``text``; False when the time ran out."""
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            self._note_exhausted(pattern)
            return False
        try:
            found = pattern.search(text, 0, MATCH_WINDOW, timeout=min(MATCH_TIMEOUT, remaining))
        except TimeoutError:
            log.warning(
                "regex %r gave up after its time ran out: it does not match", pattern.pattern
            )
            return False
        return found is not None

    def _note_exhausted(self, pattern: regex.Pattern[str]) -> None:
        if not self._exhausted:
            self._exhausted = True
            log.warning(
                "regex searches used this decision's %ss; %r and the rest do not match",
                DECISION_BUDGET,
                pattern.pattern,
            )
