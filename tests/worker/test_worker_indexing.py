"""The real Python worker indexes our apps as devhost does, and refuses what devhost refuses.

``worker_index.py`` runs in ``.venv-worker`` (Python 3.13, ``azure-functions-runtime`` and the
app's requirements; ``make test`` builds it when it finds Python 3.13) and indexes an app
through the worker's own start-up handlers; ``devhost_index.py`` indexes it with devhost. Both
print JSON, compared here: the same functions with the same bindings, and what devhost serves
(routes, methods, queues, connections, schedules) is what the host reads from those bindings.
Then tiny apps that the worker refuses, each of which devhost must refuse too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, example_values
from tests.worker.devhost_index import index as index_in_process

HERE = Path(__file__).resolve().parent
DEVHOST_APP = ROOT / "tests" / "integration" / "devhost_app"
STORAGE_SETTING = "AzureWebJobsStorage"  # the host's default connection

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def worker_python() -> Path:
    configured = os.environ.get("WORKER_PYTHON")
    python = Path(configured) if configured else ROOT / ".venv-worker" / "bin" / "python"
    if not python.exists():
        message = (
            f"{python} is missing: `make test` builds .venv-worker when it finds Python 3.13 "
            f"(make PYTHON313=/path/to/python3.13 test)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return python


def run_json(command: list[str], settings: dict[str, str], **extra_env: str) -> dict[str, Any]:
    env = {"PATH": os.environ["PATH"], **extra_env, **settings}
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def index_with_worker(python: Path, root: Path, settings: dict[str, str]) -> dict[str, Any]:
    return run_json([str(python), str(HERE / "worker_index.py"), str(root)], settings)


def index_with_devhost(root: Path, settings: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, "-m", "tests.worker.devhost_index", str(root)]
    return run_json(command, settings, PYTHONPATH=str(ROOT))


def resolved(value: Any, settings: dict[str, str]) -> Any:
    """``%NAME%`` replaced by the setting, as the host resolves binding expressions."""
    if not isinstance(value, str):
        return value
    return re.sub(r"%([^%]+)%", lambda match: settings[match.group(1)], value)


def host_reading(name: str, bindings: list[dict[str, Any]], settings: dict[str, str]) -> dict:
    """What the host serves a function by, read from the bindings the worker reported."""
    bindings = [{k: resolved(v, settings) for k, v in b.items()} for b in bindings]
    [trigger] = [b for b in bindings if b["type"].endswith("Trigger")]
    outputs = [b["name"] for b in bindings if b["direction"] == "OUT" and b["name"] != "$return"]
    common = {"argument": trigger["name"], "outputParameters": sorted(outputs)}
    if trigger["type"] == "httpTrigger":
        methods = trigger.get("methods")
        return {
            "trigger": "httpTrigger",
            **common,
            "route": trigger.get("route") or name,  # no route: the function's name
            "methods": sorted(m.upper() for m in methods) if methods else None,  # None: all
        }
    if trigger["type"] == "queueTrigger":
        return {
            "trigger": "queueTrigger",
            **common,
            "queueName": trigger["queueName"].lower(),  # the extension lowercases it
            "connection": trigger.get("connection") or STORAGE_SETTING,
        }
    assert trigger["type"] == "timerTrigger", trigger
    return {
        "trigger": "timerTrigger",
        **common,
        "schedule": trigger["schedule"],
        "runOnStartup": bool(trigger.get("runOnStartup", False)),
    }


# --- the apps we serve ---------------------------------------------------------------------


def product_app(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    return ROOT, example_values()


def devhost_test_app(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    settings = {
        "DEVHOST_RECORD_FILE": str(tmp_path / "records.jsonl"),
        "QUEUE_NAME": "Devhost-Compare",
        STORAGE_SETTING: "UseDevelopmentStorage=true",
    }
    return DEVHOST_APP, settings


@pytest.fixture(scope="module")
def indexed(worker_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Per app: its settings, then what the worker and devhost made of it."""
    found = {}
    for name, app in [("function_app", product_app), ("devhost_app", devhost_test_app)]:
        root, settings = app(tmp_path_factory.mktemp(name))
        by_worker = index_with_worker(worker_python, root, settings)
        found[name] = (settings, by_worker, index_with_devhost(root, settings))
    return found


@pytest.mark.parametrize("app", ["function_app", "devhost_app"])
def test_the_worker_and_devhost_index_the_same_functions(indexed, app):
    settings, by_worker, by_devhost = indexed[app]
    assert "error" not in by_worker, by_worker["error"]
    assert "error" not in by_devhost, by_devhost["error"]
    worker_functions = {f["name"]: f for f in by_worker["functions"]}
    devhost_functions = {f["name"]: f for f in by_devhost["functions"]}
    assert list(worker_functions) == list(devhost_functions)
    assert len(worker_functions) > 10
    for name, function in worker_functions.items():
        assert function["entryPoint"] == name
        assert function["retry"] is None  # devhost has no retry policies
        assert function["bindings"] == devhost_functions[name]["bindings"], name
        reading = host_reading(name, function["bindings"], settings)
        assert reading == devhost_functions[name]["served"], name


