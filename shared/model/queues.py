"""Queues: where routed conversations wait for an agent, with hours, overflow and a method."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from shared.core.schema import ApiModel, patch_of
from shared.model.agents import Name, ResourceId
from shared.model.hours import OperatingHours


class AssignmentMethod(str, Enum):
    HIGHEST_CAPACITY = "highestCapacity"  # most free capacity; round robin between equals
    ROUND_ROBIN = "roundRobin"  # longest since the last assignment
    LEAST_ACTIVE = "leastActive"  # longest since capacity was last freed


class OverflowAction(str, Enum):
    QUEUE_ANYWAY = "queueAnyway"
    TRANSFER = "transfer"
    END = "end"


class Handling(ApiModel):
    """What happens to a conversation the queue cannot take now."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"action": {"const": "transfer"}}, "required": ["action"]},
            "then": {
                "required": ["transferQueueId"],
                "properties": {"transferQueueId": {"type": "string"}},
            },
        }
    )

    action: OverflowAction = OverflowAction.QUEUE_ANYWAY
    transfer_queue_id: ResourceId | None = None

    @model_validator(mode="after")
    def _transfer_target(self) -> Handling:
        if self.action is OverflowAction.TRANSFER and not self.transfer_queue_id:
            raise ValueError("transferQueueId is required when action is transfer")
        return self


MIN_MAX_WAIT = timedelta(minutes=1)
MAX_MAX_WAIT = timedelta(days=2)


class Overflow(Handling):
    max_waiting: Annotated[int, Field(ge=0, le=100_000)] | None = None
    """More conversations than this waiting → the action; absent: no limit."""
    max_wait: timedelta | None = None
    """ISO 8601 duration, PT1M to P2D: a conversation waiting in line longer than this gets
    ``afterMaxWait``; absent: it waits as long as it takes."""
    after_max_wait: Handling | None = None
    """What ``maxWait`` does: ``transfer`` (into the target's line, as if just queued there) or
    ``end`` (with the overflowEnded message); absent: ``end``."""

    @model_validator(mode="after")
    def _max_wait(self) -> Overflow:
        if self.max_wait is None:
            return self
        if not MIN_MAX_WAIT <= self.max_wait <= MAX_MAX_WAIT:
            raise ValueError("maxWait must be from one minute (PT1M) to two days (P2D)")
        if self.after_max_wait and self.after_max_wait.action is OverflowAction.QUEUE_ANYWAY:
            raise ValueError("afterMaxWait.action must be transfer or end when maxWait is set")
        return self

    def max_wait_handling(self) -> Handling:
        return self.after_max_wait or Handling(action=OverflowAction.END)


class QueueFields(ApiModel):
    name: Name
    priority: Annotated[int, Field(ge=0, le=1000)] = 100
    """Lower wins: agents in several queues take waiting work from the lowest first."""
    assignment_method: AssignmentMethod = AssignmentMethod.HIGHEST_CAPACITY
    operating_hours: OperatingHours | None = None
    """Absent: open around the clock."""
    out_of_hours: Handling = Handling()
    """Outside operating hours or on a holiday (the customer also gets outOfHours/holiday)."""
    overflow: Overflow = Overflow()


QueuePatch = patch_of(QueueFields, "QueuePatch")


class Queue(QueueFields):
    id: str
    created_at: datetime
    updated_at: datetime
