"""The one error devhost raises to refuse to start, with a message meant for a person."""

from __future__ import annotations


class StartupError(Exception):
    """Devhost cannot serve this app as configured; the message says what to change."""
