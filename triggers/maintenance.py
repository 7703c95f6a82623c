"""Timers: the assignment sweep (a safety net) and auto-close after inactivity."""

from __future__ import annotations

import logging

import azure.functions as func

from .runtime import services

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.timer_trigger(arg_name="timer", schedule="0 * * * * *", run_on_startup=False)
def assignment_sweep(timer: func.TimerRequest) -> None:
    log.info("assignment sweep: %s", services().housekeeping.sweep_assignments())


@bp.timer_trigger(arg_name="timer", schedule="0 */5 * * * *", run_on_startup=False)
def inactivity_close(timer: func.TimerRequest) -> None:
    log.info("closed %d inactive conversations", services().housekeeping.close_inactive())


@bp.timer_trigger(arg_name="timer", schedule="0 30 3 * * *", run_on_startup=False)
def retention_purge(timer: func.TimerRequest) -> None:
    log.info("retention: %s", services().housekeeping.purge_expired())
