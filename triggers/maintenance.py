"""Timers: the assignment sweep (a safety net), auto-close after inactivity, retention, and
WeChat's callback IPs (when CALLBACK_IP_CHECK is on)."""

from __future__ import annotations

import logging

import azure.functions as func

from triggers.runtime import services

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


@bp.timer_trigger(arg_name="timer", schedule="0 15 4 * * *", run_on_startup=False)
def callback_ips_refresh(timer: func.TimerRequest) -> None:
    """WeChat's callback IPs change: fetch them daily (docs/protocol.md §10)."""
    s = services()
    if s.settings.callback_ip_check:
        log.info("WeChat lists %d callback IPs", s.callback_ips.refresh_daily())
