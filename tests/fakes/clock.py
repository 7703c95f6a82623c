"""A clock tests move by hand (the services and the fakes' queues read the same one)."""

from __future__ import annotations


class Clock:
    def __init__(self, now: float = 1_764_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
