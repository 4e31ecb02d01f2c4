"""Assets > View Assets: groups and counts, search, paging in a group, the scope, history, the CSV route."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from itertools import count

import pytest
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal import db
from portal.api import assets as asset_routes
from portal.api import auth_routes
from portal.config import SESSION_COOKIE
from portal.core import exports
from portal.core.principal import AccessDenied, Scope
from portal.models import (
    Asset,
    AssetServiceLevel,
    AssetStatus,
    AssetType,
    Contract,
    ServiceLevel,
    ServiceRecord,
    TestResult,
    Transfer,
)
from portal.services.assets import assets
from portal.services.identity import auth
from portal.services.identity.principals import scope_for
from portal.state.assets.assets import assets_url, request_href
from tests.frozen import TODAY
from tests.unit import factories as f

_serial = count(1)


def kind(s: Session, name: str) -> AssetType:
    row = AssetType(name=f"{name}")
    s.add(row)
    s.flush()
    return row


def level(s: Session, name: str = "Six Monthly", months: int = 6) -> ServiceLevel:
    row = ServiceLevel(name=name, interval_months=months)
    s.add(row)
    s.flush()
    return row


def equipment(s: Session, where, of: AssetType, number: str = "", **fields) -> Asset:
    row = Asset(
        customer_id=where.customer_id,
        site_id=where.id,
        asset_type_id=of.id,
        number=number or f"T{next(_serial):06d}",
        **fields,
    )
    s.add(row)
    s.flush()
    return row


def due(s: Session, on: Asset, at: ServiceLevel, next_due_on: date) -> None:
    s.add(AssetServiceLevel(asset_id=on.id, service_level_id=at.id, next_due_on=next_due_on))
    s.flush()


def scope_of(s: Session, contact) -> Scope:
    found = scope_for(s, contact.id)
    assert found is not None
    return found


@pytest.fixture
def world(session):
    """Two sites of one customer (a limited contact sees only the first) and another customer."""
    mine = f.customer(session, "Northside")
    here, there = f.site(session, mine, "Plaza"), f.site(session, mine, "Kedron")
    theirs = f.customer(session, "St Brigid's")
    far = f.site(session, theirs, "Campus")
    signs, lights = kind(session, "Exit Sign"), kind(session, "Emergency Light")
    return {
        "here": here,
        "there": there,
        "far": far,
        "signs": signs,
        "lights": lights,
        "full": scope_of(session, f.contact(session, mine)),
        "limited": scope_of(session, f.contact(session, mine, sites=[here])),
        "other": scope_of(session, f.contact(session, theirs)),
        "no_assets": scope_of(session, f.contact(session, mine, pages=["quotes"])),
    }


def test_groups_count_each_type_at_the_site_only(session, world):
    here, there = world["here"], world["there"]
    for _ in range(3):
        equipment(session, here, world["signs"])
    for _ in range(2):
        equipment(session, here, world["lights"])
    equipment(session, there, world["signs"])
    equipment(session, world["far"], world["signs"])
    groups = assets.asset_groups(session, world["full"], here.id)
    assert [(g.name, g.count) for g in groups] == [("Emergency Light", 2), ("Exit Sign", 3)]
    assert [(g.name, g.count) for g in assets.asset_groups(session, world["full"], there.id)] == [
        ("Exit Sign", 1)
    ]
    assert assets.asset_groups(session, world["full"], 10**6) == []


@pytest.mark.parametrize("column", ["number", "name", "location", "details"])
def test_search_finds_number_name_location_and_details(session, world, column):
    here = world["here"]
    values = {"number": "X1", "name": "Sign", "location": "Foyer", "details": "LED"}
    hit = equipment(session, here, world["signs"], **(values | {column: values[column] + " Zebra%Crossing"}))
    equipment(session, here, world["signs"], **values)
    equipment(session, here, world["lights"], **values)
    groups = assets.asset_groups(session, world["full"], here.id, "zebra%cross")
    assert [(g.name, g.count) for g in groups] == [("Exit Sign", 1)]
    page = assets.group_page(session, world["full"], here.id, world["signs"].id, "zebra%cross")
    assert [r.id for r in page.rows] == [hit.id]
    assert assets.asset_groups(session, world["full"], here.id, "zebra_cross") == [], "_ is not a wildcard"


def test_make_and_serial_are_not_searched(session, world):
    equipment(session, world["here"], world["signs"], make="Zebra", serial="ZEBRA1")
    assert assets.asset_groups(session, world["full"], world["here"].id, "zebra") == []


def test_a_group_pages_by_asset_number_and_clamps_to_the_last_page(session, world):
    here, signs = world["here"], world["signs"]
    six, yearly = level(session), level(session, "Annually", 12)
    made = [equipment(session, here, signs, number=f"S{n:03d}") for n in reversed(range(30))]
    equipment(session, here, world["lights"], number="S000")
    due(session, made[-1], six, TODAY + timedelta(days=40))
    due(session, made[-1], yearly, TODAY + timedelta(days=5))
    first = assets.group_page(session, world["full"], here.id, signs.id, page=1)
    assert first.total == 30 and first.pages == 2 and first.page == 1
    assert [r.number for r in first.rows] == [f"S{n:03d}" for n in range(25)]
    assert first.rows[0].next_due_on == TODAY + timedelta(days=5), "the earliest of its service levels"
    assert first.rows[1].next_due_on is None
    second = assets.group_page(session, world["full"], here.id, signs.id, page=2)
    assert [r.number for r in second.rows] == [f"S{n:03d}" for n in range(25, 30)]
    beyond = assets.group_page(session, world["full"], here.id, signs.id, page=99)
    assert beyond.page == 2 and beyond.rows == second.rows
    junk = assets.group_page(session, world["full"], here.id, signs.id, page="x", size=10_000)  # type: ignore[arg-type]
    assert junk.page == 1 and len(junk.rows) == 25


def test_groups_and_pages_follow_the_scope(session, world):
    here, there, signs = world["here"], world["there"], world["signs"]
    at_there = equipment(session, there, signs)
    equipment(session, here, signs)
    assert assets.asset_groups(session, world["limited"], there.id) == []
    assert assets.group_page(session, world["limited"], there.id, signs.id).total == 0
    assert assets.asset_groups(session, world["other"], here.id) == []
    assert assets.group_page(session, world["other"], here.id, signs.id).rows == []
    assert [g.count for g in assets.asset_groups(session, world["limited"], here.id)] == [1]
    with pytest.raises(AccessDenied):
        assets.asset_groups(session, world["no_assets"], here.id)
    assert assets.asset_detail(session, world["limited"], at_there.id) is None


@pytest.mark.parametrize("raw", [None, "", "abc", "-1", "0", "99999999999", 2**31, "1.5"])
def test_unusable_asset_ids_find_nothing(session, world, raw):
    equipment(session, world["here"], world["signs"])
    assert assets.asset_detail(session, world["full"], raw) is None


def test_another_customers_asset_finds_nothing(session, world):
    theirs = equipment(session, world["far"], world["signs"])
    mine = equipment(session, world["here"], world["signs"])
    assert assets.asset_detail(session, world["full"], theirs.id) is None
    assert assets.asset_detail(session, world["other"], mine.id) is None
    assert assets.asset_detail(session, world["other"], str(theirs.id)).number == theirs.number


def test_detail_has_facts_levels_and_contract(session, world):
    here = world["here"]
    contract = Contract(
        customer_id=here.customer_id,
        number="C-7",
        name="Fire services",
        start_date=TODAY,
        expiry_date=TODAY + timedelta(days=365),
    )
    session.add(contract)
    session.flush()
    row = equipment(
        session,
        here,
        world["signs"],
        name="Exit sign",
        location="Level 2",
        make="Clevertronics",
        model="LP",
        serial="CL123",
        details="Double sided",
        install_date=date(2020, 1, 2),
        contract_id=contract.id,
    )
    due(session, row, level(session), TODAY + timedelta(days=9))
    d = assets.asset_detail(session, world["full"], row.id)
    assert (d.number, d.type_name, d.site_name, d.serial, d.install_date) == (
        row.number,
        "Exit Sign",
        "Plaza",
        "CL123",
        date(2020, 1, 2),
    )
    assert d.contract == "C-7 · Fire services" and d.contract_expiry == TODAY + timedelta(days=365)
    assert [(lv.name, lv.next_due_on) for lv in d.levels] == [("Six Monthly", TODAY + timedelta(days=9))]
    assert d.services == [] and d.transfers == [] and d.status == "active"


def test_service_history_is_newest_first_capped_and_hides_jobs_out_of_sight(session, world):
    here, there = world["here"], world["there"]
    six = level(session)
    row = equipment(session, here, world["signs"])
    seen, unseen = f.job(session, here), f.job(session, there)
    results = [TestResult.PASS, TestResult.FAIL, TestResult.NOT_TESTED]
    for n in range(5):
        session.add(
            ServiceRecord(
                asset_id=row.id,
                service_level_id=six.id,
                job_id=(seen if n % 2 else unseen).id,
                due_on=TODAY - timedelta(days=100 * n),
                tested_on=TODAY - timedelta(days=100 * n),
                result=results[n % 3],
                technician="Sophie",
                notes=f"test {n}",
            )
        )
    session.flush()
    full = assets.asset_detail(session, world["full"], row.id, history_limit=3)
    assert [s.notes for s in full.services] == ["test 0", "test 1", "test 2"] and full.services_total == 5
    assert [s.result for s in full.services] == ["pass", "fail", "not_tested"]
    assert [s.job_number for s in full.services] == [unseen.number, seen.number, unseen.number]
    limited = assets.asset_detail(session, world["limited"], row.id)
    assert [s.job_number for s in limited.services] == [None, seen.number, None, seen.number, None]


def test_transfer_history_names_sites_labels_and_hides_unseen_sites(session, world):
    here, there = world["here"], world["there"]
    row = equipment(session, here, world["signs"])
    session.add_all(
        [
            Transfer(
                asset_id=row.id,
                from_site_id=there.id,
                to_site_id=here.id,
                transferred_on=TODAY - timedelta(days=300),
                reason="Moved",
            ),
            Transfer(
                asset_id=row.id,
                from_site_id=here.id,
                to_site_id=None,
                to_label="Workshop",
                transferred_on=TODAY - timedelta(days=50),
                reason="Pressure test",
            ),
            Transfer(
                asset_id=row.id,
                from_site_id=None,
                from_label="Workshop",
                to_site_id=here.id,
                transferred_on=TODAY - timedelta(days=40),
                reason="Back",
            ),
        ]
    )
    session.flush()
    full = assets.asset_detail(session, world["full"], row.id)
    assert [(t.from_place, t.to_place, t.reason) for t in full.transfers] == [
        ("Workshop", "Plaza", "Back"),
        ("Plaza", "Workshop", "Pressure test"),
        ("Kedron", "Plaza", "Moved"),
    ]
    limited = assets.asset_detail(session, world["limited"], row.id)
    assert limited.transfers[-1].from_place == assets.OTHER_SITE
    capped = assets.asset_detail(session, world["full"], row.id, history_limit=1)
    assert [t.reason for t in capped.transfers] == ["Back"] and capped.transfers_total == 3


def _csv(text: str) -> list[list[str]]:
    assert text.startswith(exports.BOM)
    return list(csv.reader(io.StringIO(text[len(exports.BOM) :], newline="")))


def test_csv_lists_the_sites_assets_by_type_then_number_with_formulas_escaped(session, world):
    here = world["here"]
    equipment(
        session, here, world["signs"], number="B2", name='=HYPERLINK("http://x")', status=AssetStatus.REMOVED
    )
    light = equipment(
        session,
        here,
        world["lights"],
        number="Z9",
        name="Batten",
        location="+61 foyer",
        install_date=date(2021, 3, 4),
    )
    due(session, light, level(session), TODAY)
    equipment(session, here, world["signs"], number="A1", name="Sign", details="@SUM(A1)")
    equipment(session, world["there"], world["signs"], number="A0")
    equipment(session, world["far"], world["signs"], number="A00")
    rows = _csv("".join(assets.asset_csv(session, world["full"], here.id)))
    assert rows[0] == list(assets.CSV_HEADER)
    assert [r[0] for r in rows[1:]] == ["Z9", "A1", "B2"]
    assert rows[1][3] == "'+61 foyer" and rows[1][7] == "2021-03-04" and rows[1][8] == TODAY.isoformat()
    assert rows[2][11] == "'@SUM(A1)" and rows[3][2] == '\'=HYPERLINK("http://x")' and rows[3][9] == "Removed"
    searched = _csv("".join(assets.asset_csv(session, world["full"], here.id, "batten")))
    assert [r[0] for r in searched[1:]] == ["Z9"]
    assert len(_csv("".join(assets.asset_csv(session, world["limited"], world["there"].id)))) == 1
    with pytest.raises(AccessDenied):
        assets.asset_csv(session, world["no_assets"], here.id)


def test_urls_keep_the_site_and_search():
    assert assets_url("12") == "/assets?site=12"
    assert assets_url("12", "level 2 & up") == "/assets?site=12&q=level+2+%26+up"
    assert request_href("/jobs/book", 3, 44) == "/jobs/book?site=3&asset=44"


# The download route, signed in with a real session cookie.


@pytest.fixture
def client(committed, monkeypatch):
    engine = committed
    monkeypatch.setattr(db, "engine", lambda: engine)
    app = Starlette(routes=[*auth_routes.routes, *asset_routes.routes])
    return TestClient(app, base_url="http://portal.test", follow_redirects=False)


def _committed(engine, build):
    with Session(engine, expire_on_commit=False) as s:
        result = build(s)
        s.commit()
        return result


def _cookie(client, engine, contact_id: int) -> dict[str, str]:
    nonce = _committed(engine, lambda s: auth.issue_login_nonce(s, contact_id))
    resp = client.get("/auth/session", params={"nonce": nonce})
    return {SESSION_COOKIE: resp.cookies[SESSION_COOKIE]}


def test_csv_route_checks_sign_in_page_and_site(client, committed):
    engine = committed

    def build(s):
        mine, theirs = f.customer(s, "Mine"), f.customer(s, "Theirs")
        here, there, far = f.site(s, mine, "Here & Now"), f.site(s, mine, "There"), f.site(s, theirs, "Far")
        closed = f.site(s, mine, "Closed")
        closed.is_active = False
        equipment(s, closed, kind(s, "Hydrant"))
        signs = kind(s, "Exit Sign")
        equipment(s, here, signs, number="E1", name="-1+1")
        equipment(s, here, signs, number="E2", name="Exit")
        return {
            "here": here.id,
            "there": there.id,
            "far": far.id,
            "closed": closed.id,
            "full": f.contact(s, mine).id,
            "limited": f.contact(s, mine, sites=[there]).id,
            "no_assets": f.contact(s, mine, pages=["quotes"]).id,
        }

    w = _committed(engine, build)
    url = f"/export/assets/{w['here']}.csv"
    assert client.get(url).status_code == 401
    assert client.get(url, cookies=_cookie(client, engine, w["no_assets"])).status_code == 403
    limited = _cookie(client, engine, w["limited"])
    assert client.get(url, cookies=limited).status_code == 404
    assert client.get(f"/export/assets/{w['there']}.csv", cookies=limited).status_code == 200
    full = _cookie(client, engine, w["full"])
    for bad in (w["far"], w["closed"], "abc", "-1", "0", "99999999999"):
        assert client.get(f"/export/assets/{bad}.csv", cookies=full).status_code == 404, bad
    resp = client.get(url, cookies=full)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert resp.headers["cache-control"] == "private, no-store"
    assert resp.headers["content-disposition"].startswith('attachment; filename="assets-Here-Now-')
    rows = _csv(resp.text)
    assert [(r[0], r[2]) for r in rows[1:]] == [("E1", "'-1+1"), ("E2", "Exit")]
    searched = _csv(client.get(url, params={"q": "exit"}, cookies=full).text)
    assert [r[0] for r in searched[1:]] == ["E2"]
