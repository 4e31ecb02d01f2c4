"""What a customer checks first: quotes waiting, jobs under way, money owed, services due, defects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from sqlalchemy import case, func
from sqlmodel import Session, select

from portal.core import tenant
from portal.core.principal import Scope
from portal.core.visibility import scoped
from portal.models import (
    Asset,
    AssetServiceLevel,
    AssetStatus,
    AssetType,
    Defect,
    DefectSeverity,
    Invoice,
    InvoiceStatus,
    Job,
    JobStage,
    Page,
    Quote,
    QuoteDecision,
    QuoteStage,
    Site,
)

DUE_WINDOW_DAYS = 28


@dataclass(frozen=True)
class Line:
    """One row of a dashboard card: a label, a detail and where it links."""

    title: str
    detail: str
    href: str


@dataclass
class Dashboard:
    currency: str = "AUD"
    quotes_outstanding: int | None = None
    quotes_to_decide: int | None = None
    quote_lines: list[Line] = field(default_factory=list)
    jobs_in_progress: int | None = None
    jobs_pending: int | None = None
    job_lines: list[Line] = field(default_factory=list)
    unpaid_cents: int | None = None
    overdue_cents: int | None = None
    unpaid_count: int = 0
    overdue_count: int = 0
    services_due: int | None = None
    services_overdue: int = 0
    due_lines: list[Line] = field(default_factory=list)
    due_href: str = "/assets"
    defects_current: int | None = None
    defects_critical: int = 0
    defect_lines: list[Line] = field(default_factory=list)
    defects_href: str = "/assets"


def build(session: Session, scope: Scope, today: date) -> Dashboard:
    currency = tenant.currency(session)
    board = Dashboard(currency=currency)
    if scope.can(Page.QUOTES):
        _quotes(session, scope, board)
    if scope.can(Page.JOBS):
        _jobs(session, scope, board)
    if scope.can(Page.INVOICES):
        _invoices(session, scope, board, today)
    if scope.can(Page.ASSETS):
        # The reports say most about both; a contact without them still has the asset register.
        if scope.can(Page.REPORTS):
            board.due_href, board.defects_href = "/reports/ppm", "/reports/defects"
        _services_due(session, scope, board, today)
        _defects(session, scope, board)
    return board


def _quotes(session: Session, scope: Scope, board: Dashboard) -> None:
    counts = session.exec(
        scoped(
            select(
                func.sum(case((Quote.stage == QuoteStage.OUTSTANDING, 1), else_=0)),
                func.sum(
                    case(
                        ((Quote.stage == QuoteStage.ACTIONED) & (Quote.decision == QuoteDecision.NONE), 1),
                        else_=0,
                    )
                ),
            ),
            scope,
            Quote,
        )
    ).one()
    board.quotes_outstanding, board.quotes_to_decide = int(counts[0] or 0), int(counts[1] or 0)
    rows = session.exec(
        scoped(
            select(Quote.number, Quote.description, Site.name)
            .join(Site, Site.id == Quote.site_id)
            .where(Quote.stage == QuoteStage.OUTSTANDING)
            .order_by(Quote.requested_on.desc(), Quote.id.desc())
            .limit(5),
            scope,
            Quote,
        )
    ).all()
    board.quote_lines = [
        Line(f"Quote #{n}", f"{site} · {_short(desc)}", f"/quotes?tab=outstanding&q={n}")
        for n, desc, site in rows
    ]


def _jobs(session: Session, scope: Scope, board: Dashboard) -> None:
    counts = session.exec(
        scoped(
            select(
                func.sum(case((Job.stage == JobStage.PROGRESS, 1), else_=0)),
                func.sum(case((Job.stage == JobStage.PENDING, 1), else_=0)),
            ),
            scope,
            Job,
        )
    ).one()
    board.jobs_in_progress, board.jobs_pending = int(counts[0] or 0), int(counts[1] or 0)
    rows = session.exec(
        scoped(
            select(Job.number, Job.scheduled_on, Site.name)
            .join(Site, Site.id == Job.site_id)
            .where(Job.stage == JobStage.PROGRESS)
            .order_by(Job.scheduled_on, Job.id)
            .limit(5),
            scope,
            Job,
        )
    ).all()
    board.job_lines = [
        Line(
            f"Job #{n}", f"{site} · scheduled {when:%d %b %Y}" if when else site, f"/jobs?tab=progress&q={n}"
        )
        for n, when, site in rows
    ]


def _invoices(session: Session, scope: Scope, board: Dashboard, today: date) -> None:
    balance = Invoice.total_cents - Invoice.paid_cents
    overdue = Invoice.due_on < today
    row = session.exec(
        scoped(
            select(
                func.coalesce(func.sum(balance), 0),
                func.count(),
                func.coalesce(func.sum(case((overdue, balance), else_=0)), 0),
                func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
            ).where(Invoice.status == InvoiceStatus.UNPAID),
            scope,
            Invoice,
        )
    ).one()
    board.unpaid_cents, board.unpaid_count = int(row[0]), int(row[1])
    board.overdue_cents, board.overdue_count = int(row[2]), int(row[3])


def _services_due(session: Session, scope: Scope, board: Dashboard, today: date) -> None:
    until = today + timedelta(days=DUE_WINDOW_DAYS)
    base = (
        select(
            AssetType.name, func.count(), func.sum(case((AssetServiceLevel.next_due_on < today, 1), else_=0))
        )
        .select_from(AssetServiceLevel)
        .join(Asset, Asset.id == AssetServiceLevel.asset_id)
        .join(AssetType, AssetType.id == Asset.asset_type_id)
        .where(AssetServiceLevel.next_due_on <= until, Asset.status == AssetStatus.ACTIVE)
        .group_by(AssetType.name)
        .order_by(func.count().desc())
    )
    rows = session.exec(scoped(base, scope, Asset)).all()
    board.services_due = sum(int(r[1]) for r in rows)
    board.services_overdue = sum(int(r[2] or 0) for r in rows)
    board.due_lines = [
        Line(name, f"{count} due" + (f", {late} overdue" if late else ""), board.due_href)
        for name, count, late in rows[:5]
    ]


def _defects(session: Session, scope: Scope, board: Dashboard) -> None:
    rows = session.exec(
        scoped(
            select(Defect.severity, func.count())
            .where(Defect.rectified_on.is_(None))
            .group_by(Defect.severity),
            scope,
            Defect,
        )
    ).all()
    by_severity = {sev: int(n) for sev, n in rows}
    board.defects_current = sum(by_severity.values())
    board.defects_critical = by_severity.get(DefectSeverity.CRITICAL, 0)
    latest = session.exec(
        scoped(
            select(Defect.description, Asset.number, Site.name, Site.id)
            .join(Asset, Asset.id == Defect.asset_id)
            .join(Site, Site.id == Defect.site_id)
            .where(Defect.rectified_on.is_(None))
            .order_by(Defect.found_on.desc(), Defect.id.desc())
            .limit(5),
            scope,
            Defect,
        )
    ).all()
    board.defect_lines = [
        Line(
            f"Asset {num}",
            f"{site} · {_short(desc)}",
            f"{board.defects_href}?{urlencode({'site': site_id, 'q': num})}",
        )
        for desc, num, site, site_id in latest
    ]


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
