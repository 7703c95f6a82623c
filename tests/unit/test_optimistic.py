"""The one retry loop of every conditional write: read, change, write under the ETag, again."""

from __future__ import annotations

import pytest

from shared.store.optimistic import ATTEMPTS, ChangedError, retried


class Losing:
    """An attempt that loses ``losses`` races, then returns "written"."""

    def __init__(self, losses: int) -> None:
        self.losses = losses
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.losses:
            raise ChangedError(f"lost race {self.calls}")
        return "written"


def test_succeeds_on_the_second_attempt():
    attempt = Losing(1)
    assert retried(attempt) == "written"
    assert attempt.calls == 2


def test_the_first_attempt_that_wins_is_the_last():
    attempt = Losing(0)
    assert retried(attempt, attempts=3) == "written"
    assert attempt.calls == 1


def test_gives_up_after_attempts_lost_races_with_the_callers_error():
    attempt = Losing(100)
    gave_up = RuntimeError("the read markers of agent a1 kept changing")
    with pytest.raises(RuntimeError) as raised:
        retried(attempt, attempts=5, exhausted=gave_up)
    assert raised.value is gave_up
    assert attempt.calls == 5


def test_wins_on_the_last_attempt():
    attempt = Losing(ATTEMPTS - 1)
    assert retried(attempt) == "written"
    assert attempt.calls == ATTEMPTS


def test_without_an_error_of_its_own_the_last_lost_race_is_raised():
    attempt = Losing(100)
    with pytest.raises(ChangedError, match=f"lost race {ATTEMPTS}$"):
        retried(attempt)
    assert attempt.calls == ATTEMPTS == 8


def test_other_errors_are_not_retried():
    calls = []

    def attempt() -> None:
        calls.append(1)
        raise KeyError("not a lost race")

    with pytest.raises(KeyError):
        retried(attempt)
    assert len(calls) == 1


def test_the_pause_comes_before_each_retry_only():
    pauses: list[int] = []
    attempt = Losing(100)
    with pytest.raises(ChangedError):
        retried(attempt, attempts=4, pause=pauses.append)
    assert pauses == [1, 2, 3]
    pauses.clear()
    assert retried(Losing(0), attempts=4, pause=pauses.append) == "written"
    assert pauses == []


def test_at_least_one_attempt():
    with pytest.raises(ValueError, match="at least 1"):
        retried(Losing(0), attempts=0)
