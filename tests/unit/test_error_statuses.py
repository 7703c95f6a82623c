"""The domain's errors speak no HTTP: ``triggers/errors.py`` is the one table of kind → status.
Every kind has a row, the bodies are the API's, the OpenAPI document lists each status, and
anything else a route raises is the host's 500, its message only in the log."""

from __future__ import annotations

import http.client
import importlib
import pkgutil
import threading
from collections.abc import Iterator
from typing import Any

import azure.functions as func
import pytest

import shared
from devhost.app_index import HttpFunction, index_app
from devhost.http_server import FunctionsHttpServer
from devhost.invoker import Invoker
from devhost.routes import RouteTable
from shared.core.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    IllegalTransitionError,
    InvalidRequestError,
    NotFoundError,
    TooLargeError,
    UnauthorizedError,
    WindowClosedError,
    not_found,
    unknown_reference,
)
from tests.conftest import example_values
from triggers.errors import STATUS

SECRET = "secret detail that must stay in the log"


def domain_error_kinds() -> set[type[DomainError]]:
    """Every subclass of ``DomainError`` that ``shared`` defines, wherever it does."""
    for module in pkgutil.walk_packages(shared.__path__, "shared."):
        importlib.import_module(module.name)
    found: set[type[DomainError]] = set()
    todo: list[type[DomainError]] = [DomainError]
    while todo:
        for kind in todo.pop().__subclasses__():
            todo.append(kind)
            if kind.__module__.startswith("shared."):
                found.add(kind)
    return found


@pytest.fixture(scope="module")
def responses() -> Any:
    """triggers.responses, imported with the example settings (the trigger package loads the
    app's settings when it is first imported)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in example_values().items():
            patch.setenv(name, value)
        return importlib.import_module("triggers.responses")


def test_every_kind_of_domain_error_has_a_status():
    kinds = domain_error_kinds()
    assert kinds >= {NotFoundError, ConflictError, InvalidRequestError}  # the walk found them
    missing = sorted(kind.__qualname__ for kind in kinds if kind not in STATUS)
    assert not missing, f"add these to STATUS in triggers/errors.py: {missing}"


def test_the_openapi_document_lists_every_status_the_table_answers(openapi):
    documented = {
        int(status)
        for path in openapi["paths"].values()
        for operation in path.values()
        for status, response in operation["responses"].items()
        if "ErrorBody" in str(response.get("content", {}))
    }
    assert set(STATUS.values()) <= documented


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (
            not_found("conversation c1"),
            404,
            b'{"error":{"code":"not_found","message":"conversation c1 was not found"}}',
        ),
        (
            unknown_reference("queueId", "queue", "q9"),
            400,
            b'{"error":{"code":"unknown_reference","message":"queueId: no queue q9",'
            b'"field":"queueId"}}',
        ),
        (
            InvalidRequestError("the file is empty", field=""),
            400,
            b'{"error":{"code":"invalid_request","message":"the file is empty"}}',
        ),
        (
            ConflictError("conversation c1 was taken meanwhile", code="taken"),
            409,
            b'{"error":{"code":"taken","message":"conversation c1 was taken meanwhile"}}',
        ),
        (
            IllegalTransitionError("a conversation that is closed cannot become active"),
            409,
            b'{"error":{"code":"illegal_transition",'
            b'"message":"a conversation that is closed cannot become active"}}',
        ),
        (
            WindowClosedError("the customer's 48-hour window has closed"),
            409,
            b'{"error":{"code":"reply_window","message":"the customer\'s 48-hour window has '
            b'closed"}}',
        ),
        (
            ForbiddenError("agent a1 is disabled", code="agent_disabled"),
            403,
            b'{"error":{"code":"agent_disabled","message":"agent a1 is disabled"}}',
        ),
        (
            TooLargeError("a file may be at most 1 MB"),
            413,
            b'{"error":{"code":"body_too_large","message":"a file may be at most 1 MB"}}',
        ),
        (
            UnauthorizedError("名字 is not an agent's token"),
            401,
            '{"error":{"code":"unauthorized","message":"名字 is not an agent\'s token"}}'.encode(),
        ),
    ],
)
def test_each_kind_answers_its_status_and_body(responses, error, status, body):
    answer = responses.error_response(error)
    assert (answer.status_code, answer.get_body()) == (status, body)
    assert answer.mimetype == "application/json"
    assert answer.headers.get("WWW-Authenticate") == ("Bearer" if status == 401 else None)


class _UnlistedError(DomainError):
    """A kind someone forgot to give a status."""

    default_code = "unlisted"


@pytest.fixture
def served(responses) -> Iterator[str]:
    """Three ``@api`` routes on devhost's HTTP front end, as the app's routes run: one raises a
    domain error, one a kind without a status, one a plain exception."""
    app = func.FunctionApp()

    @app.route(route="gone", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    @responses.api
    def gone(req: func.HttpRequest) -> func.HttpResponse:
        raise not_found("conversation c1")

    @app.route(route="unlisted", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    @responses.api
    def unlisted(req: func.HttpRequest) -> func.HttpResponse:
        raise _UnlistedError(SECRET)

    @app.route(route="broken", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    @responses.api
    def broken(req: func.HttpRequest) -> func.HttpResponse:
        raise RuntimeError(SECRET)

    routes: RouteTable[HttpFunction] = RouteTable(prefix="api")
    for function in index_app(app, {}):
        assert isinstance(function, HttpFunction)
        routes.add(function.route, function.methods, function)
    invoker = Invoker(function_directory=".")
    server = FunctionsHttpServer(("127.0.0.1", 0), routes, invoker, lambda name, body: 404)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        invoker.close()


def get(address: str, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(address, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_domain_error_is_answered_and_anything_else_is_the_hosts_500(served, caplog):
    assert get(served, "/api/gone") == (
        404,
        b'{"error":{"code":"not_found","message":"conversation c1 was not found"}}',
    )
    with caplog.at_level("ERROR", logger="devhost"):
        assert get(served, "/api/broken") == (500, b"")
        assert get(served, "/api/unlisted") == (500, b"")
    failures = [record for record in caplog.records if record.exc_info]
    assert len(failures) == 2
    assert caplog.text.count(SECRET) == 2  # in the log (both tracebacks), not in the answers
    assert "_UnlistedError has no HTTP status" in caplog.text
