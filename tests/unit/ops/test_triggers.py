"""Source triggers: fixed grid (no drift, not even with jitter or restarts), windows, catch-up after downtime."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from harvester.config_models import ScheduleConfig
from harvester.ops.triggers import first_run_time, in_window, make_trigger

WIB = ZoneInfo("Asia/Jakarta")


def at(text: str) -> datetime:
    """A WIB wall-clock time, e.g. at('2025-03-01 02:30')."""
    return datetime.fromisoformat(text).replace(tzinfo=WIB)


def schedule(**kw) -> ScheduleConfig:
    kw.setdefault("timezone", "Asia/Jakarta")
    return ScheduleConfig(**kw)


def fires(trigger, start: datetime, n: int) -> list[datetime]:
    """The first ``n`` fire times the way APScheduler asks for them (previous fire time fed back)."""
    out: list[datetime] = []
    prev = None
    now = start
    for _ in range(n):
        nxt = trigger.get_next_fire_time(prev, now)
        out.append(nxt)
        prev, now = nxt, nxt
    return out


def test_interval_grid_is_fixed_to_the_clock_not_to_the_start_time():
    trigger = make_trigger(schedule(interval="6h"), "Asia/Jakarta")
    started_at_1013 = fires(trigger, at("2025-03-01 10:13"), 4)
    assert [f.astimezone(WIB).strftime("%d %H:%M") for f in started_at_1013] == ["01 12:00", "01 18:00", "02 00:00",
                                                                                  "02 06:00"]
    # A restart (or SIGHUP) at another moment lands on the same grid: no drift.
    again = make_trigger(schedule(interval="6h"), "Asia/Jakarta")
    assert fires(again, at("2025-03-01 17:59"), 1) == [started_at_1013[1]]


def test_jitter_never_accumulates_over_a_thousand_runs():
    jitter = 600
    trigger = make_trigger(schedule(interval="1h", jitter_seconds=jitter), "Asia/Jakarta")
    start = at("2025-01-01 00:30")
    times = fires(trigger, start, 1000)
    for i, fire in enumerate(times):
        grid = at("2025-01-01 01:00") + timedelta(hours=i)
        delay = (fire - grid).total_seconds()
        assert 0 <= delay < jitter, (i, fire, grid)
    # APScheduler's own trigger adds the interval to the jittered time: it walks away.
    plain = IntervalTrigger(hours=1, jitter=jitter, start_date=at("2025-01-01 01:00"), timezone=WIB)
    walked = fires(plain, start, 1000)[-1]
    assert (walked - (at("2025-01-01 01:00") + timedelta(hours=999))).total_seconds() > 3600


def test_jitter_is_clamped_below_half_the_period():
    trigger = make_trigger(schedule(interval="10s", jitter_seconds=3600), "Asia/Jakarta")
    times = fires(trigger, at("2025-01-01 00:00:01"), 200)
    assert all(b > a for a, b in zip(times, times[1:], strict=False))
    assert all(t.second % 10 < 5 for t in times)


def test_window_keeps_interval_runs_inside_and_anchors_daily_runs_at_its_start():
    hourly = make_trigger(schedule(interval="1h", window={"start": "01:00", "end": "05:00"}, jitter_seconds=3000),
                          "Asia/Jakarta")
    times = fires(hourly, at("2025-03-01 06:00"), 8)
    assert [t.astimezone(WIB).hour for t in times] == [1, 2, 3, 4, 1, 2, 3, 4]
    assert all(in_window(hourly.window, t.astimezone(WIB)) for t in times)  # jitter never crosses 05:00
    daily = make_trigger(schedule(interval="1d", window={"start": "01:00", "end": "05:00"}), "Asia/Jakarta")
    assert fires(daily, at("2025-03-01 06:00"), 2) == [at("2025-03-02 01:00"), at("2025-03-03 01:00")]


def test_window_across_midnight_and_cron_with_window():
    night = make_trigger(schedule(interval="2h", window={"start": "22:00", "end": "02:00"}), "Asia/Jakarta")
    assert [t.astimezone(WIB).strftime("%d %H") for t in fires(night, at("2025-03-01 12:00"), 3)] == \
        ["01 22", "02 00", "02 22"]
    cron = make_trigger(schedule(cron="*/30 * * * *", window={"start": "01:00", "end": "02:00"}), "Asia/Jakarta")
    assert fires(cron, at("2025-03-01 01:10"), 3) == [at("2025-03-01 01:30"), at("2025-03-02 01:00"),
                                                       at("2025-03-02 01:30")]


def test_schedule_that_never_meets_its_window_yields_none():
    trigger = make_trigger(schedule(cron="0 12 * * *", window={"start": "01:00", "end": "05:00"}), "Asia/Jakarta")
    assert trigger.get_next_fire_time(None, at("2025-03-01 00:00")) is None


@pytest.mark.parametrize("clock,inside", [("00:59", False), ("01:00", True), ("04:59", True), ("05:00", False)])
def test_in_window_bounds(clock, inside):
    window = schedule(interval="1h", window={"start": "01:00", "end": "05:00"}).window
    assert in_window(window, at(f"2025-03-01 {clock}")) is inside
    assert in_window(None, at(f"2025-03-01 {clock}")) is True


def test_first_run_after_downtime_is_one_catch_up_or_the_regular_time():
    trigger = make_trigger(schedule(interval="1h"), "Asia/Jakarta")
    now = at("2025-03-01 10:20")
    assert first_run_time(trigger, None, now) == now  # never harvested: now
    assert first_run_time(trigger, at("2025-03-01 10:00"), now) == at("2025-03-01 11:00")  # nothing missed
    assert first_run_time(trigger, at("2025-02-27 03:00"), now) == now  # dozens missed: ONE run, now
    nightly = make_trigger(schedule(cron="30 2 * * *"), "Asia/Jakarta")
    assert first_run_time(nightly, at("2025-03-01 02:30"), now) == at("2025-03-02 02:30")
    assert first_run_time(nightly, at("2025-02-28 02:30"), now) == now


def test_catch_up_waits_for_the_window_and_is_spread_by_the_jitter():
    windowed = make_trigger(schedule(interval="1h", window={"start": "01:00", "end": "05:00"}), "Asia/Jakarta")
    assert first_run_time(windowed, at("2025-02-01 01:00"), at("2025-03-01 10:00")) == at("2025-03-02 01:00")
    assert first_run_time(windowed, at("2025-02-01 01:00"), at("2025-03-01 02:10")) == at("2025-03-01 02:10")
    spread = make_trigger(schedule(interval="1h", jitter_seconds=120), "Asia/Jakarta")
    now = at("2025-03-01 10:20")
    delays = {(first_run_time(spread, None, now) - now).total_seconds() for _ in range(30)}
    assert all(0 <= d < 120 for d in delays) and len(delays) > 1


def test_all_times_are_aware_and_comparable_with_utc():
    trigger = make_trigger(schedule(interval="30m"), "Asia/Jakarta")
    nxt = trigger.get_next_fire_time(None, datetime(2025, 3, 1, 3, 10, tzinfo=timezone.utc))
    assert nxt == datetime(2025, 3, 1, 3, 30, tzinfo=timezone.utc)
