"""What several unit tests share: one safe-mode account and a check that a call is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.wechat import ErrorCode, ProtocolError
from tools.wechat_simulator import SimulatedAccount

KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
APP_ID = "wx49f0ab532d5d035a"
ACCOUNT = SimulatedAccount(
    token="tok3n", app_id=APP_ID, original_id="gh_0123456789ab", encoding_aes_key=KEY
)


def refused(code: ErrorCode, call: Callable[..., Any], *args: Any, **kwargs: Any) -> ProtocolError:
    """``call(*args, **kwargs)`` raises a ProtocolError with ``code``; returns the error."""
    with pytest.raises(ProtocolError) as caught:
        call(*args, **kwargs)
    assert caught.value.code is code, caught.value
    return caught.value
