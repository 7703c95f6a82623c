"""Template messages' records in Table storage, one partition per account: the registered
templates (``t:<templateId>``), each template's sends per day (``n:<templateId>:<day>``, a
counter changed under its ETag, so concurrent senders never pass the daily quota) and WeChat's
``msgid`` of each send (``m:<msgid>``), by which a delivery report finds its transcript line."""

from __future__ import annotations

import random
import time
from typing import Any

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.model.templates import Template
from shared.store.entities import etag_of, get_text, if_match, lost_race, prefix_range, put_text
from shared.store.optimistic import ChangedError, retried

_TEMPLATE = "t:"
_COUNT = "n:"
_MESSAGE = "m:"
COUNTER_ATTEMPTS = 40
"""A counter many senders share is contended: more tries than a single row's, with jitter."""


def _jitter(attempt: int) -> None:
    time.sleep(random.uniform(0, min(0.005 * attempt, 0.05)))  # noqa: S311 - not crypto


class TemplateStore:
    def __init__(self, table: TableClient) -> None:
        self._table = table

    # --- the registered templates ---------------------------------------------------------

    def list(self, account_id: str) -> list[Template]:
        entities = self._table.query_entities(
            "PartitionKey eq @a and RowKey ge @lo and RowKey lt @hi",
            parameters={"a": account_id, **prefix_range(_TEMPLATE)},
        )
        return sorted(
            (Template.model_validate_json(get_text(e, "Body")) for e in entities),
            key=lambda t: (t.title, t.template_id),
        )

    def get(self, account_id: str, template_id: str) -> Template | None:
        try:
            entity = self._table.get_entity(account_id, _TEMPLATE + template_id)
        except ResourceNotFoundError:
            return None
        return Template.model_validate_json(get_text(entity, "Body"))

    def put(self, template: Template) -> bool:
        """Create or replace → whether it was new."""
        entity: dict[str, Any] = {
            "PartitionKey": template.account_id,
            "RowKey": _TEMPLATE + template.template_id,
        }
        put_text(entity, "Body", template.model_dump_json())
        try:
            self._table.create_entity(entity)
        except ResourceExistsError:
            self._table.upsert_entity(entity, mode=UpdateMode.REPLACE)
            return False
        return True

    def delete(self, account_id: str, template_id: str) -> bool:
        if self.get(account_id, template_id) is None:
            return False
        self._table.delete_entity(account_id, _TEMPLATE + template_id)
        return True

    # --- the daily quota ------------------------------------------------------------------

    def sent_on(self, account_id: str, template_id: str, day: str) -> int:
        try:
            entity = self._table.get_entity(account_id, f"{_COUNT}{template_id}:{day}")
        except ResourceNotFoundError:
            return 0
        return int(entity.get("Sent", 0))

    def take_send(self, account_id: str, template_id: str, day: str, limit: int) -> int | None:
        """Count one send of the day if fewer than ``limit`` are counted → the count now, or
        None when the quota is used up."""
        return self._change_count(account_id, template_id, day, +1, limit)

    def give_back_send(self, account_id: str, template_id: str, day: str) -> None:
        """Uncount a send that certainly did not reach WeChat."""
        self._change_count(account_id, template_id, day, -1, None)

    def _change_count(
        self, account_id: str, template_id: str, day: str, step: int, limit: int | None
    ) -> int | None:
        row = f"{_COUNT}{template_id}:{day}"

        def attempt() -> int | None:
            try:
                current = self._table.get_entity(account_id, row)
            except ResourceNotFoundError:
                current = None
            sent = int(current.get("Sent", 0)) if current is not None else 0
            if limit is not None and sent >= limit:
                return None
            count = max(sent + step, 0)
            entity = {"PartitionKey": account_id, "RowKey": row, "Sent": count}
            try:
                if current is None:
                    self._table.create_entity(entity)
                else:
                    self._table.update_entity(entity, **if_match(etag_of(current)))
            except HttpResponseError as error:
                if lost_race(error):
                    raise ChangedError(row) from None
                raise
            return count

        return retried(attempt, attempts=COUNTER_ATTEMPTS, pause=_jitter)

    # --- WeChat's msgid of each send ------------------------------------------------------

    def remember_message(
        self, account_id: str, msg_id: int, conversation_id: str, entry_key: str
    ) -> None:
        self._table.upsert_entity(
            {
                "PartitionKey": account_id,
                "RowKey": f"{_MESSAGE}{msg_id}",
                "ConversationId": conversation_id,
                "EntryKey": entry_key,
            },
            mode=UpdateMode.REPLACE,
        )

    def message(self, account_id: str, msg_id: int) -> tuple[str, str] | None:
        """(conversation id, transcript key) of the send WeChat numbered ``msg_id``."""
        try:
            entity = self._table.get_entity(account_id, f"{_MESSAGE}{msg_id}")
        except ResourceNotFoundError:
            return None
        return str(entity["ConversationId"]), str(entity["EntryKey"])
