"""The small demo: one contractor, three customers, two years of history a salesperson can click through.

Everything is drawn from one seeded ``random.Random`` and dated relative to ``today``, so two runs on
the same day build the same rows, and a demo seeded today looks as fresh as one seeded last year.

Which rows a service makes, and why the others are written directly (through ``rows.Rows``):

* Passwords: ``identity.passwords.hash_password``, as sign-up does.
* Quotes: a request made in the portal goes through ``work.requests.submit_request`` as the
  contact who asked (its optional items, assets, the defect it fixes, its event and the office's
  mail); the office prices and sends it with ``work.pricing.price_quote`` / ``send_quote``; the
  customer accepts or declines it with ``work.quotes.accept_quote`` / ``decline_quote`` as the
  contact who signed. They are played in the order they were asked for, so their numbers follow
  the dates. A request taken by phone, or a decision given by phone (Bayview has no login), has no
  service until the back office exists, so it is a direct row.
* Jobs: a job raised from an accepted quote is created by ``work.jobs.create_job_from_quote`` as
  the office, the day the quote was signed; a new job booked in the portal goes through
  ``requests.submit_request`` as the contact who booked it (with the optional items picked, if any).
  Every job past New Service is booked with ``scheduling.schedule`` (the office books the technician),
  closed with ``jobs.complete_job`` (a technician) and billed with ``jobs.invoice_job`` (the office), and is
  archived by ``jobs.archive_paid_jobs`` once its invoice is paid. All of it is played day by day
  (:meth:`SmallDemo._job_story`) among the jobs and invoices written directly, which hold a
  provisional number until their day comes, so job and invoice numbers follow the dates whoever
  issued them. Each service is given the day and moment it stands for, never the clock's.
* Direct rows, because no service creates them yet: the contractor and its catalogue, customers,
  contacts, sites, contracts, assets, transfers, tasks, published documents, and the history of
  past routine visits (their job cards, service records and defects). A routine visit is a job
  nobody asked for and is billed by its contract's quarterly invoice, not its own: no service
  creates one or archives a job without an invoice, so it is written at the stage it reached. A
  job past New Service that no quote priced (booked by phone, or in the portal and then priced by
  the office, which no service does until the back office exists) is written as booked, with its
  lines, and moved on by the services as above. Contract, recurring and voided invoices have no
  service that issues them for a past day.
* Still direct, though a service exists:

  - Card payments (``billing.charges``): the sandbox takes only its test cards, so every payment
    would be the same Visa ending 4242 where the demo shows each customer's own cards; its
    references are hex digests, which can hold a run of digits that reads like a card number; its
    receipt number is random, while the demo must be the same for a given day; its settlement's
    events are stamped by the clock; the form charges whole balances, while the demo shows a part
    payment; and Bayview, which has no login, pays by phone.
  - Automatic payments (``billing.autopay``): the run issues and charges what is due on the day it
    runs and stamps its rows by the clock, not the past day each one stands for.
  - Attachments (``files.uploads``): its rows take the upload time from the clock and name no staff
    uploader.
"""

from __future__ import annotations

import string
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from itertools import count
from pathlib import Path
from random import Random
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session

from portal.core.months import add_months, month_start
from portal.core.principal import Role, StaffMember
from portal.core.tenant import next_number, tax_on
from portal.demo import catalog as cat
from portal.demo.files import store, tiny_pdf, tiny_png
from portal.demo.rows import Rows, stamp, weekday_on_or_after
from portal.demo.staff import add_staff
from portal.models import (
    ALL_PAGES,
    Asset,
    AssetServiceLevel,
    AssetStatus,
    AssetType,
    Attachment,
    AttachmentOwner,
    AutopayRun,
    Contact,
    ContactSite,
    Contract,
    Contractor,
    ContractorDocument,
    ContractSite,
    Credential,
    Customer,
    CustomerKind,
    Defect,
    DescriptionScript,
    DocumentKind,
    Frequency,
    Invoice,
    InvoiceStatus,
    Job,
    JobAsset,
    JobItem,
    JobStage,
    OptionalItem,
    Page,
    Payment,
    PaymentAllocation,
    PaymentStatus,
    Quote,
    QuoteAsset,
    QuoteDecision,
    QuoteItem,
    QuoteStage,
    RecurringInvoice,
    RecurringInvoiceItem,
    SavedCard,
    ServiceLevel,
    ServiceRecord,
    Site,
    SiteContact,
    Task,
    TaskNote,
    TaskPriority,
    TaskStatus,
    TestResult,
    Transfer,
)
from portal.services.billing.gateways import SAVED_PREFIX
from portal.services.identity import principals
from portal.services.identity.passwords import hash_password
from portal.services.work import jobs, pricing, quotes, requests, scheduling

SEED = 1851  # AS 1851, the Australian standard for routine service of fire protection equipment
HISTORY_DAYS = 730

CARDS = {
    "northside": (("visa", "4242"), ("mastercard", "5100")),
    "stbrigids": (("visa", "1881"),),
    "bayview": (("amex", "0005"),),
}
CURRENT_DEFECTS = {"northside": (16, 21), "stbrigids": (2, 3), "bayview": (1, 2)}
# The contractor's office, who prices, books, closes and invoices the demo's history, and its
# technician: the demo's staff logins 1 and 2 (``portal/demo/staff.py``), so the audit trail names them.
OFFICE = StaffMember(cat.STAFF_LOGINS[0].id, cat.STAFF_LOGINS[0].name, Role.OFFICE)
TECHNICIAN = StaffMember(cat.STAFF_LOGINS[1].id, cat.STAFF_LOGINS[1].name, Role.TECHNICIAN)
FIRST_NUMBERS = {"quote": 10001, "job": 20001, "invoice": 30001, "recurring": 900, "task": 500}


@dataclass
class Built:
    """One customer's rows, kept to hang later rows (payments, transfers, files) on."""

    spec: cat.CustomerSpec
    row: dict[str, Any]
    sites: list[dict[str, Any]]
    contacts: dict[str, dict[str, Any]]
    contracts: list[dict[str, Any]]
    assets_by_site: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    routine: dict[tuple[int, date], dict[str, Any]] = field(default_factory=dict)
    defects: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    invoices: list[dict[str, Any]] = field(default_factory=list)
    moved: dict[int, tuple[date, int]] = field(default_factory=dict)  # asset id -> (moved on, from site id)
    removed: dict[int, date] = field(default_factory=dict)
    transfers: list[tuple] = field(default_factory=list)

    @property
    def primary(self) -> dict[str, Any]:
        return next(c for c in self.contacts.values() if c["is_primary"])

    def logins(self) -> list[dict[str, Any]]:
        return [c for c in self.contacts.values() if c["login_active"]]


def letters(rng: Random, n: int) -> str:
    """Gateway-style references without long runs of digits, which would look like card numbers."""
    return "".join(rng.choices(string.ascii_lowercase, k=n))


