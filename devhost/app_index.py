"""What the host learns from indexing a Python v2 app: one ``FunctionSpec`` per function.

The host reads each function's bindings (the JSON the decorators produce), resolves
``%SETTING%`` references in them, and refuses to start on a binding it cannot serve. Devhost
serves HTTP (``httpTrigger`` with ``http`` output), ``queueTrigger`` and ``timerTrigger``;
anything else stops it with the function's and binding's names, so nobody mistakes a silently
ignored binding for a working one.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure.functions.decorators.function_app import FunctionRegister

from shared.settings import STORAGE_SETTING

from .errors import StartupError
from .schedules import Schedule, schedule_of
from .settings import resolve_references

log = logging.getLogger("devhost")

SUPPORTED_TRIGGERS = ("httpTrigger", "queueTrigger", "timerTrigger")
RETURN = "$return"
CONTEXT_PARAMETER = "context"  # the worker passes func.Context to a parameter of this name
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


def load_function_app(root: Path, module_name: str) -> FunctionRegister:
    """Import ``module_name`` from ``root`` and return its ``FunctionApp``.

    ``root`` goes first on ``sys.path`` so that its module wins over a same-named one elsewhere
    (every app's module is called ``function_app``). Import errors propagate with their
    traceback, as the host shows them.
    """
    sys.path.insert(0, str(root))
    module = importlib.import_module(module_name)
    app = getattr(module, "app", None)
    if isinstance(app, FunctionRegister):
        return app
    apps = [value for value in vars(module).values() if isinstance(value, FunctionRegister)]
    if len(apps) != 1:
        raise StartupError(
            f"module {module_name!r} must define one azure.functions.FunctionApp "
            f"(found {len(apps)}); devhost looks for it as `app`"
        )
    return apps[0]


def index_app(app: FunctionRegister, settings: Mapping[str, str]) -> list[FunctionSpec]:
    """Every function of ``app``, or a ``StartupError`` listing every problem found."""
    specs: list[FunctionSpec] = []
    problems: list[str] = []
    # get_functions() may be called only once per app: it records names to detect duplicates.
    for function in app.get_functions():
        name = function.get_function_name()
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
) -> FunctionSpec:
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
    common: dict[str, Any] = {
        "name": name,
        "user_function": user_function,
        "trigger_arg": trigger["name"],
        "output_args": output_args,
        "wants_context": _check_parameters(user_function, trigger["name"], output_args, where),
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


def _check_parameters(
    user_function: Callable[..., Any], trigger_arg: str, output_args: tuple[str, ...], where: str
) -> bool:
    """The worker refuses a function whose parameters and bindings differ; so does devhost."""
    parameters = inspect.signature(user_function).parameters
    bound = {trigger_arg, *output_args}
    missing = sorted(bound - set(parameters))
    if missing:
        raise StartupError(f"{where}: bindings {missing} have no parameter of that name")
    unbound = sorted(
        name
        for name, parameter in parameters.items()
        if name not in bound and name != CONTEXT_PARAMETER and parameter.default is parameter.empty
    )
    if unbound:
        raise StartupError(f"{where}: parameters {unbound} have no binding")
    return CONTEXT_PARAMETER in parameters
