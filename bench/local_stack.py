"""What the end-to-end benchmarks run on: Azurite in memory, WeChat's API simulator and the
app under devhost, each on free loopback ports, stopped with the caller's ExitStack."""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from devhost.azurite import Azurite
from tools.local_app import LocalApp, app_settings
from tools.wechat_simulator import WeChatApiSimulator


@dataclass(frozen=True)
class LocalStack:
    azurite: Azurite
    wechat_api: WeChatApiSimulator
    app: LocalApp
    admin: httpx.Client


def start_local_stack(stack: ExitStack, *, split: bool = False) -> LocalStack:
    """``split``: devhost --split, the queue steps in a process of their own."""
    work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    azurite = stack.enter_context(Azurite(work / "azurite", in_memory=True))
    wechat_api = stack.enter_context(WeChatApiSimulator())
    app = stack.enter_context(
        LocalApp(
            app_settings(azurite.connection_string, WECHAT_API_BASE_URL=wechat_api.url),
            log_dir=work / "app",
            split=split,
        )
    )
    return LocalStack(azurite, wechat_api, app, stack.enter_context(app.admin()))
