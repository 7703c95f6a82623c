"""Index a function app with the real Python worker and print what it would tell the host.

Run with the worker's venv (Python 3.13+, ``requirements-worker.txt``; ``make test`` builds
it): ``.venv-worker/bin/python tests/worker/worker_index.py ROOT``.
The script plays the host's side of the worker's start-up: it sends the worker its
``WorkerInitRequest`` (which imports ``ROOT/function_app.py`` and indexes it) and then its
``FunctionsMetadataRequest``, through the worker's own handlers, and prints one JSON object:
``{"functions": [...]}`` with each function's name and raw bindings, or ``{"error": "..."}``
when the worker refuses the app. The protobuf messages the handlers build come from the
worker's gRPC proxy, which is not on PyPI; ``Protos`` stands in for them.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from azure_functions_runtime import functions_metadata_request, worker_init_request


class Message:
    """A protobuf message as the worker builds one: its fields, given as keywords."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


class StatusResult(Message):
    Failure, Success, Cancelled = 0, 1, 2  # StatusResult.Status in the host's FunctionRpc.proto


class BindingInfo(Message):
    # BindingInfo.Direction (``in`` is a keyword: set below) and BindingInfo.DataType.
    out, inout = 1, 2
    undefined, string, binary, stream = 0, 1, 2, 3


setattr(BindingInfo, "in", 0)


class Protos:
    """The ``protos`` module the worker is handed: every other message type on demand."""

    StatusResult = StatusResult
    BindingInfo = BindingInfo

    def __getattr__(self, name: str) -> type[Message]:
        message = type(name, (Message,), {})
        setattr(self, name, message)
        return message


def fields_of(message: Any) -> Any:
    """A message (or a value in one) as plain JSON data."""
    if isinstance(message, Message):
        return {name: fields_of(value) for name, value in vars(message).items()}
    if isinstance(message, dict):
        return {str(key): fields_of(value) for key, value in message.items()}
    if isinstance(message, list | tuple):
        return [fields_of(value) for value in message]
    if isinstance(message, str | int | float | bool) or message is None:
        return message
    return str(message)


def index(root: Path) -> dict[str, Any]:
    protos = Protos()
    request = SimpleNamespace(
        request=SimpleNamespace(
            worker_init_request=SimpleNamespace(capabilities={}, function_app_directory=str(root)),
        ),
        properties={"host": "127.0.0.1", "protos": protos},
    )
    init = asyncio.run(worker_init_request(request))
    if init.result.status != StatusResult.Success:
        return {"error": init.result.exception.message}
    metadata = asyncio.run(functions_metadata_request(request))
    functions = []
    for function in metadata.function_metadata_results or []:
        functions.append(
            {
                "name": function.name,
                "entryPoint": function.entry_point,
                "scriptFile": function.script_file,
                "bindings": [json.loads(raw) for raw in function.raw_bindings],
                "retry": fields_of(function.retry_options),
            }
        )
    return {"functions": functions}


def main() -> int:
    root = Path(sys.argv[1]).resolve()
    sys.path.insert(0, str(root))  # as the worker's proxy does before the init request
    os.chdir(root)
    print(json.dumps(index(root), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
