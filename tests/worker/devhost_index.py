"""Index a function app as devhost does and print what it found, for tests/worker to compare.

``python -m tests.worker.devhost_index ROOT`` (from the repository, with the app's settings in
the environment) prints one JSON object: ``{"functions": [...]}`` with each function's raw
bindings (as devhost read them from the app) and the spec devhost serves it by, or
``{"error": "..."}`` when devhost refuses the app.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from devhost.app_index import (
    FunctionSpec,
    HttpFunction,
    QueueFunction,
    TimerFunction,
    index_app,
    load_function_app,
)
from devhost.errors import StartupError


def served(spec: FunctionSpec) -> dict[str, Any]:
    """What devhost serves ``spec`` by, in the terms of the bindings."""
    common = {"argument": spec.trigger_arg, "outputParameters": sorted(spec.output_args)}
    if isinstance(spec, HttpFunction):
        methods = sorted(spec.methods) if spec.methods is not None else None
        return {"trigger": "httpTrigger", **common, "route": spec.route, "methods": methods}
    if isinstance(spec, QueueFunction):
        return {
            "trigger": "queueTrigger",
            **common,
            "queueName": spec.queue_name,
            "connection": spec.connection,
        }
    assert isinstance(spec, TimerFunction)
    return {
        "trigger": "timerTrigger",
        **common,
        "schedule": spec.schedule,
        "runOnStartup": spec.run_on_startup,
    }


def index(root: Path, module: str = "function_app") -> dict[str, Any]:
    """What devhost makes of ``root``'s ``module``; the app's settings are the environment's."""
    try:
        app = load_function_app(root, module)
        functions = app.get_functions()  # it may run once per app: index_app gets these
        app.get_functions = lambda: functions  # type: ignore[method-assign]
        specs = index_app(app, os.environ)
    except StartupError as error:
        return {"error": str(error)}
    bindings = {
        f.get_function_name(): [json.loads(b) for b in f.get_raw_bindings()] for f in functions
    }
    return {
        "functions": [
            {"name": spec.name, "bindings": bindings[spec.name], "served": served(spec)}
            for spec in specs
        ]
    }


def main() -> int:
    root = Path(sys.argv[1]).resolve()
    os.chdir(root)  # as devhost runs the app
    print(json.dumps(index(root), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
