"""What the host learns from indexing a Python v2 app: one ``FunctionSpec`` per function.

The host reads each function's bindings (the JSON the decorators produce), resolves
``%SETTING%`` references in them, and refuses to start on a binding it cannot serve. Devhost
serves HTTP (``httpTrigger`` with ``http`` output), ``queueTrigger`` and ``timerTrigger``;
anything else stops it with the function's and binding's names, so nobody mistakes a silently
ignored binding for a working one.

The Python worker checks each function's signature when it indexes the app and refuses the
whole app on the first mismatch; devhost refuses the same apps (tests/worker runs both):
exactly one ``FunctionApp`` at the module's top level; annotations that evaluate; every
parameter bound, defaults or not, but ``context`` (a ``func.Context``); a trigger parameter
annotated with the type its trigger passes (``func.HttpRequest``, ``func.QueueMessage``,
``func.TimerRequest``); ``func.Out[...]`` exactly on output parameters; and an HTTP function
annotated to return ``func.HttpResponse`` or ``str`` if at all (``int`` and ``None`` are
refused). Devhost is stricter in one place: the worker converts a trigger parameter annotated
``str`` or ``bytes`` to the raw data, devhost does not, so it refuses those.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import re
import sys
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.functions.decorators.function_app import FunctionRegister

from devhost.errors import StartupError
from devhost.schedules import Schedule, schedule_of
from devhost.settings import resolve_references
from shared.core.settings import STORAGE_SETTING

log = logging.getLogger("devhost")

SUPPORTED_TRIGGERS = ("httpTrigger", "queueTrigger", "timerTrigger")
RETURN = "$return"
CONTEXT_PARAMETER = "context"  # the worker passes func.Context to a parameter of this name
# What devhost passes to each trigger's parameter, by the name a person would annotate.
TRIGGER_ARGUMENTS = {
    "httpTrigger": "func.HttpRequest",
    "queueTrigger": "func.QueueMessage",
    "timerTrigger": "func.TimerRequest",
}
HTTP_OUTPUT = "http"
_MODULE_PATH = re.compile(r"\b(?:\w+\.)+(?=\w)")
_QUEUE_NAME = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
# Keys that name the binding rather than configure it; never %-resolved.
_STRUCTURAL_KEYS = frozenset({"type", "direction", "name"})


@dataclass(frozen=True)
class FunctionSpec:
    """A function as the host indexed it: its name, the Python callable, how to call it."""

    name: str
    user_function: Callable[..., Any]
    trigger_arg: str
    output_args: tuple[str, ...]  # http outputs bound to a parameter (func.Out) rather than $return
    wants_context: bool


@dataclass(frozen=True)
class HttpFunction(FunctionSpec):
    route: str
    methods: frozenset[str] | None  # None: every method


@dataclass(frozen=True)
class QueueFunction(FunctionSpec):
    queue_name: str
    connection: str


@dataclass(frozen=True)
class TimerFunction(FunctionSpec):
    schedule: str  # as written, for the listing at start-up
    parsed_schedule: Schedule
    run_on_startup: bool


IndexedFunction = HttpFunction | QueueFunction | TimerFunction
"""What indexing makes: devhost serves these three triggers and refuses the others."""


def load_function_app(root: Path, module_name: str) -> FunctionRegister:
    """Import ``module_name`` from ``root`` and return its ``FunctionApp``.

    ``root`` goes first on ``sys.path`` so that its module wins over a same-named one elsewhere
    (every app's module is called ``function_app``). Import errors propagate with their
    traceback, as the host shows them. Like the worker, this counts the module's top-level names
    bound to an app (the same app under two names counts twice) and wants exactly one.
    """
    sys.path.insert(0, str(root))
    module = importlib.import_module(module_name)
    apps = {name: app for name, app in vars(module).items() if isinstance(app, FunctionRegister)}
    names = list(apps)
    if len(names) != 1:
        found = f" ({', '.join(names)})" if names else ""
        raise StartupError(
            f"module {module_name!r} must define exactly one azure.functions.FunctionApp at its "
            f"top level, found {len(names)}{found}; the Python worker refuses the app otherwise"
        )
    return apps[names[0]]


def index_app(app: FunctionRegister, settings: Mapping[str, str]) -> list[IndexedFunction]:
    """Every function of ``app``, or a ``StartupError`` listing every problem found."""
    specs: list[IndexedFunction] = []
    problems: list[str] = []
    # get_functions() may be called only once per app: it records names to detect duplicates.
    for function in app.get_functions():
        # The SDK names a function after its Python function unless told otherwise.
        name = function.get_function_name() or function.get_user_function().__name__
        bindings = [json.loads(raw) for raw in function.get_raw_bindings()]
        try:
            specs.append(index_function(name, function.get_user_function(), bindings, settings))
        except StartupError as error:
            problems.append(str(error))
        if function.get_setting("retry_policy") is not None:
            log.warning("function %r: its retry policy is ignored by devhost", name)
    if problems:
        raise StartupError("\n".join(problems))
    return specs


def index_function(
    name: str,
    user_function: Callable[..., Any],
    bindings: list[dict[str, Any]],
    settings: Mapping[str, str],
) -> IndexedFunction:
    """One function from its raw binding dicts (as ``get_raw_bindings`` gives them)."""
    where = f"function {name!r}"
    bindings = [_resolved(binding, settings, where) for binding in bindings]
    triggers = [b for b in bindings if str(b.get("type", "")).endswith("Trigger")]
    if len(triggers) != 1:
        raise StartupError(f"{where}: must have exactly one trigger, found {len(triggers)}")
    trigger = triggers[0]
    for binding in bindings:
        if binding is trigger or _is_http_output(binding):
            continue
        raise StartupError(
            f"{where}: binding {binding.get('name')!r} of type {binding.get('type')!r} "
            f"({str(binding.get('direction', '')).lower()}) is not supported by devhost, which "
            f"serves {', '.join(SUPPORTED_TRIGGERS)} and http outputs; use Core Tools (func start)"
        )
    trigger_type = trigger.get("type")
    if trigger_type not in SUPPORTED_TRIGGERS:
        raise StartupError(
            f"{where}: trigger {trigger.get('name')!r} of type {trigger_type!r} is not "
            f"supported by devhost (it serves {', '.join(SUPPORTED_TRIGGERS)}); "
            f"use Core Tools (func start)"
        )
    outputs = [b for b in bindings if _is_http_output(b)]
    if outputs and trigger_type != "httpTrigger":
        raise StartupError(f"{where}: an http output needs an httpTrigger, not {trigger_type}")
    output_args = tuple(b["name"] for b in outputs if b.get("name") != RETURN)
    returns_http = any(b.get("name") == RETURN for b in outputs)
    signature = _check_signature(user_function, trigger, output_args, returns_http, where)
    common: dict[str, Any] = {
        "name": name,
        "user_function": user_function,
        "trigger_arg": trigger["name"],
        "output_args": output_args,
        "wants_context": signature,
    }
    if trigger_type == "httpTrigger":
        methods = trigger.get("methods")
        return HttpFunction(
            **common,
            route=trigger.get("route") or name,
            methods=frozenset(m.upper() for m in methods) if methods else None,
        )
    if trigger_type == "queueTrigger":
        queue_name = str(trigger.get("queueName") or "").lower()
        if not _QUEUE_NAME.match(queue_name):
            raise StartupError(
                f"{where}: queue name {queue_name!r} is invalid (3-63 lowercase letters, digits "
                f"and single hyphens, starting and ending with a letter or digit)"
            )
        return QueueFunction(
            **common,
            queue_name=queue_name,
            connection=trigger.get("connection") or STORAGE_SETTING,
        )
    schedule = str(trigger.get("schedule") or "")
    try:
        parsed_schedule = schedule_of(schedule)
    except ValueError as error:
        raise StartupError(f"{where}: {error}") from None
    return TimerFunction(
        **common,
        schedule=schedule,
        parsed_schedule=parsed_schedule,
        run_on_startup=bool(trigger.get("runOnStartup")),
    )


def _resolved(binding: dict[str, Any], settings: Mapping[str, str], where: str) -> dict[str, Any]:
    return {
        key: resolve_references(value, settings, where=where)
        if isinstance(value, str) and key not in _STRUCTURAL_KEYS
        else value
        for key, value in binding.items()
    }


def _is_http_output(binding: dict[str, Any]) -> bool:
    return binding.get("type") == "http" and str(binding.get("direction", "")).upper() == "OUT"


def _check_signature(
    user_function: Callable[..., Any],
    trigger: dict[str, Any],
    output_args: tuple[str, ...],
    returns_http: bool,
    where: str,
) -> bool:
    """Refuse what the worker refuses in a function's parameters and annotations (see the
    module's docstring); True if the function takes ``context``."""
    trigger_arg, trigger_type = trigger["name"], trigger["type"]
    parameters = inspect.signature(user_function).parameters
    bound = {trigger_arg, *output_args}
    missing = sorted(bound - set(parameters))
    if missing:
        raise StartupError(f"{where}: bindings {missing} have no parameter of that name")
    wants_context = CONTEXT_PARAMETER in parameters and CONTEXT_PARAMETER not in bound
    unbound = sorted(set(parameters) - bound - ({CONTEXT_PARAMETER} if wants_context else set()))
    if unbound:
        raise StartupError(
            f"{where}: parameters {unbound} have no binding (a default does not help: the "
            f"worker passes bound parameters and context only)"
        )
    try:
        annotations = typing.get_type_hints(user_function)
    except Exception as error:
        raise StartupError(
            f"{where}: its annotations cannot be evaluated ({type(error).__name__}: {error}); "
            f"the worker evaluates them when it indexes the app"
        ) from None
    registry = func.get_binding_registry()
    for parameter, annotation in annotations.items():
        if parameter == "return" or parameter not in parameters:
            continue
        shown = _type_name(annotation)
        is_out = typing.get_origin(annotation) is func.Out
        if parameter in output_args:
            out_type = typing.get_args(annotation)[0] if is_out else None
            if not (is_out and _is_http_answer(out_type, registry)):
                raise StartupError(
                    f"{where}: output parameter {parameter!r} is annotated {shown}; annotate "
                    f"it func.Out[func.HttpResponse] (or func.Out[str]), or not at all"
                )
        elif is_out:
            raise StartupError(
                f"{where}: parameter {parameter!r} is annotated {shown}, but func.Out is for "
                f"output bindings and {parameter!r} is not one"
            )
        elif parameter == CONTEXT_PARAMETER and wants_context:
            if not (isinstance(annotation, type) and issubclass(annotation, func.Context)):
                raise StartupError(
                    f"{where}: parameter 'context' is annotated {shown}; annotate it "
                    f"func.Context, or not at all"
                )
        elif parameter == trigger_arg:
            converter = registry.get(trigger_type)
            if not (
                isinstance(annotation, type) and converter.check_input_type_annotation(annotation)
            ):
                passed = TRIGGER_ARGUMENTS[trigger_type]
                raise StartupError(
                    f"{where}: parameter {parameter!r} is annotated {shown}, but the "
                    f"{trigger_type} passes {passed}; annotate it {passed} or not at all "
                    f"(devhost passes nothing else, not even str or bytes)"
                )
    if returns_http and "return" in annotations:
        returned = annotations["return"]
        if not _is_http_answer(returned, registry):
            raise StartupError(
                f"{where}: is annotated to return {_type_name(returned)}; an HTTP function "
                f"returns func.HttpResponse or str (the worker refuses any other return "
                f"annotation, None included)"
            )
    return wants_context


def _is_http_answer(annotation: Any, registry: Any) -> bool:
    """A type the worker sends as an HTTP response: ``func.HttpResponse`` or ``str``."""
    converter = registry.get(HTTP_OUTPUT)
    return isinstance(annotation, type) and converter.check_output_type_annotation(annotation)


def _type_name(annotation: Any) -> str:
    """``int``, ``None``, ``Out[int]``, ``Optional[HttpRequest]``: without module paths."""
    if annotation is type(None):
        return "None"
    if isinstance(annotation, type) and typing.get_origin(annotation) is None:
        return annotation.__qualname__
    return _MODULE_PATH.sub("", repr(annotation))