def test_the_product_app_is_served_without_keys_in_azure_too(indexed):
    """Devhost (like Core Tools) never asks for function keys: the app must not need them."""
    functions = indexed["function_app"][1]["functions"]
    triggers = [b for f in functions for b in f["bindings"] if b["type"] == "httpTrigger"]
    assert triggers
    assert {b["authLevel"] for b in triggers} == {"ANONYMOUS"}


# --- what the worker refuses ---------------------------------------------------------------

HEADER = """\
from __future__ import annotations

import typing

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
QUEUE = {"queue_name": "work", "connection": "AzureWebJobsStorage"}
"""


@dataclass(frozen=True)
class Case:
    source: str
    devhost_says: str  # in devhost's refusal
    worker_says: str | None  # in the worker's refusal; None: the worker accepts the app


REFUSED = {
    "queue trigger annotated int": Case(
        '@app.queue_trigger(arg_name="msg", **QUEUE)\ndef f(msg: int) -> None: ...',
        "parameter 'msg' is annotated int, but the queueTrigger passes func.QueueMessage",
        "function parameter's Python type annotation int",
    ),
    "timer trigger annotated int": Case(
        '@app.timer_trigger(arg_name="t", schedule="0 * * * * *")\ndef f(t: int) -> None: ...',
        "parameter 't' is annotated int, but the timerTrigger passes func.TimerRequest",
        "function parameter's Python type annotation int",
    ),
    "http trigger annotated int": Case(
        '@app.route(route="f")\ndef f(req: int) -> str: ...',
        "parameter 'req' is annotated int, but the httpTrigger passes func.HttpRequest",
        "function parameter's Python type annotation int",
    ),
    "http trigger annotated Optional": Case(
        '@app.route(route="f")\ndef f(req: typing.Optional[func.HttpRequest]) -> str: ...',
        "parameter 'req' is annotated Optional[HttpRequest]",
        "binding req has invalid non-type annotation",
    ),
    "http function returning int": Case(
        '@app.route(route="f")\ndef f(req: func.HttpRequest) -> int: ...',
        "is annotated to return int; an HTTP function returns func.HttpResponse or str",
        'Python return annotation "int" does not match binding type "http"',
    ),
    "async http function returning int": Case(
        '@app.route(route="f")\nasync def f(req: func.HttpRequest) -> int: ...',
        "is annotated to return int",
        'Python return annotation "int" does not match binding type "http"',
    ),
    "http function returning None": Case(
        '@app.route(route="f")\ndef f(req: func.HttpRequest) -> None: ...',
        "is annotated to return None",
        'Python return annotation "NoneType" does not match binding type "http"',
    ),
    "http function returning bytes": Case(
        '@app.route(route="f")\ndef f(req: func.HttpRequest) -> bytes: ...',
        "is annotated to return bytes",
        'Python return annotation "bytes" does not match binding type "http"',
    ),
    "http function returning Optional": Case(
        '@app.route(route="f")\ndef f(req: func.HttpRequest) -> typing.Optional[str]: ...',
        "is annotated to return Optional[str]",
        "has invalid non-type return annotation",
    ),
    "unbound parameter with a default": Case(
        '@app.route(route="f")\ndef f(req: func.HttpRequest, extra: int = 1) -> str: ...',
        "parameters ['extra'] have no binding",
        "declared in Python but not in the function definition",
    ),
    "context annotated str": Case(
        '@app.route(route="f")\ndef f(req: func.HttpRequest, context: str) -> str: ...',
        "parameter 'context' is annotated str; annotate it func.Context",
        'the "context" parameter is expected to be of type azure.functions.Context',
    ),
    "annotation that does not evaluate": Case(
        'if typing.TYPE_CHECKING:\n    from elsewhere import Thing\n\n\n@app.route(route="f")\n'
        "def f(req: func.HttpRequest, context: Thing) -> str: ...",
        "its annotations cannot be evaluated (NameError: name 'Thing' is not defined)",
        "NameError: name 'Thing' is not defined",
    ),
    "two apps": Case(
        'other = func.FunctionApp()\n\n\n@app.route(route="f")\ndef f(req: func.HttpRequest): ...',
        "must define exactly one azure.functions.FunctionApp at its top level, found 2 "
        "(app, other)",
        "More than one FunctionApp or other top level function app instances are defined",
    ),
    "the app under two names": Case(
        'alias = app\n\n\n@app.route(route="f")\ndef f(req: func.HttpRequest): ...',
        "found 2 (app, alias)",
        "More than one FunctionApp or other top level function app instances are defined",
    ),
    "http output not annotated func.Out": Case(
        '@app.route(route="f")\n@app.generic_output_binding(arg_name="res", type="http")\n'
        "def f(req: func.HttpRequest, res: func.HttpResponse) -> str: ...",
        "output parameter 'res' is annotated HttpResponse; annotate it func.Out[func.HttpResponse]",
        'binding res is declared to have the "out" direction, but its annotation in Python is '
        "not a subclass of azure.functions.Out",
    ),
    "http output annotated func.Out[int]": Case(
        '@app.route(route="f")\n@app.generic_output_binding(arg_name="res", type="http")\n'
        "def f(req: func.HttpRequest, res: func.Out[int]) -> str: ...",
        "output parameter 'res' is annotated Out[int]",
        "function parameter's Python type annotation int",
    ),
    "trigger annotated func.Out": Case(
        '@app.route(route="f")\ndef f(req: func.Out[func.HttpRequest]) -> str: ...',
        "parameter 'req' is annotated Out[HttpRequest], but func.Out is for output bindings",
        'binding req is declared to have the "in" direction in the binding decorator, but its '
        "annotation is azure.functions.Out in Python",
    ),
    # Devhost is stricter here: the worker hands these the raw data, devhost does not.
    "queue trigger annotated str": Case(
        '@app.queue_trigger(arg_name="msg", **QUEUE)\ndef f(msg: str) -> None: ...',
        "parameter 'msg' is annotated str, but the queueTrigger passes func.QueueMessage",
        None,
    ),
    "timer trigger annotated bytes": Case(
        '@app.timer_trigger(arg_name="t", schedule="0 * * * * *")\ndef f(t: bytes) -> None: ...',
        "parameter 't' is annotated bytes, but the timerTrigger passes func.TimerRequest",
        None,
    ),
}

