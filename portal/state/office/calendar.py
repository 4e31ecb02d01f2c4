"""``/office/jobs/calendar``: one Monday-to-Sunday week of booked visits, by day and technician.

The week on screen is ``_monday``, moved only by Previous / Next / This week or the page's ``week``
address argument (read through ``core/dates``), so a forged value shows this week instead.
"""

from __future__ import annotations

from datetime import date, timedelta

import reflex as rx

from portal.core import dates, tenant
from portal.core.principal import Duty
from portal.db import unit_of_work
from portal.services.work import office_jobs
from portal.state.office.jobs import card_view, office_staff


class CalendarState(rx.State):
    heading: str = ""
    days: list[dict] = []
    truncated: bool = False
    _monday: str = ""

    def _show(self, around: date | None) -> None:
        staff = office_staff(self, Duty.SCHEDULE_JOBS)
        if staff is None:
            self.days, self.heading = [], ""
            return
        with unit_of_work(read_only=True) as session:
            week = office_jobs.week_calendar(session, staff, around or tenant.today(session))
        self._monday = week.start.isoformat()
        self.truncated = week.truncated
        self.heading = f"Week {week.number}: {week.start:%-d %b} – {week.end:%-d %b %Y}"
        self.days = [
            {
                "date": d.day.isoformat(),
                "label": f"{d.day:%a %-d %b}",
                "count": str(len(d.visits)),
                "visits": [card_view(v) for v in d.visits],
            }
            for d in week.days
        ]

    @rx.event
    def load(self):
        raw = self.router.url.query_parameters.get("week", "")
        found = dates.read_day(raw) if raw else None
        self._show(found if isinstance(found, date) else None)

    def _step(self, days: int) -> None:
        current = dates.read_day(self._monday)
        if not isinstance(current, date):
            self._show(None)
            return
        moved = current + timedelta(days=days)
        self._show(moved if dates.supported(moved) else current)

    @rx.event
    def previous(self):
        self._step(-7)

    @rx.event
    def next(self):
        self._step(7)

    @rx.event
    def this_week(self):
        self._show(None)
