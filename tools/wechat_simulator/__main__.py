"""Act as WeChat against a running app: verify the server URL, or push a customer's message.

  python -m tools.wechat_simulator verify --server-url URL --token TOKEN
  python -m tools.wechat_simulator send --server-url URL --token TOKEN --app-id APPID \\
      --original-id GH_ID [--encoding-aes-key KEY] [--mode safe] [--open-id ID] --text TEXT
  python -m tools.wechat_simulator send ... --event CLICK --event-key MENU_KEY

Prints what it sent and what the app answered; exits 1 if the app did not accept it.
"""

from __future__ import annotations

import argparse
import sys

import httpx

from .customer import SimulatedAccount, WeChatCustomer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.wechat_simulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="the GET WeChat sends when the URL is saved")
    send = commands.add_parser("send", help="a customer's message or event, as a POST")
    for command in (verify, send):
        command.add_argument("--server-url", required=True, help="the callback's serverUrl")
        command.add_argument("--token", required=True)
    send.add_argument("--app-id", required=True)
    send.add_argument("--original-id", required=True)
    send.add_argument("--encoding-aes-key")
    send.add_argument("--mode", choices=["plaintext", "compatible", "safe"], default="safe")
    send.add_argument("--open-id", default="oSimulatedCustomer0000000001")
    what = send.add_mutually_exclusive_group(required=True)
    what.add_argument("--text")
    what.add_argument("--event", help="an event name such as CLICK, SCAN, subscribe")
    send.add_argument("--event-key", default="")
    args = parser.parse_args(argv)

    account = SimulatedAccount(
        token=args.token,
        app_id=getattr(args, "app_id", "wx0000000000000000"),
        original_id=getattr(args, "original_id", "gh_0"),
        encoding_aes_key=getattr(args, "encoding_aes_key", None),
    )
    if args.command == "verify":
        customer = WeChatCustomer(account)
        query = customer.verify_url_query()
        response = httpx.get(args.server_url, params=query, timeout=10)
        print(f"GET {response.request.url}")
        print(f"-> {response.status_code} {response.text}")
        ok = response.status_code == 200 and response.text == query["echostr"]
        print("URL verified: the app echoed echostr" if ok else "URL NOT verified")
        return 0 if ok else 1

    customer = WeChatCustomer(account, args.open_id)
    if args.text is not None:
        fields = customer.text(args.text)
    else:
        fields = customer.event(
            args.event, **({"EventKey": args.event_key} if args.event_key else {})
        )
    query, body = customer.push(fields, args.mode)
    response = httpx.post(args.server_url, params=query, content=body, timeout=10)
    print(f"POST {response.request.url} ({len(body)} bytes, {args.mode} mode)")
    print(f"-> {response.status_code} {response.text}")
    return 0 if response.status_code == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
