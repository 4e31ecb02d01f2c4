"""Reports > Current Defects: every asset that failed a test and has not been rectified yet.

The screen, its severity summary and its CSV run the same scoped query, so a limited contact sees
the same rows in all three. The site, asset type and search filters are shared with the Test
History report (:class:`AssetFilters`); a site the contact may not see is refused outright rather
than quietly widened to "all my sites", so a hand-edited address never shows more than it asks for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from portal.core import exports
from portal.core.lists import MAX_SEARCH, Page, PageRequest, ordered, paginate, search_filter, shorten
from portal.core.principal import MAX_ID, Scope
from portal.core.visibility import scoped
from portal.models import Asset, AssetType, Defect, DefectSeverity, Quote, Site
from portal.models import Page as PageKey
from portal.services.sites.sites import site_for

PAGE = PageKey.REPORTS
ALL = "all"
SEVERITIES = tuple(DefectSeverity)
SEVERITY_LABELS: dict[str, str] = {
    DefectSeverity.CRITICAL: "Critical",
    DefectSeverity.NON_CRITICAL: "Non-critical",
    DefectSeverity.NON_CONFORMANCE: "Non-conformance",
}
DEFAULT_SORT = "date"
LIST_DESCRIPTION_CHARS = 160


@dataclass(frozen=True)
class AssetFilters:
    """Site, asset type and search: what both maintenance reports filter by. None means "all"."""

    site_id: int | None = None
    asset_type_id: int | None = None
    search: str = ""


def _id(raw: Any) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= MAX_ID else None


def _all(raw: Any) -> bool:
    return raw is None or str(raw).strip() in ("", ALL)


def asset_filters(
    session: Session, scope: Scope, site: Any = None, asset_type: Any = None, search: Any = ""
) -> AssetFilters | None:
    """The filters from a page address or a download link, or None when they ask for what the scope hides.

    A site id is loaded through the scope; an asset type only has to be a well-formed id, since a
    type the customer has no equipment of simply matches nothing.
    """
    site_id = type_id = None
    if not _all(site):
        found = site_for(session, scope, site)
        if found is None:
            return None
        site_id = found.id
    if not _all(asset_type):
        type_id = _id(asset_type)
        if type_id is None:
            return None
    text = " ".join(str(search or "").split())[:MAX_SEARCH]
    return AssetFilters(site_id, type_id, text)


def narrowed(stmt: Any, filters: AssetFilters, site_column: Any) -> Any:
    """A statement joined to Asset, narrowed to the filters' site and asset type."""
    if filters.site_id is not None:
        stmt = stmt.where(site_column == filters.site_id)
    if filters.asset_type_id is not None:
        stmt = stmt.where(Asset.asset_type_id == filters.asset_type_id)
    return stmt


@dataclass(frozen=True)
class DefectRow:
    id: int
    found_on: date
    asset_id: int
    asset_number: str
    asset_name: str
    location: str
    type_name: str
    site_id: int
    site_name: str
    severity: str
    description: str
    quote_id: int | None
    quote_number: int | None
    quote_stage: str | None


def severity_label(value: str) -> str:
    return SEVERITY_LABELS.get(value, str(value).replace("_", " ").capitalize())


def _severity_rank() -> Any:
    """Critical first when the Severity column sorts ascending."""
    return case({s.value: n for n, s in enumerate(SEVERITIES)}, value=Defect.severity, else_=len(SEVERITIES))


SORTS: dict[str, Any] = {
    "date": Defect.found_on,
    "asset": Asset.number,
    "location": Asset.location,
    "type": AssetType.name,
    "site": Site.name,
    "severity": _severity_rank(),
    "description": Defect.description,
}


def _open(scope: Scope, filters: AssetFilters, *columns: Any) -> Any:
    """The current defects in the scope and filters, joined to their asset, selecting ``columns``."""
    stmt = select(*(columns or (Defect.id,))).join(Asset, Asset.id == Defect.asset_id)
    stmt = stmt.where(Defect.rectified_on.is_(None))
    stmt = narrowed(scoped(stmt, scope, Defect), filters, Defect.site_id)
    found = search_filter(filters.search, Asset.number, Asset.name, Asset.location, Defect.description)
    return stmt.where(found) if found is not None else stmt


