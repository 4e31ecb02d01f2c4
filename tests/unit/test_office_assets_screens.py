"""The office's site, asset, contract and lists screens as Reflex runs their handlers: what the staff
member sees after each step, what is stored, and what the customer's own screens then show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from portal import db
from portal.models import (
    Asset,
    AssetServiceLevel,
    AssetStatus,
    AssetType,
    Contract,
    Contractor,
    ContractSite,
    Role,
    ServiceLevel,
    Site,
    SiteContact,
    Staff,
    Transfer,
)
from portal.services.assets import assets as customer_assets
from portal.services.identity.principals import scope_for
from portal.state.office.assets import OfficeAssetState
from portal.state.office.contracts import OfficeContractState
from portal.state.office.lists import OfficeListsState
from portal.state.office.sites import OfficeSiteState
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.reflex_client import signed_in_tab


class World:
    def __init__(self, s: Session):
        s.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
        self.customer = f.customer(s, "Northside Screens")
        self.tower = f.site(s, self.customer, "Tower")
        self.annex = f.site(s, self.customer, "Annex")
        other = f.customer(s, "Elsewhere")
        self.depot = f.site(s, other, "Depot")
        self.contact = f.contact(s, self.customer).id
        staff = {}
        for role in (Role.OFFICE, Role.TECHNICIAN):
            row = Staff(email=f"{role.value}@assets.example", name=role.value.title(), role=role)
            s.add(row)
            s.flush()
            staff[role] = row.id
        self.office, self.technician = staff[Role.OFFICE], staff[Role.TECHNICIAN]


@pytest.fixture
def world(committed, monkeypatch) -> World:
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def _rows(engine, model, *where):
    with Session(engine) as s:
        return list(s.exec(select(model).where(*where)).all())


def _lists(engine, world) -> tuple[int, int]:
    """An asset type and a service level made through the lists screen, from its empty state."""
    tab = signed_in_tab(engine, "/office/lists", staff_id=world.office)
    shown = tab.run(OfficeListsState, "load")
    assert shown.loaded and shown.types == [] and shown.levels == []
    tab.run(OfficeListsState, "open_add", {"kind": "type"})
    refused = tab.run(OfficeListsState, "save", {"form": {"name": "Exit Sign", "expected_life_years": "0"}})
    assert refused.editing == "type" and refused.edit_errors == {
        "expected_life_years": "Enter a whole number of years from 1 to 100."
    }
    saved = tab.run(OfficeListsState, "save", {"form": {"name": "Exit Sign", "expected_life_years": "10"}})
    assert saved.editing == "" and [(t["name"], t["status"]) for t in saved.types] == [
        ("Exit Sign", "In use")
    ]
    tab.run(OfficeListsState, "open_add", {"kind": "level"})
    tab.run(
        OfficeListsState, "save", {"form": {"name": "Six Monthly", "interval_months": "6", "sort_order": "1"}}
    )
    (kind,) = _rows(engine, AssetType)
    (level,) = _rows(engine, ServiceLevel)
    return kind.id, level.id


def test_lists_add_edit_and_retire_from_an_empty_start(world, committed):
    kind, _level = _lists(committed, world)
    tab = signed_in_tab(committed, "/office/lists", staff_id=world.office)
    tab.run(OfficeListsState, "load")
    tab.run(OfficeListsState, "open_edit", {"kind": "type", "row_id": str(kind)})
    edited = tab.run(
        OfficeListsState, "save", {"form": {"name": "Exit Sign (LED)", "expected_life_years": "12"}}
    )
    assert edited.types[0]["name"] == "Exit Sign (LED)" and edited.types[0]["expected_life_years"] == "12"
    retired = tab.run(OfficeListsState, "toggle", {"kind": "type", "row_id": str(kind)})
    assert retired.types[0]["status"] == "Retired"
    assert not _rows(committed, AssetType)[0].is_active
    # The register's form no longer offers it.
    new = signed_in_tab(committed, f"/office/assets/new?site={world.tower.id}", staff_id=world.office)
    assert new.run(OfficeAssetState, "start_new").type_options == []


def test_the_office_creates_a_site_adds_a_contact_and_closes_it_after_confirming(world, committed):
    tab = signed_in_tab(committed, f"/office/sites/new?customer={world.customer.id}", staff_id=world.office)
    new = tab.run(OfficeSiteState, "start_new")
    assert new.found and new.is_new and new.customer_name == "Northside Screens"
    bad = tab.run(OfficeSiteState, "save", {"form": {"name": "", "postcode": "4$"}})
    assert set(bad.errors) == {"name", "postcode"}
    assert len(_rows(committed, Site, Site.customer_id == world.customer.id)) == 2
    tab.run(
        OfficeSiteState, "save", {"form": {"name": "Car Park", "street": "2 Side St", "postcode": "4000"}}
    )
    (made,) = _rows(committed, Site, Site.name == "Car Park")
    assert "/office/sites/" + str(made.id) in tab.shown()

    page = signed_in_tab(committed, f"/office/sites/{made.id}", staff_id=world.office, site_id=str(made.id))
    shown = page.run(OfficeSiteState, "load")
    assert (
        shown.heading == "Car Park" and shown.status == "Open" and shown.contacts == [] and shown.assets == []
    )
    page.run(OfficeSiteState, "new_contact")
    added = page.run(
        OfficeSiteState, "save_contact", {"form": {"first_name": "Kim", "phone": "07 5555 0000"}}
    )
    assert [c["name"] for c in added.contacts] == ["Kim"] and not added.contact_open
    assert _rows(committed, SiteContact)[0].site_id == made.id

    with Session(committed) as s:
        f.job(s, s.get(Site, made.id))
        s.commit()
    page.run(OfficeSiteState, "load")
    page.run(OfficeSiteState, "close")  # not asked yet: the confirmation opens first in the screen
    asked = page.run(OfficeSiteState, "ask_close")
    assert asked.close_open
    refused = page.run(OfficeSiteState, "close")
    assert "open jobs (1)" in refused.close_error and refused.close_open
    assert _rows(committed, Site, Site.id == made.id)[0].is_active


def test_register_schedule_transfer_retire_and_the_customer_sees_it(world, committed):
    kind, level = _lists(committed, world)
    tab = signed_in_tab(committed, f"/office/assets/new?site={world.tower.id}", staff_id=world.office)
    new = tab.run(OfficeAssetState, "start_new")
    assert (
        new.found
        and new.site_name == "Tower"
        and new.type_options == [{"id": str(kind), "name": "Exit Sign"}]
    )
    form = {"asset_type_id": str(kind), "number": "EX-1", "name": "Lobby exit", "install_date": "2024-03-01"}
    tab.run(OfficeAssetState, "save", {"form": form})
    (asset,) = _rows(committed, Asset)
    assert (asset.number, asset.site_id, asset.customer_id) == ("EX-1", world.tower.id, world.customer.id)
    again = signed_in_tab(committed, f"/office/assets/new?site={world.annex.id}", staff_id=world.office)
    again.run(OfficeAssetState, "start_new")
    dup = again.run(OfficeAssetState, "save", {"form": {**form, "number": "ex-1", "install_date": "soon"}})
    assert set(dup.errors) == {"number", "install_date"} and dup.values["number"] == "ex-1"
    assert len(_rows(committed, Asset)) == 1

    page = signed_in_tab(
        committed, f"/office/assets/{asset.id}", staff_id=world.office, asset_id=str(asset.id)
    )
    shown = page.run(OfficeAssetState, "load")
    assert shown.heading == "EX-1 · Lobby exit" and shown.place == "At Tower" and shown.schedules == []
    due = (TODAY + timedelta(days=20)).isoformat()
    added = page.run(
        OfficeAssetState, "add_schedule", {"form": {"service_level_id": str(level), "next_due_on": due}}
    )
    assert [s["level"] for s in added.schedules] == ["Six Monthly"]
    moved = page.run(
        OfficeAssetState,
        "transfer",
        {
            "form": {
                "destination": str(world.annex.id),
                "reason": "Fit-out",
                "transferred_on": TODAY.isoformat(),
            }
        },
    )
    assert moved.place == "At Annex" and moved.moves[0]["from"] == "Tower" and not moved.transfer_open
    forged = page.run(
        OfficeAssetState,
        "transfer",
        {
            "form": {
                "destination": str(world.depot.id),
                "reason": "Theirs",
                "transferred_on": TODAY.isoformat(),
            }
        },
    )
    assert forged.transfer_errors == {"destination": "Choose where the asset goes."}
    assert len(_rows(committed, Transfer)) == 1

    scope = None
    with Session(committed) as s:
        scope = scope_for(s, world.contact)
        seen = customer_assets.asset_detail(s, scope, asset.id)
    assert seen.site_name == "Annex" and [line.name for line in seen.levels] == ["Six Monthly"]
    assert [(t.from_place, t.to_place) for t in seen.transfers] == [("Tower", "Annex")]

    page.run(OfficeAssetState, "open_retire")
    missing = page.run(
        OfficeAssetState, "retire", {"form": {"retire_reason": "", "retired_on": TODAY.isoformat()}}
    )
    assert missing.retire_errors == {"retire_reason": "Say why."}
    done = page.run(
        OfficeAssetState, "retire", {"form": {"retire_reason": "Damaged", "retired_on": TODAY.isoformat()}}
    )
    assert done.retired and "Damaged" in done.retired_text
    assert _rows(committed, Asset)[0].status == AssetStatus.REMOVED
    with Session(committed) as s:
        assert customer_assets.asset_detail(s, scope, asset.id).status == "removed"


def test_schedule_due_change_and_removal_on_the_screen(world, committed):
    kind, level = _lists(committed, world)
    tab = signed_in_tab(committed, f"/office/assets/new?site={world.tower.id}", staff_id=world.office)
    tab.run(OfficeAssetState, "start_new")
    tab.run(OfficeAssetState, "save", {"form": {"asset_type_id": str(kind), "number": "EX-9"}})
    (asset,) = _rows(committed, Asset)
    page = signed_in_tab(
        committed, f"/office/assets/{asset.id}", staff_id=world.office, asset_id=str(asset.id)
    )
    page.run(OfficeAssetState, "load")
    added = page.run(
        OfficeAssetState,
        "add_schedule",
        {"form": {"service_level_id": str(level), "next_due_on": TODAY.isoformat()}},
    )
    schedule = added.schedules[0]["id"]
    page.run(OfficeAssetState, "edit_due", {"schedule_id": schedule})
    later = TODAY + timedelta(days=60)
    saved = page.run(OfficeAssetState, "save_due", {"form": {"next_due_on": later.isoformat()}})
    assert not saved.due_open and _rows(committed, AssetServiceLevel)[0].next_due_on == later
    page.run(OfficeAssetState, "remove_schedule", {"schedule_id": schedule})
    assert _rows(committed, AssetServiceLevel) == []


def test_a_contract_covers_the_ticked_sites_and_the_named_assets(world, committed):
    kind, _ = _lists(committed, world)
    with Session(committed) as s:
        s.add(Asset(customer_id=world.customer.id, site_id=world.tower.id, asset_type_id=kind, number="EX-1"))
        s.commit()
    tab = signed_in_tab(
        committed, f"/office/contracts/new?customer={world.customer.id}", staff_id=world.office
    )
    new = tab.run(OfficeContractState, "start_new")
    assert [s["name"] for s in new.sites] == ["Annex", "Tower"]
    form = {
        "number": "C-1",
        "name": "Exit lighting",
        "start_date": "2026-01-01",
        "expiry_date": "2026-12-31",
        "value": "2,400",
        f"site-{world.depot.id}": "on",
    }
    bad = tab.run(OfficeContractState, "save", {"form": form})
    assert bad.errors == {"site_ids": "Choose sites of this customer."} and _rows(committed, Contract) == []
    del form[f"site-{world.depot.id}"]
    tab.run(
        OfficeContractState,
        "save",
        {"form": {**form, f"site-{world.tower.id}": "on", "asset_numbers": "EX-1"}},
    )
    (contract,) = _rows(committed, Contract)
    assert contract.value_cents == 240_000
    assert [link.site_id for link in _rows(committed, ContractSite)] == [world.tower.id]
    assert _rows(committed, Asset)[0].contract_id == contract.id
    page = signed_in_tab(
        committed, f"/office/contracts/{contract.id}", staff_id=world.office, contract_id=str(contract.id)
    )
    shown = page.run(OfficeContractState, "load")
    assert shown.values["asset_numbers"] == "EX-1" and [s["checked"] for s in shown.sites] == ["", "yes"]


@pytest.mark.parametrize("who", ["technician", "customer"])
def test_a_technician_or_customer_sees_and_changes_nothing(world, committed, who):
    kind, _ = _lists(committed, world)
    query = {"site_id": str(world.tower.id)}
    if who == "technician":
        tab = signed_in_tab(committed, "/office/sites/x", staff_id=world.technician, **query)
    else:
        tab = signed_in_tab(committed, "/office/sites/x", contact_id=world.contact, **query)
    shown = tab.run(OfficeSiteState, "load")
    assert shown.heading == "" and shown.values == {}
    state = tab.state(OfficeSiteState)
    state._site_id, state._customer_id = world.tower.id, world.customer.id
    tab.run(OfficeSiteState, "save", {"form": {"name": "Forged"}})
    tab.run(OfficeSiteState, "close")
    assets = tab.state(OfficeAssetState)
    assets._site_id, assets.is_new = world.tower.id, True
    tab.run(OfficeAssetState, "save", {"form": {"asset_type_id": str(kind), "number": "F-1"}})
    assert _rows(committed, Site, Site.name == "Forged") == [] and _rows(committed, Asset) == []
    assert all(site.is_active for site in _rows(committed, Site))
