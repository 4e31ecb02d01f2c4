"""The back office's sites, asset register, schedules, contracts and lists, and that the customer's own
screens (Assets, PPM, Life Cycle, Budget Forecast, Contracts, Transfer History) show what it did."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal.core.dates import NOT_A_DATE
from portal.core.principal import AccessDenied, Role, StaffMember
from portal.models import (
    Asset,
    AssetServiceLevel,
    AssetStatus,
    AuditEvent,
    Contract,
    ContractSite,
    JobStage,
    PortalTier,
    Site,
    SiteContact,
    Transfer,
)
from portal.services.assets import assets as customer_assets
from portal.services.assets import contracts, lists, office_contracts, ppm, registry
from portal.services.assets.office_contracts import ContractError, ContractForm
from portal.services.assets.registry import AssetForm, RegistryError
from portal.services.identity.principals import scope_for
from portal.services.reports import budget_forecast, life_cycle
from portal.services.sites import office_sites, sites
from portal.services.sites.editing import SiteError, SiteForm
from portal.services.sites.site_contacts import ContactForm
from tests.frozen import TODAY
from tests.unit import factories as f

OFFICE = StaffMember(1, "Office", Role.OFFICE)
TECHNICIAN = StaffMember(2, "Sam", Role.TECHNICIAN)


@pytest.fixture
def world(session):
    settings = f.contractor(session)
    settings.portal_tier = PortalTier.ADVANCED
    session.add(settings)
    owner = f.customer(session, "Northside Medical")
    tower = f.site(session, owner, "Tower")
    annex = f.site(session, owner, "Annex")
    other = f.customer(session, "Elsewhere Pty Ltd")
    depot = f.site(session, other, "Depot")
    person = f.contact(session, owner)
    kind = lists.add_asset_type(session, OFFICE, "Exit Sign", "10")
    level = lists.add_service_level(session, OFFICE, "Six Monthly", "6", "1")
    session.flush()
    return {
        "owner": owner,
        "tower": tower,
        "annex": annex,
        "other": other,
        "depot": depot,
        "kind": kind,
        "level": level,
        "scope": scope_for(session, person.id),
    }


def _form(world, number="EX-1", **fields) -> AssetForm:
    return AssetForm(asset_type_id=str(world["kind"].id), number=number, name="Exit sign, lobby", **fields)


def _register(session, world, number="EX-1", site="tower", **fields) -> Asset:
    asset = registry.register_asset(session, OFFICE, world[site].id, _form(world, number, **fields))
    assert asset is not None
    return asset


# --- lists -------------------------------------------------------------------------------------------


def test_lists_check_their_fields_and_names(session, world):
    with pytest.raises(lists.ListError) as err:
        lists.add_asset_type(session, OFFICE, " exit  sign ", "0")
    assert err.value.field_errors == {"name": lists.NAME_TAKEN, "expected_life_years": lists.BAD_LIFE}
    with pytest.raises(lists.ListError) as err:
        lists.add_service_level(session, OFFICE, "", "x", "-1")
    assert set(err.value.field_errors) == {"name", "interval_months", "sort_order"}
    renamed = lists.update_asset_type(session, OFFICE, str(world["kind"].id), "Exit Sign (LED)", "12")
    assert (renamed.name, renamed.expected_life_years) == ("Exit Sign (LED)", 12)
    assert lists.update_asset_type(session, OFFICE, "garbage", "X", "1") is None
    with pytest.raises(AccessDenied):
        lists.add_asset_type(session, TECHNICIAN, "Hose Reel", "10")


def test_a_retired_type_or_level_is_not_offered_but_old_assets_keep_it(session, world):
    asset = _register(session, world)
    lists.set_type_active(session, OFFICE, world["kind"].id, False)
    lists.set_level_active(session, OFFICE, world["level"].id, False)
    assert world["kind"].id not in dict(lists.type_options(session))
    assert world["kind"].id in dict(lists.type_options(session, keep=asset.asset_type_id))
    assert lists.level_options(session) == []
    with pytest.raises(RegistryError) as err:
        _register(session, world, "EX-2")
    assert err.value.field_errors == {"asset_type_id": registry.TYPE_MISSING}
    # The existing asset saves with its retired type.
    assert (
        registry.update_asset(session, OFFICE, asset.id, _form(world, location="Lobby")).location == "Lobby"
    )
    with pytest.raises(RegistryError) as err:
        registry.add_schedule(session, OFFICE, asset.id, world["level"].id, TODAY.isoformat())
    assert "service_level_id" in err.value.field_errors
    shown = lists.asset_types(session, OFFICE)
    assert [(t.name, t.active) for t in shown] == [("Exit Sign", False)]


# --- assets ------------------------------------------------------------------------------------------


def test_register_checks_fields_and_the_number_is_unique_per_customer(session, world):
    _register(session, world, "EX-1")
    with pytest.raises(RegistryError) as err:
        registry.register_asset(
            session,
            OFFICE,
            world["annex"].id,
            AssetForm(
                asset_type_id="nope",
                number="ex-1",
                install_date="2026-02-30",
                expected_life_years="500",
            ),
        )
    assert err.value.field_errors == {
        "asset_type_id": registry.TYPE_MISSING,
        "number": registry.NUMBER_TAKEN,
        "install_date": NOT_A_DATE,
        "expected_life_years": registry.BAD_LIFE,
    }
    # Another customer may use the same label.
    assert registry.register_asset(session, OFFICE, world["depot"].id, _form(world, "EX-1")) is not None
    assert session.exec(select(Asset).where(Asset.number == "EX-1")).all().__len__() == 2


def test_another_customers_or_garbage_ids_find_nothing(session, world):
    asset = _register(session, world)
    foreign = registry.register_asset(session, OFFICE, world["depot"].id, _form(world, "D-1"))
    for bad in ("x", None, 2**40, -1, [1]):
        assert registry.register_asset(session, OFFICE, bad, _form(world, "Z")) is None
    with pytest.raises(RegistryError) as err:
        registry.transfer_asset(session, OFFICE, asset.id, world["depot"].id, "Moved", TODAY.isoformat())
    assert err.value.field_errors == {"destination": registry.SITE_MISSING}
    assert session.exec(select(Transfer)).all() == []
    assert foreign.site_id == world["depot"].id
    with pytest.raises(AccessDenied):
        registry.register_asset(session, TECHNICIAN, world["tower"].id, _form(world, "T-1"))


def test_transfer_to_another_site_and_the_workshop_and_back_shows_on_the_customers_history(session, world):
    asset = _register(session, world)
    scope = world["scope"]
    registry.transfer_asset(
        session, OFFICE, asset.id, registry.TO_WORKSHOP, "Pressure test", TODAY.isoformat()
    )
    assert registry.at_workshop(session, asset.id)
    with pytest.raises(RegistryError) as err:
        registry.transfer_asset(session, OFFICE, asset.id, registry.TO_WORKSHOP, "Again", TODAY.isoformat())
    assert err.value.field_errors == {"destination": registry.ALREADY_AT_WORKSHOP}
    back = (TODAY + timedelta(days=1)).isoformat()
    registry.transfer_asset(session, OFFICE, asset.id, str(world["annex"].id), "Returned to the annex", back)
    assert not registry.at_workshop(session, asset.id)
    assert asset.site_id == world["annex"].id
    with pytest.raises(RegistryError) as err:
        registry.transfer_asset(session, OFFICE, asset.id, world["annex"].id, "", "")
    assert set(err.value.field_errors) == {"destination", "reason", "transferred_on"}
    seen = customer_assets.asset_detail(session, scope, asset.id)
    assert [(t.from_place, t.to_place, t.reason) for t in seen.transfers] == [
        ("Workshop", "Annex", "Returned to the annex"),
        ("Tower", "Workshop", "Pressure test"),
    ]
    assert seen.site_name == "Annex"
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.action == "asset.transferred")).all()
    assert len(actions) == 2


def test_retired_assets_leave_ppm_life_cycle_budget_and_contract_counts(session, world):
    scope = world["scope"]
    keep = _register(session, world, "EX-1", install_date="2020-01-01")
    gone = _register(session, world, "EX-2", install_date="2020-01-01")
    for asset in (keep, gone):
        registry.add_schedule(
            session, OFFICE, asset.id, world["level"].id, (TODAY + timedelta(days=10)).isoformat()
        )
    form = ContractForm(
        number="C-1",
        name="Exit lights",
        start_date="2026-01-01",
        expiry_date="2027-12-31",
        value="1,200",
        site_ids=[str(world["tower"].id)],
        all_assets=True,
    )
    office_contracts.create_contract(session, OFFICE, world["owner"].id, form)
    year = (TODAY + timedelta(days=10)).year  # the year the schedules fall due in

    def due_in_ppm() -> int:
        grid = ppm.compute(session, scope, ppm.Filters(year), TODAY)
        return int(grid.counts["due"].sum()) if not grid.empty else 0

    def budget_services() -> int:
        return sum(m.services for m in budget_forecast.budget_forecast(session, scope, None, TODAY).months)

    before = (due_in_ppm(), budget_services())
    assert before[0] >= 2 and before[1] >= 2
    assert sum(t.total for t in life_cycle.life_cycle(session, scope, None, TODAY).types) == 2
    assert contracts.list_contracts(session, scope, None, TODAY)[0].assets == 2
    with pytest.raises(RegistryError) as err:
        registry.retire_asset(session, OFFICE, gone.id, " ", "2026-13-01")
    assert set(err.value.field_errors) == {"retire_reason", "retired_on"}
    registry.retire_asset(session, OFFICE, gone.id, "Failed and replaced", TODAY.isoformat())
    assert (gone.status, gone.retired_on, gone.retire_reason) == (
        AssetStatus.REMOVED,
        TODAY,
        "Failed and replaced",
    )
    # Both assets share one schedule, so each had half the due cells (two a year on some days).
    assert due_in_ppm() * 2 == before[0]
    assert budget_services() == before[1] // 2
    assert contracts.list_contracts(session, scope, None, TODAY)[0].assets == 1
    stages = life_cycle.life_cycle(session, scope, None, TODAY)
    assert sum(t.total for t in stages.types) == 1
    # Still on the customer's Assets screen, as removed; refused a second retirement or a transfer.
    group = customer_assets.asset_groups(session, scope, world["tower"].id)[0]
    rows = customer_assets.group_page(session, scope, world["tower"].id, group.type_id).rows
    assert {(r.number, r.status) for r in rows} == {("EX-1", "active"), ("EX-2", "removed")}
    with pytest.raises(RegistryError):
        registry.retire_asset(session, OFFICE, gone.id, "Again", TODAY.isoformat())
    with pytest.raises(RegistryError):
        registry.transfer_asset(session, OFFICE, gone.id, registry.TO_WORKSHOP, "x", TODAY.isoformat())


def test_schedules_add_change_remove_and_show_on_the_customers_asset(session, world):
    scope = world["scope"]
    asset = _register(session, world)
    due = TODAY + timedelta(days=30)
    row = registry.add_schedule(session, OFFICE, asset.id, str(world["level"].id), due.isoformat())
    with pytest.raises(RegistryError) as err:
        registry.add_schedule(session, OFFICE, asset.id, world["level"].id, due.isoformat())
    assert err.value.field_errors == {"service_level_id": registry.LEVEL_TAKEN}
    assert [
        (line.name, line.next_due_on)
        for line in customer_assets.asset_detail(session, scope, asset.id).levels
    ] == [("Six Monthly", due)]
    later = due + timedelta(days=14)
    registry.change_next_due(session, OFFICE, asset.id, row.id, later.isoformat())
    assert customer_assets.asset_detail(session, scope, asset.id).levels[0].next_due_on == later
    with pytest.raises(RegistryError):
        registry.change_next_due(session, OFFICE, asset.id, row.id, "soon")
    assert registry.change_next_due(session, OFFICE, asset.id, "999999", later.isoformat()) is None
    other = _register(session, world, "EX-OTHER")
    assert registry.change_next_due(session, OFFICE, other.id, row.id, later.isoformat()) is None
    assert not registry.remove_schedule(session, OFFICE, other.id, row.id)
    assert registry.remove_schedule(session, OFFICE, asset.id, row.id)
    assert session.exec(select(AssetServiceLevel)).all() == []
    assert customer_assets.asset_detail(session, scope, asset.id).levels == []
    assert not registry.remove_schedule(session, OFFICE, asset.id, row.id)


def test_site_asset_page_is_paged_and_searched(session, world):
    for n in range(30):
        _register(session, world, f"EX-{n:02d}")
    ask = registry.PageRequest(sort="number", descending=False, size=25)
    page = registry.site_asset_page(session, OFFICE, world["tower"].id, ask)
    assert (page.total, len(page.rows), page.rows[0].number) == (30, 25, "EX-00")
    found = registry.site_asset_page(session, OFFICE, world["tower"].id, registry.PageRequest(search="EX-29"))
    assert [r.number for r in found.rows] == ["EX-29"]
    assert registry.site_asset_page(session, OFFICE, "bad", ask).total == 0


# --- contracts ---------------------------------------------------------------------------------------


def test_contract_covers_sites_and_assets_and_the_customer_sees_it(session, world):
    scope = world["scope"]
    a1 = _register(session, world, "EX-1")
    a2 = _register(session, world, "EX-2", site="annex")
    form = ContractForm(
        number="C-7",
        name="Emergency lighting",
        start_date="2026-01-01",
        expiry_date="2026-12-31",
        value="$4,800.00",
        notes="Six-monthly tests",
        site_ids=[str(world["tower"].id)],
        asset_numbers="ex-1",
    )
    contract = office_contracts.create_contract(session, OFFICE, world["owner"].id, form)
    assert (contract.value_cents, a1.contract_id, a2.contract_id) == (480_000, contract.id, None)
    listed = contracts.list_contracts(session, scope, None, TODAY)
    assert [(c.number, c.site_names, c.assets) for c in listed] == [("C-7", ("Tower",), 1)]
    assert contract.id in dict(ppm.contract_options(session, scope))
    # Cover the annex too, its asset, and drop the tower's asset.
    form.site_ids = [str(world["tower"].id), str(world["annex"].id)]
    form.asset_numbers = "EX-2"
    office_contracts.update_contract(session, OFFICE, contract.id, form)
    assert (a1.contract_id, a2.contract_id) == (None, contract.id)
    links = session.exec(select(ContractSite.site_id).where(ContractSite.contract_id == contract.id)).all()
    assert sorted(links) == sorted([world["tower"].id, world["annex"].id])
    detail = office_contracts.contract_detail(session, OFFICE, contract.id)
    assert detail.asset_numbers == ["EX-2"]
    assert customer_assets.asset_detail(session, scope, a2.id).contract == "C-7 · Emergency lighting"


def test_contract_refuses_other_customers_sites_and_assets_and_bad_fields(session, world):
    foreign = registry.register_asset(session, OFFICE, world["depot"].id, _form(world, "D-1"))
    _register(session, world, "EX-1", site="annex")
    form = ContractForm(
        number="",
        name="",
        start_date="2026-12-31",
        expiry_date="2026-01-01",
        value="-5",
        site_ids=[str(world["depot"].id)],
    )
    with pytest.raises(ContractError) as err:
        office_contracts.create_contract(session, OFFICE, world["owner"].id, form)
    assert err.value.field_errors == {
        "number": office_contracts.NUMBER_MISSING,
        "name": office_contracts.NAME_MISSING,
        "expiry_date": office_contracts.EXPIRY_BEFORE_START,
        "value": office_contracts.BAD_VALUE,
        "site_ids": office_contracts.BAD_SITES,
    }
    good = ContractForm(
        number="C-1",
        name="Lights",
        start_date="2026-01-01",
        expiry_date="2026-12-31",
        site_ids=[str(world["tower"].id)],
        asset_numbers=f"{foreign.number}, EX-1",
    )
    with pytest.raises(ContractError) as err:
        office_contracts.create_contract(session, OFFICE, world["owner"].id, good)
    assert err.value.field_errors == {"asset_numbers": "Not assets of this customer: D-1"}
    good.asset_numbers = "EX-1"
    with pytest.raises(ContractError) as err:
        office_contracts.create_contract(session, OFFICE, world["owner"].id, good)
    assert err.value.field_errors == {"asset_numbers": "Not at a covered site: EX-1"}
    assert session.exec(select(Contract)).all() == []
    assert office_contracts.create_contract(session, OFFICE, "garbage", good) is None
    good.asset_numbers = ""
    office_contracts.create_contract(session, OFFICE, world["owner"].id, good)
    with pytest.raises(ContractError) as err:
        office_contracts.create_contract(session, OFFICE, world["owner"].id, good)
    assert err.value.field_errors == {"number": office_contracts.NUMBER_TAKEN}


# --- sites -------------------------------------------------------------------------------------------


def test_office_creates_and_edits_a_site_with_the_customers_rules(session, world):
    with pytest.raises(SiteError) as err:
        office_sites.create_site(session, OFFICE, world["owner"].id, SiteForm(postcode="40$0"))
    assert set(err.value.field_errors) == {"name", "postcode"}
    made = office_sites.create_site(
        session, OFFICE, world["owner"].id, SiteForm(name="  Car  park ", postcode="4000")
    )
    assert (made.name, made.customer_id) == ("Car park", world["owner"].id)
    assert "Car park" in dict(sites.site_options(session, world["scope"])).values()
    office_sites.update_site(
        session, OFFICE, made.id, SiteForm(name="Car park B", access_notes="Gate code 12")
    )
    assert (made.name, made.access_notes) == ("Car park B", "Gate code 12")
    assert office_sites.create_site(session, OFFICE, "99999", SiteForm(name="X")) is None
    audit = session.exec(
        select(AuditEvent.action, AuditEvent.customer_id).where(AuditEvent.target_type == "site")
    ).all()
    assert audit == [("site.created", world["owner"].id), ("site.updated", world["owner"].id)]


def test_closing_a_site_is_refused_with_open_jobs_then_leaves_the_customers_lists(session, world):
    tower = world["tower"]
    _register(session, world)
    job = f.job(session, tower)
    with pytest.raises(SiteError) as err:
        office_sites.close_site(session, OFFICE, tower.id)
    assert err.value.field_errors == {"form": office_sites.HAS_OPEN_JOBS.format(count=1)}
    assert tower.is_active
    job.stage = JobStage.COMPLETE
    session.add(job)
    session.flush()
    summary = office_sites.summary(session, OFFICE, tower.id)
    assert (summary.active_assets, summary.open_jobs) == (1, 0)
    office_sites.close_site(session, OFFICE, tower.id)
    assert not tower.is_active and tower.closed_at is not None
    assert tower.id not in dict(sites.site_options(session, world["scope"]))
    with pytest.raises(SiteError):
        office_sites.update_site(session, OFFICE, tower.id, SiteForm(name="Reopened?"))
    assert registry.register_asset(session, OFFICE, tower.id, _form(world, "EX-9")) is None


def test_site_contacts_add_edit_remove_only_on_their_site(session, world):
    tower, annex = world["tower"], world["annex"]
    with pytest.raises(SiteError) as err:
        office_sites.add_contact(session, OFFICE, tower.id, ContactForm(phone="abc", email="nope"))
    assert set(err.value.field_errors) == {"first_name", "phone", "email"}
    line = office_sites.add_contact(
        session, OFFICE, tower.id, ContactForm(first_name="Kim", phone="07 5555 1234")
    )
    assert [c.first_name for c in office_sites.contacts(session, OFFICE, tower.id)] == ["Kim"]
    # The contact id with another site's id finds nothing.
    assert (
        office_sites.update_contact(session, OFFICE, annex.id, line.id, ContactForm(first_name="X")) is None
    )
    changed = office_sites.update_contact(
        session, OFFICE, tower.id, str(line.id), ContactForm(first_name="Kim", last_name="Ng")
    )
    assert changed.full_name == "Kim Ng"
    assert not office_sites.remove_contact(session, OFFICE, annex.id, line.id)
    assert office_sites.remove_contact(session, OFFICE, tower.id, line.id)
    assert session.exec(select(SiteContact)).all() == []
    with pytest.raises(AccessDenied):
        office_sites.contacts(session, TECHNICIAN, tower.id)


def test_every_office_command_is_audited_with_its_customer(session, world):
    asset = _register(session, world)
    registry.update_asset(session, OFFICE, asset.id, _form(world, make="Clevertronics"))
    registry.retire_asset(session, OFFICE, asset.id, "Gone", TODAY.isoformat())
    rows = session.exec(
        select(AuditEvent.action, AuditEvent.customer_id, AuditEvent.staff_id).where(
            AuditEvent.target_type == "asset"
        )
    ).all()
    assert rows == [
        ("asset.registered", world["owner"].id, OFFICE.staff_id),
        ("asset.updated", world["owner"].id, OFFICE.staff_id),
        ("asset.retired", world["owner"].id, OFFICE.staff_id),
    ]
    assert session.exec(select(Site).where(Site.id == world["tower"].id)).one().is_active
