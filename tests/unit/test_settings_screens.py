"""/office/settings and Reset MFA on /office/staff as Reflex runs their handlers: the owner edits
and sees errors beside the fields; office, technician, a customer and a signed-out tab get an empty
screen and change nothing with any event of the settings screen, even forged with a real pending logo."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlmodel import Session, select

from portal import db
from portal.core import tenant
from portal.models import AuditEvent, Contractor, DescriptionScript, LoginSession, OptionalItem, Role, Staff
from portal.services.settings import branding
from portal.state.office.settings import NOT_AVAILABLE, SettingsState
from portal.state.office.settings_lists import CatalogState
from portal.state.office.staff import StaffListState
from tests.unit import factories as f
from tests.unit.reflex_client import Tab, arguments, portal_handlers, signed_in_tab
from tests.unit.staff_logins import enrolled
from tests.unit.test_settings import good_form


class World:
    def __init__(self, s: Session):
        f.contractor(s)
        staff = {}
        for role in Role:
            row = Staff(email=f"{role.value}@settings.test", name=f"{role.value.title()} Person", role=role)
            s.add(row)
            s.flush()
            staff[role] = row.id
        self.owner, self.office, self.tech = staff[Role.OWNER], staff[Role.OFFICE], staff[Role.TECHNICIAN]
        self.contact = f.contact(s, f.customer(s)).id


@pytest.fixture
def world(committed, monkeypatch) -> World:
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def tab_for(engine, world: World, who: str) -> Tab:
    ids = {"owner": world.owner, "office": world.office, "technician": world.tech}
    if who in ids:
        return signed_in_tab(engine, "/office/settings", staff_id=ids[who])
    if who == "customer":
        return signed_in_tab(engine, "/office/settings", contact_id=world.contact)
    return signed_in_tab(engine, "/office/settings")


def contractor(engine) -> Contractor:
    with Session(engine) as s:
        return tenant.contractor(s)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 5), (200, 30, 60)).save(out, format="PNG")
    return out.getvalue()


def test_the_owner_edits_company_details_and_sees_each_error_beside_its_field(world, committed):
    tab = tab_for(committed, world, "owner")
    shown = tab.run(SettingsState, "load")
    assert shown.loaded and shown.company["company_name"] == "Harbourside Fire"
    assert shown.company["tax_rate"] == "10" and shown.company["quote_start"] == "10001"
    assert shown.gateway["name"].startswith("Sandbox") and shown.gateway["webhook_last"] == "Never"
    refused = tab.run(
        SettingsState, "save_company", {"form": good_form(tax_rate="abc", timezone="Nowhere/Else")}
    )
    assert set(refused.company_errors) == {"tax_rate", "timezone"} and refused.company_saved == ""
    assert refused.company["tax_rate"] == "abc"  # what was typed stays in the form
    assert contractor(committed).company_name == "Harbourside Fire"
    saved = tab.run(SettingsState, "save_company", {"form": good_form()})
    assert saved.company_errors == {} and saved.company_saved == "Company details saved."
    assert saved.company["invoice_prefix"] == "INV-"
    stored = contractor(committed)
    assert (stored.company_name, stored.tax_rate_bp, stored.timezone) == (
        "Harbourside Fire Services",
        1250,
        "Australia/Sydney",
    )


def test_the_owner_previews_a_colour_and_logo_then_saves_them(world, committed):
    tab = tab_for(committed, world, "owner")
    tab.run(SettingsState, "load")
    shown = tab.run(SettingsState, "set_accent", {"value": "#0D9488"})
    assert (shown.preview_radix, shown.accent_error, shown.colour_value) == ("mint", "", "#0d9488")
    shown = tab.run(SettingsState, "set_accent", {"value": "teal"})
    assert shown.accent_error == branding.BAD_COLOUR and shown.preview_radix == branding.DEFAULT_RADIX
    refused = tab.run(SettingsState, "save_branding")
    assert refused.accent_error == branding.BAD_COLOUR and contractor(committed).accent_color == ""
    tab.run(SettingsState, "set_accent", {"value": "#0d9488"})
    # What upload_logo keeps after Reflex's upload endpoint hands it the file.
    pending = branding.receive_logo(io.BytesIO(png()), "brand.png")
    state = tab.state(SettingsState)
    state._logo, state.logo_src = (pending.key, pending.name), branding.preview_uri(pending)
    assert contractor(committed).logo_key == ""  # nothing saved by the preview
    saved = tab.run(SettingsState, "save_branding")
    assert saved.branding_saved and saved.logo_error == ""
    stored = contractor(committed)
    assert (stored.accent_color, stored.logo_type) == ("#0d9488", "image/png")
    assert saved.logo_src == branding.logo_url(stored)
    # Not files: a forged upload event changes nothing.
    again = tab.run(SettingsState, "upload_logo", {"files": [{"name": "x.svg"}]})
    assert again.logo_src == branding.logo_url(stored) and again.logo_error == ""
    removed = tab.run(SettingsState, "remove_logo")
    assert removed.logo_src == "" and contractor(committed).logo_key  # only once saved
    tab.run(SettingsState, "save_branding")
    assert contractor(committed).logo_key == ""


def test_the_owner_sets_the_tier_default_pages_scripts_and_prices(world, committed):
    tab = tab_for(committed, world, "owner")
    shown = tab.run(SettingsState, "load")
    assert shown.tier == "standard" and len(shown.pages) == 8
    tab.run(SettingsState, "set_tier", {"value": "advanced"})
    tab.run(SettingsState, "set_tier", {"value": "platinum"})
    for page in shown.pages:
        tab.run(SettingsState, "set_page", {"page": page, "checked": False})
    refused = tab.run(SettingsState, "save_portal")
    assert set(refused.portal_errors) == {"pages"}
    tab.run(SettingsState, "set_page", {"page": "invoices", "checked": True})
    tab.run(SettingsState, "set_page", {"page": "admin", "checked": True})
    saved = tab.run(SettingsState, "save_portal")
    assert saved.portal_errors == {} and saved.portal_saved
    stored = contractor(committed)
    assert (stored.portal_tier, stored.default_pages) == ("advanced", ["invoices"])

    lists = tab.run(CatalogState, "load")
    assert lists.scripts == [] and lists.items == []
    tab.run(CatalogState, "open_script", {"script_id": "new"})
    refused = tab.run(CatalogState, "save_script", {"form": {"title": "", "body": "Test", "use": "both"}})
    assert set(refused.script_errors) == {"title"} and refused.script_open
    saved = tab.run(
        CatalogState, "save_script", {"form": {"title": "Annual", "body": "Test all.", "use": "job"}}
    )
    assert not saved.script_open and [r["title"] for r in saved.scripts] == ["Annual"]
    tab.run(CatalogState, "open_item", {"item_id": "new"})
    saved = tab.run(
        CatalogState,
        "save_item",
        {"form": {"name": "Exit sign", "price": "85", "kind": "material", "offered": "on"}},
    )
    assert [(r["name"], r["price"], r["offered"]) for r in saved.items] == [("Exit sign", "85.00", "yes")]
    tab.run(CatalogState, "open_item", {"item_id": saved.items[0]["id"]})
    retired = tab.run(
        CatalogState, "save_item", {"form": {"name": "Exit sign", "price": "85", "kind": "material"}}
    )
    assert retired.items[0]["active"] == "" and retired.items[0]["offered"] == ""


def _fingerprint(engine) -> tuple:
    with Session(engine) as s:
        row = tenant.contractor(s)
        settings = tuple(
            getattr(row, c.name) for c in Contractor.__table__.columns if c.name not in ("id", "created_at")
        )
        return (
            settings,
            len(s.exec(select(AuditEvent)).all()),
            len(s.exec(select(DescriptionScript)).all()),
            len(s.exec(select(OptionalItem)).all()),
        )


def _value(name: str) -> object:
    if name == "form":
        return {
            **good_form(),
            "title": "Forged",
            "body": "Forged",
            "use": "both",
            "name": "Forged",
            "price": "1",
            "kind": "labour",
        }
    return {"value": "#0d9488", "page": "quotes", "checked": True, "files": [], "is_open": True}.get(
        name, "new"
    )


@pytest.mark.parametrize("who", ["office", "technician", "customer", "nobody"])
def test_every_settings_event_is_refused_to_anyone_but_the_owner(world, committed, who):
    tab = tab_for(committed, world, who)
    shown = tab.run(SettingsState, "load")
    assert not shown.loaded and shown.company == {} and shown.gateway == {}
    assert tab.run(CatalogState, "load").items == []
    before = _fingerprint(committed)
    pending = branding.receive_logo(io.BytesIO(png()), "brand.png")
    for cls in (SettingsState, CatalogState):
        for name, handler in portal_handlers(cls).items():
            state = tab.state(cls)
            if cls is SettingsState:  # as if the owner's screen had loaded: a real pending logo
                state._logo, state.accent, state.tier, state.pages = (
                    (pending.key, "x"),
                    "#0d9488",
                    "advanced",
                    ["jobs"],
                )
            else:
                state._script_id = state._item_id = 0
            tab.run(cls, name, {arg: _value(arg) for arg in arguments(handler)})
    assert _fingerprint(committed) == before
    assert tab.state(SettingsState).company_errors in ({}, {"form": NOT_AVAILABLE})


def test_the_same_sweep_does_change_things_for_the_owner(world, committed):
    """Without this, the refusals above could pass on events that change nothing for anyone."""
    tab = tab_for(committed, world, "owner")
    tab.run(SettingsState, "load")
    before = _fingerprint(committed)
    for name in ("save_company", "save_branding", "save_portal"):
        tab.run(
            SettingsState, name, {arg: _value(arg) for arg in arguments(SettingsState.event_handlers[name])}
        )
    state = tab.state(CatalogState)
    state._script_id = 0
    tab.run(CatalogState, "save_script", {"form": _value("form")})
    after = _fingerprint(committed)
    assert after[0] != before[0] and after[1] > before[1] and after[2] == before[2] + 1


def test_the_owner_resets_a_colleagues_mfa_after_confirming(world, committed):
    with Session(committed, expire_on_commit=False) as s:
        colleague, _secret, _codes = enrolled(s, Role.OFFICE, email="kylie@settings.test")
        s.commit()
    signed_in_tab(committed, "/office/jobs", staff_id=colleague.id)  # a session that must end
    tab = signed_in_tab(committed, "/office/staff", staff_id=world.owner)
    listed = tab.run(StaffListState, "load")
    assert next(r for r in listed.rows if r["email"] == "kylie@settings.test")["mfa"] == "Yes"
    tab.run(StaffListState, "open_member", {"staff_id": str(colleague.id)})
    asked = tab.run(StaffListState, "ask_reset_mfa")
    assert asked.reset_open
    with Session(committed) as s:
        assert s.get(Staff, colleague.id).totp_enrolled_at is not None  # not before the confirmation
    done = tab.run(StaffListState, "reset_mfa")
    assert not done.reset_open and not done.member_open
    assert next(r for r in done.rows if r["email"] == "kylie@settings.test")["mfa"] == "No"
    with Session(committed) as s:
        assert s.get(Staff, colleague.id).totp_secret == ""
        live = s.exec(
            select(LoginSession).where(
                LoginSession.staff_id == colleague.id, LoginSession.revoked_at.is_(None)
            )
        ).all()
        assert live == []


@pytest.mark.parametrize("who", ["office", "technician"])
def test_only_the_owner_resets_mfa_even_with_a_forged_event(world, committed, who):
    with Session(committed, expire_on_commit=False) as s:
        colleague, secret, _codes = enrolled(s, Role.TECHNICIAN, email="liam@settings.test")
        s.commit()
    staff_id = world.office if who == "office" else world.tech
    tab = signed_in_tab(committed, "/office/staff", staff_id=staff_id)
    state = tab.state(StaffListState)
    state._member_id, state.reset_open = colleague.id, True
    tab.run(StaffListState, "ask_reset_mfa")
    shown = tab.run(StaffListState, "reset_mfa")
    assert shown.member_errors == {"form": "Not available to your role."}
    with Session(committed) as s:
        assert s.get(Staff, colleague.id).totp_secret == secret
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "staff_mfa_reset")).all() == []
