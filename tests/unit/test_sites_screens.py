"""The site page's handlers as Reflex runs them: the site comes from the address through the scope,
forged ids and hostile forms change nothing, and Save and Finish goes back to the list."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from portal import db
from portal.models import ALL_PAGES, Contractor, Site, SiteContact
from portal.services.identity import auth, sessions
from portal.state.sites.site import SiteState
from portal.state.sites.sites import SitesState
from tests.unit import factories as f
from tests.unit.reflex_client import Tab, client, edge_cookie


class World:
    def __init__(self, s: Session):
        s.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
        mine, theirs = f.customer(s, "Mine"), f.customer(s, "Theirs")
        self.here, self.there = f.site(s, mine, "North Tower"), f.site(s, mine, "South Tower")
        self.elsewhere = f.site(s, theirs, "Chapel")
        hidden = SiteContact(site_id=self.there.id, first_name="Hidden")
        s.add(hidden)
        s.flush()
        self.hidden_contact = hidden.id
        self.full = f.contact(s, mine).id
        self.limited = f.contact(s, mine, sites=[self.here]).id
        self.no_sites = f.contact(s, mine, pages=[p for p in ALL_PAGES if p != "sites"]).id


@pytest.fixture
def world(committed, monkeypatch) -> World:
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def site_tab(engine, contact_id: int, site_id: object, **query: str) -> Tab:
    """A tab at ``/sites/<site_id>``: Reflex hands the page its dynamic argument in the router's query."""
    with Session(engine) as s:
        raw = sessions.start(s, contact_id)
        s.commit()
    tab = Tab(edge_cookie(raw), f"/sites/{site_id}", query)
    router = dict(tab.root.router_data)
    router["query"] = {"site_id": str(site_id), **query}
    tab.root.router_data = tab.root._update_router_vars(router, {})
    return tab


def _stored(engine, site_id: int) -> Site:
    with Session(engine) as s:
        return s.get(Site, site_id)


def _sent(tab: Tab) -> str:
    return " ".join(repr(x) for x in tab.sent)


def _redirects(tab: Tab) -> list[str]:
    """Every page the handlers sent the browser to, in order."""
    return [x.payload["path"] for x in tab.sent if getattr(x, "name", "") == "_redirect"]


def _signed_in_tab(engine, contact_id: int, path: str) -> tuple[Tab, str]:
    with Session(engine) as s:
        raw = sessions.start(s, contact_id)
        s.commit()
    return Tab(edge_cookie(raw), path), raw


def _sign_out(engine, raw: str) -> None:
    with Session(engine) as s:
        sessions.revoke(s, raw)
        s.commit()


FORM = {
    "name": "North Tower",
    "street": "2 Quay St",
    "suburb": "Brisbane",
    "state": "QLD",
    "postcode": "4000",
}


def test_the_page_loads_the_site_and_saves_it(world, committed):
    tab = site_tab(committed, world.full, world.here.id)
    state = tab.run(SiteState, "load")
    assert state.found and state.values["name"] == "North Tower" and state.tab == "details"
    state = tab.run(SiteState, "save", {"form": {**FORM, "access_notes": "Key at desk"}})
    assert state.errors == {} and _stored(committed, world.here.id).street == "2 Quay St"
    assert "Site details saved." in _sent(tab)


def test_save_and_finish_goes_back_to_the_list(world, committed):
    tab = site_tab(committed, world.full, world.here.id, tab="contacts")
    assert tab.run(SiteState, "load").tab == "contacts"
    tab.run(SiteState, "finish_next", {"finish": True})
    tab.run(SiteState, "save", {"form": FORM})
    assert _redirects(tab) == ["/sites"] and _stored(committed, world.here.id).street == "2 Quay St"
    tab.run(SiteState, "save", {"form": FORM})  # a plain Save after it stays on the page
    assert _redirects(tab) == ["/sites"]


@pytest.mark.parametrize(
    "form",
    [
        {"name": "", "postcode": "<b>"},
        {"name": "x" * 100_000},
        {"name": ["North"], "street": {"a": 1}, "state": 2**63},
        None,
        ["North Tower"],
    ],
)
def test_a_hostile_form_is_refused_beside_the_fields(world, committed, form):
    tab = site_tab(committed, world.full, world.here.id)
    tab.run(SiteState, "load")
    state = tab.run(SiteState, "save", {"form": form})
    assert "name" in state.errors
    assert _stored(committed, world.here.id).name == "North Tower"


@pytest.mark.parametrize("who", ["limited", "no_sites"])
def test_a_site_outside_the_login_is_not_shown_nor_saved(world, committed, who):
    tab = site_tab(committed, getattr(world, who), world.there.id)
    state = tab.run(SiteState, "load")
    assert not state.found and state.values == {}
    tab.run(SiteState, "save", {"form": {**FORM, "name": "Taken"}})
    assert _stored(committed, world.there.id).name == "South Tower"


def test_another_customers_site_is_not_shown(world, committed):
    state = site_tab(committed, world.full, world.elsewhere.id).run(SiteState, "load")
    assert not state.found and "Chapel" not in str(state.dict())


