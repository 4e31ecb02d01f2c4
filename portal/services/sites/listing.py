"""Sites > Sites: the contact's active sites with their address, site contacts and open jobs, and CSV.

Open jobs are those the contractor has not finished yet (Pending or Progress); complete, invoiced
and archived jobs are history. A login without the Jobs page is shown no job figures (0), as the
jobs list shows no invoice counts to a login without Invoices.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, literal
from sqlmodel import Session, select

from portal.core.lists import Cell, Column, Context, ListSpec, Page, PageRequest, PerRequest
from portal.core.principal import Scope
from portal.models import Job, JobStage, Site, SiteContact
from portal.models import Page as PageKey
from portal.models.sites import site_address

PAGE = PageKey.SITES
OPEN_STAGES = (JobStage.PENDING, JobStage.PROGRESS)


@dataclass(frozen=True)
class SiteRow:
    id: int
    name: str
    street: str
    suburb: str
    state: str
    postcode: str
    contacts: int
    open_jobs: int

    @property
    def address(self) -> str:
        return site_address(self.street, self.suburb, self.state, self.postcode)


def _contacts() -> Any:
    return (
        select(func.count(SiteContact.id))
        .where(SiteContact.site_id == Site.id)
        .correlate(Site)
        .scalar_subquery()
    )


def _open_jobs(context: Context) -> Any:
    """Open jobs of each site, counted inside the list query; 0 for a login that may not see jobs."""
    if not context.scope.can(PageKey.JOBS):
        return literal(0)
    return (
        select(func.count(Job.id))
        .where(Job.site_id == Site.id, Job.customer_id == Site.customer_id, Job.stage.in_(OPEN_STAGES))
        .correlate(Site)
        .scalar_subquery()
    )


SITES: ListSpec[SiteRow] = ListSpec(
    name="sites",
    page=PAGE,
    model=Site,
    columns=(
        Column("id", Site.id),
        Column("name", Site.name),
        Column("street", Site.street),
        Column("suburb", Site.suburb),
        Column("state", Site.state),
        Column("postcode", Site.postcode),
        Column("contacts", _contacts()),
        Column("open_jobs", PerRequest(_open_jobs)),
    ),
    tabs={"all": Site.is_active.is_(True)},
    search=(Site.name, Site.street, Site.suburb, Site.state, Site.postcode),
    sorts={
        "name": Site.name,
        "address": Site.street,
        "suburb": Site.suburb,
        "contacts": _contacts(),
        "open_jobs": PerRequest(_open_jobs),
    },
    default_sort="name",
    row=lambda values, context: SiteRow(**values),
    cells=(
        Cell("Site", lambda s: s.name),
        Cell("Street", lambda s: s.street),
        Cell("Suburb", lambda s: s.suburb),
        Cell("State", lambda s: s.state),
        Cell("Postcode", lambda s: s.postcode),
        Cell("Site contacts", lambda s: s.contacts),
        Cell("Open jobs", lambda s: s.open_jobs),
    ),
)
SITE_SORTS = tuple(SITES.sorts)
CSV_HEADER = SITES.csv_header


def list_sites(session: Session, scope: Scope, request: PageRequest, today: date) -> Page[SiteRow]:
    return SITES.rows(session, scope, "all", request, today)


def site_csv(session: Session, scope: Scope, request: PageRequest, today: date) -> Iterator[str]:
    return SITES.csv(session, scope, "all", request, today)
