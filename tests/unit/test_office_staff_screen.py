"""/office/staff's handlers as Reflex runs them: the owner lists, invites, changes a role and
deactivates; office, technician and customer sessions (and no session) change nothing, even with
forged events."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from portal import db
from portal.api.credentials import SESSION_DIGEST, STAFF_DIGEST
from portal.models import OutboxMail, Role, Staff
from portal.services.identity import mfa, sessions, tokens
from portal.state.office.staff import NOT_AVAILABLE, StaffListState
from tests.unit import factories as f
from tests.unit.reflex_client import Tab
from tests.unit.staff_logins import enrolled, set_up


class World:
    def __init__(self, s: Session):
        f.contractor(s)
        self.owner = set_up(s, Role.OWNER, email="owner@harbourside.test", name="Olive Owner").id
        self.office = set_up(s, Role.OFFICE, email="office@harbourside.test", name="Kylie Hart").id
        self.tech = set_up(s, Role.TECHNICIAN, email="tech@harbourside.test", name="Liam Carter").id
        self.contact = f.contact(s, f.customer(s)).id


@pytest.fixture
def world(committed, monkeypatch) -> World:
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def staff_tab(engine, staff_id: int) -> Tab:
    """A tab whose Cookie header holds the staff session's digest, as the server's edge passes it on."""
    with Session(engine) as s:
        raw = sessions.start_staff(s, staff_id)
        s.commit()
    return Tab(f"{STAFF_DIGEST}={tokens.digest(raw)}", "/office/staff")


def customer_tab(engine, contact_id: int) -> Tab:
    with Session(engine) as s:
        raw = sessions.start(s, contact_id)
        s.commit()
    return Tab(f"{SESSION_DIGEST}={tokens.digest(raw)}; {STAFF_DIGEST}={tokens.digest(raw)}", "/office/staff")


def stored(engine) -> dict[str, tuple[str, bool]]:
    with Session(engine) as s:
        return {r.email: (Role(r.role).value, r.is_active) for r in s.exec(select(Staff))}


def test_the_owner_lists_invites_changes_and_deactivates(world, committed):
    tab = staff_tab(committed, world.owner)
    state = tab.run(StaffListState, "load")
    assert [r["name"] for r in state.rows] == ["Kylie Hart", "Liam Carter", "Olive Owner"]
    assert {r["status"] for r in state.rows} == {"Active"} and {r["mfa"] for r in state.rows} == {"No"}
    tab.run(StaffListState, "open_invite")
    state = tab.run(
        StaffListState,
        "invite",
        {"form": {"email": "Nina@Harbourside.test", "name": "Nina", "role": "office"}},
    )
    assert state.invite_errors == {} and not state.invite_open
    assert stored(committed)["nina@harbourside.test"] == ("office", True)
    assert "Invited" in {r["status"] for r in state.rows}
    with Session(committed) as s:
        assert s.exec(select(OutboxMail).where(OutboxMail.to_address == "nina@harbourside.test")).one()

    tab.run(StaffListState, "open_member", {"staff_id": str(world.tech)})
    state = tab.run(StaffListState, "save_role", {"form": {"role": "office"}})
    assert state.member_errors == {} and stored(committed)["tech@harbourside.test"] == ("office", True)
    tab.run(StaffListState, "open_member", {"staff_id": str(world.tech)})
    tab.run(StaffListState, "ask_deactivate")
    state = tab.run(StaffListState, "deactivate")
    assert stored(committed)["tech@harbourside.test"] == ("office", False)
    assert not state.member_open


def test_the_owner_sees_field_errors_beside_the_fields(world, committed):
    tab = staff_tab(committed, world.owner)
    tab.run(StaffListState, "load")
    state = tab.run(StaffListState, "invite", {"form": {"email": "office@harbourside.test", "role": "boss"}})
    assert set(state.invite_errors) == {"email", "role"}
    tab.run(StaffListState, "open_member", {"staff_id": str(world.owner)})
    state = tab.run(StaffListState, "save_role", {"form": {"role": "technician"}})
    assert "role" in state.member_errors and stored(committed)["owner@harbourside.test"] == ("owner", True)


def test_an_id_not_on_the_page_opens_nothing(world, committed):
    tab = staff_tab(committed, world.owner)
    tab.run(StaffListState, "load")
    for forged in ("999999", "-1", "abc", str(10**30)):
        state = tab.run(StaffListState, "open_member", {"staff_id": forged})
        assert not state.member_open
    state = tab.run(StaffListState, "deactivate")
    assert state.member_errors == {"form": NOT_AVAILABLE}
    assert all(active for _, active in stored(committed).values())


@pytest.mark.parametrize("who", ["office", "tech", "contact", "nobody"])
def test_other_roles_and_customers_change_nothing_even_with_forged_events(world, committed, who):
    if who == "contact":
        tab = customer_tab(committed, world.contact)
    elif who == "nobody":
        tab = Tab("", "/office/staff")
    else:
        tab = staff_tab(committed, getattr(world, who))
    before = stored(committed)
    state = tab.run(StaffListState, "load")
    assert state.rows == [] and state.total == 0
    state = tab.run(StaffListState, "go_to", {"page": 1})
    assert state.rows == []
    state = tab.run(StaffListState, "open_invite")
    assert not state.invite_open
    state = tab.run(
        StaffListState, "invite", {"form": {"email": "mallory@evil.test", "name": "M", "role": "owner"}}
    )
    assert state.invite_errors == {"form": NOT_AVAILABLE}
    state = tab.run(StaffListState, "open_member", {"staff_id": str(world.owner)})
    assert not state.member_open
    state._member_id = world.owner  # as if a row were open: the session is still re-checked
    tab.run(StaffListState, "save_role", {"form": {"role": "technician"}})
    tab.run(StaffListState, "ask_deactivate")
    tab.run(StaffListState, "deactivate")
    assert stored(committed) == before
    with Session(committed) as s:
        assert s.exec(select(OutboxMail).where(OutboxMail.to_address == "mallory@evil.test")).all() == []


def test_the_list_shows_recovery_codes_left_for_an_enrolled_login(world, committed):
    with Session(committed) as s:
        row, _, codes = enrolled(s, email="amy@harbourside.test")
        mfa.verify(s, row.id, codes[0])
        s.commit()
    state = staff_tab(committed, world.owner).run(StaffListState, "load")
    shown = {r["email"]: (r["mfa"], r["codes"]) for r in state.rows}
    assert shown["amy@harbourside.test"] == ("Yes", "9 left")
    assert shown["owner@harbourside.test"] == ("No", "-")
