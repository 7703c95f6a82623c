"""Act as WeChat: verify the app's server URL, push a customer's message, or serve WeChat's API.

  .venv/bin/python -m tools.wechat_simulator verify --server-url URL --token TOKEN
  .venv/bin/python -m tools.wechat_simulator send --server-url URL --token TOKEN --app-id APPID \\
      --original-id GH_ID [--encoding-aes-key KEY] [--mode safe] [--open-id ID] --text TEXT \\
      [--api-simulator http://127.0.0.1:7072]
  .venv/bin/python -m tools.wechat_simulator send ... --event CLICK --event-key MENU_KEY
  .venv/bin/python -m tools.wechat_simulator api [--app-id APPID --app-secret SECRET] \\
      [--port 7072] [--quota 5|none] [--token-lifetime 7200]

verify and send print what they sent and what the app answered, and exit 1 if the app did not
accept it. api serves a stand-in for https://api.weixin.qq.com until Ctrl-C; put the URL it
prints in WECHAT_API_BASE_URL. Replies need a customer message in the last 48 hours: give send
--api-simulator so the stand-in learns of the message before the app does. api also serves the
customer playground, a page where you chat as a customer, at /__sim/playground/: register an
account there (or with POST /__sim/accounts) to push as WeChat does.
"""

from __future__ import annotations

import argparse
import sys
import threading

import httpx

from tools.wechat_simulator.api_server import WeChatApiSimulator
from tools.wechat_simulator.customer import SimulatedAccount, WeChatCustomer
from tools.wechat_simulator.playground import PAGE_PATH


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=".venv/bin/python -m tools.wechat_simulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
    send.add_argument("--api-simulator", help="the api command's URL, told of each message")
    api = commands.add_parser("api", help="serve a stand-in for WeChat's server API")
    api.add_argument("--port", type=int, default=7072)
    api.add_argument("--app-id", help="an account that may fetch tokens (with --app-secret)")
    api.add_argument("--app-secret")
    api.add_argument("--quota", type=_quota, default=5, help="replies per customer message")
    api.add_argument("--token-lifetime", type=int, default=7200, help="seconds")
    args = parser.parse_args(argv)
    if args.command == "api" and (args.app_id is None) != (args.app_secret is None):
        parser.error("api: give --app-id and --app-secret together, or neither")
    if args.command == "api":
        return serve_api(args)

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
        if args.api_simulator:
            tell_api_simulator(args.api_simulator, args.app_id, args.open_id)
    else:
        fields = customer.event(
            args.event, **({"EventKey": args.event_key} if args.event_key else {})
        )
    query, body = customer.push(fields, args.mode)
    response = httpx.post(args.server_url, params=query, content=body, timeout=10)
    print(f"POST {response.request.url} ({len(body)} bytes, {args.mode} mode)")
    print(f"-> {response.status_code} {response.text}")
    return 0 if response.status_code == 200 else 1


def _quota(value: str) -> int | None:
    if value.lower() == "none":
        return None
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("a number of messages, or none") from None


def serve_api(args: argparse.Namespace) -> int:
    simulator = WeChatApiSimulator(
        port=args.port,
        token_lifetime=args.token_lifetime,
        quota=args.quota,
        log=lambda line: print(line, flush=True),
    )
    if args.app_id is not None:
        simulator.add_account(args.app_id, args.app_secret)
    with simulator:
        quota = "no limit" if args.quota is None else f"{args.quota} per customer message"
        account = f"account {args.app_id}" if args.app_id else "no account yet"
        print(f"WeChat API simulator on {simulator.url}", flush=True)
        print(f"  set WECHAT_API_BASE_URL={simulator.url} for the app and restart it")
        print(f"  {account}; replies: {quota}; tokens live {args.token_lifetime} s")
        print(f"  push customer messages with: send ... --api-simulator {simulator.url}")
        print(f"  or chat as a customer at {simulator.url}{PAGE_PATH}")
        print("Ctrl-C to stop", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
    return 0


def tell_api_simulator(url: str, app_id: str, open_id: str) -> None:
    """Before the push, as WeChat records a message before delivering it: a reply the app
    sends at once must find the 48-hour window open."""
    try:
        response = httpx.post(
            f"{url.rstrip('/')}/__sim/customer_wrote",
            json={"appid": app_id, "openid": open_id},
            timeout=10,
        )
        accepted = response.status_code == 200 and response.json().get("errcode") == 0
    except (httpx.HTTPError, ValueError):
        accepted = False
    if not accepted:
        print(f"warning: the API simulator at {url} did not record the message")


if __name__ == "__main__":
    sys.exit(main())