def defect_query(scope: Scope, filters: AssetFilters) -> Any:
    """The report's rows, unordered: the screen pages it, the download streams it all."""
    return (
        _open(
            scope,
            filters,
            Defect.id,
            Defect.found_on,
            Asset.id,
            Asset.number,
            Asset.name,
            Asset.location,
            AssetType.name,
            Site.id,
            Site.name,
            Defect.severity,
            Defect.description,
            Quote.id,
            Quote.number,
            Quote.stage,
        )
        .join(AssetType, AssetType.id == Asset.asset_type_id)
        .join(Site, Site.id == Defect.site_id)
        # The quote must be the same customer's, whatever the defect row says.
        .outerjoin(Quote, and_(Quote.id == Defect.quote_id, Quote.customer_id == Defect.customer_id))
    )


def _row(r: Sequence[Any], limit: int | None = None) -> DefectRow:
    (
        did,
        found_on,
        asset_id,
        number,
        name,
        location,
        type_name,
        site_id,
        site_name,
        severity,
        description,
        quote_id,
        quote_number,
        quote_stage,
    ) = r
    return DefectRow(
        id=did,
        found_on=found_on,
        asset_id=asset_id,
        asset_number=number,
        asset_name=name,
        location=location,
        type_name=type_name,
        site_id=site_id,
        site_name=site_name,
        severity=str(severity),
        description=shorten(description, limit) if limit else description,
        quote_id=quote_id,
        quote_number=quote_number,
        quote_stage=str(quote_stage) if quote_stage else None,
    )


def list_defects(
    session: Session, scope: Scope, filters: AssetFilters | None, request: PageRequest
) -> Page[DefectRow]:
    """One page of current defects; an empty page when the filters were refused."""
    scope.require(PAGE)
    request = request.clean()
    if filters is None:
        return Page(rows=[], total=0, page=1, size=request.size)
    return paginate(
        session,
        defect_query(scope, filters),
        request,
        SORTS,
        DEFAULT_SORT,
        lambda r: _row(r, LIST_DESCRIPTION_CHARS),
        tiebreak=Defect.id,
        count_stmt=_open(scope, filters),
    )


def severity_counts(session: Session, scope: Scope, filters: AssetFilters | None) -> dict[str, int]:
    """How many current defects of each severity the filters find (every severity present, zeros too)."""
    scope.require(PAGE)
    counts = {s.value: 0 for s in SEVERITIES}
    if filters is None:
        return counts
    stmt = _open(scope, filters, Defect.severity, func.count()).group_by(Defect.severity)
    for severity, n in session.exec(stmt).all():
        counts[str(severity)] = int(n)
    return counts


CSV_HEADER = [
    "Date Checked",
    "Site",
    "Asset No.",
    "Asset",
    "Location",
    "Asset Type",
    "Severity",
    "Description",
    "Quote No.",
]


def defect_csv(
    session: Session, scope: Scope, filters: AssetFilters, sort: str = "", descending: bool = True
) -> Iterator[str]:
    """Every current defect the filters find, in the screen's order, streamed without a row limit.

    The access check runs now, not on the first chunk, so a refused download fails before any response.
    """
    scope.require(PAGE)
    request = PageRequest(sort=sort, descending=descending).clean()
    stmt = ordered(
        defect_query(scope, filters), SORTS, request.sort, request.descending, DEFAULT_SORT, Defect.id
    )

    def rows() -> Iterator[list[Any]]:
        for r in session.exec(stmt.execution_options(yield_per=exports.STREAM_BATCH)):
            d = _row(r)
            yield [
                d.found_on,
                d.site_name,
                d.asset_number,
                d.asset_name,
                d.location,
                d.type_name,
                severity_label(d.severity),
                d.description,
                d.quote_number,
            ]

    return exports.csv_stream(CSV_HEADER, rows())
