"""Current Defects: what counts as current, the filters, search, order, pages, scope and the CSV download."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal import db
from portal.api import auth_routes, backend, maintenance_reports
from portal.config import SESSION_COOKIE
from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied, Scope
from portal.models import Asset, AssetType, Contact, Customer, Defect, DefectSeverity, Quote, QuoteStage, Site
from portal.services.assets import defects
from portal.services.assets.defects import AssetFilters
from portal.services.identity import auth, principals
from tests.unit import factories as f

DAY = date(2026, 3, 2)
CRIT, NONCRIT, NONCONF = DefectSeverity.CRITICAL, DefectSeverity.NON_CRITICAL, DefectSeverity.NON_CONFORMANCE


# --- a customer with two sites, two asset types, and a neighbour ------------------------------------


@dataclass
class World:
    customer: Customer
    north: Site
    south: Site
    signs: AssetType
    extinguishers: AssetType
    full: Contact
    limited: Contact  # North only
    no_reports: Contact
    other: Customer
    other_site: Site
    other_contact: Contact


def build_world(s: Session) -> World:
    mine, theirs = f.customer(s, "Northwind Towers"), f.customer(s, "Southern Cross College")
    north, south = f.site(s, mine, "North Tower"), f.site(s, mine, "South Tower")
    signs, extinguishers = AssetType(name="Exit Sign"), AssetType(name="Portable Fire Extinguisher")
    s.add_all([signs, extinguishers])
    s.flush()
    other_site = f.site(s, theirs, "Chapel")
    return World(
        customer=mine,
        north=north,
        south=south,
        signs=signs,
        extinguishers=extinguishers,
        full=f.contact(s, mine),
        limited=f.contact(s, mine, sites=[north]),
        no_reports=f.contact(s, mine, pages=["quotes", "jobs"]),
        other=theirs,
        other_site=other_site,
        other_contact=f.contact(s, theirs),
    )


def add_asset(
    s: Session, where: Site, kind: AssetType, number: str, name: str = "Asset", location: str = "Level 1"
) -> Asset:
    row = Asset(
        customer_id=where.customer_id,
        site_id=where.id,
        asset_type_id=kind.id,
        number=number,
        name=name,
        location=location,
    )
    s.add(row)
    s.flush()
    return row


def add_defect(
    s: Session,
    on: Asset,
    found_on: date = DAY,
    severity: DefectSeverity = CRIT,
    description: str = "Damaged",
    rectified_on: date | None = None,
    quote: Quote | None = None,
) -> Defect:
    row = Defect(
        customer_id=on.customer_id,
        site_id=on.site_id,
        asset_id=on.id,
        found_on=found_on,
        severity=severity,
        description=description,
        rectified_on=rectified_on,
        quote_id=quote.id if quote else None,
    )
    s.add(row)
    s.flush()
    return row


def scope_of(s: Session, who: Contact) -> Scope:
    found = principals.scope_for(s, who.id)
    assert found is not None
    return found


def everything(
    s: Session, who: Contact, request: PageRequest | None = None, **filters
) -> list[defects.DefectRow]:
    scope = scope_of(s, who)
    chosen = defects.asset_filters(s, scope, filters.get("site"), filters.get("type"), filters.get("q", ""))
    return defects.list_defects(s, scope, chosen, request or PageRequest(size=100)).rows


@pytest.fixture
def world(session) -> World:
    return build_world(session)


# --- what is current ----------------------------------------------------------------------------------


def test_only_unrectified_defects_of_the_customer_are_listed(session, world):
    sign = add_asset(session, world.north, world.signs, "EX-1", "Exit sign", "Stair 2")
    current = add_defect(session, sign, DAY, NONCRIT, "Battery fails 90 minute test")
    add_defect(
        session, sign, DAY - timedelta(days=200), CRIT, "Pictogram missing", rectified_on=DAY - timedelta(100)
    )
    theirs = add_asset(session, world.other_site, world.signs, "EX-9")
    add_defect(session, theirs, DAY, CRIT, "Not theirs to see")

    rows = everything(session, world.full)

    assert [r.id for r in rows] == [current.id]
    row = rows[0]
    assert (row.found_on, row.asset_number, row.asset_name, row.location, row.type_name, row.site_name) == (
        DAY,
        "EX-1",
        "Exit sign",
        "Stair 2",
        "Exit Sign",
        "North Tower",
    )
    assert (row.severity, row.description, row.quote_number) == (
        "non_critical",
        "Battery fails 90 minute test",
        None,
    )
    assert (row.asset_id, row.site_id) == (sign.id, world.north.id)


def test_a_defect_awaiting_a_quote_shows_the_quote_number(session, world):
    sign = add_asset(session, world.north, world.signs, "EX-1")
    quote = f.quote(session, world.north, QuoteStage.ACTIONED)
    add_defect(session, sign, quote=quote)
    [row] = everything(session, world.full)
    assert (row.quote_id, row.quote_number, row.quote_stage) == (quote.id, quote.number, "actioned")


def test_another_customers_quote_id_on_a_defect_shows_no_number(session, world):
    sign = add_asset(session, world.north, world.signs, "EX-1")
    add_defect(session, sign, quote=f.quote(session, world.other_site))
    [row] = everything(session, world.full)
    assert row.quote_number is None


def test_no_defects_is_an_empty_page_not_an_error(session, world):
    scope = scope_of(session, world.full)
    page = defects.list_defects(session, scope, defects.asset_filters(session, scope), PageRequest())
    assert (page.rows, page.total, page.page, page.pages) == ([], 0, 1, 1)
    assert defects.severity_counts(session, scope, AssetFilters()) == {
        "critical": 0,
        "non_critical": 0,
        "non_conformance": 0,
    }


# --- filters and search -----------------------------------------------------------------------------


@pytest.fixture
def spread(session, world):
    """A defect for each site and type, with words to search for."""
    made = {
        "north-sign": add_defect(
            session,
            add_asset(session, world.north, world.signs, "NS-100", "Exit sign", "Plant room"),
            description="Battery flat",
        ),
        "north-ext": add_defect(
            session,
            add_asset(session, world.north, world.extinguishers, "NE-200", "CO2 extinguisher", "Kitchen"),
            severity=NONCONF,
            description="Service tag missing",
        ),
        "south-sign": add_defect(
            session,
            add_asset(session, world.south, world.signs, "SS-300", "Running man", "Car park"),
            severity=NONCRIT,
            description="Diffuser cracked",
        ),
        "south-ext": add_defect(
            session,
            add_asset(
                session, world.south, world.extinguishers, "SE-400", "Dry powder 4.5 kg", "Loading dock"
            ),
            description="Gauge in red",
        ),
    }
    return {k: v.id for k, v in made.items()}


def _ids(rows) -> set[int]:
    return {r.id for r in rows}


def test_site_and_type_filters_narrow_alone_and_together(session, world, spread):
    assert _ids(everything(session, world.full)) == set(spread.values())
    assert _ids(everything(session, world.full, site=world.north.id)) == {
        spread["north-sign"],
        spread["north-ext"],
    }
    assert _ids(everything(session, world.full, type=world.extinguishers.id)) == {
        spread["north-ext"],
        spread["south-ext"],
    }
    assert _ids(everything(session, world.full, site=str(world.south.id), type=str(world.signs.id))) == {
        spread["south-sign"]
    }
    assert _ids(everything(session, world.full, site="all", type="all")) == set(spread.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ns-100", "north-sign"),  # asset number, any case
        ("co2", "north-ext"),  # asset name
        ("car park", "south-sign"),  # location
        ("gauge", "south-ext"),  # defect description
    ],
)
def test_search_looks_in_number_name_location_and_description(session, world, spread, text, expected):
    assert _ids(everything(session, world.full, q=text)) == {spread[expected]}


def test_search_does_not_look_in_the_site_name_and_treats_wildcards_as_text(session, world, spread):
    assert everything(session, world.full, q="Tower") == []
    assert everything(session, world.full, q="%") == []
    assert everything(session, world.full, q="_") == []


def test_severity_counts_follow_the_filters(session, world, spread):
    scope = scope_of(session, world.full)
    assert defects.severity_counts(session, scope, AssetFilters()) == {
        "critical": 2,
        "non_critical": 1,
        "non_conformance": 1,
    }
    assert defects.severity_counts(session, scope, AssetFilters(site_id=world.north.id)) == {
        "critical": 1,
        "non_critical": 0,
        "non_conformance": 1,
    }
    assert defects.severity_counts(session, scope, AssetFilters(search="cracked")) == {
        "critical": 0,
        "non_critical": 1,
        "non_conformance": 0,
    }


# --- order and pages ------------------------------------------------------------------------------


def test_newest_first_by_default_and_ties_keep_a_stable_order(session, world):
    sign = add_asset(session, world.north, world.signs, "EX-1")
    older = add_defect(session, sign, DAY - timedelta(days=30))
    same_day = [add_defect(session, sign, DAY) for _ in range(3)]
    rows = everything(session, world.full)
    assert [r.id for r in rows] == [d.id for d in reversed(same_day)] + [older.id]
    rows = everything(session, world.full, PageRequest(sort="date", descending=False, size=100))
    assert [r.id for r in rows] == [older.id] + [d.id for d in same_day]


def test_severity_sorts_critical_first(session, world):
    sign = add_asset(session, world.north, world.signs, "EX-1")
    made = [add_defect(session, sign, severity=sev) for sev in (NONCONF, CRIT, NONCRIT)]
    rows = everything(session, world.full, PageRequest(sort="severity", descending=False, size=100))
    assert [r.severity for r in rows] == ["critical", "non_critical", "non_conformance"]
    assert {r.id for r in rows} == {d.id for d in made}


def test_sort_by_asset_number_and_site(session, world, spread):
    rows = everything(session, world.full, PageRequest(sort="asset", descending=False, size=100))
    assert [r.asset_number for r in rows] == ["NE-200", "NS-100", "SE-400", "SS-300"]
    rows = everything(session, world.full, PageRequest(sort="site", descending=True, size=100))
    assert [r.site_name for r in rows] == ["South Tower", "South Tower", "North Tower", "North Tower"]


def test_pages_cover_every_defect_once_and_a_page_past_the_end_is_the_last(session, world):
    sign = add_asset(session, world.north, world.signs, "EX-1")
    made = [add_defect(session, sign, DAY - timedelta(days=n % 4)) for n in range(23)]
    scope = scope_of(session, world.full)
    seen: list[int] = []
    for number in (1, 2, 3):
        page = defects.list_defects(session, scope, AssetFilters(), PageRequest(page=number, size=10))
        assert (page.total, page.pages, page.page) == (23, 3, number)
        seen += [r.id for r in page.rows]
    assert sorted(seen) == sorted(d.id for d in made)
    past = defects.list_defects(session, scope, AssetFilters(), PageRequest(page=99, size=10))
    assert (past.page, len(past.rows)) == (3, 3)


def test_long_descriptions_are_shortened_on_screen_only(session, world):
    sign = add_asset(session, world.north, world.signs, "EX-1")
    long = "Corroded " * 60
    add_defect(session, sign, description=long)
    [row] = everything(session, world.full)
    assert row.description.endswith("…") and len(row.description) <= defects.LIST_DESCRIPTION_CHARS
    text = "".join(defects.defect_csv(session, scope_of(session, world.full), AssetFilters()))
    assert long.strip() in text


# --- scope ------------------------------------------------------------------------------------------


def test_a_limited_contact_sees_only_its_sites(session, world, spread):
    assert _ids(everything(session, world.limited)) == {spread["north-sign"], spread["north-ext"]}
    scope = scope_of(session, world.limited)
    assert defects.severity_counts(session, scope, AssetFilters()) == {
        "critical": 1,
        "non_critical": 0,
        "non_conformance": 1,
    }


@pytest.mark.parametrize("raw", ["south", "other", "99999999999", "-1", "0", "abc", "1e3", "2147483648"])
def test_a_site_the_contact_cannot_see_gives_nothing(session, world, spread, raw):
    site = {"south": world.south.id, "other": world.other_site.id}.get(raw, raw)
    scope = scope_of(session, world.limited)
    assert defects.asset_filters(session, scope, site) is None
    page = defects.list_defects(session, scope, None, PageRequest())
    assert (page.rows, page.total) == ([], 0)
    assert sum(defects.severity_counts(session, scope, None).values()) == 0


def test_another_customers_site_is_refused_even_with_every_site(session, world, spread):
    assert defects.asset_filters(session, scope_of(session, world.full), world.other_site.id) is None
    assert everything(session, world.other_contact) == []


@pytest.mark.parametrize("raw", ["abc", "-5", "99999999999"])
def test_a_malformed_asset_type_is_refused(session, world, raw):
    assert defects.asset_filters(session, scope_of(session, world.full), None, raw) is None


def test_the_reports_page_is_required(session, world):
    scope = scope_of(session, world.no_reports)
    with pytest.raises(AccessDenied):
        defects.list_defects(session, scope, AssetFilters(), PageRequest())
    with pytest.raises(AccessDenied):
        defects.severity_counts(session, scope, AssetFilters())
    with pytest.raises(AccessDenied):
        defects.defect_csv(session, scope, AssetFilters())


# --- CSV ----------------------------------------------------------------------------------------------


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_has_every_filtered_defect_in_screen_order_with_formulas_escaped(session, world):
    sign = add_asset(session, world.north, world.signs, "=EX-1", "Exit sign", "+Stair 2")
    quote = f.quote(session, world.north)
    add_defect(session, sign, DAY, NONCRIT, '=HYPERLINK("http://evil.example")', quote=quote)
    add_defect(session, sign, DAY - timedelta(days=1), NONCONF, '-1 lamp, "quoted", comma')
    add_defect(
        session, add_asset(session, world.south, world.signs, "SS-1"), DAY, CRIT, "South, not asked for"
    )

    scope = scope_of(session, world.full)
    rows = read_csv("".join(defects.defect_csv(session, scope, AssetFilters(site_id=world.north.id))))

    assert rows[0] == defects.CSV_HEADER
    assert rows[1] == [
        "2026-03-02",
        "North Tower",
        "'=EX-1",
        "Exit sign",
        "'+Stair 2",
        "Exit Sign",
        "Non-critical",
        '\'=HYPERLINK("http://evil.example")',
        str(quote.number),
    ]
    assert rows[2] == [
        "2026-03-01",
        "North Tower",
        "'=EX-1",
        "Exit sign",
        "'+Stair 2",
        "Exit Sign",
        "Non-conformance",
        '\'-1 lamp, "quoted", comma',
        "",
    ]
    assert len(rows) == 3


def test_csv_of_a_limited_contact_leaves_out_other_sites(session, world, spread):
    rows = read_csv("".join(defects.defect_csv(session, scope_of(session, world.limited), AssetFilters())))
    assert {r[1] for r in rows[1:]} == {"North Tower"} and len(rows) == 3


# --- the download route -----------------------------------------------------------------------------


def committed_build(engine, build):
    with Session(engine, expire_on_commit=False) as s:
        result = build(s)
        s.commit()
        return result


def route_client(engine, monkeypatch) -> TestClient:
    """Sign-in and the report downloads against the test database."""
    monkeypatch.setattr(db, "engine", lambda: engine)
    app = Starlette(routes=[*auth_routes.routes, *maintenance_reports.routes])
    return TestClient(app, base_url="http://portal.test", follow_redirects=False)


@pytest.fixture
def client(committed, monkeypatch):
    return route_client(committed, monkeypatch)


def sign_in(client, engine, contact_id: int) -> dict[str, str]:
    nonce = committed_build(engine, lambda s: auth.issue_login_nonce(s, contact_id))
    resp = client.get("/auth/session", params={"nonce": nonce})
    assert resp.status_code == 303
    return {SESSION_COOKIE: resp.cookies[SESSION_COOKIE]}


@pytest.fixture
def routed(committed):
    """A committed world with a defect at each site: (world ids, defect descriptions by site)."""

    def build(s):
        w = build_world(s)
        add_defect(s, add_asset(s, w.north, w.signs, "NS-1"), description="North defect")
        add_defect(s, add_asset(s, w.south, w.signs, "SS-1"), description="@South defect")
        add_defect(s, add_asset(s, w.other_site, w.signs, "OS-1"), description="Other customer defect")
        return w

    return committed_build(committed, build)


URL = "/export/reports/defects.csv"


def test_route_needs_a_login_and_the_reports_page(client, committed, routed):
    assert client.get(URL).status_code == 401
    resp = client.get(URL, cookies=sign_in(client, committed, routed.no_reports.id))
    assert resp.status_code == 403


def test_route_streams_the_filtered_csv_as_an_attachment(client, committed, routed):
    cookies = sign_in(client, committed, routed.full.id)
    resp = client.get(URL, params={"site": "all", "type": "all", "q": ""}, cookies=cookies)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.headers["content-disposition"].startswith('attachment; filename="current-defects-')
    assert resp.headers["cache-control"] == "private, no-store"
    rows = read_csv(resp.text)
    assert sorted(r[7] for r in rows[1:]) == ["'@South defect", "North defect"]
    rows = read_csv(client.get(URL, params={"site": routed.south.id}, cookies=cookies).text)
    assert [r[7] for r in rows[1:]] == ["'@South defect"]
    rows = read_csv(client.get(URL, params={"q": "north"}, cookies=cookies).text)
    assert [r[7] for r in rows[1:]] == ["North defect"]


def test_route_refuses_a_site_the_contact_cannot_see(client, committed, routed):
    limited = sign_in(client, committed, routed.limited.id)
    assert client.get(URL, params={"site": routed.south.id}, cookies=limited).status_code == 404
    assert client.get(URL, params={"site": routed.other_site.id}, cookies=limited).status_code == 404
    assert client.get(URL, params={"site": "99999999999"}, cookies=limited).status_code == 404
    rows = read_csv(client.get(URL, cookies=limited).text)
    assert [r[7] for r in rows[1:]] == ["North defect"]
    full = sign_in(client, committed, routed.full.id)
    assert client.get(URL, params={"site": routed.other_site.id}, cookies=full).status_code == 404


def test_the_app_routes_the_report_downloads_to_this_module():
    """The lists' /export/{name}.csv is mounted first: these paths must not fall into it."""
    app = backend()[0]
    with TestClient(app, base_url="http://portal.test") as plain:
        for path in (URL, "/export/reports/test-history.csv"):
            resp = plain.get(path)
            assert (resp.status_code, resp.text) == (401, "Sign in to download."), path
