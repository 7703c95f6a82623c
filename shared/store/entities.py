"""Small helpers for Table entities: long text split across properties, safe row keys, ETags,
races, and a query's pages (the first that has any results, or the one a token starts)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar, cast
from urllib.parse import quote

from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.core.paging import ItemPaged, PageIterator
from azure.data.tables import EdmType, EntityProperty, TableEntity, UpdateMode

T = TypeVar("T")

# A string property holds 64 KiB of UTF-16: 32,768 characters; stay clear of the edge.
TEXT_CHUNK = 30_000
MAX_TEXT_CHUNKS = 30  # with the other properties, well inside an entity's 1 MiB


def put_text(entity: dict[str, Any], name: str, text: str) -> None:
    """Store ``text`` as ``name`` or, when long, as ``name``, ``name1``, ``name2``…"""
    chunks = [text[i : i + TEXT_CHUNK] for i in range(0, len(text), TEXT_CHUNK)] or [""]
    if len(chunks) > MAX_TEXT_CHUNKS:
        raise ValueError(f"{name} is too long to store in one entity")
    entity[name] = chunks[0]
    for index, chunk in enumerate(chunks[1:], start=1):
        entity[f"{name}{index}"] = chunk


def get_text(entity: Mapping[str, Any], name: str) -> str:
    parts = [entity.get(name, "")]
    index = 1
    while (part := entity.get(f"{name}{index}")) is not None:
        parts.append(part)
        index += 1
    return "".join(parts)


def row_key(text: str) -> str:
    """A row key from data: Tables refuse ``/ \\ # ?`` and control characters."""
    return quote(text, safe="!$&'()*+,;=:@-._~")


def int64(value: int) -> EntityProperty:
    """An Edm.Int64 property: the SDK refuses plain ints past 32 bits (CreateTime in 2038)."""
    return EntityProperty(value, EdmType.INT64)


def plain(value: Any) -> Any:
    """A property's Python value (Int64 properties come back wrapped)."""
    return value.value if isinstance(value, EntityProperty) else value


def prefix_range(prefix: str) -> dict[str, str]:
    """Query parameters ``lo``/``hi`` for the row keys that start with ``prefix``."""
    return {"lo": prefix, "hi": prefix[:-1] + chr(ord(prefix[-1]) + 1)}


def etag_of(answer: Mapping[str, Any]) -> str:
    """The ETag of an entity read from the service or of a write's answer. The SDK types an
    entity's ETag optional (one built here has none); the service always sends one."""
    etag = answer.metadata["etag"] if isinstance(answer, TableEntity) else answer["etag"]
    if not isinstance(etag, str):
        raise TypeError(f"the storage service answered without an ETag: {etag!r}")
    return etag


def if_match(etag: str | None, mode: UpdateMode = UpdateMode.MERGE) -> dict[str, Any]:
    """Update options that write only if the row still has ``etag``."""
    return {"mode": mode, "etag": etag, "match_condition": MatchConditions.IfNotModified}


def lost_race(error: HttpResponseError) -> bool:
    """Whether a conditional write failed because another writer got there first.

    The row was created, changed or deleted since it was read; the SDK reports some 412s as
    plain ``HttpResponseError``.
    """
    lost = (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError)
    return isinstance(error, lost) or error.status_code == 412


def first_page(pages: Iterator[Iterable[T]]) -> list[T]:
    """The first page of a query (``….by_page()``) that holds anything. Table storage may
    answer with no entities and a continuation token, when a filtered query scans past 1,000
    entities or 5 seconds without a match, so the first page alone can be empty while matches
    follow (https://learn.microsoft.com/rest/api/storageservices/query-timeout-and-pagination).
    Azurite never does; Azure does."""
    for page in pages:
        found = list(page)
        if found:
            return found
    return []


def one_page(query: ItemPaged[T], token: Any) -> tuple[list[T], Any]:
    """The page of ``query`` that ``token`` starts (None: the first) and the next page's token
    (None after the last)."""
    # by_page() answers a PageIterator, which holds the token; its annotation says Iterator.
    pages = cast(PageIterator[T], query.by_page(continuation_token=token))
    return list(next(pages, [])), pages.continuation_token