class SmallDemo:
    def __init__(self, session: Session, today: date, rounds: int, files_dir: Path) -> None:
        self.session = session
        self.rows = Rows(session)
        self.rng = Random(SEED)
        self.today = today
        self.rounds = rounds
        self.files_dir = files_dir
        self.window_start = today - timedelta(days=HISTORY_DAYS)
        self.levels: dict[str, dict[str, Any]] = {}
        self.types: dict[str, dict[str, Any]] = {}
        self.optional: dict[str, dict[str, Any]] = {}
        self.built: dict[str, Built] = {}
        self.quote_plans: list[dict[str, Any]] = []
        self.scopes: dict[int, Any] = {}  # a login's scope, by contact id: read once, as a session would
        self.recurring: list[dict[str, Any]] = []
        self.tasks: list[dict[str, Any]] = []
        self.receipts = count(104_201)
        # Jobs and invoices in the order they happen: (day, order within the day, seq, what, plan).
        self.story: list[tuple[date, int, int, str, dict[str, Any]]] = []
        self.numbers: dict[str, int] = {}  # the next job or invoice number, while no service takes one
        self.renumber: dict[str, list[dict[str, int]]] = defaultdict(list)
        self.tax_bp = cat.CONTRACTOR["tax_rate_bp"]
        # What the builder knows about a row but the table does not store, by the row's id.
        self.kind_of: dict[int, cat.Kind] = {}
        self.contract_spec: dict[int, cat.ContractSpec] = {}
        self.routine_ids: set[int] = set()
        self.pay_on: dict[int, date] = {}
        self.visit_assets: dict[int, set[int]] = defaultdict(set)

    def build(self) -> None:
        self._contractor()
        for spec in cat.CUSTOMERS:
            self.built[spec.key] = self._customer(spec)
        self._void_invoice(self.built["northside"])
        self._recurring_and_autopay()
        self._recurring_lines()
        self._transfers(self.built["northside"])
        self._visit_assets()
        self._tasks()
        self._number()
        self.rows.write()
        self._quote_story()
        self._job_story()
        for b in self.built.values():
            self._payments(b)
        self._settle()
        self._files()
        self.rows.finish()

    # -- the contractor and what it offers ---------------------------------------------------------

    def _contractor(self) -> None:
        r = self.rows
        r.add(Contractor, **cat.CONTRACTOR, created_at=stamp(self.today - timedelta(days=1500)))
        add_staff(self.session, r, self.rounds, stamp(self.today - timedelta(days=1500)))
        for name, months, order in cat.SERVICE_LEVELS:
            self.levels[name] = r.add(ServiceLevel, name=name, interval_months=months, sort_order=order)
        for kind in cat.KINDS.values():
            self.types[kind.name] = r.add(AssetType, name=kind.name, expected_life_years=kind.life_years)
        for name, desc, price in cat.OPTIONAL_ITEMS:
            self.optional[name] = r.add(OptionalItem, name=name, description=desc, unit_price_cents=price)
        for title, body, use in cat.SCRIPTS:
            r.add(DescriptionScript, title=title, body=body, use=use)

    # -- one customer --------------------------------------------------------------------------------

    def _customer(self, spec: cat.CustomerSpec) -> Built:
        r, today = self.rows, self.today
        since = today - timedelta(days=1200)
        row = r.add(
            Customer,
            kind=CustomerKind.COMPANY,
            name=spec.name,
            business_number=spec.business_number,
            email=spec.email,
            phone=spec.phone,
            address=spec.address,
            postal_address=spec.postal_address,
            notes=spec.notes,
            created_at=stamp(since),
        )
        sites = [
            r.add(
                Site,
                customer_id=row["id"],
                name=s.name,
                street=s.street,
                suburb=s.suburb,
                state="QLD",
                postcode=s.postcode,
                country="AU",
                access_notes=s.access_notes,
                created_at=stamp(since, 10),
            )
            for s in spec.sites
        ]
        b = Built(spec, row, sites, self._contacts(spec, row, sites), [])
        for c in spec.contracts:
            contract = r.add(
                Contract,
                customer_id=row["id"],
                number=c.number,
                name=c.name,
                start_date=today + timedelta(days=c.start_days),
                expiry_date=today + timedelta(days=c.expiry_days),
                value_cents=c.value_cents,
                notes="Routine testing to AS 1851-2012; defects quoted separately.",
            )
            self.contract_spec[contract["id"]] = c
            b.contracts.append(contract)
            for i in c.site_indexes:
                r.add(ContractSite, contract_id=contract["id"], site_id=sites[i]["id"])
        self._assets(b)
        self._routine_jobs(b)
        if spec.key == "northside":
            self._plan_transfers(b)
        self._history(b)
        self._settle_defects(b)
        self._ad_hoc_jobs(b)
        self._quotes(b)
        self._contract_invoices(b)
        return b

    def _contacts(self, spec: cat.CustomerSpec, customer: dict, sites: list[dict]) -> dict[str, dict]:
        r = self.rows
        out: dict[str, dict] = {}
        for c in spec.contacts:
            pages: list[str] = []
            if c.login:
                pages = list(c.pages) if c.pages else [p for p in ALL_PAGES if p not in c.without_pages]
            row = r.add(
                Contact,
                customer_id=customer["id"],
                title=c.title,
                first_name=c.first_name,
                last_name=c.last_name,
                email=c.email,
                phone=c.phone,
                mobile=c.mobile,
                position=c.position,
                department=c.department,
                is_quote_contact="quote" in c.flags,
                is_job_contact="job" in c.flags,
                is_invoice_contact="invoice" in c.flags,
                is_statement_contact="statement" in c.flags,
                is_primary=c.primary,
                login_active=c.login and c.login_active,
                username=c.email.lower() if c.login else None,
                pages=pages,
                all_sites=c.site_indexes is None,
                created_at=stamp(self.today - timedelta(days=1100)),
                deactivated_at=stamp(self.today - timedelta(days=45)) if c.deactivated else None,
            )
            out[c.email] = row
            if c.login:
                r.add(
                    Credential,
                    contact_id=row["id"],
                    password_hash=hash_password(cat.PASSWORD, self.rounds),
                    changed_at=stamp(self.today - timedelta(days=300)),
                )
            for i in c.site_indexes or ():
                r.add(ContactSite, contact_id=row["id"], site_id=sites[i]["id"])
        for spec_c, row in zip(spec.contacts, out.values(), strict=True):
            for i in spec_c.site_contact_for:
                r.add(
                    SiteContact,
                    site_id=sites[i]["id"],
                    first_name=spec_c.first_name,
                    last_name=spec_c.last_name,
                    position=spec_c.position,
                    phone=spec_c.phone,
                    mobile=spec_c.mobile,
                    email=spec_c.email,
                    created_at=row["created_at"],
                )
        return out

    def _contract_for(self, b: Built, site_index: int, type_name: str) -> dict | None:
        candidates = [c for c in b.contracts if site_index in self.contract_spec[c["id"]].site_indexes]
        special = [c for c in candidates if type_name in self.contract_spec[c["id"]].covers]
        general = [c for c in candidates if not self.contract_spec[c["id"]].covers]
        return (special or general or [None])[0]

    def _assets(self, b: Built) -> None:
        rng, r = self.rng, self.rows
        serial = count(1)
        for si, (site_spec, site) in enumerate(zip(b.spec.sites, b.sites, strict=True)):
            for type_name, n in site_spec.assets.items():
                kind = cat.KINDS[type_name]
                for _ in range(n):
                    variant = rng.choice(kind.variants)
                    install = self.today - timedelta(days=rng.randint(120, int(kind.life_years * 365 * 1.15)))
                    contract = self._contract_for(b, si, type_name) if rng.random() > 0.07 else None
                    asset = r.add(
                        Asset,
                        customer_id=b.row["id"],
                        site_id=site["id"],
                        asset_type_id=self.types[type_name]["id"],
                        contract_id=contract["id"] if contract else None,
                        number=f"{b.spec.asset_prefix}{next(serial):06d}",
                        name=variant.name,
                        location=self._location(kind, site_spec),
                        make=variant.make,
                        model=variant.model,
                        serial=f"{variant.make[:2].upper()}{rng.randint(100000, 999999)}",
                        details=variant.details,
                        install_date=install,
                        status=AssetStatus.ACTIVE,
                        created_at=stamp(install),
                    )
                    self.kind_of[asset["id"]] = kind
                    b.assets_by_site[site["id"]].append(asset)

    def _location(self, kind: cat.Kind, site: cat.SiteSpec) -> str:
        rng = self.rng
        stairs = "ABCD"[: max(2, min(4, site.levels))]
        return rng.choice(kind.locations).format(
            l=rng.randint(1, site.levels), s=rng.choice(stairs), n=rng.randint(1, 9), b=rng.randint(1, 120)
        )

    # -- routine service: a visit per site per month, and what each visit tested ------------------------

    def _routine_jobs(self, b: Built) -> None:
        r, today = self.rows, self.today
        first, last = month_start(self.window_start), add_months(month_start(today), 1)
        for si, (site_spec, site) in enumerate(zip(b.spec.sites, b.sites, strict=True)):
            month, visits = first, []
            while month <= last:
                visits.append((month, weekday_on_or_after(month.replace(day=site_spec.service_day))))
                month = add_months(month, 1)
            latest_past = max(day for _m, day in visits if day <= today)
            for month, day in visits:
                if day > today:
                    stage = JobStage.PROGRESS
                elif day == latest_past:
                    stage = JobStage.COMPLETE
                else:
                    stage = JobStage.ARCHIVE
                contract = next(
                    (
                        c
                        for c in b.contracts
                        if not self.contract_spec[c["id"]].covers
                        and si in self.contract_spec[c["id"]].site_indexes
                        and c["start_date"] <= day <= c["expiry_date"]
                    ),
                    None,
                )
                requested = min(today, day - timedelta(days=28))
                job = r.add(
                    Job,
                    customer_id=b.row["id"],
                    site_id=site["id"],
                    contact_id=b.primary["id"],
                    contract_id=contract["id"] if contract else None,
                    description=f"Routine maintenance, {month:%B %Y}: scheduled testing of fire safety "
                    f"equipment "
                    f"to AS 1851-2012{' under contract ' + contract['number'] if contract else ''}.",
                    stage=stage,
                    status_text=jobs.STATUS_TEXT[stage],
                    requested_on=requested,
                    scheduled_on=day,
                    # A routine visit is due the day it is booked, so the PPM shows it in that week.
                    due_on=day,
                    completed_on=day if day <= today else None,
                    created_at=stamp(requested, 7),
                )
                self.routine_ids.add(job["id"])
                self._numbered(Job, job, requested)
                r.add(
                    JobItem,
                    job_id=job["id"],
                    description="Routine maintenance visit (covered by contract)"
                    if contract
                    else "Routine maintenance visit",
                    quantity=1,
                    unit_price_cents=0,
                    total_cents=0,
                )
                b.routine[(site["id"], month)] = job
                b.jobs.append(job)

    def _visit(self, b: Built, site_id: int, due: date) -> dict | None:
        """The routine visit that tested something due on ``due``: that month's, or the one before if
        that month's visit is still ahead."""
        job = b.routine.get((site_id, month_start(due)))
        if job is not None and job["scheduled_on"] > self.today:
            job = b.routine.get((site_id, month_start(add_months(due, -1))))
        return job

    def _next_due(self, months: int) -> date:
        rng, today = self.rng, self.today
        if months >= 60:
            return today + timedelta(days=rng.randint(-20, months * 30))
        roll = rng.random()
        if roll < 0.1:
            return today - timedelta(days=rng.randint(1, 30))
        if roll < 0.7 or months <= 2:
            return today + timedelta(days=rng.randint(0, 56))
        return today + timedelta(days=rng.randint(57, months * 30 - 1))

    def _history(self, b: Built) -> None:
        rng, r, today = self.rng, self.rows, self.today
        for site in b.sites:
            upcoming = sorted(
                (j for (sid, _m), j in b.routine.items() if sid == site["id"] and j["scheduled_on"] > today),
                key=lambda j: j["scheduled_on"],
            )
            technician = rng.choice(cat.TECHNICIANS)
            for asset in b.assets_by_site[site["id"]]:
                kind = self.kind_of[asset["id"]]
                for level_name in kind.levels:
                    level = self.levels[level_name]
                    months = level["interval_months"]
                    dues: list[date] = []
                    if months == 1:  # the panel check happens at every visit
                        next_due = upcoming[0]["scheduled_on"]
                        dues = [
                            j["scheduled_on"]
                            for (sid, _m), j in b.routine.items()
                            if sid == site["id"] and j["scheduled_on"] <= today
                        ]
                    else:
                        next_due = self._next_due(months)
                        due = add_months(next_due, -months)
                        while due >= self.window_start:
                            dues.append(due)
                            due = add_months(due, -months)
                        dues.reverse()
                    asl = r.add(
                        AssetServiceLevel,
                        asset_id=asset["id"],
                        service_level_id=level["id"],
                        next_due_on=next_due,
                        last_tested_on=None,
                    )
                    for due in dues:
                        moved = b.moved.get(asset["id"])
                        where = moved[1] if moved and due < moved[0] else site["id"]
                        job = self._visit(b, where, due)
                        if job is None:
                            continue
                        tested = job["scheduled_on"]
                        if asset["id"] in b.removed and tested >= b.removed[asset["id"]]:
                            continue
                        self._record(
                            b,
                            asset,
                            kind,
                            level,
                            job,
                            due,
                            tested,
                            technician if rng.random() < 0.8 else rng.choice(cat.TECHNICIANS),
                            asl,
                        )
                    if asl["last_tested_on"] is None and months >= 60:
                        asl["last_tested_on"] = add_months(next_due, -months)
                    if next_due > today and upcoming and asset["id"] not in b.removed:  # on the next job card
                        visit = next(
                            (j for j in upcoming if j["scheduled_on"] >= next_due - timedelta(days=14)), None
                        )
                        if visit is not None and visit["scheduled_on"] <= next_due + timedelta(days=14):
                            self.visit_assets[visit["id"]].add(asset["id"])

    def _record(
        self,
        b: Built,
        asset: dict,
        kind: cat.Kind,
        level: dict,
        job: dict,
        due: date,
        tested: date,
        technician: str,
        asl: dict,
    ) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.045:
            result, (text, severity) = TestResult.FAIL, rng.choice(kind.defects)
            notes = text
        elif roll < 0.085:
            result, notes = TestResult.NOT_TESTED, rng.choice(cat.NOT_TESTED_NOTES)
        else:
            result, notes = TestResult.PASS, rng.choice(kind.pass_notes) if kind.pass_notes else ""
        record = self.rows.add(
            ServiceRecord,
            asset_id=asset["id"],
            service_level_id=level["id"],
            job_id=job["id"],
            due_on=due,
            tested_on=tested,
            result=result,
            technician=technician,
            notes=notes,
        )
        if result != TestResult.NOT_TESTED:
            asl["last_tested_on"] = tested
        if result == TestResult.FAIL:
            defect = self.rows.add(
                Defect,
                customer_id=b.row["id"],
                site_id=job["site_id"],
                asset_id=asset["id"],
                service_record_id=record["id"],
                found_on=tested,
                severity=severity,
                description=f"{text} ({asset['location']})",
            )
            b.defects.append(defect)

    def _settle_defects(self, b: Built) -> None:
        """Most defects were fixed at the next visit; the latest few are still open, some awaiting a quote."""
        low, high = CURRENT_DEFECTS[b.spec.key]
        keep = self.rng.randint(low, high)
        for defect in b.defects:  # a condemned asset takes its defects with it
            if defect["asset_id"] in b.removed:
                defect["rectified_on"] = b.removed[defect["asset_id"]]
        ordered = sorted(
            (d for d in b.defects if d["rectified_on"] is None),
            key=lambda d: (d["found_on"], d["id"]),
            reverse=True,
        )
        for defect in ordered[keep:]:
            visits = sorted(
                (
                    j
                    for (sid, _m), j in b.routine.items()
                    if sid == defect["site_id"] and defect["found_on"] < j["scheduled_on"] <= self.today
                ),
                key=lambda j: j["scheduled_on"],
            )
            if visits:
                defect["rectified_on"] = visits[0]["scheduled_on"]
                defect["rectified_by_job_id"] = visits[0]["id"]

    # -- requests, quotes and jobs -------------------------------------------------------------------------

    def _lines(self, work: cat.Work) -> list[tuple[str, int, int, int | None]]:
        lines = []
        for desc, low, high in work.items:
            qty = self.rng.randint(low, high)
            optional = self.optional.get(desc)
            lines.append((desc, qty, cat.PRICES[desc], optional["id"] if optional else None))
        return lines

    def _work_assets(self, b: Built, site: dict, work: cat.Work, lines: list) -> list[dict]:
        """The assets a request names: one per item when the work is per asset, else the one at fault."""
        if work.asset_type is None:
            return []
        pool = [
            a
            for a in b.assets_by_site[site["id"]]
            if self.kind_of[a["id"]].name == work.asset_type and a["status"] == AssetStatus.ACTIVE
        ]
        wanted = lines[0][1] if work.per_asset and lines else 1
        return self.rng.sample(pool, min(len(pool), wanted))

    def _describe(
        self, work: cat.Work, site: dict, assets: list[dict], lines: list, spec: cat.SiteSpec
    ) -> str:
        named = [f"{a['location']} ({a['number']})" for a in assets[:3]]
        if len(assets) > 3:
            named.append(f"and {len(assets) - 3} more")
        where = ", ".join(named) or f"level {self.rng.randint(1, spec.levels)}"
        return work.description.format(
            n=lines[0][1] if lines else 1,
            level=self.rng.randint(2, max(2, spec.levels)),
            site=site["name"],
            where=where,
        )

    def _requester(self, b: Built, site_index: int) -> dict | None:
        """Who asked through the portal (None: phoned in); a limited login only for its own sites."""
        logins = [
            c
            for c, spec in zip(b.contacts.values(), b.spec.contacts, strict=True)
            if c["login_active"] and (spec.site_indexes is None or site_index in spec.site_indexes)
        ]
        return self.rng.choice(logins) if logins and self.rng.random() < 0.7 else None

    def _order_number(self, b: Built) -> str:
        return f"{b.spec.order_prefix}{self.rng.randint(4100, 4999)}" if self.rng.random() < 0.7 else ""

    def _totals(self, lines: list[tuple[str, int, int, int | None]]) -> dict[str, int]:
        subtotal = sum(qty * price for _d, qty, price, _o in lines)
        tax = tax_on(subtotal, self.tax_bp)
        return {"subtotal_cents": subtotal, "tax_cents": tax, "total_cents": subtotal + tax}

    def _add_lines(
        self, model: type, key: str, owner: dict, lines: list[tuple[str, int, int, int | None]]
    ) -> None:
        for order, (desc, qty, price, optional_id) in enumerate(lines):
            self.rows.add(
                model,
                **{key: owner["id"]},
                optional_item_id=optional_id,
                description=desc,
                quantity=qty,
                unit_price_cents=price,
                total_cents=qty * price,
                sort_order=order,
            )

    def _pick_work(self, b: Built, site: dict) -> cat.Work:
        """Only work the site has equipment for: no hose reel repairs where there is no hose reel."""
        present = {self.kind_of[a["id"]].name for a in b.assets_by_site[site["id"]]}
        return self.rng.choice([w for w in cat.WORKS if w.asset_type is None or w.asset_type in present])

    def _pick_site(self, b: Built) -> int:
        weights = [sum(s.assets.values()) for s in b.spec.sites]
        return self.rng.choices(range(len(b.sites)), weights=weights)[0]

    def _ad_hoc_jobs(self, b: Built) -> None:
        rng, r, today = self.rng, self.rows, self.today
        for stage_name, n in b.spec.job_stages.items():
            stage = JobStage(stage_name)
            for _ in range(n):
                si = self._pick_site(b)
                site = b.sites[si]
                work = self._pick_work(b, site)
                lines = self._lines(work)
                assets = self._work_assets(b, site, work, lines)
                description = self._describe(work, site, assets, lines, b.spec.sites[si])
                scheduled = completed = preferred = None
                if stage == JobStage.PENDING:
                    requested = today - timedelta(days=rng.randint(0, 12))
                    preferred = requested + timedelta(days=rng.randint(7, 21)) if rng.random() < 0.6 else None
                    lines = [ln for ln in lines if ln[3] is not None] if rng.random() < 0.5 else []
                elif stage == JobStage.PROGRESS:
                    requested = today - timedelta(days=rng.randint(5, 30))
                    scheduled = today + timedelta(days=rng.randint(-2, 21))
                else:
                    ago = {
                        JobStage.COMPLETE: (1, 14),
                        JobStage.INVOICED: (8, 80),
                        JobStage.ARCHIVE: (60, 700),
                    }[stage]
                    completed = today - timedelta(days=rng.randint(*ago))
                    scheduled = completed
                    requested = completed - timedelta(days=rng.randint(7, 30))
                requester = self._requester(b, si)
                order, created = self._order_number(b), stamp(requested, rng.randint(8, 16))
                issued = pay_on = None
                if stage in (JobStage.INVOICED, JobStage.ARCHIVE):
                    assert completed is not None
                    issued = min(today, completed + timedelta(days=rng.randint(1, 4)))
                    if stage == JobStage.ARCHIVE:
                        pay_on = min(today, issued + timedelta(days=rng.randint(3, 28)))
                plan = {
                    "b": b,
                    "stage": stage,
                    "scheduled": scheduled,
                    "completed": completed,
                    "issued": issued,
                    "pay_on": pay_on,
                    "id": None,
                }
                if stage != JobStage.PENDING and rng.random() < 0.2:
                    # Raised from the accepted quote by the office once the quote is decided.
                    plan["quote"] = self._quote_behind(
                        b, site["id"], requested, requester, order, description, lines
                    )
                    plan["quote"]["assets"] = assets
                    self._happens(requested, "raise", plan)
                elif stage == JobStage.PENDING and requester is not None and Page.JOBS in requester["pages"]:
                    # Booked in the portal: only the optional items the customer picked, if any.
                    plan["form"] = requests.RequestForm(
                        purpose="job",
                        site_id=site["id"],
                        contact_id=b.primary["id"],
                        order_number=order,
                        preferred_date=preferred,
                        description=description,
                        asset_ids=[a["id"] for a in assets],
                        items=[(optional_id, qty) for _d, qty, _p, optional_id in lines],
                    )
                    plan.update(requester=requester, requested=requested, created=created)
                    self._happens(requested, "request", plan)
                else:
                    job = r.add(
                        Job,
                        customer_id=b.row["id"],
                        site_id=site["id"],
                        contact_id=b.primary["id"],
                        requested_by_contact_id=requester["id"] if requester else None,
                        order_number=order,
                        description=description,
                        stage=JobStage.PENDING,
                        status_text=jobs.STATUS_TEXT[JobStage.PENDING],
                        requested_on=requested,
                        preferred_date=preferred,
                        due_on=preferred,
                        created_at=created,
                        **self._totals(lines),
                    )
                    self._add_lines(JobItem, "job_id", job, lines)
                    for a in assets:
                        r.add(JobAsset, job_id=job["id"], asset_id=a["id"])
                    b.jobs.append(job)
                    self._numbered(Job, job, requested)
                    plan["id"] = job["id"]
                if stage != JobStage.PENDING:
                    self._happens(issued or completed or scheduled, "book", plan)

    def _quote_behind(
        self,
        b: Built,
        site_id: int,
        decided: date,
        requester: dict | None,
        order: str,
        description: str,
        lines: list,
    ) -> dict:
        """The accepted quote a job is raised from: priced first, then signed, then raised the day
        it was signed."""
        rng = self.rng
        actioned = decided - timedelta(days=rng.randint(1, 10))
        requested = actioned - timedelta(days=rng.randint(2, 10))
        return self._quote_row(
            b,
            site_id,
            description,
            requested,
            requester,
            lines,
            actioned=actioned,
            decision=QuoteDecision.ACCEPTED,
            decided=decided,
            signer=requester or b.primary,
            order=order,
        )

    def _quote_row(
        self,
        b: Built,
        site_id: int,
        description: str,
        requested: date,
        requester: dict | None,
        lines: list,
        *,
        actioned: date | None = None,
        decision: QuoteDecision = QuoteDecision.NONE,
        decided: date | None = None,
        signer: dict | None = None,
        order: str = "",
        decline_reason: str = "",
    ) -> dict:
        """What happens to one quote, from the request to the decision; :meth:`_quote_story` plays it
        through the services once the customers, their assets and their defects are stored."""
        rng = self.rng
        quote = {
            "b": b,
            "seq": len(self.quote_plans),
            "site_id": site_id,
            "description": description,
            "requested": requested,
            "requester": requester,
            # A request lists only the optional items the customer picked; the office prices the rest.
            "picked": [ln for ln in lines if ln[3] is not None][:1],
            "lines": lines,
            "order": order,
            "preferred": requested + timedelta(days=21) if rng.random() < 0.4 else None,
            "actioned": actioned,
            "decision": decision,
            "decided_at": stamp(decided, rng.randint(9, 16)) if decided else None,
            "signer": signer if decided else None,
            "decline_reason": decline_reason,
            "created": stamp(requested, rng.randint(8, 16)),
            "assets": [],
            "defect": None,
            "id": None,
        }
        self.quote_plans.append(quote)
        b.quotes.append(quote)
        return quote

    def _quotes(self, b: Built) -> None:
        rng, today = self.rng, self.today
        assets = {a["id"]: a for site_assets in b.assets_by_site.values() for a in site_assets}
        current = sorted(
            (d for d in b.defects if d["rectified_on"] is None),
            key=lambda d: (d["found_on"], d["id"]),
            reverse=True,
        )
        defect_quotes = 5 if b.spec.key == "northside" else 1
        for i, defect in enumerate(current[:defect_quotes]):
            asset = assets[defect["asset_id"]]
            site_index = next(k for k, s in enumerate(b.sites) if s["id"] == asset["site_id"])
            work = next(
                (w for w in cat.WORKS if w.asset_type == self.kind_of[asset["id"]].name), cat.WORKS[0]
            )
            lines = self._lines(work)
            requested = max(
                defect["found_on"] + timedelta(days=rng.randint(1, 6)), today - timedelta(days=20)
            )
            requested = min(requested, today)
            actioned = min(today, requested + timedelta(days=rng.randint(1, 4))) if i % 2 else None
            quote = self._quote_row(
                b,
                asset["site_id"],
                f"Rectify defect found on {defect['found_on']:%d %b %Y}: "
                f"{defect['description']}, asset {asset['number']}.",
                requested,
                self._requester(b, site_index),
                lines,
                actioned=actioned,
                order=self._order_number(b),
            )
            quote["defect"], quote["assets"] = defect, [asset]
        remaining = b.spec.quotes - len(b.quotes)
        plan = (
            ["outstanding"] * round(remaining * 0.35)
            + ["open"] * round(remaining * 0.25)
            + ["declined"] * round(remaining * 0.25)
        )
        plan += ["accepted"] * (remaining - len(plan))
        for kind in plan:
            si = self._pick_site(b)
            site = b.sites[si]
            work = self._pick_work(b, site)
            lines, requester = self._lines(work), self._requester(b, si)
            assets = self._work_assets(b, site, work, lines)
            description = self._describe(work, site, assets, lines, b.spec.sites[si])
            if kind == "outstanding":
                requested = today - timedelta(days=rng.randint(0, 20))
                quote = self._quote_row(b, site["id"], description, requested, requester, lines)
            else:
                back = {"open": (3, 60), "declined": (20, 400), "accepted": (2, 12)}[kind]
                actioned = today - timedelta(days=rng.randint(*back))
                requested = actioned - timedelta(days=rng.randint(2, 10))
                decision, decided, reason = QuoteDecision.NONE, None, ""
                if kind == "declined":
                    decision, decided = QuoteDecision.DECLINED, actioned + timedelta(days=rng.randint(2, 14))
                    reason = work.decline_reason or "Work deferred to next financial year."
                elif kind == "accepted":
                    decision, decided = (
                        QuoteDecision.ACCEPTED,
                        min(today, actioned + timedelta(days=rng.randint(1, 5))),
                    )
                quote = self._quote_row(
                    b,
                    site["id"],
                    description,
                    requested,
                    requester,
                    lines,
                    actioned=actioned,
                    decision=decision,
                    decided=decided,
                    signer=requester or b.primary,
                    order=self._order_number(b),
                    decline_reason=reason,
                )
            quote["assets"] = assets

    def _quote_story(self) -> None:
        """Each quote asked for, priced and decided through the services, in the order it was asked
        for, so its number follows the dates as it would have been issued."""
        for plan in sorted(self.quote_plans, key=lambda q: (q["created"], q["seq"])):
            b = plan["b"]
            requester = self._login(plan["requester"])
            if requester is not None:
                form = requests.RequestForm(
                    purpose="quote",
                    site_id=plan["site_id"],
                    contact_id=b.primary["id"],
                    order_number=plan["order"],
                    preferred_date=plan["preferred"],
                    description=plan["description"],
                    asset_ids=[a["id"] for a in plan["assets"]],
                    items=[(optional_id, qty) for _d, qty, _p, optional_id in plan["picked"]],
                    defect_id=plan["defect"]["id"] if plan["defect"] else None,
                )
                quote_id = requests.submit_request(
                    self.session, requester, form, plan["requested"], plan["created"]
                ).id
            else:
                quote_id = self._phoned_in_quote(plan)
            plan["id"] = quote_id
            self._link_quote(plan)
            if plan["actioned"]:
                self._price(quote_id, plan["lines"], plan["actioned"])
            if plan["decision"] != QuoteDecision.NONE:
                self._decide(plan)

    def _price(self, quote_id: int, lines: list, day: date) -> None:
        """The office's Price and Send on the day the quote was actioned, each line an "other" line."""
        priced = [pricing.LineInput("other", desc, qty, price) for desc, qty, price, _o in lines]
        pricing.price_quote(
            self.session, OFFICE, quote_id, priced, pricing.default_valid_until(self.session, day), day
        )
        pricing.send_quote(self.session, OFFICE, quote_id, day)

    def _login(self, contact: dict | None) -> Any:
        """The signed-in customer a request or decision comes from; None for a contact without a login."""
        if contact is None:
            return None
        if contact["id"] not in self.scopes:
            self.scopes[contact["id"]] = principals.scope_for(self.session, contact["id"])
        return self.scopes[contact["id"]]

    def _phoned_in_quote(self, plan: dict) -> int:
        """A request taken by phone: no service takes one until the back office exists, so a direct row."""
        b, picked = plan["b"], plan["picked"]
        quote = self.rows.insert_now(
            Quote,
            number=next_number(self.session, Quote.number, FIRST_NUMBERS["quote"]),
            customer_id=b.row["id"],
            site_id=plan["site_id"],
            contact_id=b.primary["id"],
            order_number=plan["order"],
            description=plan["description"],
            stage=QuoteStage.OUTSTANDING,
            requested_on=plan["requested"],
            preferred_date=plan["preferred"],
            created_at=plan["created"],
            **self._totals(picked),
        )
        self._add_lines(QuoteItem, "quote_id", quote, picked)
        for asset in plan["assets"]:
            self.rows.add(QuoteAsset, quote_id=quote["id"], asset_id=asset["id"])
        self.rows.write()
        return quote["id"]

    def _link_quote(self, plan: dict) -> None:
        """The defect a quote fixes, where the request itself could not say so: a phoned-in request,
        or a defect found at the site the asset was at before it moved."""
        defect = plan["defect"]
        if defect is not None:
            self.session.execute(
                update(Defect)
                .where(Defect.id == defect["id"], Defect.quote_id.is_(None))
                .values(quote_id=plan["id"])
            )

    def _decide(self, plan: dict) -> None:
        """The customer's decision, signed in the portal; one given by phone is written as it was told."""
        signer = plan["signer"]
        scope = self._login(signer)
        day, moment = plan["decided_at"].date(), plan["decided_at"]
        if scope is not None and plan["decision"] == QuoteDecision.ACCEPTED:
            name = f"{signer['first_name']} {signer['last_name']}"
            quotes.accept_quote(self.session, scope, plan["id"], name, plan["order"], day, moment)
        elif scope is not None:
            quotes.decline_quote(self.session, scope, plan["id"], plan["decline_reason"], day, moment)
        else:
            accepted = plan["decision"] == QuoteDecision.ACCEPTED
            self.session.execute(
                update(Quote)
                .where(Quote.id == plan["id"])
                .values(
                    decision=plan["decision"],
                    decided_at=moment,
                    decided_by_contact_id=signer["id"],
                    signer_name=f"{signer['first_name']} {signer['last_name']}",
                    accepted_order_number=plan["order"] if accepted else "",
                    decline_reason=plan["decline_reason"],
                )
            )

    # -- invoices and money -------------------------------------------------------------------------

    def _invoice(
        self,
        b: Built,
        site_id: int,
        issued: date,
        subtotal: int,
        description: str,
        *,
        recurring: dict | None = None,
    ) -> dict:
        tax = tax_on(subtotal, self.tax_bp)
        invoice = self.rows.add(
            Invoice,
            customer_id=b.row["id"],
            site_id=site_id,
            recurring_invoice_id=recurring["id"] if recurring else None,
            description=description,
            issued_on=issued,
            due_on=issued + timedelta(days=cat.CONTRACTOR["payment_terms_days"]),
            subtotal_cents=subtotal,
            tax_cents=tax,
            total_cents=subtotal + tax,
            paid_cents=0,
            status=InvoiceStatus.UNPAID,
            paid_on=None,
            created_at=stamp(issued, 8),
        )
        self._numbered(Invoice, invoice, issued)
        b.invoices.append(invoice)
        return invoice

    def _contract_invoices(self, b: Built) -> None:
        for contract in b.contracts:
            c = self.contract_spec[contract["id"]]
            if not c.quarterly_cents:
                continue
            quarter = contract["start_date"]
            site = b.sites[c.site_indexes[0]]
            while quarter <= min(self.today, contract["expiry_date"]):
                if quarter >= self.window_start:
                    end = add_months(quarter, 3) - timedelta(days=1)
                    invoice = self._invoice(
                        b,
                        site["id"],
                        quarter,
                        c.quarterly_cents,
                        f"Quarterly maintenance, contract {c.number}: {quarter:%d %b %Y} to {end:%d %b %Y}.",
                    )
                    if quarter + timedelta(days=45) < self.today:
                        self.pay_on[invoice["id"]] = quarter + timedelta(days=self.rng.randint(5, 25))
                quarter = add_months(quarter, 3)

    def _void_invoice(self, b: Built) -> None:
        void = self._invoice(
            b,
            b.sites[1]["id"],
            self.today - timedelta(days=50),
            38_500,
            "Issued in error (duplicate of the quarterly maintenance invoice); cancelled.",
        )
        void["status"] = InvoiceStatus.VOID

    def _recurring_and_autopay(self) -> None:
        rng, today, r = self.rng, self.today, self.rows
        north, school = self.built["northside"], self.built["stbrigids"]
        this_month = month_start(today)
        card = r.add(
            SavedCard,
            customer_id=north.row["id"],
            gateway="sandbox",
            gateway_token=f"{SAVED_PREFIX}{letters(rng, 20)}",
            brand="visa",
            last4="4242",
            exp_month=11,
            exp_year=today.year + 2,
            name_on_card="Dana Whitfield",
            created_at=stamp(today - timedelta(days=400)),
        )
        plans = [
            (
                north,
                0,
                "Fire alarm monitoring, Northside Plaza",
                Frequency.MONTHLY,
                16_500,
                add_months(this_month, -11),
                True,
            ),
            (
                north,
                2,
                "Fire alarm monitoring, Albion Central",
                Frequency.MONTHLY,
                16_500,
                add_months(this_month, -11),
                True,
            ),
            (
                north,
                3,
                "Fire alarm monitoring, Nundah Village Apartments",
                Frequency.QUARTERLY,
                49_500,
                today - timedelta(days=200),
                False,
            ),
            (
                school,
                0,
                "Annual service agreement, Senior and Junior Campus",
                Frequency.ANNUALLY,
                960_000,
                today - timedelta(days=165),
                False,
            ),
            (
                school,
                0,
                "Fire alarm monitoring, Senior Campus",
                Frequency.MONTHLY,
                16_500,
                add_months(this_month, -2),
                False,
            ),
        ]
        step = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.ANNUALLY: 12}
        for b, si, name, freq, subtotal, first, autopay in plans:
            site = b.sites[si]
            plan = r.add(
                RecurringInvoice,
                customer_id=b.row["id"],
                site_id=site["id"],
                name=name,
                frequency=freq,
                subtotal_cents=subtotal,
                tax_cents=tax_on(subtotal, self.tax_bp),
                total_cents=subtotal + tax_on(subtotal, self.tax_bp),
                next_due_on=first,
                autopay=autopay,
            )
            self.recurring.append(plan)
            due = first
            while due <= today:
                invoice = self._invoice(b, site["id"], due, subtotal, f"{name}, {due:%B %Y}", recurring=plan)
                if autopay:
                    payment = self._payment(
                        b,
                        [invoice],
                        due,
                        None,
                        ("visa", "4242"),
                        autopay=True,
                        exp=(card["exp_month"], card["exp_year"]),
                    )
                    r.add(
                        AutopayRun,
                        recurring_invoice_id=plan["id"],
                        due_on=due,
                        invoice_id=invoice["id"],
                        payment_id=payment["id"],
                        status=PaymentStatus.SUCCEEDED,
                        created_at=stamp(due, 2),
                    )
                    plan["last_paid_on"] = due
                elif due + timedelta(days=20) < today:
                    self.pay_on[invoice["id"]] = due + timedelta(days=rng.randint(4, 18))
                    plan["last_paid_on"] = self.pay_on[invoice["id"]]
                due = add_months(due, step[freq])
            plan["next_due_on"] = due

    def _recurring_lines(self) -> None:
        """Each recurring invoice's one line, for its subtotal, so the office's screen shows and edits
        what every invoice of it bills (and the next run carries the line)."""
        for plan in self.recurring:
            self.rows.add(
                RecurringInvoiceItem,
                recurring_invoice_id=plan["id"],
                kind="",
                description=plan["name"],
                quantity=1,
                unit_price_cents=plan["subtotal_cents"],
                total_cents=plan["subtotal_cents"],
                sort_order=0,
            )

    def _payment(
        self,
        b: Built,
        invoices: list[dict],
        on: date,
        contact: dict | None,
        card: tuple[str, str],
        *,
        autopay: bool = False,
        exp: tuple[int, int] | None = None,
        amounts: list[int] | None = None,
        failed: str = "",
    ) -> dict:
        rng = self.rng
        amounts = amounts or [inv["total_cents"] - inv["paid_cents"] for inv in invoices]
        month, year = exp or (rng.randint(1, 12), on.year + rng.randint(1, 3))
        when = stamp(on, 2 if autopay else rng.randint(9, 17), rng.randint(0, 59))
        payment = self.rows.add(
            Payment,
            customer_id=b.row["id"],
            contact_id=contact["id"] if contact else None,
            attempt_key="",
            amount_cents=sum(amounts),
            currency="AUD",
            status=PaymentStatus.FAILED if failed else PaymentStatus.SUCCEEDED,
            gateway="sandbox",
            gateway_ref=f"ch_sandbox_{letters(rng, 18)}",
            receipt_number=None if failed else f"HFE-{next(self.receipts)}",
            card_brand=card[0],
            card_last4=card[1],
            card_exp_month=month,
            card_exp_year=year,
            failure_reason=failed,
            is_autopay=autopay,
            created_at=when,
            completed_at=when,
        )
        payment["attempt_key"] = f"demo-payment-{payment['id']}"
        if failed:
            return payment
        for invoice, amount in zip(invoices, amounts, strict=True):
            self.rows.add(
                PaymentAllocation, payment_id=payment["id"], invoice_id=invoice["id"], amount_cents=amount
            )
            invoice["paid_cents"] += amount
            if invoice["paid_cents"] == invoice["total_cents"]:
                invoice["status"], invoice["paid_on"] = InvoiceStatus.PAID, on
        return payment

    def _payments(self, b: Built) -> None:
        """Pay what the story says was paid, some invoices together from the statement page."""
        rng = self.rng
        payers = [c for c in b.logins() if Page.INVOICES in c["pages"]] or [None]
        cards = CARDS[b.spec.key]
        due = sorted(
            (inv for inv in b.invoices if inv["id"] in self.pay_on),
            key=lambda inv: (self.pay_on[inv["id"]], inv["id"]),
        )
        group: list[dict] = []
        for i, invoice in enumerate(due):
            group.append(invoice)
            last = i == len(due) - 1
            if last or rng.random() > 0.25 or len(group) >= 3:
                on = max(self.pay_on[inv["id"]] for inv in group)
                self._payment(b, group, on, rng.choice(payers), rng.choice(cards))
                group = []
        unpaid = sorted(
            (
                inv
                for inv in b.invoices
                if inv["status"] == InvoiceStatus.UNPAID and not inv["recurring_invoice_id"]
            ),
            key=lambda inv: (inv["issued_on"], inv["id"]),
        )
        overdue = [inv for inv in unpaid if inv["due_on"] < self.today]
        if b.spec.key == "northside" and len(unpaid) > 3:
            current = [inv for inv in unpaid if inv["due_on"] >= self.today] or unpaid
            part = current[0]
            self._payment(
                b,
                [part],
                min(self.today, part["issued_on"] + timedelta(days=3)),
                payers[0],
                cards[0],
                amounts=[part["total_cents"] // 2],
            )
            if overdue:
                self._payment(
                    b,
                    [overdue[-1]],
                    self.today - timedelta(days=2),
                    payers[0],
                    cards[1],
                    failed="Card declined: insufficient funds",
                )

    # -- transfers, tasks, files --------------------------------------------------------------------

    def _plan_transfers(self, b: Built) -> None:
        """Moves decided before the history is drawn, so tests before a move are at the old site."""
        rng, today = self.rng, self.today
        plaza, kedron, albion, _nundah, aspley = b.sites
        b_moves = b.transfers

        def pick(site: dict, type_name: str) -> dict:
            return rng.choice(
                [a for a in b.assets_by_site[site["id"]] if self.kind_of[a["id"]].name == type_name]
            )

        for src, dst, type_name, reason in (
            (kedron, plaza, cat.EXTINGUISHER, "Relocated to cover the new food court tenancy on level 1"),
            (aspley, albion, cat.EXTINGUISHER, "Surplus after warehouse fit-out; moved to Albion car park"),
            (plaza, albion, cat.EMERGENCY_LIGHT, "Spare fitting installed in place of a failed unit"),
        ):
            asset = pick(src, type_name)
            moved = today - timedelta(days=rng.randint(40, 300))
            b.assets_by_site[src["id"]].remove(asset)
            b.assets_by_site[dst["id"]].append(asset)
            asset["site_id"] = dst["id"]
            asset["location"] = self._location(self.kind_of[asset["id"]], b.spec.sites[b.sites.index(dst)])
            b.moved[asset["id"]] = (moved, src["id"])
            b_moves.append((asset, src["id"], dst["id"], "", "", moved, reason))
        for site in (plaza, albion):
            asset = pick(site, cat.EXTINGUISHER)
            out = today - timedelta(days=rng.randint(150, 250))
            back = out + timedelta(days=rng.randint(7, 14))
            b_moves.append(
                (asset, site["id"], None, "", "Workshop", out, "Removed for five-yearly pressure test")
            )
            b_moves.append(
                (
                    asset,
                    None,
                    site["id"],
                    "Workshop",
                    "",
                    back,
                    "Returned after pressure test, new tag fitted",
                )
            )
        condemned = pick(kedron, cat.EXTINGUISHER)
        gone = today - timedelta(days=rng.randint(60, 120))
        condemned["status"] = AssetStatus.REMOVED
        b.removed[condemned["id"]] = gone
        b_moves.append(
            (
                condemned,
                kedron["id"],
                None,
                "",
                "Workshop",
                gone,
                "Failed hydrostatic test; cylinder condemned and replaced with a new unit",
            )
        )

    def _transfers(self, b: Built) -> None:
        for asset, src, dst, from_label, to_label, on, reason in b.transfers:
            self.rows.add(
                Transfer,
                asset_id=asset["id"],
                from_site_id=src,
                to_site_id=dst,
                from_label=from_label,
                to_label=to_label,
                transferred_on=on,
                reason=reason,
            )

    def _visit_assets(self) -> None:
        """The next visits already list what they will test, which the PPM report reads as planned."""
        for job_id, asset_ids in self.visit_assets.items():
            for asset_id in sorted(asset_ids):
                self.rows.add(JobAsset, job_id=job_id, asset_id=asset_id)

    def _tasks(self) -> None:
        statuses = [TaskStatus.NOT_STARTED] * 5 + [TaskStatus.IN_PROGRESS] * 4 + [TaskStatus.COMPLETED] * 6
        for (subject, description), status in zip(cat.TASKS, statuses, strict=True):
            self._task(self.built["northside"], subject, description, status)
        for subject, description, status in (
            (
                "Schedule testing in the school holidays",
                "Senior campus testing to run in the Easter break.",
                TaskStatus.NOT_STARTED,
            ),
            (
                "Replace science lab fire blanket",
                "Blanket in lab 3 was used in a minor fire.",
                TaskStatus.COMPLETED,
            ),
        ):
            self._task(self.built["stbrigids"], subject, description, status)

    def _task(self, b: Built, subject: str, description: str, status: TaskStatus) -> None:
        rng, today = self.rng, self.today
        created = today - timedelta(days=rng.randint(3, 90))
        site = rng.choice(b.sites)
        jobs = [j for j in b.jobs if j["site_id"] == site["id"] and j["id"] not in self.routine_ids]
        completed = (
            min(today, created + timedelta(days=rng.randint(1, 20)))
            if status == TaskStatus.COMPLETED
            else None
        )
        task = self.rows.add(
            Task,
            customer_id=b.row["id"],
            site_id=site["id"] if rng.random() < 0.8 else None,
            job_id=rng.choice(jobs)["id"] if jobs and rng.random() < 0.4 else None,
            subject=subject,
            description=description,
            status=status,
            priority=rng.choice(list(TaskPriority)),
            assigned_to=rng.choice(cat.STAFF),
            due_on=created + timedelta(days=rng.randint(7, 40)),
            completed_on=completed,
            created_at=stamp(created, rng.randint(8, 16)),
        )
        self.tasks.append(task)
        self._task_history(task, created, completed)

    def _task_history(self, task: dict, created: date, completed: date | None) -> None:
        """What the task's pop-up shows under History: raised, started, done."""
        rng, staff = self.rng, task["assigned_to"]
        notes = [(created, TaskStatus.NOT_STARTED, "Task raised.")]
        if task["status"] != TaskStatus.NOT_STARTED:
            started = created + timedelta(days=rng.randint(0, 2))
            notes.append((started, TaskStatus.IN_PROGRESS, "Started on this; will update when done."))
        if completed is not None:
            notes.append((completed, TaskStatus.COMPLETED, "Done. Details are on the job card."))
        for day, status, note in notes:
            self.rows.add(
                TaskNote,
                task_id=task["id"],
                at=stamp(min(day, self.today), rng.randint(8, 16)),
                author=staff,
                status=status,
                note=note,
            )

    def _attach(
        self,
        b: Built,
        owner_type: AttachmentOwner,
        owner_id: int,
        name: str,
        data: bytes,
        content_type: str,
        *,
        contact: dict | None = None,
        day: date | None = None,
    ) -> dict:
        stored = store(self.files_dir, data)
        return self.rows.add(
            Attachment,
            customer_id=b.row["id"],
            owner_type=owner_type,
            owner_id=owner_id,
            name=name,
            content_type=content_type,
            size_bytes=stored.size_bytes,
            sha256=stored.sha256,
            storage_key=stored.storage_key,
            uploaded_by_contact_id=contact["id"] if contact else None,
            uploaded_by_staff="" if contact else "Kylie Hart (office)",
            uploaded_at=stamp(day or self.today - timedelta(days=30), 11),
        )

    def _files(self) -> None:
        north, school = self.built["northside"], self.built["stbrigids"]
        pdf, png = "application/pdf", "image/png"
        contractor = cat.CONTRACTOR["trading_name"]
        plaza = north.sites[0]
        self._attach(
            north,
            AttachmentOwner.CUSTOMER,
            north.row["id"],
            "Service agreement NPG-2024-01.pdf",
            tiny_pdf(
                "Service agreement NPG-2024-01",
                [
                    contractor,
                    north.spec.name,
                    "Routine testing to AS 1851-2012 for Northside Plaza, Kedron Brook and Albion.",
                ],
            ),
            pdf,
        )
        self._attach(
            north, AttachmentOwner.SITE, plaza["id"], "Evacuation diagram, level 1.png", tiny_png(seed=1), png
        )
        actioned = next(q for q in north.quotes if q["actioned"])
        self._attach(
            north,
            AttachmentOwner.QUOTE,
            actioned["id"],
            "Scope of works.pdf",
            tiny_pdf("Scope of works", [actioned["description"][:90]]),
            pdf,
            day=actioned["actioned"],
        )
        job = next(j for j in north.jobs if j["id"] not in self.routine_ids and j["requested_by_contact_id"])
        self._attach(
            north,
            AttachmentOwner.JOB,
            job["id"],
            "Photo of the damaged fitting.png",
            tiny_png(seed=2),
            png,
            contact=north.contacts["dana@northside.example"],
            day=job["requested_on"],
        )
        panel = next(
            a for a in north.assets_by_site[plaza["id"]] if self.kind_of[a["id"]].name == cat.DETECTION
        )
        self._attach(
            north, AttachmentOwner.ASSET, panel["id"], "Fire indicator panel.png", tiny_png(seed=3), png
        )
        for b, kind, title, site in (
            (
                north,
                DocumentKind.WORK_METHOD_STATEMENT,
                "Work method statement: emergency lighting discharge testing",
                None,
            ),
            (north, DocumentKind.SITE_INDUCTION, "Site induction: Northside Plaza", plaza),
            (north, DocumentKind.REFERENCE, "AS 1851-2012 routine service schedule summary", None),
            (
                school,
                DocumentKind.SITE_INDUCTION,
                "Site induction: St Brigid's Senior Campus",
                school.sites[0],
            ),
        ):
            doc_id = self.rows.take_id(ContractorDocument.__table__)
            attachment = self._attach(
                b,
                AttachmentOwner.DOCUMENT,
                doc_id,
                f"{title}.pdf",
                tiny_pdf(title, [contractor, "Read before starting work on site."]),
                pdf,
            )
            self.rows.add(
                ContractorDocument,
                id=doc_id,
                customer_id=b.row["id"],
                site_id=site["id"] if site else None,
                kind=kind,
                title=title,
                attachment_id=attachment["id"],
                published_at=stamp(self.today - timedelta(days=120)),
            )
        self._attach(
            school,
            AttachmentOwner.CUSTOMER,
            school.row["id"],
            "Service agreement SBC-2025.pdf",
            tiny_pdf("Service agreement SBC-2025", [contractor, school.spec.name]),
            pdf,
        )

    # -- jobs and invoices, in the order they happened --------------------------------------------------

    def _numbered(self, model: type[Job] | type[Invoice], row: dict[str, Any], day: date) -> None:
        """A job or invoice written here: a provisional number (minus its id, so unique and out of the
        way of ``next_number``) until :meth:`_job_story` reaches its day."""
        row["number"] = -row["id"]
        self._happens(day, "job" if model is Job else "invoice", row)

    def _happens(self, day: date, what: str, plan: dict[str, Any]) -> None:
        order = {"job": 0, "raise": 0, "request": 0, "invoice": 1, "book": 1}[what]
        self.story.append((day, order, len(self.story), what, plan))

    def _job_story(self) -> None:
        """Replay the jobs and invoices day by day, so the numbers the services draw and those given
        here follow the dates together: the office raises a job from its accepted quote
        (``jobs.create_job_from_quote``), books it (``scheduling.schedule``), the technician closes it
        (``complete_job``) and the office bills it (``invoice_job``), each on the day it happened."""
        for day, _order, _seq, what, plan in sorted(self.story, key=lambda event: event[:3]):
            if what in ("job", "invoice"):
                self._give_number(what, plan)
                continue
            self._write_numbers()
            if what == "raise":
                self._raise(plan)
            elif what == "request":
                self._request_job(plan)
            else:
                self._book(plan, day)
        self._write_numbers()

    def _give_number(self, key: str, row: dict[str, Any]) -> None:
        column = Job.number if key == "job" else Invoice.number
        if key not in self.numbers:
            self.numbers[key] = next_number(self.session, column, FIRST_NUMBERS[key])
        row["number"] = self.numbers[key]
        self.numbers[key] += 1
        self.renumber[key].append({"row_id": row["id"], "n": row["number"]})

    def _write_numbers(self) -> None:
        """Store the numbers given so far, before a service reads the highest one to take the next."""
        for key, values in self.renumber.items():
            table = (Job if key == "job" else Invoice).__table__
            self.session.execute(
                update(table).where(table.c.id == bindparam("row_id")).values(number=bindparam("n")),
                values,
            )
        self.renumber.clear()
        self.numbers.clear()

    def _raise(self, plan: dict[str, Any]) -> None:
        quote = plan["quote"]
        job = jobs.create_job_from_quote(
            self.session,
            OFFICE,
            quote["id"],
            quote["decided_at"].date(),
            quote["decided_at"] + timedelta(hours=1),
        )
        self._known_job(plan, job)

    def _request_job(self, plan: dict[str, Any]) -> None:
        scope = self._login(plan["requester"])
        job = requests.submit_request(self.session, scope, plan["form"], plan["requested"], plan["created"])
        assert isinstance(job, Job)
        self._known_job(plan, job)

    def _known_job(self, plan: dict[str, Any], job: Job) -> None:
        """A job a service made, kept where later rows (tasks, files) look for jobs to hang on."""
        plan["id"] = job.id
        plan["b"].jobs.append(
            {
                "id": job.id,
                "site_id": job.site_id,
                "requested_by_contact_id": job.requested_by_contact_id,
                "requested_on": job.requested_on,
            }
        )

    def _book(self, plan: dict[str, Any], day: date) -> None:
        """Book, close and bill a job as far as its stage says; an archived job is archived once its
        invoice is paid (:meth:`_settle`)."""
        stage, job_id = plan["stage"], plan["id"]
        start = time(7 + 2 * (job_id % 4))
        end = time(start.hour + 2)
        scheduling.schedule(self.session, OFFICE, job_id, plan["scheduled"], start, end, TECHNICIAN.staff_id)
        if stage == JobStage.PROGRESS:
            return
        jobs.complete_job(self.session, TECHNICIAN, job_id, plan["completed"])
        if stage == JobStage.COMPLETE:
            return
        invoice = jobs.invoice_job(self.session, OFFICE, job_id, day, stamp(day, 8))
        plan["b"].invoices.append(
            {
                "id": invoice.id,
                "total_cents": invoice.total_cents,
                "paid_cents": invoice.paid_cents,
                "status": invoice.status,
                "paid_on": invoice.paid_on,
                "issued_on": invoice.issued_on,
                "due_on": invoice.due_on,
                "recurring_invoice_id": None,
            }
        )
        if plan["pay_on"] is not None:
            self.pay_on[invoice.id] = plan["pay_on"]

    def _settle(self) -> None:
        """Write the payments and what they paid, then archive the jobs whose invoices are all paid,
        as paying an invoice does (``jobs.archive_paid_jobs``)."""
        self.rows.write()
        paid = [
            {"row_id": inv["id"], "paid": inv["paid_cents"], "status": inv["status"], "on": inv["paid_on"]}
            for b in self.built.values()
            for inv in b.invoices
            if inv["paid_cents"]
        ]
        table = Invoice.__table__
        self.session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(paid_cents=bindparam("paid"), status=bindparam("status"), paid_on=bindparam("on")),
            paid,
        )
        self.session.expire_all()
        jobs.archive_paid_jobs(self.session)

    # -- numbers ---------------------------------------------------------------------------------------

    def _number(self) -> None:
        """Numbers follow the dates, as they would have been issued, and never reuse an existing one.

        Jobs and invoices are numbered by :meth:`_job_story` instead, among those the services issue.
        """
        plan = (
            (RecurringInvoice.number, "recurring", self.recurring, "id"),
            (Task.number, "task", self.tasks, "created_at"),
        )
        for column, key, rows, by in plan:
            first = next_number(self.session, column, FIRST_NUMBERS[key])
            for n, row in enumerate(sorted(rows, key=lambda row, by=by: (row[by], row["id"])), start=first):
                row["number"] = n
