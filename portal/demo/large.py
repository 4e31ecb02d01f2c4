"""The benchmark customer: a council with 40 sites, 50,000 assets and 100,000 invoices.

Built on top of the small demo (it reuses its service levels, asset types and optional items) with
plain dicts and one executemany per table and phase, so it loads in well under two minutes on
SQLite. ``scale`` multiplies every count, for a smoke test that runs the same code in a second.

Every row here is a direct row, although services exist for some (quotes, jobs, invoices,
payments): they take a few milliseconds a row, which on 100,000 invoices and their payments would
turn minutes into hours. The benchmark measures reading this volume, not writing it; the small
demo is where rows go through the services.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import date, timedelta
from itertools import count
from random import Random
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from portal.core.months import add_months, month_start
from portal.core.tenant import next_number, tax_on
from portal.demo import catalog as cat
from portal.demo.rows import Rows, stamp, weekday_on_or_after
from portal.demo.small import FIRST_NUMBERS, letters
from portal.models import (
    ALL_PAGES,
    Asset,
    AssetServiceLevel,
    AssetStatus,
    AssetType,
    Contact,
    Contract,
    ContractSite,
    Credential,
    Customer,
    CustomerKind,
    Defect,
    Frequency,
    IntegrationEvent,
    Invoice,
    InvoiceStatus,
    Job,
    JobAsset,
    JobItem,
    JobStage,
    OptionalItem,
    Payment,
    PaymentAllocation,
    PaymentStatus,
    Quote,
    QuoteAsset,
    QuoteDecision,
    QuoteItem,
    QuoteStage,
    RecurringInvoice,
    ServiceLevel,
    ServiceRecord,
    Site,
    SiteContact,
    Task,
    TaskPriority,
    TaskStatus,
    TestResult,
    Transfer,
)
from portal.services.identity.passwords import hash_password
from portal.services.work.jobs import STATUS_TEXT

SEED = 2012  # the year of AS 1851's current edition
NAME = "Metro Council Facilities"
USERNAME = "facilities@metro.example"
HISTORY_DAYS = 400
INVOICE_YEARS = 5

SITES = 40
ASSETS = 50_000
QUOTES = 20_000
JOBS = 20_000
INVOICES = 100_000
TASKS = 400
WORKSHOP_TRIPS = 300

# Share of each asset type in a council's buildings; the extinguishers take what is left.
MIX = {
    cat.EMERGENCY_LIGHT: 0.26,
    cat.EXIT_SIGN: 0.14,
    cat.FIRE_DOOR: 0.09,
    cat.HOSE_REEL: 0.07,
    cat.BLANKET: 0.03,
    cat.CCTV: 0.025,
    cat.HYDRANT: 0.01,
    cat.DETECTION: 0.002,
    cat.SPRINKLER: 0.002,
}


class LargeDemo:
    def __init__(self, session: Session, today: date, rounds: int, scale: float = 1.0) -> None:
        self.session = session
        self.rows = Rows(session)
        self.rng = Random(SEED)
        self.today = today
        self.rounds = rounds
        self.scale = scale
        self.tax_bp = cat.CONTRACTOR["tax_rate_bp"]
        self.window_start = today - timedelta(days=HISTORY_DAYS)
        self.sites: list[dict[str, Any]] = []
        self.assets_at: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(
            list
        )  # (site id, type) -> assets
        self.kind_of: dict[int, cat.Kind] = {}
        self.visits: dict[int, list[dict[str, Any]]] = {}  # site id -> its routine jobs by date
        self.jobs: list[dict[str, Any]] = []
        self.quotes: list[dict[str, Any]] = []
        self.paid_by: dict[int, date] = {}  # invoice id -> the day it was paid
        self.quote_lines: dict[int, list] = {}  # accepted quotes' lines, which their jobs repeat

    def n(self, full: int, least: int = 1) -> int:
        return max(least, round(full * self.scale))

    def build(self) -> None:
        self._lookups()
        self._customer()
        self._assets()
        self.rows.write()
        self._routine_jobs()
        self._quotes_and_jobs()
        self._number(Quote.number, "quote", self.quotes, "requested_on")
        self._number(Job.number, "job", self.jobs, "requested_on")
        self._inbox()
        self.rows.write()
        self._history()
        self.rows.write()
        self._invoices()
        self.rows.write()
        self._tasks_and_transfers()
        self.rows.finish()

    # -- who and where -----------------------------------------------------------------------------------

    def _lookups(self) -> None:
        s = self.session
        self.levels = {
            name: (i, months)
            for i, name, months in s.execute(
                select(ServiceLevel.id, ServiceLevel.name, ServiceLevel.interval_months)
            )
        }
        self.types = {name: i for i, name in s.execute(select(AssetType.id, AssetType.name))}
        self.optional = {
            name: (i, price)
            for i, name, price in s.execute(
                select(OptionalItem.id, OptionalItem.name, OptionalItem.unit_price_cents)
            )
        }

    def _customer(self) -> None:
        rng, r, today = self.rng, self.rows, self.today
        since = today - timedelta(days=INVOICE_YEARS * 366)
        self.customer = r.add(
            Customer,
            kind=CustomerKind.COMPANY,
            name=NAME,
            business_number="ABN 72 002 765 795",
            email="accounts.payable@metro.example",
            phone="07 3403 8888",
            address="266 George Street, Brisbane QLD 4000",
            postal_address="GPO Box 1434, Brisbane QLD 4001",
            notes="Council facilities portfolio: libraries, pools, halls and depots. Purchase order on "
            "every job.",
            created_at=stamp(since),
        )
        cid = self.customer["id"]
        self.contact = r.add(
            Contact,
            customer_id=cid,
            title="Mx",
            first_name="Chris",
            last_name="Nakamura",
            email=USERNAME,
            phone="07 3403 8120",
            mobile="0400 118 624",
            position="Facilities Coordinator",
            department="City Facilities",
            is_quote_contact=True,
            is_job_contact=True,
            is_invoice_contact=True,
            is_statement_contact=True,
            is_primary=True,
            login_active=True,
            username=USERNAME,
            pages=list(ALL_PAGES),
            all_sites=True,
            created_at=stamp(since),
        )
        r.add(
            Credential,
            contact_id=self.contact["id"],
            password_hash=hash_password(cat.PASSWORD, self.rounds),
            changed_at=stamp(today - timedelta(days=200)),
        )
        for i in range(SITES):
            suburb = cat.METRO_SUBURBS[i % len(cat.METRO_SUBURBS)]
            site = r.add(
                Site,
                customer_id=cid,
                name=f"{suburb} {cat.METRO_FACILITIES[i % len(cat.METRO_FACILITIES)]}",
                street=f"{rng.randint(1, 250)} {rng.choice(cat.METRO_STREETS)}",
                suburb=suburb,
                state="QLD",
                postcode=str(rng.randint(4005, 4179)),
                country="AU",
                access_notes="Keys from the council depot key safe; sign the contractor register on arrival.",
                created_at=stamp(since),
            )
            self.sites.append(site)
            r.add(
                SiteContact,
                site_id=site["id"],
                first_name=("Sam", "Alex", "Jordan", "Pat", "Robin", "Lee")[i % 6],
                last_name=("Nguyen", "Smith", "Patel", "Kowalski", "Okafor", "Brown", "Ali")[i % 7],
                position="Caretaker",
                mobile=f"0400 {100 + i % 900} {200 + (i * 37) % 800}",
                created_at=stamp(since),
            )
        half = SITES // 2
        self.contracts = []
        for number, name, sites, start, expiry in (
            (
                "MCF-2023-11",
                "Essential services maintenance, north and west facilities",
                self.sites[:half],
                -750,
                200,
            ),
            (
                "MCF-2024-03",
                "Essential services maintenance, south and east facilities",
                self.sites[half:],
                -600,
                500,
            ),
        ):
            contract = r.add(
                Contract,
                customer_id=cid,
                number=number,
                name=name,
                start_date=today + timedelta(days=start),
                expiry_date=today + timedelta(days=expiry),
                value_cents=rng.randint(30_000, 60_000) * 10_000,
                notes="Council panel contract; monthly routine visits to AS 1851-2012.",
            )
            self.contracts.append(contract)
            for site in sites:
                r.add(ContractSite, contract_id=contract["id"], site_id=site["id"])
        self.contract_of = {
            site["id"]: self.contracts[0 if i < half else 1] for i, site in enumerate(self.sites)
        }

    def _assets(self) -> None:
        rng, r, today = self.rng, self.rows, self.today
        total = self.n(ASSETS, SITES * 3)
        names = list(MIX) + [cat.EXTINGUISHER]
        weights = list(MIX.values()) + [1 - sum(MIX.values())]
        serial = count(1)
        cid = self.customer["id"]
        for i, site in enumerate(self.sites):
            per_site = total // SITES + (1 if i < total % SITES else 0)
            # Every building has a fire panel; the rest follows the mix.
            kinds = [cat.DETECTION] + rng.choices(names, weights=weights, k=per_site - 1)
            contract_id = self.contract_of[site["id"]]["id"]
            levels = 1 + i % 4
            for type_name in kinds:
                kind = cat.KINDS[type_name]
                variant = rng.choice(kind.variants)
                install = today - timedelta(days=rng.randint(120, int(kind.life_years * 365 * 1.15)))
                asset = r.add(
                    Asset,
                    customer_id=cid,
                    site_id=site["id"],
                    asset_type_id=self.types[type_name],
                    contract_id=contract_id if rng.random() < 0.95 else None,
                    number=f"MC{next(serial):06d}",
                    name=variant.name,
                    location=rng.choice(kind.locations).format(
                        l=rng.randint(1, levels),
                        s=rng.choice("AB"),
                        n=rng.randint(1, 9),
                        b=rng.randint(1, 200),
                    ),
                    make=variant.make,
                    model=variant.model,
                    serial=f"{variant.make[:2].upper()}{rng.randint(100000, 999999)}",
                    details=variant.details,
                    install_date=install,
                    status=AssetStatus.ACTIVE,
                    created_at=stamp(install),
                )
                self.kind_of[asset["id"]] = kind
                self.assets_at[(site["id"], type_name)].append(asset)

    # -- routine visits and what they found ------------------------------------------------------------

    def _routine_jobs(self) -> None:
        r, today = self.rows, self.today
        first, last = month_start(self.window_start), add_months(month_start(today), 1)
        for i, site in enumerate(self.sites):
            visits = []
            month = first
            contract = self.contract_of[site["id"]]
            while month <= last:
                day = weekday_on_or_after(month.replace(day=1 + (i * 5) % 27))
                stage = JobStage.ARCHIVE if day <= today else JobStage.PROGRESS
                job = r.add(
                    Job,
                    customer_id=self.customer["id"],
                    site_id=site["id"],
                    contact_id=self.contact["id"],
                    contract_id=contract["id"]
                    if contract["start_date"] <= day <= contract["expiry_date"]
                    else None,
                    description=f"Routine maintenance, {month:%B %Y}: scheduled testing of fire safety "
                    f"equipment to "
                    f"AS 1851-2012 under contract {contract['number']}.",
                    stage=stage,
                    status_text=STATUS_TEXT[stage],
                    requested_on=min(today, day - timedelta(days=28)),
                    scheduled_on=day,
                    due_on=add_months(month, 1) - timedelta(days=1),
                    completed_on=day if day <= today else None,
                    created_at=stamp(min(today, day - timedelta(days=28))),
                )
                r.add(
                    JobItem, job_id=job["id"], description="Routine maintenance visit (covered by contract)"
                )
                visits.append(job)
                self.jobs.append(job)
                month = add_months(month, 1)
            past = [j for j in visits if j["completed_on"]]
            past[-1]["stage"], past[-1]["status_text"] = JobStage.COMPLETE, STATUS_TEXT[JobStage.COMPLETE]
            self.visits[site["id"]] = visits

    def _history(self) -> None:
        rng, r, today, window = self.rng, self.rows, self.today, self.window_start
        cid = self.customer["id"]
        technicians = cat.TECHNICIANS
        for site in self.sites:
            visits = self.visits[site["id"]]
            by_month = {month_start(j["scheduled_on"]): j for j in visits}
            past = [j for j in visits if j["scheduled_on"] <= today]
            past_days = [j["scheduled_on"] for j in past]
            upcoming = next(j for j in visits if j["scheduled_on"] > today)
            for (site_id, _type), assets in self.assets_at.items():
                if site_id != site["id"]:
                    continue
                for asset in assets:
                    kind = self.kind_of[asset["id"]]
                    for level_name in kind.levels:
                        level_id, months = self.levels[level_name]
                        tests: list[tuple[date, dict]] = []
                        if months == 1:
                            next_due = upcoming["scheduled_on"]
                            tests = [(j["scheduled_on"], j) for j in past]
                        elif months >= 60:
                            due = today - timedelta(days=rng.randint(10, HISTORY_DAYS - 20))
                            next_due = add_months(due, months)
                            tests = [(due, self._visit(by_month, due))]
                        else:
                            next_due = today + timedelta(days=rng.randint(-20, months * 30 - 25))
                            due = add_months(next_due, -months)
                            while due >= window:
                                tests.append((due, self._visit(by_month, due)))
                                due = add_months(due, -months)
                        last_tested = None
                        for due, job in tests:
                            tested = job["scheduled_on"]
                            roll = rng.random()
                            if roll < 0.035:
                                result = TestResult.FAIL
                                text, severity = rng.choice(kind.defects)
                                notes = text
                            elif roll < 0.065:
                                result, notes = TestResult.NOT_TESTED, rng.choice(cat.NOT_TESTED_NOTES)
                            else:
                                result, notes = TestResult.PASS, ""
                            record = r.add(
                                ServiceRecord,
                                asset_id=asset["id"],
                                service_level_id=level_id,
                                job_id=job["id"],
                                due_on=due,
                                tested_on=tested,
                                result=result,
                                technician=technicians[(asset["id"] + job["id"]) % len(technicians)],
                                notes=notes,
                            )
                            if result != TestResult.NOT_TESTED and (
                                last_tested is None or tested > last_tested
                            ):
                                last_tested = tested
                            if result == TestResult.FAIL:
                                later = bisect_right(past_days, tested)
                                fixed = past[later] if later < len(past) and rng.random() < 0.97 else None
                                r.add(
                                    Defect,
                                    customer_id=cid,
                                    site_id=site["id"],
                                    asset_id=asset["id"],
                                    service_record_id=record["id"],
                                    found_on=tested,
                                    severity=severity,
                                    description=f"{text} ({asset['location']})",
                                    rectified_on=fixed["scheduled_on"] if fixed else None,
                                    rectified_by_job_id=fixed["id"] if fixed else None,
                                )
                        r.add(
                            AssetServiceLevel,
                            asset_id=asset["id"],
                            service_level_id=level_id,
                            next_due_on=next_due,
                            last_tested_on=last_tested,
                        )

    def _visit(self, by_month: dict[date, dict], due: date) -> dict:
        job = by_month.get(month_start(due))
        if job is None or job["scheduled_on"] > self.today:
            job = by_month[month_start(add_months(due, -1))]
        return job

    # -- quotes and jobs ---------------------------------------------------------------------------------

    def _lines(self, work: cat.Work) -> list[tuple[str, int, int, int | None]]:
        out = []
        for desc, low, high in work.items[:2]:
            optional = self.optional.get(desc)
            price = optional[1] if optional else cat.PRICES[desc]
            out.append((desc, self.rng.randint(low, high), price, optional[0] if optional else None))
        return out

    def _priced(self, model: type, key: str, owner: dict, lines: list) -> None:
        subtotal = 0
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
            subtotal += qty * price
        tax = tax_on(subtotal, self.tax_bp)
        owner["subtotal_cents"], owner["tax_cents"], owner["total_cents"] = subtotal, tax, subtotal + tax

    def _request(self) -> tuple[dict, cat.Work, list, list[dict], str]:
        rng = self.rng
        site = rng.choice(self.sites)
        work = rng.choice(cat.WORKS)
        lines = self._lines(work)
        pool = self.assets_at.get((site["id"], work.asset_type or ""), [])
        assets = [rng.choice(pool)] if pool and rng.random() < 0.3 else []
        where = f"{assets[0]['location']} ({assets[0]['number']})" if assets else f"level {rng.randint(1, 3)}"
        text = work.description.format(n=lines[0][1], level=rng.randint(1, 4), site=site["name"], where=where)
        return site, work, lines, assets, text

    def _quotes_and_jobs(self) -> None:
        rng, r, today = self.rng, self.rows, self.today
        cid, contact_id = self.customer["id"], self.contact["id"]
        span = INVOICE_YEARS * 365 - 60
        accepted: list[dict] = []
        for _ in range(self.n(QUOTES)):
            site, work, lines, assets, text = self._request()
            roll = rng.random()
            order = f"MC-PO-{rng.randint(100000, 999999)}"
            if roll < 0.15:
                requested = today - timedelta(days=rng.randint(0, 30))
                quote = r.add(
                    Quote,
                    customer_id=cid,
                    site_id=site["id"],
                    contact_id=contact_id,
                    requested_by_contact_id=contact_id,
                    order_number=order,
                    description=text,
                    stage=QuoteStage.OUTSTANDING,
                    requested_on=requested,
                    created_at=stamp(requested, 10),
                )
            else:
                actioned = today - timedelta(days=rng.randint(1, span))
                requested = actioned - timedelta(days=rng.randint(2, 10))
                decision, decided = QuoteDecision.NONE, None
                if roll < 0.6:
                    decision, decided = (
                        QuoteDecision.ACCEPTED,
                        min(today, actioned + timedelta(days=rng.randint(1, 14))),
                    )
                elif roll < 0.75:
                    decision, decided = (
                        QuoteDecision.DECLINED,
                        min(today, actioned + timedelta(days=rng.randint(1, 14))),
                    )
                quote = r.add(
                    Quote,
                    customer_id=cid,
                    site_id=site["id"],
                    contact_id=contact_id,
                    requested_by_contact_id=contact_id if rng.random() < 0.6 else None,
                    order_number=order,
                    description=text,
                    stage=QuoteStage.ACTIONED,
                    requested_on=requested,
                    actioned_on=actioned,
                    valid_until=actioned + timedelta(days=30),
                    decision=decision,
                    decided_at=stamp(decided, 14) if decided else None,
                    decided_by_contact_id=contact_id if decided else None,
                    signer_name="Chris Nakamura" if decided else "",
                    accepted_order_number=order if decision == QuoteDecision.ACCEPTED else "",
                    decline_reason=(work.decline_reason or "Not in this year's budget")
                    if decision == QuoteDecision.DECLINED
                    else "",
                    created_at=stamp(requested, 10),
                )
                self._priced(QuoteItem, "quote_id", quote, lines)
                self.quote_lines[quote["id"]] = lines
                if decision == QuoteDecision.ACCEPTED:
                    accepted.append(quote)
            for a in assets:
                r.add(QuoteAsset, quote_id=quote["id"], asset_id=a["id"])
            self.quotes.append(quote)
        from_quotes = [q for q in accepted if rng.random() < 0.6]
        ad_hoc = max(0, self.n(JOBS) - len(self.jobs) - len(from_quotes))
        for quote in from_quotes:
            self._job(quote["site_id"], quote["description"], None, quote["decided_at"].date(), quote=quote)
        for _ in range(ad_hoc):
            site, work, lines, assets, text = self._request()
            self._job(site["id"], text, lines, today - timedelta(days=rng.randint(0, span)), assets=assets)

    def _inbox(self) -> None:
        """What the customer's requests and decisions left in the back office's Inbox: handled the day
        after, except the last fortnight's, which still wait."""
        recent = self.today - timedelta(days=14)
        for quote in self.quotes:
            sent = [("quote.requested", quote["created_at"])]
            if quote.get("decided_at"):
                verb = "accepted" if quote["decision"] == QuoteDecision.ACCEPTED else "declined"
                sent.append((f"quote.{verb}", quote["decided_at"]))
            for kind, at in sent:
                self.rows.add(
                    IntegrationEvent,
                    kind=kind,
                    customer_id=quote["customer_id"],
                    payload={
                        "quote_id": quote["id"],
                        "number": quote["number"],
                        "site_id": quote["site_id"],
                        "description": quote["description"][:200],
                    },
                    created_at=at,
                    handled_at=None if at.date() >= recent else at + timedelta(days=1),
                )

    def _job(
        self,
        site_id: int,
        text: str,
        lines: list | None,
        requested: date,
        *,
        quote: dict | None = None,
        assets: list[dict] = (),
    ) -> None:
        rng, today = self.rng, self.today
        done = requested + timedelta(days=rng.randint(5, 30))
        scheduled, completed = done, None
        if done > today:
            stage = (
                JobStage.PENDING
                if requested > today - timedelta(days=5) and rng.random() < 0.6
                else JobStage.PROGRESS
            )
            scheduled = None if stage == JobStage.PENDING else done
        else:
            completed = done
            age = (today - done).days
            stage = (
                JobStage.COMPLETE
                if age < 10
                else JobStage.INVOICED
                if age < 60 and rng.random() < 0.5
                else JobStage.ARCHIVE
            )
        job = self.rows.add(
            Job,
            customer_id=self.customer["id"],
            site_id=site_id,
            contact_id=self.contact["id"],
            requested_by_contact_id=self.contact["id"] if rng.random() < 0.6 else None,
            quote_id=quote["id"] if quote else None,
            order_number=quote["order_number"] if quote else "",
            description=text,
            stage=stage,
            status_text=STATUS_TEXT[stage],
            requested_on=requested,
            scheduled_on=scheduled,
            due_on=scheduled,
            completed_on=completed,
            created_at=stamp(requested, 11),
        )
        self._priced(JobItem, "job_id", job, self.quote_lines[quote["id"]] if quote else lines or [])
        for a in assets:
            self.rows.add(JobAsset, job_id=job["id"], asset_id=a["id"])
        self.jobs.append(job)

    # -- money ---------------------------------------------------------------------------------------------

    def _invoices(self) -> None:
        rng, r, today = self.rng, self.rows, self.today
        cid = self.customer["id"]
        invoices: list[dict] = []
        terms = timedelta(days=cat.CONTRACTOR["payment_terms_days"])

        def invoice(site_id: int, issued: date, subtotal: int, text: str, **links: Any) -> dict:
            tax = tax_on(subtotal, self.tax_bp)
            row = r.add(
                Invoice,
                customer_id=cid,
                site_id=site_id,
                description=text,
                issued_on=issued,
                due_on=issued + terms,
                subtotal_cents=subtotal,
                tax_cents=tax,
                total_cents=subtotal + tax,
                paid_cents=0,
                status=InvoiceStatus.UNPAID,
                created_at=stamp(issued, 8),
                job_id=links.get("job_id"),
                recurring_invoice_id=links.get("recurring_invoice_id"),
                order_number=links.get("order_number", ""),
            )
            invoices.append(row)
            return row

        for job in self.jobs:
            if job["stage"] in (JobStage.INVOICED, JobStage.ARCHIVE) and job["total_cents"]:
                issued = min(today, job["completed_on"] + timedelta(days=rng.randint(1, 5)))
                row = invoice(
                    job["site_id"],
                    issued,
                    job["subtotal_cents"],
                    job["description"][:300],
                    job_id=job["id"],
                    order_number=job["order_number"],
                )
                if job["stage"] == JobStage.ARCHIVE:
                    self.paid_by[row["id"]] = min(today, issued + timedelta(days=rng.randint(5, 40)))
        start = month_start(today - timedelta(days=INVOICE_YEARS * 365))
        plans = []
        for site in self.sites:
            plans.append(
                r.add(
                    RecurringInvoice,
                    customer_id=cid,
                    site_id=site["id"],
                    name=f"Fire alarm monitoring, {site['name']}",
                    frequency=Frequency.MONTHLY,
                    subtotal_cents=16_500,
                    tax_cents=1_650,
                    total_cents=18_150,
                    next_due_on=add_months(month_start(today), 1),
                    last_paid_on=None,
                )
            )
        target = self.n(INVOICES)
        monthly = [(plan, m) for plan in plans for m in self._months(start, today)]
        monthly = monthly[: max(0, target - len(invoices))]
        for plan, month in monthly:
            invoice(
                plan["site_id"],
                month,
                16_500,
                f"{plan['name']}, {month:%B %Y}",
                recurring_invoice_id=plan["id"],
            )
        days = (today - start).days
        while len(invoices) < target:
            site = rng.choice(self.sites)
            issued = today - timedelta(days=rng.randint(0, days))
            invoice(
                site["id"],
                issued,
                rng.randint(80, 45_000) * 10,
                rng.choice(cat.METRO_INVOICE_TEXTS).format(site=site["name"]),
            )
        for row in invoices:
            if row["id"] in self.paid_by or row["job_id"]:
                continue
            age = (today - row["issued_on"]).days
            if (age > 90 and rng.random() < 0.985) or (age <= 90 and rng.random() < 0.5):
                self.paid_by[row["id"]] = min(today, row["issued_on"] + timedelta(days=rng.randint(3, 45)))
        for plan in plans:
            plan["last_paid_on"] = max(
                (
                    self.paid_by[i["id"]]
                    for i in invoices
                    if i["recurring_invoice_id"] == plan["id"] and i["id"] in self.paid_by
                ),
                default=None,
            )
        self._pay([i for i in invoices if i["id"] in self.paid_by])
        self._number(Invoice.number, "invoice", invoices, "issued_on")
        self._number(RecurringInvoice.number, "recurring", plans, "id")

    @staticmethod
    def _months(start: date, until: date) -> list[date]:
        out, month = [], start
        while month <= until:
            out.append(month)
            month = add_months(month, 1)
        return out

    def _pay(self, paid: list[dict]) -> None:
        """Council accounts pay in batches: one card payment settles one to six invoices."""
        rng, r = self.rng, self.rows
        paid.sort(key=lambda inv: (self.paid_by[inv["id"]], inv["id"]))
        receipts = count(self.session.execute(select(func.count()).select_from(Payment)).scalar_one() + 1)
        cards = (("visa", "4111"), ("mastercard", "5454"), ("visa", "0331"))
        i = 0
        while i < len(paid):
            group = paid[i : i + rng.randint(1, 6)]
            i += len(group)
            on = max(self.paid_by[inv["id"]] for inv in group)
            when = stamp(on, rng.randint(9, 16), rng.randint(0, 59))
            brand, last4 = rng.choice(cards)
            payment = r.add(
                Payment,
                customer_id=self.customer["id"],
                contact_id=self.contact["id"],
                attempt_key="",
                amount_cents=sum(inv["total_cents"] for inv in group),
                currency="AUD",
                status=PaymentStatus.SUCCEEDED,
                gateway="sandbox",
                gateway_ref=f"ch_sandbox_{letters(rng, 18)}",
                receipt_number=f"HFE-M{next(receipts):06d}",
                card_brand=brand,
                card_last4=last4,
                card_exp_month=rng.randint(1, 12),
                card_exp_year=on.year + 2,
                failure_reason="",
                is_autopay=False,
                created_at=when,
                completed_at=when,
            )
            payment["attempt_key"] = f"demo-payment-{payment['id']}"
            for inv in group:
                r.add(
                    PaymentAllocation,
                    payment_id=payment["id"],
                    invoice_id=inv["id"],
                    amount_cents=inv["total_cents"],
                )
                inv["paid_cents"], inv["status"], inv["paid_on"] = inv["total_cents"], InvoiceStatus.PAID, on

    # -- the rest ------------------------------------------------------------------------------------------

    def _tasks_and_transfers(self) -> None:
        rng, r, today = self.rng, self.rows, self.today
        tasks = []
        for _ in range(self.n(TASKS)):
            subject, description = rng.choice(cat.TASKS)
            created = today - timedelta(days=rng.randint(1, 700))
            status = rng.choice(list(TaskStatus))
            tasks.append(
                r.add(
                    Task,
                    customer_id=self.customer["id"],
                    site_id=rng.choice(self.sites)["id"],
                    subject=subject,
                    description=description,
                    status=status,
                    priority=rng.choice(list(TaskPriority)),
                    assigned_to=rng.choice(cat.STAFF),
                    due_on=created + timedelta(days=rng.randint(7, 60)),
                    completed_on=min(today, created + timedelta(days=rng.randint(1, 30)))
                    if status == TaskStatus.COMPLETED
                    else None,
                    created_at=stamp(created, 10),
                )
            )
        self._number(Task.number, "task", tasks, "created_at")
        extinguishers = [
            a for (_s, t), assets in self.assets_at.items() if t == cat.EXTINGUISHER for a in assets
        ]
        for asset in rng.sample(extinguishers, min(len(extinguishers), self.n(WORKSHOP_TRIPS))):
            out = today - timedelta(days=rng.randint(20, 380))
            r.add(
                Transfer,
                asset_id=asset["id"],
                from_site_id=asset["site_id"],
                to_site_id=None,
                to_label="Workshop",
                transferred_on=out,
                reason="Removed for five-yearly pressure test",
            )
            r.add(
                Transfer,
                asset_id=asset["id"],
                from_site_id=None,
                to_site_id=asset["site_id"],
                from_label="Workshop",
                transferred_on=out + timedelta(days=rng.randint(5, 15)),
                reason="Returned after pressure test, new tag fitted",
            )

    def _number(self, column: Any, key: str, rows: list[dict], by: str) -> None:
        first = next_number(self.session, column, FIRST_NUMBERS[key])
        for n, row in enumerate(sorted(rows, key=lambda row: (row[by], row["id"])), start=first):
            row["number"] = n
