"""A small app for devhost's tests: each function records what it was given.

Records are JSON lines appended to the file named by the ``DEVHOST_RECORD_FILE`` setting, so
that a test can see, from outside the devhost process, what each invocation received.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
RECORD_FILE = Path(os.environ["DEVHOST_RECORD_FILE"])


def record(function: str, **fields: Any) -> None:
    line = json.dumps(
        {"function": function, "at": time.time(), "pid": os.getpid(), **fields},
        ensure_ascii=False,
    )
    with RECORD_FILE.open("a", encoding="utf-8") as records:
        records.write(line + "\n")


def json_response(body: Any) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.route(route="items/{id:int}", methods=["GET"])
def item_by_id(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return json_response(
        {
            "function": context.function_name,
            "invocation_id": context.invocation_id,
            "method": req.method,
            "url": req.url,
            "route_params": dict(req.route_params),
            "params": dict(req.params),
            "probe": req.headers.get("x-probe"),
            "forwarded_for": req.headers.get("x-forwarded-for"),
        }
    )


@app.route(route="items/{name:alpha}", methods=["GET"])
def item_by_name(req: func.HttpRequest) -> func.HttpResponse:
    return json_response({"function": "item_by_name", "route_params": dict(req.route_params)})


@app.route(route="items/latest", methods=["GET"])
def latest_item(req: func.HttpRequest) -> func.HttpResponse:
    return json_response({"function": "latest_item"})


@app.route(route="Files/{*path}", methods=["GET"])
def files(req: func.HttpRequest) -> func.HttpResponse:
    return json_response({"function": "files", "route_params": dict(req.route_params)})


@app.route(route="greet/{name?}", methods=["GET"])
def greet(req: func.HttpRequest) -> str:
    return f"hello {req.route_params.get('name', 'nobody')}"


@app.route(route="submit", methods=["POST"])
def submit(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        req.get_body()[::-1],
        status_code=201,
        headers={"X-Body-Length": str(len(req.get_body()))},
    )


@app.route(route="fail")
def fail(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("secret detail that must stay in the log")


@app.route(route="nothing")
def returns_nothing(req: func.HttpRequest) -> func.HttpResponse:
    return None  # type: ignore[return-value]  # the worker fails this invocation


@app.route(route="coroutine")
async def coroutine(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(0.01)
    return func.HttpResponse("hello from a coroutine")


@app.route(route="slow")
def slow(req: func.HttpRequest) -> func.HttpResponse:
    record("slow", phase="started")
    time.sleep(1.5)
    record("slow", phase="finished")
    return func.HttpResponse("done")


@app.queue_trigger(arg_name="msg", queue_name="%QUEUE_NAME%", connection="AzureWebJobsStorage")
def on_message(msg: func.QueueMessage) -> None:
    body = msg.get_body().decode("utf-8")
    record("on_message", body=body, dequeue_count=msg.dequeue_count, id=msg.id)
    if body.startswith("fail"):
        raise RuntimeError("this message always fails")


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=False)
def yearly(timer: func.TimerRequest) -> None:
    record("yearly", past_due=timer.past_due)


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=True)
def on_startup(timer: func.TimerRequest) -> None:
    record("on_startup")


@app.timer_trigger(schedule="* * * * * *", arg_name="timer")
def every_second(timer: func.TimerRequest) -> None:
    record("every_second")


@app.timer_trigger(schedule="00:00:01", arg_name="timer")
def every_interval(timer: func.TimerRequest) -> None:
    record("every_interval")
