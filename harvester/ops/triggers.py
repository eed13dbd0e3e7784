"""Schedule triggers of the sources: a fixed grid (no drift), daily windows, bounded jitter, and the
one catch-up run after downtime.

Why not APScheduler's triggers as they are (a service that runs for years):

* ``IntervalTrigger`` anchors its grid at the moment it is created, so every restart or SIGHUP
  shifts the run times; and with jitter it adds the interval to the *jittered* previous fire time,
  so the jitter accumulates like a random walk (ckanext-harvest#559 is the same drift by design).
* A window ("only 01:00-05:00 WIB") is not a trigger concept; skipping out-of-window fires at run
  time would make the "next run" shown to operators wrong.

``SourceTrigger`` wraps an un-jittered base trigger whose grid is fixed: an interval counts from the
window start (or local midnight) of 2000-01-01 in the source's time zone, so "every 6h" means
00:00/06:00/12:00/18:00 WIB whatever the start time, and "every 1d" with a 01:00-05:00 window means
01:00. Each fire time is the first grid point after the previous one, moved into the window when it
falls outside, then delayed by at most ``jitter`` seconds, clamped to half a period and to the end of
the window, so a run never starts outside its window and jitter never accumulates.

Failure behaviour: a schedule whose grid never meets its window (searched ``MAX_WINDOW_HOPS`` days
ahead) yields None: the scheduler logs it and never runs the source.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

#: Origin of every interval grid (a date in the past; only the time of day and the period matter).
ANCHOR_DATE = date(2000, 1, 1)
#: Window openings tried before a schedule is declared unable to meet its window.
MAX_WINDOW_HOPS = 1000
_TICK = timedelta(microseconds=1)


def _clock(value: Any) -> time:
    hours, minutes = str(value).split(":")
    return time(int(hours), int(minutes))


def in_window(window: Any, local_now: datetime) -> bool:
    """True when ``local_now`` (in the source's time zone) lies in the daily ``window`` (None = always).

    The start is inclusive, the end exclusive; an end before the start crosses midnight (22:00-04:00).
    """
    if window is None:
        return True
    start, end, now = _clock(window.start), _clock(window.end), local_now.time().replace(tzinfo=None)
    if start < end:
        return start <= now < end
    return now >= start or now < end


class SourceTrigger(BaseTrigger):
    """Fire times of one source: ``base`` grid, restricted to ``window``, delayed by up to ``jitter`` s."""

    def __init__(self, base: BaseTrigger, tz: ZoneInfo, window: Any = None, jitter: float = 0.0) -> None:
        self.base, self.tz, self.window, self.jitter = base, tz, window, float(jitter or 0)

    # -- the grid ---------------------------------------------------------------------------
    def grid_after(self, moment: datetime) -> Optional[datetime]:
        """The first un-jittered fire time strictly after ``moment`` that lies inside the window."""
        ref = moment + _TICK
        for _ in range(MAX_WINDOW_HOPS):
            nxt = self.base.get_next_fire_time(None, ref)
            if nxt is None:
                return None
            if in_window(self.window, nxt.astimezone(self.tz)):
                return nxt
            ref = self._next_window_start(nxt)
        return None

    def _next_window_start(self, moment: datetime) -> datetime:
        local = moment.astimezone(self.tz)
        start = _clock(self.window.start)
        day = local.date()
        candidate = datetime.combine(day, start, tzinfo=self.tz)
        if candidate <= local:
            candidate = datetime.combine(day + timedelta(days=1), start, tzinfo=self.tz)
        return candidate

    def _window_end(self, moment: datetime) -> Optional[datetime]:
        """End of the window occurrence that contains ``moment`` (None without a window)."""
        if self.window is None:
            return None
        local = moment.astimezone(self.tz)
        start, end = _clock(self.window.start), _clock(self.window.end)
        day = local.date()
        if start > end and local.time().replace(tzinfo=None) >= start:  # crosses midnight, evening part
            day += timedelta(days=1)
        return datetime.combine(day, end, tzinfo=self.tz)

    # -- APScheduler interface ------------------------------------------------------------------
    def get_next_fire_time(self, previous_fire_time: Optional[datetime], now: datetime) -> Optional[datetime]:
        """Next fire time after ``previous_fire_time`` (jittered or not), or from ``now`` on."""
        nxt = self.grid_after(previous_fire_time if previous_fire_time else now - _TICK)
        return self.jittered(nxt) if nxt is not None else None

    def jittered(self, fire: datetime) -> datetime:
        """``fire`` plus a random delay below ``jitter``, half the gap to the next fire, and the window end."""
        if self.jitter <= 0:
            return fire
        limit = self.jitter
        following = self.grid_after(fire)
        if following is not None:
            limit = min(limit, (following - fire).total_seconds() / 2)
        end = self._window_end(fire)
        if end is not None:
            limit = min(limit, max(0.0, (end - fire).total_seconds() - 1))
        return fire + timedelta(seconds=random.uniform(0, max(0.0, limit)))

    def __str__(self) -> str:
        window = f", window {self.window.start}-{self.window.end}" if self.window is not None else ""
        return f"source[{self.base}{window}, jitter {self.jitter:g}s, {self.tz.key}]"

    __repr__ = __str__


def make_trigger(schedule: Any, default_tz: str) -> SourceTrigger:
    """The trigger of a source's ``schedule`` (cron or interval; never call it for manual ones).

    Raises ValueError for a bad crontab or time zone (the config loader has checked both already).
    """
    tz = ZoneInfo(getattr(schedule, "timezone", None) or default_tz)
    window = getattr(schedule, "window", None)
    cron = getattr(schedule, "cron", None)
    if cron:
        base: BaseTrigger = CronTrigger.from_crontab(cron, timezone=tz)
    else:
        if not schedule.interval:
            raise ValueError("schedule has neither cron nor interval (a manual-only source)")
        at = _clock(window.start) if window is not None else time(0, 0)
        anchor = datetime.combine(ANCHOR_DATE, at, tzinfo=tz)
        base = IntervalTrigger(seconds=float(schedule.interval), start_date=anchor, timezone=tz)
    return SourceTrigger(base, tz, window, getattr(schedule, "jitter_seconds", 0) or 0)


def first_run_time(trigger: SourceTrigger, last_started: Optional[datetime], now: datetime) -> Optional[datetime]:
    """When a (re)started daemon first runs a source: one coalesced catch-up, or the regular time.

    A run is owed when the source was never harvested, or when a grid point passed since its last
    job started (the daemon was down or stopped then). An owed run starts now (spread by the
    jitter, so sources do not all start at once) if ``now`` lies in the window; otherwise the
    source waits for its next regular time inside the window. However many runs were missed, at
    most one catch-up run is made.
    """
    regular = trigger.get_next_fire_time(None, now)
    if last_started is None:
        owed = True
    else:
        missed = trigger.grid_after(last_started)
        owed = missed is not None and missed <= now
    if owed and in_window(trigger.window, now.astimezone(trigger.tz)):
        catch_up = trigger.jittered(now)
        return catch_up if regular is None or catch_up < regular else regular
    return regular
