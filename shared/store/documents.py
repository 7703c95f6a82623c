"""Settings-like records (workstreams, queues, agents) as JSON documents in Table storage.

Each kind lives in one partition with its unique indexes (``<index>:<value>`` rows pointing at
the document), so a document and its index entries change in one atomic transaction: two
admins cannot give two workstreams the same account, and no check-then-insert race exists.
Every write is conditional on the ETag that was read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode
from pydantic import BaseModel

from shared.store.entities import etag_of, get_text, if_match, prefix_range, put_text
from shared.store.optimistic import ATTEMPTS, ChangedError, retried

Doc = TypeVar("Doc", bound=BaseModel)
_DOC = "d:"


class DuplicateError(Exception):
    """Another document already holds this unique value."""

    def __init__(self, index: str, value: str) -> None:
        super().__init__(f"{index} {value} is taken")
        self.index = index
        self.value = value


class DocumentStore(Generic[Doc]):
    """Documents of one ``model`` (which has an ``id``), with optional unique indexes.

    ``unique`` maps an index name to a function giving the document's value for it (or None
    when the document has none).
    """

    def __init__(
        self,
        table: TableClient,
        partition: str,
        model: type[Doc],
        unique: Mapping[str, Callable[[Doc], str | None]] | None = None,
    ) -> None:
        self._table = table
        self._partition = partition
        self._model = model
        self._unique = dict(unique or {})

    # --- rows -------------------------------------------------------------------------------

    def _row(self, doc: Doc) -> dict[str, Any]:
        entity: dict[str, Any] = {"PartitionKey": self._partition, "RowKey": _DOC + doc.id}  # type: ignore[attr-defined]
        put_text(entity, "Body", doc.model_dump_json())
        return entity

    def _index_rows(self, doc: Doc) -> dict[tuple[str, str], dict[str, Any]]:
        rows = {}
        for index, value_of in self._unique.items():
            value = value_of(doc)
            if value:
                rows[(index, value)] = {
                    "PartitionKey": self._partition,
                    "RowKey": f"{index}:{value}",
                    "DocId": doc.id,  # type: ignore[attr-defined]
                }
        return rows

    def _submit(self, operations: list[Any], before: Doc | None, after: Doc | None) -> None:
        try:
            self._table.submit_transaction(operations)
        except TableTransactionError as error:
            if error.status_code == 409 and after is not None:
                raise self._duplicate(before, after) from None
            if error.status_code in (404, 409, 412):
                raise ChangedError from None
            raise

    def _duplicate(self, before: Doc | None, after: Doc) -> DuplicateError:
        old = set(self._index_rows(before)) if before is not None else set()
        added = [key for key in self._index_rows(after) if key not in old]
        index, value = added[0] if added else ("id", after.id)  # type: ignore[attr-defined]
        return DuplicateError(index, value)

    # --- reads ------------------------------------------------------------------------------

    def get(self, doc_id: str) -> tuple[Doc, str] | None:
        """The document and its ETag, or None."""
        try:
            entity = self._table.get_entity(self._partition, _DOC + doc_id)
        except ResourceNotFoundError:
            return None
        return self._model.model_validate_json(get_text(entity, "Body")), etag_of(entity)

    def find(self, index: str, value: str) -> Doc | None:
        try:
            pointer = self._table.get_entity(self._partition, f"{index}:{value}")
        except ResourceNotFoundError:
            return None
        found = self.get(pointer["DocId"])
        return found[0] if found else None

    def list_all(self) -> list[Doc]:
        entities = self._table.query_entities(
            "PartitionKey eq @p and RowKey ge @lo and RowKey lt @hi",
            parameters={"p": self._partition, **prefix_range(_DOC)},
        )
        return [self._model.model_validate_json(get_text(e, "Body")) for e in entities]

    # --- writes -----------------------------------------------------------------------------

    def create(self, doc: Doc) -> None:
        operations = [("create", row) for row in self._index_rows(doc).values()]
        operations.append(("create", self._row(doc)))
        self._submit(operations, None, doc)

    def replace(self, before: Doc, after: Doc, etag: str) -> None:
        """Store ``after`` if the row still has ``etag``; move index entries that changed."""
        old, new = self._index_rows(before), self._index_rows(after)
        operations: list[Any] = [("update", self._row(after), if_match(etag, UpdateMode.REPLACE))]
        operations += [("delete", row) for key, row in old.items() if key not in new]
        operations += [("create", row) for key, row in new.items() if key not in old]
        self._submit(operations, before, after)

    def update(
        self, doc_id: str, change: Callable[[Doc], Doc | None], *, attempts: int = ATTEMPTS
    ) -> tuple[Doc, Doc] | None:
        """Read, ``change`` (None: leave it) and write back, retrying up to ``attempts`` times
        when another writer got there first → (before, after), or None when the document does
        not exist; ChangedError when every attempt lost."""

        def attempt() -> tuple[Doc, Doc] | None:
            found = self.get(doc_id)
            if found is None:
                return None
            before, etag = found
            after = change(before)
            if after is None:
                return before, before
            self.replace(before, after, etag)
            return before, after

        return retried(attempt, attempts=attempts, exhausted=ChangedError(doc_id))

    def delete(self, doc: Doc) -> None:
        operations: list[Any] = [("delete", row) for row in self._index_rows(doc).values()]
        operations.append(("delete", {"PartitionKey": self._partition, "RowKey": _DOC + doc.id}))  # type: ignore[attr-defined]
        self._submit(operations, doc, None)
