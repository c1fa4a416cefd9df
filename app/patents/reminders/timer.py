"""Development only: the reminder sweep on a timer inside the development server (`make run` sets
REMINDER_SWEEP_TIMER_SECONDS), so reminders work with no Redis, cron or mail server. With Redis the
scheduler does this; in production, cron or the scheduler (README)."""
from __future__ import annotations

import logging
import threading

log = logging.getLogger("patentdesk.reminders")
_started: set[int] = set()


def start_sweep_timer(app) -> threading.Thread | None:
    seconds = app.config.get("REMINDER_SWEEP_TIMER_SECONDS") or 0
    if seconds <= 0 or app.config.get("REDIS_URL") or app.config.get("PRODUCTION") or id(app) in _started:
        return None
    _started.add(id(app))
    stop = threading.Event()

    def sweep_every_interval() -> None:
        from .jobs import sweep_and_deliver_inline
        while not stop.wait(seconds if _started_once.is_set() else 2):
            _started_once.set()
            try:
                with app.app_context():
                    summary, totals = sweep_and_deliver_inline(None)
                    log.info("development sweep: %s reminders written; delivery %s", summary.written, totals)
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("development sweep failed")
    _started_once = threading.Event()
    thread = threading.Thread(target=sweep_every_interval, name="reminder-sweep-timer", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    log.info("development: sweeping reminders every %s s inside this process", seconds)
    return thread
