"""WeChat's callback IP list as last fetched, shared by every instance: one row."""

from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient

_PARTITION, _ROW = "wechat", "callbackips"


class CallbackIps(NamedTuple):
    ips: tuple[str, ...]
    fetched_at: datetime


class CallbackIpTable:
    def __init__(self, table: TableClient) -> None:
        self._table = table

    def read(self) -> CallbackIps | None:
        try:
            entity = self._table.get_entity(_PARTITION, _ROW)
        except ResourceNotFoundError:
            return None
        return CallbackIps(tuple(json.loads(entity["Ips"])), entity["FetchedAt"])

    def write(self, ips: CallbackIps) -> None:
        self._table.upsert_entity(
            {
                "PartitionKey": _PARTITION,
                "RowKey": _ROW,
                "Ips": json.dumps(list(ips.ips)),
                "FetchedAt": ips.fetched_at,
            }
        )
