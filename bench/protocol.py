"""Safe-mode pushes opened per second: ours against wechatpy, same inputs, same run.

Each side does the whole receive path of one push: check the URL signature and
msg_signature, decrypt, and parse the message into an object.
  ours:     shared.wechat.open_push
  wechatpy: check_signature + WeChatCrypto.decrypt_message + parse_message (wechatpy 1.8.18)

Reproduce:  make setup && .venv/bin/python bench/protocol.py [--messages 2000] [--rounds 7]
Rounds alternate between the two sides; the median round of each is reported.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wechatpy import parse_message as wechatpy_parse
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import check_signature

from shared.wechat import Channel, MessageMode, open_push
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer

KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
ACCOUNT = SimulatedAccount("benchtoken", "wx49f0ab532d5d035a", "gh_0123456789ab", KEY)
TEXTS = [
    "你好，请问订单什么时候发货？",
    "Hello 👋 I need help with my order #12345",
    "好" * 600,
    "ok",
]


def make_pushes(count: int, seed: int = 7) -> list[tuple[dict[str, str], bytes]]:
    rng = random.Random(seed)
    customers = [WeChatCustomer(ACCOUNT, f"oUser{i:04d}") for i in range(50)]
    pushes = []
    for _ in range(count):
        customer = rng.choice(customers)
        kind = rng.random()
        if kind < 0.7:
            fields = customer.text(rng.choice(TEXTS))
        elif kind < 0.85:
            fields = customer.image()
        else:
            fields = customer.click("MENU_HELP")
        pushes.append(customer.push(fields, "safe"))
    return pushes


def ours(pushes) -> list:
    channel = Channel(
        token=ACCOUNT.token, app_id=ACCOUNT.app_id, mode=MessageMode.SAFE, encoding_aes_keys=[KEY]
    )
    return [open_push(body, query, channel).message for query, body in pushes]


def theirs(pushes) -> list:
    crypto = WeChatCrypto(ACCOUNT.token, KEY, ACCOUNT.app_id)
    out = []
    for query, body in pushes:
        check_signature(ACCOUNT.token, query["signature"], query["timestamp"], query["nonce"])
        xml = crypto.decrypt_message(
            body, query["msg_signature"], query["timestamp"], query["nonce"]
        )
        out.append(wechatpy_parse(xml))
    return out


def rate(side, pushes) -> float:
    start = time.perf_counter()
    side(pushes)
    return len(pushes) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    pushes = make_pushes(args.messages)
    for a, b in zip(ours(pushes), theirs(pushes), strict=True):  # same inputs, same answers
        if (a.from_user_name, a.create_time) != (b.source, int(b.create_time.timestamp())):
            raise SystemExit(f"the two sides disagree on {a!r}")

    ours_rates, theirs_rates = [], []
    for _ in range(args.rounds):
        ours_rates.append(rate(ours, pushes))
        theirs_rates.append(rate(theirs, pushes))
    ours_median = statistics.median(ours_rates)
    theirs_median = statistics.median(theirs_rates)
    python = sys.version.split()[0]
    print(f"safe-mode pushes: {args.messages} per round, {args.rounds} rounds, Python {python}")
    print(f"  ours      {ours_median:10,.0f} msg/s  (verify + decrypt + parse)")
    print(f"  wechatpy  {theirs_median:10,.0f} msg/s")
    print(f"  ratio ours / wechatpy = {ours_median / theirs_median:.2f}")


if __name__ == "__main__":
    main()
