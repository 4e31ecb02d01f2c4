"""The portal's one clock: the only place that reads the wall clock.

Why one place: "today" for a customer is the contractor's today in the contractor's time zone
(an invoice is overdue when the office says so, not when the server's UTC date rolls over), and
one clock is one thing to move. Tests freeze it with time-machine, which patches what this module
reads; a server started by the browser tests is moved with ``PORTAL_CLOCK_SHIFT_SECONDS`` so that
it reads the same moment as the test run that drives it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal import config


def now() -> datetime:
    """This moment, aware, in UTC."""
    return datetime.now(UTC) + timedelta(seconds=config.settings().clock_shift_seconds)


def zone(name: str | None) -> ZoneInfo:
    """A time zone by name; UTC when the stored name is unknown, so a typo never breaks a page."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today(zone_name: str | None = "UTC") -> date:
    """Today's date in the named time zone (the contractor's, for anything a customer reads)."""
    return now().astimezone(zone(zone_name)).date()


@overload
def local_day(moment: datetime, tz: ZoneInfo) -> date: ...
@overload
def local_day(moment: datetime | None, tz: ZoneInfo) -> date | None: ...
def local_day(moment: datetime | None, tz: ZoneInfo) -> date | None:
    """A moment's date as the contractor's office reads it: 9 am in Brisbane is still yesterday in UTC."""
    return moment.astimezone(tz).date() if moment is not None else None
