"""Importing CSV files: reading (encodings, headers), every row's checks, idempotence, atomicity, refusals."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from portal import db
from portal.core.principal import AccessDenied, Role, StaffMember
from portal.models import (
    Asset,
    AssetServiceLevel,
    AssetType,
    AuditEvent,
    Contact,
    Customer,
    OutboxMail,
    ServiceLevel,
    Site,
)
from portal.services.files import uploads
from portal.services.imports import checking, formats, reading, saving, storing
from tests.unit import factories as f

FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"
OWNER = StaffMember(1, "Owner", Role.OWNER)
OFFICE = StaffMember(2, "Office", Role.OFFICE)
TECHNICIAN = StaffMember(3, "Tech", Role.TECHNICIAN)
CUSTOMERS_HEADER = "code,name,kind,email,phone,address,business_number\n"


def fixture(name: str) -> reading.ReadFile:
    return reading.read(name, (FIXTURES / name).read_bytes())


def batch_of(session: Session, *named: tuple[str, str | bytes]) -> checking.Batch:
    files = [
        (str(i), reading.read(name, data.encode() if isinstance(data, str) else data))
        for i, (name, data) in enumerate(named)
    ]
    return checking.check(session, files)


def errors_of(result: checking.Batch, file: int = 0) -> dict[int, list[str]]:
    return {r.line: r.errors for r in result.files[file].rows if r.errors}


ALL = ("asset_types.csv", "service_levels.csv", "customers.csv", "sites.csv", "contacts.csv", "assets.csv")


def fixtures(*names: str) -> list[tuple[str, reading.ReadFile]]:
    return [(str(i), fixture(n)) for i, n in enumerate(names or ALL)]


def counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.exec(select(func.count()).select_from(m)).one()
        for m in (AssetType, ServiceLevel, Customer, Site, Contact, Asset, AssetServiceLevel)
    )


# --- reading --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "named"),
    [
        ("utf-8", reading.UTF8),
        ("utf-8-sig", reading.UTF8_BOM),
        ("utf-16", reading.UTF16),
        ("utf-16-le", reading.UTF16),
        ("utf-16-be", reading.UTF16),
        ("cp1252", reading.CP1252),
    ],
)
def test_each_encoding_a_spreadsheet_saves_is_read_and_named(encoding, named):
    text = CUSTOMERS_HEADER + "C1,Café Müller – Ørsted,company,,,,\n"
    found = reading.read("customers.csv", text.encode(encoding))
    assert (found.problem, found.encoding, found.kind) == ("", named, formats.CUSTOMERS)
    assert found.rows[0][1][1] == "Café Müller – Ørsted"


def test_latin1_bytes_cp1252_leaves_undefined_are_still_read():
    found = reading.read("customers.csv", CUSTOMERS_HEADER.encode() + b"C1,Caf\xe9 \x81,company,,,,\n")
    assert found.encoding == reading.LATIN1 and found.rows[0][1][1] == "Café \x81"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (CUSTOMERS_HEADER.encode("utf-32"), reading.UTF32),
        (b"PK\x03\x04" + bytes(range(256)) * 4, reading.NOT_CSV_WORKBOOK),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, reading.NOT_CSV_WORKBOOK),
        (bytes(range(256)) * 8, reading.NOT_TEXT),
        (b"   \n\n", reading.EMPTY),
        (CUSTOMERS_HEADER.encode(), reading.NO_ROWS),
        (b"\xef\xbb\xbf" + b"\xff\xfe\xfa", reading.NOT_TEXT),
    ],
)
def test_bytes_that_are_not_a_csv_say_what_to_do_and_never_raise(data, message):
    assert reading.read("x.csv", data).problem == message


def test_a_header_is_recognised_whatever_its_case_spaces_bom_and_order():
    text = "\ufeff Asset Number ,SITE,Customer Code,Asset-Type,Next Due\nA1,Tower,C1,Fire Extinguisher,\n"
    found = reading.read("anything.csv", text.encode())
    assert found.kind is formats.ASSETS and not found.problem
    assert found.columns == ["number", "site", "customer_code", "type", "next_due"]


def test_a_header_not_recognised_or_with_unknown_columns_is_said_plainly():
    found = reading.read("x.csv", b"foo,bar\n1,2\n")
    assert found.kind is None and "is not a header the import knows" in found.problem
    assert "customers.csv (code, name, kind, email" in found.problem
    found = reading.read("sites.csv", b"customer_code,site,serail\nC1,Tower,x\n")
    assert found.kind is formats.SITES
    assert 'The column "serail" is not one of sites.csv\'s columns.' in found.problem
    found = reading.read("sites.csv", b"site,street\nTower,x\n")
    assert "Missing column: customer_code (or customer, the customer's name)." in found.problem


def test_the_templates_are_read_back_as_their_own_kind():
    for kind in formats.KINDS:
        found = reading.read(kind.file_name, formats.template(kind).encode())
        assert (found.kind, found.problem) == (kind, "")


# --- checking rows --------------------------------------------------------------------------------


def test_wrong_types_formula_cells_and_long_values_are_errors_beside_their_row(session):
    f.customer(session, "Existing")
    long_name = "x" * 201
    text = (
        CUSTOMERS_HEADER
        + "C1,Good Co,company,ok@good.example,+61 7 3000 0000,,\n"
        + 'C2,=HYPERLINK("http://evil.example"),company,,,,\n'
        + f"C3,{long_name},firm,not-an-email,,,\n"
        + "C4,@SUM(A1),company,,-2+3,,\n"
        + "C5,\tTabbed,company,,,,\n"
    )
    result = batch_of(session, ("customers.csv", text))
    errors = errors_of(result)
    assert 2 not in errors
    assert errors[3] == [
        'name: begins with "=", which a spreadsheet runs as a formula. Remove that character.'
    ]
    assert errors[4] == [
        "name: 201 characters; at most 200.",
        'kind: "firm" is not one of company, individual.',
        "email: Enter an email address like name@example.com.",
    ]
    assert len(errors[5]) == 2 and all("formula" in e for e in errors[5])
    assert errors[6] == [
        "name: begins with a tab, which a spreadsheet runs as a formula. Remove that character."
    ]
    assert not result.ok


def test_asset_dates_numbers_and_references_are_checked(session):
    owner = f.customer(session, "Acme")
    owner.code = "AC1"
    f.site(session, owner, "Tower")
    session.add(AssetType(name="Fire Extinguisher"))
    session.add(AssetType(name="Hose Reel"))
    session.add(ServiceLevel(name="Annually", interval_months=12))
    session.flush()
    header = "customer_code,site,number,type,install_date,expected_life_years,service_level,next_due\n"
    text = header + (
        "AC1,Tower,A1,fire extinguisher,01/03/2021,10,annually,2027-01-31\n"
        "AC1,Tower,A2,Fire Extinguisher,31/02/2021,ten,,2027-01-31\n"
        "ZZ9,Tower,A3,Fire Extinguisher,,,,\n"
        "AC1,Basement,A4,Sprinkler,,,Weekly,\n"
        "AC1,Tower,A1,Fire Extinguisher,,,,\n"
    )
    result = batch_of(session, ("assets.csv", text))
    errors = errors_of(result)
    assert 2 not in errors
    assert errors[3] == [
        'install_date: "31/02/2021" is not a date. Write it as YYYY-MM-DD or DD/MM/YYYY.',
        'expected_life_years: "ten" is not a whole number from 1 to 100.',
        "next_due: give the service_level the date is for.",
    ]
    assert errors[4] == ['customer_code: "ZZ9" is not a customer code in the portal or in customers.csv.']
    assert errors[5] == [
        'site: "Basement" is not a site of this customer in the portal or in sites.csv.',
        'type: "Sprinkler" is not one of your asset types. '
        "Your asset types are: Fire Extinguisher, Hose Reel.",
        'service_level: "Weekly" is not one of your service levels. Your service levels are: Annually.',
    ]
    assert errors[6] == ['The asset number "A1" of this customer is also on row 2 of this file.']
    first = result.files[0].rows[0]
    assert first.values["install_date"] == date(2021, 3, 1) and first.values["name"] == "Fire Extinguisher"


def test_an_empty_portal_without_lists_says_how_to_add_them(session):
    result = checking.check(session, fixtures("customers.csv", "sites.csv", "assets.csv"))
    message = errors_of(result, 2)[2]
    assert any(
        "The portal has no asset types yet: add them on the asset types screen first, "
        "or import asset_types.csv" in e
        for e in message
    )


def test_duplicates_in_a_file_and_a_second_file_of_a_kind_are_refused(session):
    text = CUSTOMERS_HEADER + "C1,One,,,,,\nc1,Two,,,,,\nC3,one,,,,,\n"
    result = batch_of(session, ("customers.csv", text), ("more.csv", CUSTOMERS_HEADER + "C9,Nine,,,,,\n"))
    assert errors_of(result) == {
        3: ['The code "c1" is also on row 2 of this file.'],
        4: ['The name "one" is also on row 2 of this file.'],
    }
    assert result.problems == [
        "Two files are Customers (customers.csv and more.csv). Upload one file per kind."
    ]


def test_a_login_needs_an_email_no_one_else_signs_in_with(session):
    f.customer(session, "Acme")
    f.contact(
        session, f.customer(session, "Other Co"), email="taken@acme.example"
    )  # another customer's login
    header = "customer,first_name,last_name,email,login\n"
    text = (
        header + "Acme,Ann,Ant,,yes\nAcme,Bob,Bee,TAKEN@acme.example,yes\nAcme,Cy,Cee,cy@acme.example,maybe\n"
    )
    assert errors_of(batch_of(session, ("contacts.csv", text))) == {
        2: ["login: a login needs an email address (the username)."],
        3: ["login: TAKEN@acme.example already signs in to the portal as another contact."],
        4: ['login: "maybe" is not yes or no.'],
    }


# --- saving ---------------------------------------------------------------------------------------


def test_the_fixtures_import_into_an_empty_portal_and_a_second_import_creates_nothing(session):
    before = counts(session)
    result = checking.check(session, fixtures())
    assert result.ok
    assert result.counts()["assets"] == {"new": 6, "present": 0, "error": 0}
    summary = saving.save(session, OWNER, fixtures())
    assert summary.created == {
        "asset_types": 2,
        "service_levels": 2,
        "customers": 2,
        "sites": 3,
        "contacts": 3,
        "assets": 6,
    }
    after = counts(session)
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 2, 2, 3, 3, 6, 5]
    harbour = session.exec(select(Customer).where(Customer.code == "HB001")).one()
    tower = session.exec(
        select(Site).where(Site.customer_id == harbour.id, Site.name == "Harbour Tower")
    ).one()
    assert tower.address == "12 Wharf St, Brisbane, QLD 4000"
    priya = session.exec(select(Contact).where(Contact.email == "priya.shah@harbourbc.example")).one()
    assert (priya.login_active, priya.username, priya.is_primary, priya.is_quote_contact) == (
        True,
        "priya.shah@harbourbc.example",
        True,
        True,
    )
    tom = session.exec(select(Contact).where(Contact.email == "accounts@harbourbc.example")).one()
    assert (tom.login_active, tom.username, tom.is_primary, tom.is_invoice_contact) == (
        False,
        None,
        False,
        True,
    )
    second = session.exec(
        select(Asset).where(Asset.customer_id == harbour.id, Asset.number == "HT-002")
    ).one()
    assert (second.name, second.site_id, second.install_date) == (
        "Fire Extinguisher",
        tower.id,
        date(2021, 3, 1),
    )
    schedule = session.exec(select(AssetServiceLevel).where(AssetServiceLevel.asset_id == second.id)).one()
    assert schedule.next_due_on == date(2027, 1, 15)
    assert session.exec(select(func.count()).select_from(OutboxMail)).one() == 0
    event = session.exec(select(AuditEvent).where(AuditEvent.action == saving.ACTION)).one()
    assert event.staff_id == OWNER.staff_id and event.detail["created"]["assets"] == 6
    assert any("No email was sent" in line for line in summary.lines())

    again = checking.check(session, fixtures())
    assert all(r.action == checking.PRESENT for file in again.files for r in file.rows)
    repeat = saving.save(session, OWNER, fixtures())
    assert set(repeat.created.values()) == {0} and repeat.present["assets"] == 6
    assert counts(session) == after


def test_rows_already_present_are_matched_by_code_name_email_and_number(session):
    saving.save(session, OWNER, fixtures("asset_types.csv", "service_levels.csv"))
    owner = f.customer(session, "harbour body corporate")  # no code: matched by its name
    f.site(session, owner, "HARBOUR TOWER")
    f.contact(session, owner, email="Priya.Shah@harbourbc.example")
    result = checking.check(session, fixtures())
    actions = {f.kind.key: [r.action for r in f.rows] for f in result.files if f.kind}
    assert actions["customers"] == ["present", "new"]
    assert actions["sites"] == ["present", "new", "new"]
    assert actions["contacts"] == ["present", "new", "new"]
    assert actions["asset_types"] == ["present", "present"]


def test_names_with_capitals_sqlite_does_not_fold_are_still_found(session):
    f.customer(session, "Ørsted Électrique")
    text = "customer,site\nØrsted Électrique,Plant\nørsted électrique,Depot\n"
    result = batch_of(session, ("sites.csv", text))
    assert errors_of(result) == {} and [r.action for r in result.files[0].rows] == ["new", "new"]
    again = batch_of(session, ("customers.csv", CUSTOMERS_HEADER + ",Ørsted Électrique,,,,,\n"))
    assert [r.action for r in again.files[0].rows] == ["present"]


def test_a_failure_midway_writes_nothing(committed, monkeypatch):
    monkeypatch.setattr(db, "engine", lambda: committed)

    def broken(*_args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(saving, "_add_assets", broken)
    with Session(committed) as s:
        before = counts(s)
    with pytest.raises(RuntimeError), db.unit_of_work() as session:
        saving.save(session, OWNER, fixtures())
    with Session(committed) as s:
        assert counts(s) == before
        assert (
            s.exec(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == saving.ACTION)
            ).one()
            == 0
        )


def test_a_batch_with_errors_is_not_saved(session):
    before = counts(session)
    files = fixtures(
        "asset_types.csv", "service_levels.csv", "customers.csv", "sites.csv", "assets_bad_row.csv"
    )
    with pytest.raises(saving.NotReady) as refused:
        saving.save(session, OWNER, files)
    assert errors_of(refused.value.batch, 4) == {
        3: ['install_date: "31/02/2021" is not a date. Write it as YYYY-MM-DD or DD/MM/YYYY.']
    }
    assert counts(session) == before


def test_roles_without_manage_customers_are_refused(session):
    assert OFFICE.has(storing.Duty.MANAGE_CUSTOMERS)
    with pytest.raises(AccessDenied):
        saving.save(session, TECHNICIAN, fixtures())
    with pytest.raises(AccessDenied):
        storing.preview(session, TECHNICIAN, [])


# --- storing --------------------------------------------------------------------------------------


def test_uploads_are_kept_privately_with_a_limit_and_read_again(monkeypatch):
    kept = storing.keep(io.BytesIO((FIXTURES / "customers.csv").read_bytes()), "../../customers.csv")
    path = uploads.pending_path(kept.key)
    assert kept.name == "customers.csv" and path.stat().st_mode & 0o777 == 0o600
    assert storing.read_stored(kept.key, kept.name).kind is formats.CUSTOMERS
    assert storing.read_stored("../etc/passwd", "x").problem == storing.EXPIRED
    storing.forget([kept.key])
    assert not path.exists() and storing.read_stored(kept.key, "x").problem == storing.EXPIRED
    monkeypatch.setattr(storing, "LIMIT_BYTES", 100)
    with pytest.raises(uploads.UploadRefused, match="larger than"):
        storing.keep(io.BytesIO(b"x" * 500), "big.csv")
    with pytest.raises(uploads.UploadRefused, match="empty"):
        storing.keep(io.BytesIO(b""), "empty.csv")
    assert list(uploads.pending_dir().iterdir()) == []