def test_contacts_tab_adds_and_refuses_forged_ids(world, committed):
    tab = site_tab(committed, world.limited, world.here.id, tab="contacts")
    tab.run(SiteState, "load")
    tab.run(SiteState, "new_contact")
    state = tab.run(SiteState, "save_contact", {"form": {"first_name": "Greg", "email": "bad"}})
    assert state.contact_open and "email" in state.contact_errors
    state = tab.run(SiteState, "save_contact", {"form": {"first_name": "Greg", "email": "greg@example.com"}})
    assert not state.contact_open and [c["name"] for c in state.contacts] == ["Greg"]
    # Another site's contact, named by a forged id, can be neither edited nor removed.
    for handler in ("edit_contact", "ask_remove"):
        state = tab.run(SiteState, handler, {"contact_id": str(world.hidden_contact)})
        assert not state.contact_open and not state.remove_open
    state = tab.run(SiteState, "remove_contact")
    with Session(committed) as s:
        assert (
            s.exec(select(SiteContact.first_name).where(SiteContact.id == world.hidden_contact)).one()
            == "Hidden"
        )
    greg = state.contacts[0]["id"]
    tab.run(SiteState, "ask_remove", {"contact_id": greg})
    state = tab.run(SiteState, "remove_contact")
    assert state.contacts == []


def test_new_site_goes_to_its_contacts_tab(world, committed):
    with Session(committed) as s:
        raw = sessions.start(s, world.limited)
        s.commit()
    tab = Tab(edge_cookie(raw), "/sites/new")
    assert tab.run(SiteState, "start_new").is_new
    assert tab.run(SiteState, "set_tab", {"tab": "contacts"}).tab == "details"
    tab.run(SiteState, "save", {"form": {"name": "Annex"}})
    with Session(committed) as s:
        made = s.exec(select(Site).where(Site.name == "Annex")).one()
    assert _redirects(tab) == [f"/sites/{made.id}?tab=contacts"]


def test_the_list_starts_by_name(world, committed):
    with Session(committed) as s:
        raw = sessions.start(s, world.full)
        s.commit()
    state = Tab(edge_cookie(raw), "/sites").run(SitesState, "load")
    assert [r["name"] for r in state.rows] == ["North Tower", "South Tower"]
    assert state.csv_href == "/export/sites.csv?tab=all&q=&sort=name&desc=0"


def test_handlers_check_the_sign_in_first(world, committed):
    tab = site_tab(committed, world.full, world.here.id, tab="contacts")
    state = tab.run(SiteState, "load")
    tab.run(SiteState, "new_contact")
    greg = tab.run(SiteState, "save_contact", {"form": {"first_name": "Greg"}}).contacts
    tab.run(SiteState, "ask_remove", {"contact_id": greg[0]["id"]})
    assert tab.run(SiteState, "new_contact").contact_open and tab.state(SiteState).remove_open
    # The tab's session ends (signed out in another tab, or the login was switched off).
    with Session(committed) as s:
        sessions.revoke_all(s, world.full, "logout")
        s.commit()
    assert not tab.run(SiteState, "set_contact_open", {"is_open": True}).contact_open
    assert not tab.run(SiteState, "set_remove_open", {"is_open": True}).remove_open
    assert tab.run(SiteState, "finish_next", {"finish": True})._finish is False
    state = tab.run(SiteState, "start_new")
    assert not state.is_new and not state.found and state.loaded


def test_a_signed_out_tab_gets_no_new_site_form(world, committed):
    tab, raw = _signed_in_tab(committed, world.full, "/sites/new")
    _sign_out(committed, raw)
    state = tab.run(SiteState, "start_new")
    assert not state.found and not state.is_new
    tab.run(SiteState, "save", {"form": {"name": "Ghost"}})
    with Session(committed) as s:
        assert s.exec(select(Site).where(Site.name == "Ghost")).first() is None


def test_a_stored_email_cannot_add_to_its_mail_link(world, committed):
    with Session(committed) as s:
        s.add(SiteContact(site_id=world.here.id, first_name="Odd", email="a@b.co?cc=evil@x.com&body=hi"))
        s.add(SiteContact(site_id=world.here.id, first_name="Plain", phone="+61 (7) 3350-8812"))
        s.commit()
    state = site_tab(committed, world.full, world.here.id, tab="contacts").run(SiteState, "load")
    odd, plain = state.contacts
    assert odd["mailto"] == "mailto:a@b.co%3Fcc%3Devil@x.com%26body%3Dhi"
    assert plain["mailto"] == "" and plain["phone_href"] == "tel:+61733508812"


def test_the_sites_csv_needs_the_sites_page(world, committed):
    http = client()
    for contact_id, status in ((world.no_sites, 403), (world.full, 200)):
        with Session(committed) as s:
            nonce = auth.issue_login_nonce(s, contact_id)
            s.commit()
        http.cookies.clear()
        assert http.get("/auth/session", params={"nonce": nonce}).status_code == 303
        resp = http.get("/export/sites.csv")
        assert resp.status_code == status
    assert "North Tower" in resp.text and "Chapel" not in resp.text
