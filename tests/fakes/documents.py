"""DocumentStore in memory: documents by id with unique indexes, each write under an ETag."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from pydantic import BaseModel

from shared.store.documents import DuplicateError
from shared.store.optimistic import ATTEMPTS, ChangedError
from tests.fakes.rows import Operation, RowChangedError, RowExistsError, Rows

Doc = TypeVar("Doc", bound=BaseModel)
_DOC = "d:"


class FakeDocumentStore(Generic[Doc]):
    """The documents and their ``<index>:<value>`` pointers are rows of one partition, changed
    together in one transaction, as in the real store."""

    def __init__(
        self,
        model: type[Doc],
        unique: Mapping[str, Callable[[Doc], str | None]] | None = None,
    ) -> None:
        self._model = model
        self._unique = dict(unique or {})
        self.rows = Rows()

    def before_next_write(self, interleave: Callable[[], None], doc_id: str | None = None) -> None:
        """Another worker's write lands just before the next write (of ``doc_id``, if given)."""
        self.rows.before_next_write(interleave, None if doc_id is None else ("", _DOC + doc_id))

    def _index_keys(self, doc: Doc) -> dict[tuple[str, str], str]:
        """(index, value) → row key of the pointer, for each index the document has a value in."""
        keys = {}
        for index, value_of in self._unique.items():
            value = value_of(doc)
            if value:
                keys[(index, value)] = f"{index}:{value}"
        return keys

    def _submit(self, operations: list[Operation], before: Doc | None, after: Doc | None) -> None:
        try:
            self.rows.transact(operations)
        except RowExistsError:
            if after is None:
                raise ChangedError from None
            # The real store cannot tell which row of the batch collided; it names the first
            # index the write adds (else the id), and so does this one.
            old = set(self._index_keys(before)) if before is not None else set()
            added = [key for key in self._index_keys(after) if key not in old]
            index, value = added[0] if added else ("id", after.id)  # type: ignore[attr-defined]
            raise DuplicateError(index, value) from None
        except RowChangedError:
            raise ChangedError from None

    def get(self, doc_id: str) -> tuple[Doc, str] | None:
        found = self.rows.get(("", _DOC + doc_id))
        if found is None:
            return None
        body, etag = found
        return self._model.model_validate_json(body), etag

    def find(self, index: str, value: str) -> Doc | None:
        pointer = self.rows.get(("", f"{index}:{value}"))
        if pointer is None:
            return None
        found = self.get(pointer[0])
        return found[0] if found else None

    def list_all(self) -> list[Doc]:
        return [
            self._model.model_validate_json(body) for _, body, _ in self.rows.partition("", _DOC)
        ]

    def create(self, doc: Doc) -> None:
        operations = [
            Operation("create", ("", row_key), doc.id)  # type: ignore[attr-defined]
            for row_key in self._index_keys(doc).values()
        ]
        operations.append(Operation("create", ("", _DOC + doc.id), doc.model_dump_json()))  # type: ignore[attr-defined]
        self._submit(operations, None, doc)

    def replace(self, before: Doc, after: Doc, etag: str) -> None:
        old, new = self._index_keys(before), self._index_keys(after)
        doc_id = after.id  # type: ignore[attr-defined]
        operations = [Operation("replace", ("", _DOC + doc_id), after.model_dump_json(), etag)]
        operations += [Operation("delete", ("", rk)) for key, rk in old.items() if key not in new]
        operations += [
            Operation("create", ("", rk), doc_id) for key, rk in new.items() if key not in old
        ]
        self._submit(operations, before, after)

    def update(
        self, doc_id: str, change: Callable[[Doc], Doc | None], *, attempts: int = ATTEMPTS
    ) -> tuple[Doc, Doc] | None:
        for _ in range(attempts):
            found = self.get(doc_id)
            if found is None:
                return None
            before, etag = found
            after = change(before)
            if after is None:
                return before, before
            try:
                self.replace(before, after, etag)
            except ChangedError:
                continue
            return before, after
        raise ChangedError(doc_id)

    def delete(self, doc: Doc) -> None:
        operations = [Operation("delete", ("", rk)) for rk in self._index_keys(doc).values()]
        operations.append(Operation("delete", ("", _DOC + doc.id)))  # type: ignore[attr-defined]
        self._submit(operations, doc, None)