ACCEPTED = """
@app.route(route="typed")
def typed(req: func.HttpRequest, context: func.Context) -> func.HttpResponse: ...


@app.route(route="text")
async def text(req: func.HttpRequest) -> str: ...


@app.route(route="untyped")
def untyped(req, context): ...


@app.route(route="with-output")
@app.generic_output_binding(arg_name="res", type="http")
def with_output(req: func.HttpRequest, res: func.Out[func.HttpResponse]) -> str: ...


@app.queue_trigger(arg_name="msg", **QUEUE)
def on_message(msg: func.QueueMessage, context: func.Context) -> None: ...


@app.timer_trigger(arg_name="timer", schedule="0 * * * * *")
def on_timer(timer: func.TimerRequest) -> None: ...
"""


def tiny_app(tmp_path: Path, source: str) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "function_app.py").write_text(HEADER + "\n\n" + source + "\n", "utf-8")
    return root


TINY_SETTINGS = {STORAGE_SETTING: "UseDevelopmentStorage=true"}


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_devhost_refuses_what_the_worker_refuses(tmp_path, monkeypatch, case):
    """In-process, for speed: each app under a module name of its own."""
    root = tiny_app(tmp_path, case.source)
    module = f"tiny_app_{uuid.uuid4().hex}"
    (root / f"{module}.py").write_text((root / "function_app.py").read_text("utf-8"), "utf-8")
    monkeypatch.setattr(sys, "path", list(sys.path))  # devhost puts the app's folder first
    result = index_in_process(root, module)
    sys.modules.pop(module, None)
    assert case.devhost_says in result.get("error", ""), result


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_the_worker_refuses_these_apps(worker_python, tmp_path, case):
    result = index_with_worker(worker_python, tiny_app(tmp_path, case.source), TINY_SETTINGS)
    if case.worker_says is None:
        assert "error" not in result, result  # a case where devhost is stricter, on purpose
    else:
        assert case.worker_says in result.get("error", ""), result


def test_both_accept_the_annotations_devhost_passes(worker_python, tmp_path):
    root = tiny_app(tmp_path, ACCEPTED)
    by_worker = index_with_worker(worker_python, root, TINY_SETTINGS)
    by_devhost = index_with_devhost(root, TINY_SETTINGS)
    assert "error" not in by_worker, by_worker
    assert "error" not in by_devhost, by_devhost
    names = ["typed", "text", "untyped", "with_output", "on_message", "on_timer"]
    assert [f["name"] for f in by_worker["functions"]] == names
    for worker_function, devhost_function in zip(
        by_worker["functions"], by_devhost["functions"], strict=True
    ):
        reading = host_reading(worker_function["name"], worker_function["bindings"], TINY_SETTINGS)
        assert reading == devhost_function["served"]
