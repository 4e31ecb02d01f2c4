"""Life Cycle Analysis: how old the equipment is against how long it is expected to last.

An asset's life is its own ``expected_life_years`` when set, else its type's. It is "nearing end"
in the last fifth of that life, "past expected life" from the day its life ends, and of "unknown
age" when no install date was recorded. Replacements due are counted by the calendar year the
life ends, for this year and the next four; equipment already past its life is due now.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from portal.core import exports
from portal.core.months import add_months
from portal.core.principal import Scope
from portal.core.visibility import scoped
from portal.models import Asset, AssetStatus, AssetType
from portal.services.reports.advanced_reports import allowed, report_sites

NEARING_SHARE = 0.8  # the last 20 % of an asset's life
YEARS_AHEAD = 5


@dataclass
class TypeLife:
    type_name: str
    expected_life_years: int
    within: int = 0
    nearing: int = 0
    past: int = 0
    unknown: int = 0
    due_by_year: list[int] = field(default_factory=lambda: [0] * YEARS_AHEAD)

    @property
    def total(self) -> int:
        return self.within + self.nearing + self.past + self.unknown


@dataclass
class LifeCycle:
    years: list[int]
    types: list[TypeLife]

    def total(self, name: str) -> int:
        return sum(getattr(t, name) for t in self.types)

    def due_in(self, i: int) -> int:
        return sum(t.due_by_year[i] for t in self.types)


def life_stage(install: date | None, life_years: int, today: date) -> str:
    """ "within", "nearing", "past" or "unknown" for one asset on ``today``."""
    if install is None:
        return "unknown"
    if today >= add_months(install, 12 * life_years):
        return "past"
    if today >= add_months(install, round(12 * life_years * NEARING_SHARE)):
        return "nearing"
    return "within"


def life_cycle(session: Session, scope: Scope, site_id: object, today: date) -> LifeCycle:
    """Active equipment at one of the contact's sites, or all of them, by asset type."""
    allowed(scope)
    years = [today.year + i for i in range(YEARS_AHEAD)]
    sites = report_sites(session, scope, site_id)
    if not sites:
        return LifeCycle(years, [])
    columns = AssetType.name, AssetType.expected_life_years, Asset.expected_life_years, Asset.install_date
    rows = session.exec(
        scoped(select(*columns), scope, Asset)
        .join(AssetType, AssetType.id == Asset.asset_type_id)
        .where(Asset.site_id.in_(list(sites)), Asset.status == AssetStatus.ACTIVE)
    ).all()
    by_type: dict[str, TypeLife] = {}
    for type_name, type_life, own_life, install in rows:
        life = own_life or type_life
        entry = by_type.setdefault(type_name, TypeLife(type_name, type_life))
        stage = life_stage(install, life, today)
        setattr(entry, stage, getattr(entry, stage) + 1)
        if install is not None:
            ends = add_months(install, 12 * life)
            i = max(ends.year - today.year, 0)
            if i < YEARS_AHEAD:
                entry.due_by_year[i] += 1
    return LifeCycle(years, sorted(by_type.values(), key=lambda t: t.type_name))


def header(years: list[int]) -> list[str]:
    return [
        "Asset type",
        "Expected life (years)",
        "Assets",
        "Within life",
        "Nearing end",
        "Past expected life",
        "Unknown age",
        *(f"Replacements due {y}" for y in years),
    ]


def life_cycle_csv(session: Session, scope: Scope, site_id: object, today: date) -> Iterator[str]:
    report = life_cycle(session, scope, site_id, today)
    rows = (
        [t.type_name, t.expected_life_years, t.total, t.within, t.nearing, t.past, t.unknown, *t.due_by_year]
        for t in report.types
    )
    yield from exports.csv_stream(header(report.years), rows)
