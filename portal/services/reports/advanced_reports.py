"""What the Advanced portal's reports share: the tier check, the site filter and the months they span.

Every report function starts with :func:`allowed`, so a Standard-tier portal refuses the data
itself, not only the menu entry, and every report narrows to the sites of :func:`report_sites`,
which never reaches beyond the contact's own.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from portal.core.months import add_months, month_start
from portal.core.principal import ADVANCED_REPORTS, Scope
from portal.services.sites.sites import site_for, site_options

MONTHS = 12


def allowed(scope: Scope) -> None:
    """Raise AccessDenied unless the contractor's tier and the contact's login include these reports."""
    scope.require(ADVANCED_REPORTS)


def report_sites(session: Session, scope: Scope, site_id: object = None) -> dict[int, str]:
    """Site id -> name of what a report covers: the chosen site, or every site of the contact.

    An id the contact may not see covers nothing, so a tampered filter shows an empty report.
    """
    if site_id in (None, "", "all"):
        return dict(site_options(session, scope))
    site = site_for(session, scope, site_id)
    return {site.id: site.name} if site is not None and site.id is not None else {}


def months_from(first: date, count: int = MONTHS) -> list[date]:
    """The first days of ``count`` months starting with ``first``'s month."""
    start = month_start(first)
    return [add_months(start, i) for i in range(count)]


def month_index(first: date, day: date) -> int:
    """How many months ``day`` lies after ``first``'s month (negative before it)."""
    return (day.year - first.year) * 12 + day.month - first.month


def window(last_month: date) -> tuple[date, date]:
    """The first day of the 12-month window ending with ``last_month``, and the day after it."""
    first = add_months(month_start(last_month), 1 - MONTHS)
    return first, add_months(first, MONTHS)


def forecast_index(first: date, day: date) -> int:
    """Which month of a forecast ``day`` falls in: a day already past still has to be paid for, so month 0."""
    return max(month_index(first, day), 0)
