"""Budget Forecast: what the next 12 months of servicing and open defect quotes are likely to cost.

The portal stores no price per test, so a test is priced from the customer's own contracts: a
contract's yearly value divided by the tests it covers in a year (``contract_rates``). A test of
equipment on no contract is priced at the customer's average contract rate. Each schedule's next
due date is projected forward by its interval; an overdue test counts in the current month.
Open defect quotes (not accepted, not declined, defect still open) count in the month the
customer asked for the work, or the current month when it asked for no date or a past one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel.sql.expression import Select

from portal.core import exports
from portal.core.principal import Scope
from portal.core.visibility import of_customer, scoped, visible
from portal.models import (
    Asset,
    AssetServiceLevel,
    AssetStatus,
    Contract,
    Defect,
    Quote,
    QuoteDecision,
    QuoteStage,
    ServiceLevel,
)
from portal.services.reports.advanced_reports import (
    MONTHS,
    allowed,
    forecast_index,
    months_from,
    report_sites,
)

DAYS_PER_YEAR = 365.25


@dataclass
class ForecastMonth:
    month: date
    services: int = 0
    services_cents: int = 0
    quotes: int = 0
    quotes_cents: int = 0

    @property
    def total_cents(self) -> int:
        return self.services_cents + self.quotes_cents


@dataclass
class Forecast:
    months: list[ForecastMonth]
    awaiting_pricing: int = 0  # open defect quotes not priced yet: counted, not costed
    rates: dict[int | None, int] = field(
        default_factory=dict
    )  # contract id (None: no contract) -> cents a test

    @property
    def total_cents(self) -> int:
        return sum(m.total_cents for m in self.months)


def _active_schedules(scope: Scope) -> Select[date, int, int | None, int]:
    return (
        select(AssetServiceLevel.next_due_on, ServiceLevel.interval_months, Asset.contract_id, func.count())
        .join(Asset, Asset.id == AssetServiceLevel.asset_id)
        .join(ServiceLevel, ServiceLevel.id == AssetServiceLevel.service_level_id)
        .where(visible(scope, Asset), Asset.status == AssetStatus.ACTIVE)
        .group_by(AssetServiceLevel.next_due_on, ServiceLevel.interval_months, Asset.contract_id)
    )


def _schedules(session: Session, scope: Scope, site_ids: list[int]) -> pd.DataFrame:
    """Schedules counted by (next due date, interval, contract): thousands of rows, not one per asset."""
    rows = session.exec(_active_schedules(scope).where(Asset.site_id.in_(site_ids))).all()
    return pd.DataFrame(rows, columns=["due", "interval", "contract", "n"])


def contract_rates(session: Session, scope: Scope) -> dict[int | None, int]:
    """Cents per test for each of the customer's contracts, and (key None) their average.

    Worked out over all of the customer's contracts and equipment, whatever sites the contact sees.
    """
    per_year = dict(
        session.exec(
            select(Asset.contract_id, func.sum(12.0 / ServiceLevel.interval_months))
            .join(AssetServiceLevel, AssetServiceLevel.asset_id == Asset.id)
            .join(ServiceLevel, ServiceLevel.id == AssetServiceLevel.service_level_id)
            .where(
                of_customer(scope, Asset),
                Asset.status == AssetStatus.ACTIVE,
                Asset.contract_id.is_not(None),
                ServiceLevel.interval_months > 0,
            )
            .group_by(Asset.contract_id)
        ).all()
    )
    rates: dict[int | None, int] = {}
    value_per_year = covered = 0.0
    for c in session.exec(select(Contract).where(of_customer(scope, Contract))).all():
        years = max((c.expiry_date - c.start_date).days, 1) / DAYS_PER_YEAR
        count = float(per_year.get(c.id) or 0.0)
        if count > 0 and c.value_cents > 0:
            rates[c.id] = round(c.value_cents / years / count)
            value_per_year += c.value_cents / years
            covered += count
    rates[None] = round(value_per_year / covered) if covered else 0
    return rates


def _project(schedules: pd.DataFrame, rates: dict[int | None, int], months: list[ForecastMonth]) -> None:
    if schedules.empty:
        return
    first = months[0].month
    start = np.array([forecast_index(first, d) for d in schedules["due"]], dtype=int)
    interval = np.maximum(schedules["interval"].to_numpy(dtype=int), 1)
    n = schedules["n"].to_numpy(dtype=np.int64)
    fallback = rates.get(None, 0)
    cost = n * np.array(
        [rates.get(None if pd.isna(c) else int(c), fallback) for c in schedules["contract"]], dtype=np.int64
    )
    counts, cents = np.zeros(MONTHS, dtype=np.int64), np.zeros(MONTHS, dtype=np.int64)
    for k in range(MONTHS):  # the k-th repeat of every schedule, as far as the window reaches
        at = start + k * interval
        inside = at < MONTHS
        if not inside.any():
            break
        counts += np.bincount(at[inside], weights=n[inside], minlength=MONTHS).astype(np.int64)
        cents += np.bincount(at[inside], weights=cost[inside], minlength=MONTHS).astype(np.int64)
    for i, m in enumerate(months):
        m.services, m.services_cents = int(counts[i]), int(cents[i])


def _quotes(session: Session, scope: Scope, site_ids: list[int], months: list[ForecastMonth]) -> int:
    rows = session.exec(
        scoped(select(Quote.id, Quote.preferred_date, Quote.total_cents, Quote.stage), scope, Quote)
        .join(Defect, Defect.quote_id == Quote.id)
        .where(
            of_customer(scope, Defect),  # the quote's site decides, not the defect's
            Defect.rectified_on.is_(None),
            Quote.decision == QuoteDecision.NONE,
            Quote.site_id.in_(site_ids),
        )
        .distinct()
    ).all()
    first, awaiting = months[0].month, 0
    for _id, preferred, total, stage in rows:
        i = forecast_index(first, preferred) if preferred else 0
        if i >= MONTHS:
            continue
        months[i].quotes += 1
        # Until the office sends it, an Outstanding quote's price is its draft: the customer sees none.
        months[i].quotes_cents += 0 if stage == QuoteStage.OUTSTANDING else total
        awaiting += stage == QuoteStage.OUTSTANDING
    return awaiting


def budget_forecast(session: Session, scope: Scope, site_id: object, today: date) -> Forecast:
    """The 12 months from ``today``'s month, for one of the contact's sites or all of them."""
    allowed(scope)
    months = [ForecastMonth(m) for m in months_from(today)]
    sites = report_sites(session, scope, site_id)
    rates = contract_rates(session, scope)
    if not sites:
        return Forecast(months, 0, rates)
    _project(_schedules(session, scope, list(sites)), rates, months)
    awaiting = _quotes(session, scope, list(sites), months)
    return Forecast(months, awaiting, rates)


HEADER = ("Month", "Services due", "Services (estimated)", "Open defect quotes", "Defect quotes", "Total")


def budget_csv(session: Session, scope: Scope, site_id: object, today: date) -> Iterator[str]:
    forecast = budget_forecast(session, scope, site_id, today)
    rows = (
        [
            m.month.strftime("%Y-%m"),
            m.services,
            exports.cents(m.services_cents),
            m.quotes,
            exports.cents(m.quotes_cents),
            exports.cents(m.total_cents),
        ]
        for m in forecast.months
    )
    yield from exports.csv_stream(HEADER, rows)
