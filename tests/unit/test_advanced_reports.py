"""The Advanced reports: each report's figures on small hand-built data, the scope, the tier, the routes."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal import db
from portal.api import advanced_reports as routes
from portal.api import auth_routes
from portal.config import SESSION_COOKIE
from portal.core.months import add_months
from portal.core.principal import AccessDenied, Scope
from portal.models import (
    ALL_PAGES,
    Asset,
    AssetServiceLevel,
    AssetStatus,
    AssetType,
    Attachment,
    AttachmentOwner,
    Contract,
    Contractor,
    ContractorDocument,
    ContractSite,
    Defect,
    DefectSeverity,
    DocumentKind,
    JobStage,
    PortalTier,
    QuoteDecision,
    QuoteStage,
    ServiceLevel,
    ServiceRecord,
    TestResult,
)
from portal.services.assets import contracts
from portal.services.documents import published as published_documents
from portal.services.files.storage import storage_path
from portal.services.identity import auth
from portal.services.reports import budget_forecast, life_cycle, monthly_report
from tests import frozen
from tests.unit import factories as f

# The day these reports are run on: the rows below are dated around it, and every service is given
# it, so the tests read the same whatever day the suite runs.
TODAY = date(2026, 11, 23)

_n = count(7_000_000)


# -- local builders ---------------------------------------------------------------------------------


def scope_of(site, *, sites=None, tier=PortalTier.ADVANCED, pages=ALL_PAGES) -> Scope:
    return Scope(
        site.customer_id, 1, frozenset(pages), frozenset(s.id for s in sites) if sites else None, tier
    )


def kind(session, name="Exit Sign", life=10) -> AssetType:
    row = AssetType(name=name, expected_life_years=life)
    session.add(row)
    session.flush()
    return row


def level(session, months: int) -> ServiceLevel:
    row = ServiceLevel(name=f"Every {months} months", interval_months=months)
    session.add(row)
    session.flush()
    return row


def equipment(
    session, where, of: AssetType, *, contract=None, installed=None, life=None, status=AssetStatus.ACTIVE
) -> Asset:
    row = Asset(
        customer_id=where.customer_id,
        site_id=where.id,
        asset_type_id=of.id,
        number=f"A{next(_n)}",
        contract_id=contract.id if contract else None,
        install_date=installed,
        expected_life_years=life,
        status=status,
    )
    session.add(row)
    session.flush()
    return row


def schedule(session, on: Asset, every: ServiceLevel, due: date) -> None:
    session.add(AssetServiceLevel(asset_id=on.id, service_level_id=every.id, next_due_on=due))
    session.flush()


def agreement(
    session,
    owner_site,
    *,
    sites,
    start=date(2024, 1, 1),
    expiry=date(2028, 1, 1),
    value=0,
    number="C-1",
    name="Maintenance",
) -> Contract:
    row = Contract(
        customer_id=owner_site.customer_id,
        number=number,
        name=name,
        start_date=start,
        expiry_date=expiry,
        value_cents=value,
    )
    session.add(row)
    session.flush()
    for s in sites:
        session.add(ContractSite(contract_id=row.id, site_id=s.id))
    session.flush()
    return row


def test_record(session, on: Asset, every: ServiceLevel, tested: date, result: TestResult, job=None) -> None:
    session.add(
        ServiceRecord(
            asset_id=on.id,
            service_level_id=every.id,
            job_id=job.id if job else None,
            due_on=tested,
            tested_on=tested,
            result=result,
        )
    )
    session.flush()


test_record.__test__ = False  # a builder, not a test


def fault(session, on: Asset, found: date, *, rectified=None, quote=None) -> Defect:
    row = Defect(
        customer_id=on.customer_id,
        site_id=on.site_id,
        asset_id=on.id,
        found_on=found,
        severity=DefectSeverity.CRITICAL,
        description="Broken",
        rectified_on=rectified,
        quote_id=quote.id if quote else None,
    )
    session.add(row)
    session.flush()
    return row


def published(
    session,
    owner_site,
    title: str,
    *,
    site=None,
    kind_=DocumentKind.SITE_INDUCTION,
    data: bytes = b"%PDF-1.4 test",
) -> ContractorDocument:
    key = secrets.token_hex(16)
    path = storage_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    attachment = Attachment(
        customer_id=owner_site.customer_id,
        owner_type=AttachmentOwner.DOCUMENT,
        owner_id=0,
        name=f"{title}.pdf",
        content_type="application/pdf",
        size_bytes=len(data),
        sha256="0" * 64,
        storage_key=key,
    )
    session.add(attachment)
    session.flush()
    doc = ContractorDocument(
        customer_id=owner_site.customer_id,
        site_id=site.id if site else None,
        kind=kind_,
        title=title,
        attachment_id=attachment.id,
        published_at=datetime(2026, 7, 1, tzinfo=UTC),
    )
    session.add(doc)
    session.flush()
    attachment.owner_id = doc.id
    session.flush()
    return doc


@pytest.fixture
def world(session):
    """Customer A with two sites, customer B with one."""
    a = f.customer(session, "Northside")
    s1, s2 = f.site(session, a, "Plaza"), f.site(session, a, "Offices")
    b = f.customer(session, "Elsewhere")
    t = f.site(session, b, "Campus")
    return s1, s2, t


# -- the tier and the login ------------------------------------------------------------------------


def test_standard_tier_and_no_reports_page_are_refused_by_every_report(session, world):
    s1, _s2, _t = world
    for refused in (scope_of(s1, tier=PortalTier.STANDARD), scope_of(s1, pages=("quotes", "jobs"))):
        with pytest.raises(AccessDenied):
            monthly_report.monthly_report(session, refused, s1.id, TODAY)
        with pytest.raises(AccessDenied):
            budget_forecast.budget_forecast(session, refused, None, TODAY)
        with pytest.raises(AccessDenied):
            life_cycle.life_cycle(session, refused, None, TODAY)
        with pytest.raises(AccessDenied):
            contracts.list_contracts(session, refused, None, TODAY)
        with pytest.raises(AccessDenied):
            published_documents.list_documents(session, refused, DocumentKind.SITE_INDUCTION)


# -- Monthly Report --------------------------------------------------------------------------------


def test_monthly_report_counts_jobs_tests_and_defects_by_month(session, world):
    s1, s2, t = world
    ex, six = kind(session), level(session, 6)
    here = equipment(session, s1, ex)
    moved = equipment(session, s2, ex)  # now at s2, tested at s1 on s1's job card
    job = f.job_with(
        session, s1, requested_on=date(2026, 9, 3), completed_on=date(2026, 10, 8), stage=JobStage.COMPLETE
    )
    f.job_with(session, s1, requested_on=date(2026, 10, 1))
    f.job_with(session, s2, requested_on=date(2026, 10, 2))  # other site
    f.job_with(session, s1, requested_on=date(2025, 11, 30))  # before the window
    for result in (TestResult.PASS, TestResult.PASS, TestResult.FAIL, TestResult.NOT_TESTED):
        test_record(session, here, six, date(2026, 10, 8), result, job)
    test_record(session, moved, six, date(2026, 10, 9), TestResult.FAIL, job)
    test_record(session, moved, six, date(2026, 10, 9), TestResult.PASS)  # no job: the asset's site, s2
    fault(session, here, date(2026, 10, 8), rectified=date(2026, 11, 2))
    fault(session, moved, date(2026, 10, 9))  # at s2
    other = equipment(session, t, ex)
    test_record(session, other, six, date(2026, 10, 8), TestResult.PASS)

    report = monthly_report.monthly_report(session, scope_of(s1), s1.id, TODAY)
    assert [m.month for m in report.months][0] == date(2025, 12, 1)
    assert report.months[-1].month == date(2026, 11, 1)
    by = {m.month: m for m in report.months}
    sep, oct_, nov = by[date(2026, 9, 1)], by[date(2026, 10, 1)], by[date(2026, 11, 1)]
    assert (sep.jobs_opened, sep.jobs_completed) == (1, 0)
    assert (oct_.jobs_opened, oct_.jobs_completed) == (1, 1)
    assert (oct_.passed, oct_.failed, oct_.not_tested) == (2, 2, 1)
    assert (oct_.defects_found, nov.defects_rectified) == (1, 1)
    assert report.total("jobs_opened") == 2 and report.site_name == "Plaza"


def test_monthly_report_of_a_site_outside_the_scope_is_empty(session, world):
    s1, s2, t = world
    sam = scope_of(s1, sites=[s1])
    f.job_with(session, s2, requested_on=date(2026, 10, 2))
    for site_id in (s2.id, t.id, "999999", "x", None):
        report = monthly_report.monthly_report(session, sam, site_id, TODAY)
        assert report.site_id is None and report.total("jobs_opened") == 0


# -- Budget Forecast --------------------------------------------------------------------------------


def _budget_world(session, s1, s2, t):
    ex, monthly, six, yearly = kind(session), level(session, 1), level(session, 6), level(session, 12)
    # 4 years exactly: 120,000 a year over 12 monthly tests = 10,000 a test.
    c1 = agreement(session, s1, sites=[s1], value=480_000, number="C-1")
    # 60,000 a year over one yearly test = 60,000 a test.
    c2 = agreement(session, s1, sites=[s1], value=240_000, number="C-2")
    schedule(
        session, equipment(session, s1, ex, contract=c1), monthly, date(2026, 10, 15)
    )  # overdue: from now
    schedule(session, equipment(session, s1, ex, contract=c2), yearly, date(2027, 3, 10))
    schedule(session, equipment(session, s1, ex), six, date(2027, 1, 5))  # no contract: average rate
    schedule(session, equipment(session, s2, ex), six, date(2027, 1, 5))
    schedule(session, equipment(session, s1, ex, status=AssetStatus.REMOVED), monthly, date(2026, 12, 1))
    schedule(session, equipment(session, t, ex), monthly, date(2026, 12, 1))
    priced = f.quote_with(
        session, s1, stage=QuoteStage.ACTIONED, total_cents=55_000, preferred_date=date(2027, 2, 10)
    )
    # Outstanding with a draft price the office has not sent: the customer sees no cost yet.
    asking = f.quote_with(session, s1, stage=QuoteStage.OUTSTANDING, total_cents=4_400)
    declined = f.quote_with(
        session, s1, stage=QuoteStage.ACTIONED, total_cents=9_900, decision=QuoteDecision.DECLINED
    )
    done = f.quote_with(session, s1, stage=QuoteStage.ACTIONED, total_cents=7_700)
    at_s2 = f.quote_with(session, s2, stage=QuoteStage.ACTIONED, total_cents=3_300)
    gear = equipment(session, s1, ex)
    fault(session, gear, date(2026, 11, 1), quote=priced)
    fault(session, gear, date(2026, 11, 1), quote=asking)
    fault(session, gear, date(2026, 11, 1), quote=declined)
    fault(session, gear, date(2026, 11, 1), quote=done, rectified=date(2026, 11, 10))
    fault(session, equipment(session, s2, ex), date(2026, 11, 1), quote=at_s2)


def test_budget_forecast_prices_tests_from_contracts_and_adds_open_defect_quotes(session, world):
    s1, s2, t = world
    _budget_world(session, s1, s2, t)
    forecast = budget_forecast.budget_forecast(session, scope_of(s1), s1.id, TODAY)
    average = round(180_000 / 13)
    assert forecast.rates[None] == average
    assert [m.month for m in forecast.months][:2] == [date(2026, 11, 1), date(2026, 12, 1)]
    services = [m.services for m in forecast.months]
    cents = [m.services_cents for m in forecast.months]
    assert services == [1, 1, 2, 1, 2, 1, 1, 1, 2, 1, 1, 1]
    assert cents[0] == 10_000 and cents[2] == 10_000 + average and cents[4] == 70_000
    assert [m.quotes for m in forecast.months][:4] == [1, 0, 0, 1]
    assert forecast.months[3].quotes_cents == 55_000 and forecast.months[0].quotes_cents == 0
    assert forecast.awaiting_pricing == 1
    assert forecast.total_cents == 12 * 10_000 + 60_000 + 2 * average + 55_000


def test_budget_forecast_for_all_my_sites_stays_within_the_scope(session, world):
    s1, s2, t = world
    _budget_world(session, s1, s2, t)
    everything = budget_forecast.budget_forecast(session, scope_of(s1), None, TODAY)
    assert sum(m.services for m in everything.months) == 15 + 2
    assert sum(m.quotes_cents for m in everything.months) == 55_000 + 3_300
    sam = scope_of(s1, sites=[s1])
    assert sum(m.services for m in budget_forecast.budget_forecast(session, sam, None, TODAY).months) == 15
    refused = budget_forecast.budget_forecast(session, sam, s2.id, TODAY)
    assert refused.total_cents == 0 and sum(m.services for m in refused.months) == 0
    assert budget_forecast.budget_forecast(session, sam, t.id, TODAY).total_cents == 0


# -- Life Cycle Analysis -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("installed", "stage"),
    [
        (None, "unknown"),
        (date(2024, 11, 23), "within"),
        (date(2018, 11, 24), "within"),  # one day short of its last fifth
        (date(2018, 11, 23), "nearing"),
        (date(2016, 11, 24), "nearing"),
        (date(2016, 11, 23), "past"),  # its tenth birthday
    ],
)
def test_life_stage_boundaries(installed, stage):
    assert life_cycle.life_stage(installed, 10, TODAY) == stage


@pytest.mark.parametrize(
    ("months_ago", "days_later", "stage"),
    [
        (24, 0, "within"),
        (96, 1, "within"),
        (96, 0, "nearing"),
        (120, 1, "nearing"),
        (120, 0, "past"),
    ],
)
def test_life_stage_on_the_frozen_day(months_ago, days_later, stage):
    """The same boundaries counted back from the run's day, a leap day or New Year's Day included."""
    installed = add_months(frozen.TODAY, -months_ago) + timedelta(days=days_later)
    assert life_cycle.life_stage(installed, 10, frozen.TODAY) == stage


def test_life_cycle_counts_by_type_and_replacements_by_year(session, world):
    s1, s2, t = world
    signs, doors = kind(session, "Exit Sign", 10), kind(session, "Fire Door", 25)
    equipment(session, s1, signs, installed=date(2024, 11, 23))  # within, ends 2034
    equipment(session, s1, signs, installed=date(2017, 11, 23))  # nearing, ends 2027
    equipment(session, s1, signs, installed=date(2015, 6, 1))  # past: due now
    equipment(session, s1, signs)  # unknown
    equipment(session, s1, signs, installed=date(2015, 6, 1), life=20)  # its own life: within
    equipment(session, s1, doors, installed=date(2003, 3, 1))  # ends 2028
    equipment(session, s1, signs, installed=date(2000, 1, 1), status=AssetStatus.REMOVED)
    equipment(session, s2, signs, installed=date(2000, 1, 1))
    equipment(session, t, signs, installed=date(2000, 1, 1))

    report = life_cycle.life_cycle(session, scope_of(s1, sites=[s1]), None, TODAY)
    assert report.years == [2026, 2027, 2028, 2029, 2030]
    by = {x.type_name: x for x in report.types}
    sign = by["Exit Sign"]
    assert (sign.within, sign.nearing, sign.past, sign.unknown, sign.total) == (2, 1, 1, 1, 5)
    assert sign.due_by_year == [1, 1, 0, 0, 0]
    assert by["Fire Door"].due_by_year == [0, 0, 1, 0, 0] and by["Fire Door"].nearing == 1
    assert report.total("past") == 1
    everything = life_cycle.life_cycle(session, scope_of(s1), None, TODAY)
    assert {x.type_name: x.past for x in everything.types}["Exit Sign"] == 2
    assert life_cycle.life_cycle(session, scope_of(s1, sites=[s1]), s2.id, TODAY).types == []


# -- Contracts ------------------------------------------------------------------------------------------


def test_contracts_list_expiry_sites_and_assets_within_the_scope(session, world):
    s1, s2, t = world
    ex = kind(session)
    both = agreement(session, s1, sites=[s1, s2], expiry=TODAY + timedelta(days=30), number="C-BOTH")
    only2 = agreement(session, s1, sites=[s2], expiry=TODAY + timedelta(days=400), number="C-TWO")
    agreement(session, s1, sites=[s1], expiry=TODAY - timedelta(days=1), number="C-OLD")
    agreement(session, t, sites=[t], number="C-THEIRS")
    equipment(session, s1, ex, contract=both)
    equipment(session, s2, ex, contract=both)
    equipment(session, s2, ex, contract=both)
    equipment(session, s2, ex, contract=only2)

    rows = {c.number: c for c in contracts.list_contracts(session, scope_of(s1), None, TODAY)}
    assert set(rows) == {"C-BOTH", "C-TWO", "C-OLD"}
    assert rows["C-BOTH"].status == contracts.EXPIRING and rows["C-OLD"].status == contracts.EXPIRED
    assert rows["C-TWO"].status == contracts.CURRENT
    assert rows["C-BOTH"].site_names == ("Offices", "Plaza") and rows["C-BOTH"].assets == 3

    sam = {c.number: c for c in contracts.list_contracts(session, scope_of(s1, sites=[s1]), None, TODAY)}
    assert set(sam) == {"C-BOTH", "C-OLD"}
    assert sam["C-BOTH"].site_names == ("Plaza",) and sam["C-BOTH"].assets == 1
    chosen = contracts.list_contracts(session, scope_of(s1), s2.id, TODAY)
    assert [c.number for c in chosen] == ["C-BOTH", "C-TWO"]
    assert contracts.list_contracts(session, scope_of(s1, sites=[s1]), s2.id, TODAY) == []
    assert contracts.list_contracts(session, scope_of(s1), t.id, TODAY) == []


def test_contract_status_boundaries():
    assert contracts.contract_status(date(2026, 1, 1), TODAY - timedelta(days=1), TODAY) == contracts.EXPIRED
    assert contracts.contract_status(date(2026, 1, 1), TODAY, TODAY) == contracts.EXPIRING
    assert (
        contracts.contract_status(date(2026, 1, 1), TODAY + timedelta(days=60), TODAY) == contracts.EXPIRING
    )
    assert contracts.contract_status(date(2026, 1, 1), TODAY + timedelta(days=61), TODAY) == contracts.CURRENT
    assert (
        contracts.contract_status(TODAY + timedelta(days=5), TODAY + timedelta(days=900), TODAY)
        == contracts.NOT_STARTED
    )


# -- Published documents --------------------------------------------------------------------------------


def test_documents_for_all_sites_reach_a_limited_contact_but_other_sites_do_not(session, world):
    s1, s2, t = world
    general = published(session, s1, "Induction, every site")
    plaza = published(session, s1, "Induction, Plaza", site=s1)
    offices = published(session, s1, "Induction, Offices", site=s2)
    theirs = published(session, t, "Induction, Campus", site=t)
    published(session, s1, "A method statement", kind_=DocumentKind.WORK_METHOD_STATEMENT)
    sam = scope_of(s1, sites=[s1])

    listed = published_documents.list_documents(session, sam, DocumentKind.SITE_INDUCTION)
    assert {d.title: d.site_name for d in listed} == {
        "Induction, every site": "All sites",
        "Induction, Plaza": "Plaza",
    }
    everyone = published_documents.list_documents(session, scope_of(s1), DocumentKind.SITE_INDUCTION, s2.id)
    assert {d.title for d in everyone} == {"Induction, every site", "Induction, Offices"}
    assert published_documents.list_documents(session, sam, DocumentKind.SITE_INDUCTION, s2.id) == []

    assert published_documents.document_file(session, sam, general.id).path.read_bytes() == b"%PDF-1.4 test"
    assert published_documents.document_file(session, sam, plaza.id).name == "Induction, Plaza.pdf"
    for hidden in (offices.id, theirs.id, "nope", -1, 2**40):
        assert published_documents.document_file(session, sam, hidden) is None
    standard = scope_of(s1, tier=PortalTier.STANDARD)
    assert published_documents.document_file(session, standard, general.id) is None


# -- CSV ---------------------------------------------------------------------------------------------------


def test_csv_escapes_formulas_in_text_and_keeps_numbers(session, world):
    s1, _s2, _t = world
    agreement(
        session,
        s1,
        sites=[s1],
        value=123_45,
        number='=HYPERLINK("x")',
        name="+SUM(A1)",
        expiry=TODAY + timedelta(days=500),
    )
    text = "".join(contracts.contracts_csv(session, scope_of(s1), None, TODAY))
    assert "'=HYPERLINK" in text and "'+SUM(A1)" in text and ",123.45," in text
    docs = published(session, s1, "@cmd")
    listing = "".join(published_documents.documents_csv(session, scope_of(s1), DocumentKind.SITE_INDUCTION))
    assert "'@cmd" in listing and str(len(b"%PDF-1.4 test")) in listing and docs.id


# -- The HTTP routes ----------------------------------------------------------------------------------------


@pytest.fixture
def client(committed, monkeypatch):
    monkeypatch.setattr(db, "engine", lambda: committed)
    app = Starlette(routes=[*auth_routes.routes, *routes.routes])
    return TestClient(app, base_url="http://portal.test", follow_redirects=False)


def _commit(engine, build):
    with Session(engine, expire_on_commit=False) as s:
        result = build(s)
        s.commit()
        return result


def _route_world(s):
    s.add(Contractor(company_name="Harbourside", portal_tier=PortalTier.ADVANCED))
    a, b = f.customer(s, "Northside"), f.customer(s, "Elsewhere")
    s1, s2, t = f.site(s, a, "Plaza"), f.site(s, a, "Offices"), f.site(s, b, "Campus")
    sam = f.contact(s, a, sites=[s1])
    agreement(s, s1, sites=[s1], value=100, number="-2+3", name="=cmd|' /C calc'!A0")
    agreement(s, s2, sites=[s2], value=100, number="HIDDEN")
    docs = {
        "general": published(
            s, s1, "Safe work", kind_=DocumentKind.WORK_METHOD_STATEMENT, data=b"general-bytes"
        ),
        "offices": published(s, s2, "Offices", site=s2, kind_=DocumentKind.WORK_METHOD_STATEMENT),
        "theirs": published(s, t, "Theirs", site=t, kind_=DocumentKind.WORK_METHOD_STATEMENT),
    }
    return sam, docs


def _sign_in(client, engine, contact_id: int) -> None:
    nonce = _commit(engine, lambda s: auth.issue_login_nonce(s, contact_id))
    resp = client.get("/auth/session", params={"nonce": nonce, "next": "/reports"})
    assert resp.status_code == 303 and client.cookies.get(SESSION_COOKIE)


def _set_tier(engine, tier: PortalTier) -> None:
    from sqlalchemy import update

    with Session(engine) as s:
        s.exec(update(Contractor).values(portal_tier=tier))
        s.commit()


def test_routes_need_a_login_then_the_advanced_tier(client, committed):
    sam, docs = _commit(committed, _route_world)
    for url in ("/export/reports/contracts.csv", f"/files/documents/{docs['general'].id}"):
        assert client.get(url).status_code == 401
    _sign_in(client, committed, sam.id)
    assert client.get("/export/reports/contracts.csv").status_code == 200
    _set_tier(committed, PortalTier.STANDARD)
    for name in (
        "monthly",
        "budget",
        "life-cycle",
        "contracts",
        "work-method-statements",
        "site-inductions",
        "reference-material",
    ):
        assert client.get(f"/export/reports/{name}.csv").status_code == 403
    assert client.get(f"/files/documents/{docs['general'].id}").status_code == 403
    assert client.get("/export/reports/nonsense.csv").status_code == 404


def test_csv_route_is_scoped_escaped_and_an_attachment(client, committed):
    sam, _docs = _commit(committed, _route_world)
    _sign_in(client, committed, sam.id)
    resp = client.get("/export/reports/contracts.csv")
    assert resp.headers["content-disposition"].startswith('attachment; filename="contracts-')
    assert resp.headers["cache-control"] == "private, no-store"
    assert "'-2+3" in resp.text and "'=cmd|" in resp.text and "HIDDEN" not in resp.text
    other_site = client.get("/export/reports/contracts.csv", params={"site": "999999"})
    assert other_site.text.strip().count("\n") == 0  # the header alone
    monthly = client.get("/export/reports/monthly.csv", params={"month": "bad", "site": "x"})
    assert monthly.status_code == 200 and monthly.text.strip().count("\n") == 0


def test_document_route_serves_visible_documents_only(client, committed):
    sam, docs = _commit(committed, _route_world)
    _sign_in(client, committed, sam.id)
    resp = client.get(f"/files/documents/{docs['general'].id}")
    assert resp.status_code == 200 and resp.content == b"general-bytes"
    assert resp.headers["content-disposition"] == "attachment; filename*=utf-8''Safe%20work.pdf"
    assert resp.headers["cache-control"] == "private, no-store"
    for hidden in (docs["offices"].id, docs["theirs"].id, "abc", 0):
        assert client.get(f"/files/documents/{hidden}").status_code == 404
    listed = client.get("/export/reports/work-method-statements.csv").text
    assert "Safe work" in listed and "Offices" not in listed and "Theirs" not in listed


def test_monthly_window_is_the_twelve_months_ending_with_the_chosen_one():
    assert monthly_report.window(date(2026, 2, 15)) == (date(2025, 3, 1), date(2026, 3, 1))
    assert monthly_report.window(date(2026, 12, 31)) == (date(2026, 1, 1), date(2027, 1, 1))
