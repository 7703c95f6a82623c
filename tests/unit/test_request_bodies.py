"""Request bodies are refused by their declared size before anything reads or parses them."""

from __future__ import annotations

import importlib

import azure.functions as func
import pytest

from shared.core.errors import DomainError
from tests.conftest import example_values
from triggers.errors import status_of
from triggers.requests import MAX_JSON_BODY, declared_size

FORM = (
    b"--x\r\n"
    b'Content-Disposition: form-data; name="file"; filename="a.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n"
    b"hello\r\n"
    b"--x--\r\n"
)


@pytest.fixture(scope="module")
def responses():
    """triggers.responses, imported with the example settings (the trigger package loads the
    app's settings when it is first imported)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in example_values().items():
            patch.setenv(name, value)
        return importlib.import_module("triggers.responses")


def request(body: bytes, **headers: str) -> func.HttpRequest:
    return func.HttpRequest("POST", "http://localhost/api/x", headers=headers, body=body)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({}, None), ({"content-length": "12"}, 12), ({"content-length": " 7 "}, 7)],
)
def test_declared_size(headers, expected):
    assert declared_size(headers) == expected


@pytest.mark.parametrize("value", ["-1", "1e3", "twelve", "²", ""])
def test_a_content_length_that_is_not_a_byte_count_is_400(value):
    with pytest.raises(DomainError) as caught:
        declared_size({"content-length": value})
    assert status_of(caught.value) == 400


def test_a_json_body_is_refused_by_its_content_length(responses):
    claims = request(b"{}", **{"Content-Length": str(MAX_JSON_BODY + 1)})
    with pytest.raises(DomainError) as caught:
        responses.request_body(claims)
    assert (status_of(caught.value), caught.value.code) == (413, "body_too_large")
    assert responses.request_body(request(b"{}", **{"Content-Length": "2"})) == b"{}"


def test_without_a_content_length_the_delivered_size_counts(responses):
    with pytest.raises(DomainError) as caught:
        responses.request_body(request(b" " * (MAX_JSON_BODY + 1)))
    assert status_of(caught.value) == 413


def test_an_upload_is_refused_by_its_content_length_before_the_form_is_parsed(responses):
    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    fine = request(FORM, **headers, **{"Content-Length": str(len(FORM))})
    assert responses.uploaded_file(fine, "file", 5) == ("a.txt", b"hello")

    claims = request(FORM, **headers, **{"Content-Length": str(10 * 2**20)})
    with pytest.raises(DomainError) as caught:
        responses.uploaded_file(claims, "file", 2**20)
    assert (status_of(caught.value), caught.value.message) == (413, "a file may be at most 1 MB")

    with pytest.raises(DomainError) as caught:
        responses.uploaded_file(request(FORM, **headers), "file", 4)  # the file itself is over
    assert status_of(caught.value) == 413
