"""An in-memory table: rows by key, each with an ETag that changes on every write, and
transactions that apply all their operations or none. The fakes of the store ports keep their
state here, so a stale ETag loses exactly where Table storage would refuse the write."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Key = tuple[str, str]
"""(partition key, row key)."""


class RowExistsError(Exception):
    """A create met a row that is there (Table storage's 409)."""


class RowChangedError(Exception):
    """A conditional write met another ETag, or no row at all (412 / 404)."""


@dataclass(frozen=True)
class Operation:
    kind: Literal["create", "replace", "upsert", "delete"]
    key: Key
    value: Any = None
    etag: str | None = None
    """For replace and delete: write only if the row still has it (None: unconditionally)."""


class Rows:
    def __init__(self) -> None:
        self._rows: dict[Key, tuple[Any, str]] = {}
        self._etags = itertools.count(1)
        self._before_write: list[tuple[Key | None, Callable[[], None]]] = []

    def before_next_write(self, interleave: Callable[[], None], key: Key | None = None) -> None:
        """Run ``interleave`` once, just before the next write (to ``key``, if given) lands:
        another worker getting there between this one's read and its write. The writes it
        makes itself do not trigger it."""
        self._before_write.append((key, interleave))

    # --- reads --------------------------------------------------------------------------------

    def get(self, key: Key) -> tuple[Any, str] | None:
        """The value and its ETag, or None."""
        return self._rows.get(key)

    def partition(self, partition: str, prefix: str = "") -> list[tuple[str, Any, str]]:
        """(row key, value, ETag) of a partition's rows that start with ``prefix``, in row-key
        order (Table storage sorts by the key's characters, as Python sorts strings)."""
        return sorted(
            (row_key, value, etag)
            for (pk, row_key), (value, etag) in self._rows.items()
            if pk == partition and row_key.startswith(prefix)
        )

    # --- writes -------------------------------------------------------------------------------

    def create(self, key: Key, value: Any) -> str:
        return self.transact([Operation("create", key, value)])[0]

    def replace(self, key: Key, value: Any, etag: str | None) -> str:
        return self.transact([Operation("replace", key, value, etag)])[0]

    def upsert(self, key: Key, value: Any) -> str:
        return self.transact([Operation("upsert", key, value)])[0]

    def delete(self, key: Key) -> None:
        """Delete if there (a single delete of a missing row is no error, as in the SDK)."""
        if key in self._rows:
            self.transact([Operation("delete", key)])

    def transact(self, operations: list[Operation]) -> list[str]:
        """Apply every operation or none → the new ETag of each (deletes: "")."""
        self._interleave({op.key for op in operations})
        for op in operations:
            current = self._rows.get(op.key)
            if op.kind == "create" and current is not None:
                raise RowExistsError(op.key)
            if op.kind in ("replace", "delete") and (
                current is None or (op.etag is not None and op.etag != current[1])
            ):
                raise RowChangedError(op.key)
        etags = []
        for op in operations:
            if op.kind == "delete":
                del self._rows[op.key]
                etags.append("")
            else:
                etag = f'W/"{next(self._etags)}"'
                self._rows[op.key] = (op.value, etag)
                etags.append(etag)
        return etags

    def _interleave(self, keys: set[Key]) -> None:
        due = [(k, run) for k, run in self._before_write if k is None or k in keys]
        self._before_write = [hook for hook in self._before_write if hook not in due]
        for _, run in due:
            run()
