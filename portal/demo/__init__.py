"""Demo data: a believable contractor with customers, two years of history and known logins.

``seed_demo`` runs inside the caller's transaction and never commits, so ``portal seed --demo``
commits it in one go and a test rolls it back. It is safe to run again: when the demo contractor
(or, for the large size, the benchmark customer) is already there, nothing is inserted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from portal import config
from portal.core import clock
from portal.demo import catalog
from portal.models import (
    Asset,
    AssetServiceLevel,
    Attachment,
    Contact,
    Contract,
    Contractor,
    Customer,
    Defect,
    Invoice,
    Job,
    Payment,
    Quote,
    RecurringInvoice,
    ServiceRecord,
    Site,
    Staff,
    Task,
    Transfer,
)

SIZES = ("small", "large")
CONTRACTOR_NAME = catalog.CONTRACTOR["company_name"]
LARGE_CUSTOMER = "Metro Council Facilities"

_COUNTED: tuple[tuple[str, type[SQLModel]], ...] = (
    ("customers", Customer),
    ("sites", Site),
    ("contacts", Contact),
    ("contracts", Contract),
    ("assets", Asset),
    ("asset_service_levels", AssetServiceLevel),
    ("service_records", ServiceRecord),
    ("defects", Defect),
    ("transfers", Transfer),
    ("quotes", Quote),
    ("jobs", Job),
    ("invoices", Invoice),
    ("payments", Payment),
    ("recurring_invoices", RecurringInvoice),
    ("tasks", Task),
    ("attachments", Attachment),
)


class DemoRefused(RuntimeError):
    """The database already belongs to a real contractor, which must never get demo logins."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    customer: str
    sees: str  # what this login can open, for the person trying the demo
    active: bool = True


@dataclass
class DemoSummary:
    size: str
    inserted: bool  # False when the demo was already there and nothing was added
    contractor: str
    logins: list[DemoLogin]
    counts: dict[str, int] = field(default_factory=dict)  # rows in the database after seeding
    seconds: float = 0.0
    staff: list[catalog.StaffLogin] = field(default_factory=list)  # the back office's demo logins
    office_url: str = ""

    def describe(self) -> str:
        """What ``portal seed --demo`` prints: whether anything was added, the logins, the sizes."""
        head = "Demo data loaded" if self.inserted else "Demo data already present; nothing added"
        lines = [f"{head} ({self.size}, {self.seconds:.1f} s): {self.contractor}", "", "Logins:"]
        for login in self.logins:
            state = "" if login.active else "  [deactivated: sign-in is refused]"
            lines.append(f"  {login.username:<30} {login.password}  {login.customer}: {login.sees}{state}")
        if self.staff:
            lines += [
                "",
                f"Back office: {self.office_url}/office/login with the same password, then the code that "
                "`portal totp --email EMAIL` prints:",
                *[f"  {s.email:<38} {s.role:<11} {s.name}" for s in self.staff],
            ]
        lines += ["", "Rows: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in self.counts.items())]
        return "\n".join(lines)


_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "dana@northside.example",
        catalog.PASSWORD,
        catalog.NORTHSIDE.name,
        "every page and all 5 sites (the main demo login)",
    ),
    DemoLogin(
        "sam@northside.example",
        catalog.PASSWORD,
        catalog.NORTHSIDE.name,
        f"only {catalog.NORTHSIDE.sites[0].name} and {catalog.NORTHSIDE.sites[2].name}; no invoices page",
    ),
    DemoLogin(
        "office@stbrigids.example",
        catalog.PASSWORD,
        catalog.ST_BRIGIDS.name,
        "every page, its 2 campuses: another customer, sees none of Northside's data",
    ),
    DemoLogin(
        "priya@northside.example",
        catalog.PASSWORD,
        catalog.NORTHSIDE.name,
        "a former employee's login",
        active=False,
    ),
)
_LARGE_LOGIN = DemoLogin(
    "facilities@metro.example",
    catalog.PASSWORD,
    LARGE_CUSTOMER,
    "every page, 40 sites, 100,000 invoices, 50,000 assets (for benchmarks)",
)


def seed_demo(
    session: Session, size: str = "small", today: date | None = None, *, scale: float = 1.0
) -> DemoSummary:
    """Load the demo into the session's transaction (flushes, never commits).

    ``size="large"`` adds the benchmark customer on top of the small demo. ``scale`` shrinks that
    customer's row counts (0.01 gives a hundredth) so a test can run the large path in a second.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    started = time.perf_counter()
    today = today or clock.today(catalog.CONTRACTOR["timezone"])
    cfg = config.settings()
    session.flush()
    inserted = False
    if _demo_contractor(session) is None:
        other = session.execute(select(Contractor.company_name).limit(1)).scalar()
        if other is not None:
            raise DemoRefused(
                f"This database already belongs to {other!r}; the demo only seeds an empty portal, "
                "so that real customers never share a database with known demo passwords."
            )
        from portal.demo.small import SmallDemo

        SmallDemo(session, today, cfg.bcrypt_rounds, cfg.files_dir).build()
        inserted = True
    if size == "large" and not _large_present(session):
        from portal.demo.large import LargeDemo

        LargeDemo(session, today, cfg.bcrypt_rounds, scale).build()
        inserted = True
    return _summary(session, size, inserted, time.perf_counter() - started)


def _demo_contractor(session: Session) -> int | None:
    return session.execute(select(Contractor.id).where(Contractor.company_name == CONTRACTOR_NAME)).scalar()


def _large_present(session: Session) -> bool:
    return session.execute(select(Customer.id).where(Customer.name == LARGE_CUSTOMER)).first() is not None


def _summary(session: Session, size: str, inserted: bool, seconds: float) -> DemoSummary:
    logins = list(_LOGINS) + ([_LARGE_LOGIN] if _large_present(session) else [])
    counts = {
        name: session.execute(select(func.count()).select_from(model)).scalar_one()
        for name, model in _COUNTED
    }
    emails = [s.email for s in catalog.STAFF_LOGINS]
    present = set(session.execute(select(Staff.email).where(Staff.email.in_(emails))).scalars())
    staff = sorted((s for s in catalog.STAFF_LOGINS if s.email in present), key=lambda s: s.role != "owner")
    url = config.settings().public_url
    return DemoSummary(size, inserted, CONTRACTOR_NAME, logins, counts, seconds, staff, url)


__all__ = ["DemoLogin", "DemoRefused", "DemoSummary", "LARGE_CUSTOMER", "SIZES", "seed_demo"]
