"""Contacts and logins (Preferences > Profile > Contacts): each rule, and hostile input to it."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from portal import db
from portal.config import SESSION_COOKIE
from portal.core import clock
from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied, Role, StaffMember
from portal.models import (
    ALL_PAGES,
    AuditEvent,
    Contact,
    ContactSite,
    Credential,
    IntegrationEvent,
    LoginSession,
    OneTimeToken,
    OutboxMail,
    TokenPurpose,
)
from portal.models.base import too_long
from portal.services.identity import auth, contacts, principals, profile, sessions
from portal.services.identity import contact_changes as changes
from portal.services.identity.contact_changes import ContactError, ContactInput
from portal.state.identity.contacts import ContactFormState, ContactsState
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.reflex_client import Tab, client, edge_cookie

EVERY = tuple(ALL_PAGES)
WITHOUT_INVOICES = tuple(p for p in ALL_PAGES if p != "invoices")


class World:
    """A customer with an administrator (every page, every site), a limited administrator (no
    Invoices, site A only), a login without the contacts page, and another customer."""

    def __init__(self, s: Session):
        f.contractor(s)
        self.mine, self.theirs = f.customer(s, "Mine"), f.customer(s, "Theirs")
        self.a, self.b = f.site(s, self.mine, "Alpha House"), f.site(s, self.mine, "Bravo Annex")
        self.there = f.site(s, self.theirs, "Quokka Wharf")
        self.admin = f.contact(s, self.mine, email="admin@mine.example")
        self.admin.is_primary = True
        self.limited = f.contact(
            s, self.mine, email="lim@mine.example", pages=WITHOUT_INVOICES, sites=[self.a]
        )
        self.plain = f.contact(s, self.mine, email="plain@mine.example", pages=("quotes",))
        self.stranger = f.contact(s, self.theirs, email="stranger@theirs.example")
        s.add(self.admin)
        s.flush()

    def scope(self, s: Session, contact: Contact):
        return principals.scope_for(s, contact.id)


@pytest.fixture
def w(session) -> World:
    return World(session)


def person(**fields) -> ContactInput:
    base = {"first_name": "Casey", "last_name": "Nguyen", "email": "casey@mine.example"}
    return ContactInput(**{**base, **fields})


def stored(s: Session, contact_id: int) -> Contact:
    s.expire_all()
    return s.get(Contact, contact_id)


def errors_of(call) -> dict[str, str]:
    with pytest.raises(ContactError) as caught:
        call()
    return caught.value.field_errors


# --- who may use it ----------------------------------------------------------------------------


def test_only_a_login_with_the_contacts_page_may_list_read_or_change_contacts(session, w):
    plain = w.scope(session, w.plain)
    for call in (
        lambda: contacts.list_contacts(session, plain, "all", PageRequest(), TODAY),
        lambda: contacts.contact_form(session, plain, w.admin.id),
        lambda: contacts.blank_form(session, plain),
        lambda: contacts.site_choices(session, plain),
        lambda: changes.save_contact(session, plain, None, person()),
        lambda: changes.save_contact(session, plain, w.plain.id, person(pages=EVERY)),
        lambda: changes.send_setup_email(session, plain, w.admin.id),
        lambda: changes.send_password_reset(session, plain, w.admin.id),
    ):
        with pytest.raises(AccessDenied):
            call()
    staff = StaffMember(1, "Office", Role.OWNER)
    with pytest.raises(AccessDenied):
        changes.save_contact(session, staff, None, person())
    assert stored(session, w.plain.id).pages == ["quotes"]


def test_a_principal_built_before_its_contacts_page_was_removed_is_refused(session, w):
    admin = w.scope(session, w.admin)
    w.admin.pages = ["quotes"]
    session.add(w.admin)
    session.flush()
    with pytest.raises(AccessDenied):
        changes.save_contact(session, admin, None, person())


# --- the list and the grid -----------------------------------------------------------------------


def test_list_shows_roles_login_username_and_access_of_the_customers_contacts_only(session, w):
    page = contacts.list_contacts(session, w.scope(session, w.admin), "all", PageRequest(), TODAY)
    emails = {r.email for r in page.rows}
    assert emails == {"admin@mine.example", "lim@mine.example", "plain@mine.example"}
    lim = next(r for r in page.rows if r.email == "lim@mine.example")
    assert (lim.username, lim.login_active, lim.sites_text) == ("lim@mine.example", True, "1 site")
    assert lim.pages == WITHOUT_INVOICES
    admin = next(r for r in page.rows if r.email == "admin@mine.example")
    assert admin.is_primary and admin.sites_text == "All"


def test_last_sign_in_is_the_newest_session(session, w):
    older, newer = datetime(2026, 3, 2, 9, 0, tzinfo=UTC), datetime(2026, 3, 9, 16, 30, tzinfo=UTC)
    sessions.start(session, w.plain.id, now=newer)
    sessions.start(session, w.plain.id, now=older)
    page = contacts.list_contacts(session, w.scope(session, w.admin), "logins", PageRequest(), TODAY)
    row = next(r for r in page.rows if r.id == w.plain.id)
    assert row.last_sign_in is not None and row.last_sign_in.replace(tzinfo=UTC) == newer
    assert next(r for r in page.rows if r.id == w.admin.id).last_sign_in is None


def test_the_list_offers_a_setup_email_only_to_a_login_without_a_password(session, w):
    session.add(Credential(contact_id=w.limited.id, password_hash="x"))
    session.flush()
    page = contacts.list_contacts(session, w.scope(session, w.admin), "logins", PageRequest(), TODAY)
    state = ContactsState()
    setup = {r.email: state._format(r)["setup"] for r in page.rows}
    assert setup == {"admin@mine.example": "yes", "lim@mine.example": "", "plain@mine.example": "yes"}


def test_csv_escapes_formula_cells_in_names(session, w):
    changes.save_contact(session, w.scope(session, w.admin), None, person(first_name="=HYPERLINK(1)"))
    text = "".join(contacts.CONTACTS.csv(session, w.scope(session, w.admin), "all", PageRequest(), TODAY))
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["First Name", "Last Name"]
    assert ["'=HYPERLINK(1)", "Nguyen"] in [r[:2] for r in rows]


# --- create and edit -----------------------------------------------------------------------------


def test_create_contact_with_roles_and_no_login(session, w):
    saved = changes.save_contact(
        session,
        w.scope(session, w.admin),
        None,
        person(position="Site manager", phone="07 1234 5678", is_job_contact=True, is_statement_contact=True),
    )
    row = stored(session, saved.contact_id)
    assert (row.customer_id, row.first_name, row.position, row.phone) == (
        w.mine.id,
        "Casey",
        "Site manager",
        "07 1234 5678",
    )
    assert row.is_job_contact and row.is_statement_contact and not row.is_quote_contact
    assert not row.login_active and row.username is None and not saved.invited


def test_first_name_is_required_and_texts_are_limited(session, w):
    admin = w.scope(session, w.admin)
    said = errors_of(lambda: changes.save_contact(session, admin, None, person(first_name="  \n ")))
    assert said == {"first_name": changes.FIRST_NAME_NEEDED}
    said = errors_of(
        lambda: changes.save_contact(session, admin, None, person(last_name="x" * 101, phone="9" * 41))
    )
    assert said == {"last_name": too_long(100), "phone": too_long(40)}
    assert session.exec(select(Contact).where(Contact.first_name == "Casey")).all() == []


@pytest.mark.parametrize(
    "email",
    [
        "no-at-sign",
        "a@b",
        "two@@example.com",
        "a b@example.com",
        "x@example.com, y@example.com",
        "<a@b.co>",
        "é@example.com",
        "a@" + "d" * 70 + ".com",
        "a@example.com\nBcc: them@example.com",
    ],
)
def test_bad_emails_are_refused_beside_the_field(session, w, email):
    said = errors_of(
        lambda: changes.save_contact(session, w.scope(session, w.admin), None, person(email=email))
    )
    assert said == {"email": changes.EMAIL_BAD}


def test_html_and_control_characters_are_kept_as_plain_text(session, w):
    saved = changes.save_contact(
        session,
        w.scope(session, w.admin),
        None,
        person(first_name="<script>alert(1)</script>", last_name="Lee\u202e\x00\n\tJr"),
    )
    row = stored(session, saved.contact_id)
    assert (row.first_name, row.last_name) == ("<script>alert(1)</script>", "Lee Jr")


def test_every_change_is_audited_before_and_after_and_sent_to_the_back_office(session, w):
    admin = w.scope(session, w.admin)
    saved = changes.save_contact(session, admin, None, person())
    changes.save_contact(session, admin, saved.contact_id, person(position="Owner"))
    audits = session.exec(
        select(AuditEvent).where(
            AuditEvent.target_type == "contact", AuditEvent.target_id == saved.contact_id
        )
    ).all()
    assert [a.action for a in audits] == ["contact_created", "contact_updated"]
    assert audits[0].contact_id == w.admin.id, "the actor is the administrator"
    assert (audits[1].detail["before"]["position"], audits[1].detail["after"]["position"]) == ("", "Owner")
    sent = session.exec(
        select(IntegrationEvent)
        .where(IntegrationEvent.customer_id == w.mine.id)
        .order_by(IntegrationEvent.id)
    ).all()
    assert [e.kind for e in sent] == ["contact.created", "contact.updated"], "nothing else, nothing twice"
    created, updated = (e.payload for e in sent)
    assert created["contact_id"] == saved.contact_id and created["before"] == {}
    assert created["after"]["first_name"] == "Casey" and created["after"]["email"] == "casey@mine.example"
    assert set(created["after"]) >= {*contacts.DETAILS, *contacts.FLAGS, "pages", "site_ids", "username"}
    assert (updated["before"]["position"], updated["after"]["position"]) == ("", "Owner")
    assert "password" not in repr(sent) and "token" not in repr(sent)


def test_a_save_that_changes_nothing_writes_no_event(session, w):
    admin = w.scope(session, w.admin)
    saved = changes.save_contact(session, admin, None, person(site_ids=(w.a.id,)))
    counts = (len(session.exec(select(AuditEvent)).all()), len(session.exec(select(IntegrationEvent)).all()))
    again = changes.save_contact(session, admin, saved.contact_id, person(site_ids=(w.a.id,)))
    assert again.contact_id == saved.contact_id
    assert (
        len(session.exec(select(AuditEvent)).all()),
        len(session.exec(select(IntegrationEvent)).all()),
    ) == counts


# --- primary contact -----------------------------------------------------------------------------


def test_making_a_contact_primary_clears_the_other_and_the_primary_cannot_be_unticked(session, w):
    admin = w.scope(session, w.admin)
    saved = changes.save_contact(session, admin, None, person(is_primary=True))
    assert stored(session, saved.contact_id).is_primary
    assert not stored(session, w.admin.id).is_primary
    primaries = session.exec(
        select(Contact).where(Contact.customer_id == w.mine.id, Contact.is_primary.is_(True))
    ).all()
    assert len(primaries) == 1
    said = errors_of(lambda: changes.save_contact(session, admin, saved.contact_id, person(is_primary=False)))
    assert said == {"primary": changes.PRIMARY_NEEDED}


def test_the_contact_that_loses_primary_gets_its_own_events(session, w):
    changes.save_contact(session, w.scope(session, w.admin), None, person(is_primary=True))
    audit = session.exec(
        select(AuditEvent).where(AuditEvent.target_type == "contact", AuditEvent.target_id == w.admin.id)
    ).one()
    assert audit.action == "contact_updated"
    assert (audit.detail["before"]["is_primary"], audit.detail["after"]["is_primary"]) == (True, False)
    sent = session.exec(select(IntegrationEvent).where(IntegrationEvent.kind == "contact.updated")).one()
    assert sent.payload["contact_id"] == w.admin.id and sent.payload["after"]["is_primary"] is False


def test_the_first_contact_of_a_customer_without_a_primary_becomes_primary(session, w):
    w.admin.is_primary = False
    session.add(w.admin)
    session.flush()
    saved = changes.save_contact(session, w.scope(session, w.admin), None, person())
    assert stored(session, saved.contact_id).is_primary


# --- logins --------------------------------------------------------------------------------------


def test_login_active_needs_an_email_and_sends_the_setup_email(session, w):
    admin = w.scope(session, w.admin)
    said = errors_of(
        lambda: changes.save_contact(
            session, admin, None, person(email="", login_active=True, all_sites=True)
        )
    )
    assert said == {"email": changes.EMAIL_NEEDED}
    saved = changes.save_contact(
        session,
        admin,
        None,
        person(email="Casey@Mine.Example", login_active=True, pages=("quotes",), all_sites=True),
    )
    row = stored(session, saved.contact_id)
    assert saved.invited and row.login_active and row.username == "casey@mine.example"
    sent = session.exec(select(OutboxMail).where(OutboxMail.to_address == "Casey@mine.example")).one()
    assert "/setup?token=" in sent.body_text and "7 days" in sent.body_text
    enabled = session.exec(
        select(IntegrationEvent).where(IntegrationEvent.kind == "contact.login_enabled")
    ).one()
    assert enabled.payload == {"contact_id": saved.contact_id, "username": "casey@mine.example"}
    setup = session.exec(
        select(AuditEvent).where(AuditEvent.target_id == saved.contact_id, AuditEvent.action == "invite_sent")
    ).one()
    assert setup.contact_id == w.admin.id, "the administrator sent it"


def test_a_login_needs_sites(session, w):
    said = errors_of(
        lambda: changes.save_contact(session, w.scope(session, w.admin), None, person(login_active=True))
    )
    assert said == {"sites": changes.SITES_NEEDED}


def test_the_setup_link_sets_a_password_once_and_signs_in_as_the_new_login(session, w):
    admin = w.scope(session, w.admin)
    saved = changes.save_contact(
        session, admin, None, person(login_active=True, pages=("quotes",), site_ids=(w.b.id,))
    )
    raw = auth.send_invite(session, saved.contact_id)  # the raw token, as the mail carries it
    auth.accept_invite(session, raw, "casey@mine.example", "Harbour-Lights-2031", "Harbour-Lights-2031")
    scope = principals.scope_for(session, saved.contact_id)
    assert scope.pages == {"quotes"} and scope.site_ids == {w.b.id}
    with pytest.raises(auth.AuthError):
        auth.accept_invite(session, raw, "casey@mine.example", "Harbour-Lights-2031", "Harbour-Lights-2031")


def test_a_username_or_email_that_would_collide_is_refused(session, w):
    admin = w.scope(session, w.admin)
    said = errors_of(
        lambda: changes.save_contact(
            session, admin, None, person(email="STRANGER@theirs.example", login_active=True, all_sites=True)
        )
    )
    assert said == {"email": changes.EMAIL_IN_USE}
    # Without a login the address may be shared (a shared mailbox of two people).
    changes.save_contact(session, admin, None, person(email="stranger@theirs.example"))


def _password(s: Session, contact: Contact) -> None:
    s.add(Credential(contact_id=contact.id, password_hash="x"))
    s.flush()


def test_a_logins_new_email_waits_for_its_link_and_the_old_address_is_told(session, w):
    """A colleague cannot move a login to a mailbox of its choice and then mail it a reset link."""
    _password(session, w.plain)
    changes.send_password_reset(session, w.scope(session, w.admin), w.plain.id)
    saved = changes.save_contact(
        session,
        w.scope(session, w.admin),
        w.plain.id,
        person(email="Grabbed@Mine.example", login_active=True, pages=("quotes",), all_sites=True),
    )
    assert saved.confirmation_sent_to == "Grabbed@mine.example"
    row = stored(session, w.plain.id)
    assert (row.email, row.username) == ("plain@mine.example", "plain@mine.example")
    live = session.exec(
        select(OneTimeToken).where(OneTimeToken.contact_id == w.plain.id, OneTimeToken.voided_at.is_(None))
    ).all()
    assert [(t.purpose, t.new_email) for t in live] == [(TokenPurpose.EMAIL, "Grabbed@mine.example")]
    (confirm,) = session.exec(select(OutboxMail).where(OutboxMail.to_address == "Grabbed@mine.example")).all()
    assert "token=" in confirm.body_text
    told = session.exec(select(OutboxMail).where(OutboxMail.to_address == "plain@mine.example")).all()
    assert any("Grabbed@mine.example" in m.body_text and "token=" not in m.body_text for m in told)
    # Reset Password still goes to the address the login's owner reads.
    assert changes.send_password_reset(session, w.scope(session, w.admin), w.plain.id) == "plain@mine.example"
    assert contacts.contact_form(session, w.scope(session, w.admin), w.plain.id).pending_email == (
        "Grabbed@mine.example"
    )


def test_the_new_email_is_the_logins_once_its_link_is_followed(session, w):
    _password(session, w.plain)
    changes.save_contact(
        session,
        w.scope(session, w.admin),
        w.plain.id,
        person(email="moved@mine.example", login_active=True, pages=("quotes",), all_sites=True),
    )
    body = (
        session.exec(select(OutboxMail).where(OutboxMail.to_address == "moved@mine.example")).one().body_text
    )
    raw = body.split("token=")[1].split()[0]
    # The colleague who asked for it cannot confirm it: only the login itself, signed in.
    with pytest.raises(profile.ProfileError) as refused:
        profile.confirm_email(session, raw, sessions.start(session, w.admin.id))
    assert refused.value.field_errors == {"form": profile.OTHER_LOGIN}
    assert stored(session, w.plain.id).email == "plain@mine.example"
    profile.confirm_email(session, raw, sessions.start(session, w.plain.id))
    row = stored(session, w.plain.id)
    assert (row.email, row.username) == ("moved@mine.example", "plain@mine.example")


def test_a_contact_without_a_login_has_its_email_edited_directly(session, w):
    admin = w.scope(session, w.admin)
    saved = changes.save_contact(session, admin, None, person())
    again = changes.save_contact(session, admin, saved.contact_id, person(email="other@mine.example"))
    assert (
        again.confirmation_sent_to == "" and stored(session, saved.contact_id).email == "other@mine.example"
    )
    assert session.exec(select(OneTimeToken)).all() == []


def test_a_logins_email_cannot_change_while_its_login_is_off(session, w):
    _password(session, w.plain)
    w.plain.login_active = False
    session.add(w.plain)
    session.flush()
    said = errors_of(
        lambda: changes.save_contact(
            session, w.scope(session, w.admin), w.plain.id, person(email="new@mine.example")
        )
    )
    assert said == {"email": changes.EMAIL_NEEDS_LOGIN}


def test_a_login_cannot_take_an_address_another_active_login_uses(session, w):
    w.limited.email = "shared@mine.example"  # its username stays lim@mine.example
    session.add(w.limited)
    session.flush()
    admin = w.scope(session, w.admin)
    for contact_id, form in (
        (None, person(email="Shared@mine.example", login_active=True, all_sites=True)),
        (
            w.plain.id,
            person(email="shared@mine.example", login_active=True, pages=("quotes",), all_sites=True),
        ),
    ):
        said = errors_of(
            lambda contact_id=contact_id, form=form: changes.save_contact(session, admin, contact_id, form)
        )
        assert said == {"email": changes.EMAIL_IN_USE}


def test_a_username_taken_a_moment_ago_is_said_beside_the_email(session, w, monkeypatch):
    """Two administrators saving the same address at once: the database's unique username decides."""
    monkeypatch.setattr(changes.profile, "email_taken", lambda *args: False)
    said = errors_of(
        lambda: changes.save_contact(
            session,
            w.scope(session, w.admin),
            None,
            person(email="stranger@theirs.example", login_active=True, all_sites=True),
        )
    )
    assert said == {"email": changes.EMAIL_IN_USE}


def test_turning_a_login_off_ends_its_sessions_and_links_at_once(session, w):
    raw = sessions.start(session, w.plain.id)
    auth.send_invite(session, w.plain.id)
    changes.save_contact(session, w.scope(session, w.admin), w.plain.id, person(email="plain@mine.example"))
    assert sessions.resolve(session, raw) is None
    live = session.exec(
        select(LoginSession).where(LoginSession.contact_id == w.plain.id, LoginSession.revoked_at.is_(None))
    ).all()
    assert live == []
    tokens_left = session.exec(
        select(OneTimeToken).where(OneTimeToken.contact_id == w.plain.id, OneTimeToken.voided_at.is_(None))
    ).all()
    assert tokens_left == []
    kinds = session.exec(select(IntegrationEvent.kind).where(IntegrationEvent.customer_id == w.mine.id)).all()
    assert "contact.login_disabled" in kinds
    # Turned on again, it may be used once more.
    changes.save_contact(
        session,
        w.scope(session, w.admin),
        w.plain.id,
        person(email="plain@mine.example", login_active=True, all_sites=True),
    )
    assert principals.scope_for(session, w.plain.id) is not None


def test_turning_a_login_with_a_password_on_again_sends_no_setup_email(session, w):
    _password(session, w.plain)
    admin = w.scope(session, w.admin)
    off = person(email="plain@mine.example", pages=("quotes",), all_sites=True)
    changes.save_contact(session, admin, w.plain.id, off)
    saved = changes.save_contact(session, admin, w.plain.id, replace(off, login_active=True))
    assert not saved.invited and session.exec(select(OutboxMail)).all() == []
    assert principals.scope_for(session, w.plain.id).pages == {"quotes"}
    kinds = session.exec(select(AuditEvent.action).where(AuditEvent.target_id == w.plain.id)).all()
    assert kinds.count("contact_login_enabled") == 1 and kinds.count("contact_login_disabled") == 1


def test_only_a_login_with_every_site_of_a_contact_may_turn_it_on(session, w):
    admin, limited = w.scope(session, w.admin), w.scope(session, w.limited)
    saved = changes.save_contact(session, admin, None, person(site_ids=(w.a.id, w.b.id)))
    said = errors_of(
        lambda: changes.save_contact(
            session, limited, saved.contact_id, person(login_active=True, site_ids=(w.a.id,))
        )
    )
    assert said == {"sites": changes.UNSEEN_SITES}
    assert not stored(session, saved.contact_id).login_active


def test_the_last_login_that_can_manage_contacts_cannot_be_removed(session, w):
    w.limited.pages = ["quotes"]
    session.add(w.limited)
    session.flush()
    admin = w.scope(session, w.admin)
    me = person(email="admin@mine.example", is_primary=True, all_sites=True, login_active=True)
    said = errors_of(lambda: changes.save_contact(session, admin, w.admin.id, replace(me, pages=("quotes",))))
    assert said == {"pages": changes.LAST_MANAGER}
    said = errors_of(
        lambda: changes.save_contact(session, admin, w.admin.id, replace(me, login_active=False))
    )
    assert said == {"login": changes.LAST_MANAGER}
    # A second manager whose invite is still pending cannot sign in, so does not count.
    changes.save_contact(
        session,
        admin,
        w.plain.id,
        person(email="plain@mine.example", login_active=True, pages=EVERY, all_sites=True),
    )
    said = errors_of(lambda: changes.save_contact(session, admin, w.admin.id, replace(me, pages=("quotes",))))
    assert said == {"pages": changes.LAST_MANAGER}
    # Once it has a password, either may step down.
    _password(session, w.plain)
    changes.save_contact(session, admin, w.admin.id, replace(me, pages=("quotes",)))
    assert stored(session, w.admin.id).pages == ["quotes"]


# --- giving only what one has ---------------------------------------------------------------------


def test_a_contact_cannot_give_a_page_it_does_not_have(session, w):
    limited = w.scope(session, w.limited)
    said = errors_of(
        lambda: changes.save_contact(
            session,
            limited,
            w.plain.id,
            person(
                email="plain@mine.example",
                login_active=True,
                pages=("quotes", "invoices"),
                site_ids=(w.a.id,),
            ),
        )
    )
    assert said == {"pages": "Your login does not include Invoices, so you cannot give it."}
    assert stored(session, w.plain.id).pages == ["quotes"]
    # Nor to itself.
    said = errors_of(
        lambda: changes.save_contact(
            session,
            limited,
            w.limited.id,
            person(email="lim@mine.example", login_active=True, pages=EVERY, site_ids=(w.a.id,)),
        )
    )
    assert "pages" in said


def test_keeping_or_removing_a_page_one_lacks_is_not_giving_it(session, w):
    limited = w.scope(session, w.limited)
    w.plain.pages = ["quotes", "invoices"]
    session.add(w.plain)
    session.flush()
    changes.save_contact(
        session,
        limited,
        w.plain.id,
        person(
            first_name="Kept",
            email="plain@mine.example",
            login_active=True,
            pages=("quotes", "invoices"),
            all_sites=True,
        ),
    )
    changes.save_contact(
        session,
        limited,
        w.plain.id,
        person(email="plain@mine.example", login_active=True, pages=("quotes",), all_sites=True),
    )
    assert stored(session, w.plain.id).pages == ["quotes"]


def test_a_contact_cannot_give_a_site_it_does_not_have(session, w):
    limited = w.scope(session, w.limited)
    said = errors_of(lambda: changes.save_contact(session, limited, None, person(site_ids=(w.b.id,))))
    assert said == {"sites": changes.SITES_UNKNOWN}
    said = errors_of(lambda: changes.save_contact(session, limited, None, person(all_sites=True)))
    assert said == {"sites": changes.ALL_SITES_NOT_YOURS}
    saved = changes.save_contact(session, limited, None, person(site_ids=(w.a.id,)))
    assert session.exec(
        select(ContactSite.site_id).where(ContactSite.contact_id == saved.contact_id)
    ).all() == [w.a.id]


def test_sites_a_limited_contact_cannot_see_are_kept_and_never_named(session, w):
    admin, limited = w.scope(session, w.admin), w.scope(session, w.limited)
    saved = changes.save_contact(session, admin, None, person(site_ids=(w.a.id, w.b.id)))
    form = contacts.contact_form(session, limited, saved.contact_id)
    assert [s.name for s in form.assigned] == ["Alpha House"] and form.unseen_sites == 1
    assert "Bravo" not in repr(form)
    changes.save_contact(session, limited, saved.contact_id, person(first_name="Again", site_ids=()))
    kept = session.exec(select(ContactSite.site_id).where(ContactSite.contact_id == saved.contact_id)).all()
    assert kept == [w.b.id]


def test_a_login_with_more_access_cannot_be_sent_to_another_mailbox(session, w):
    limited = w.scope(session, w.limited)
    said = errors_of(
        lambda: changes.save_contact(
            session,
            limited,
            w.admin.id,
            person(
                email="mine-now@mine.example", is_primary=True, login_active=True, pages=EVERY, all_sites=True
            ),
        )
    )
    assert said == {"email": changes.OUTRANKED}
    for send in (changes.send_password_reset, changes.send_setup_email):
        assert errors_of(lambda send=send: send(session, limited, w.admin.id)) == {"form": changes.OUTRANKED}


# --- ids from the browser -------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [None, "", "abc", -1, 0, 2**31, 2**63, "1 OR 1=1", [1], {"id": 1}])
def test_junk_ids_find_nothing(session, w, bad):
    admin = w.scope(session, w.admin)
    assert contacts.contact_form(session, admin, bad) is None
    if bad is not None:
        assert errors_of(lambda: changes.save_contact(session, admin, bad, person())) == {
            "form": changes.NOT_AVAILABLE
        }
    assert errors_of(lambda: changes.send_password_reset(session, admin, bad)) == {
        "form": changes.NOT_AVAILABLE
    }


def test_another_customers_contact_and_site_ids_find_nothing(session, w):
    admin = w.scope(session, w.admin)
    assert contacts.contact_form(session, admin, w.stranger.id) is None
    assert contacts.contact_form(session, admin, str(w.stranger.id)) is None
    said = errors_of(lambda: changes.save_contact(session, admin, w.stranger.id, person(first_name="Hijack")))
    assert said == {"form": changes.NOT_AVAILABLE}
    for send in (changes.send_password_reset, changes.send_setup_email):
        assert errors_of(lambda send=send: send(session, admin, w.stranger.id)) == {
            "form": changes.NOT_AVAILABLE
        }
    said = errors_of(lambda: changes.save_contact(session, admin, None, person(site_ids=(w.there.id,))))
    assert said == {"sites": changes.SITES_UNKNOWN}
    for junk in ((2**63,), ("x" * 5000,), (True,), (None,), ("9" * 5000,)):
        said = errors_of(lambda junk=junk: changes.save_contact(session, admin, None, person(site_ids=junk)))
        assert said == {"sites": changes.SITES_UNKNOWN}
    assert stored(session, w.stranger.id).first_name == "Pat"
    assert session.exec(select(OutboxMail)).all() == []


def test_unknown_pages_are_refused(session, w):
    admin = w.scope(session, w.admin)
    for pages in (("quotes", "admin"), ("quotes",) * 50, (None,), ({"a": 1},)):
        said = errors_of(lambda pages=pages: changes.save_contact(session, admin, None, person(pages=pages)))
        assert said == {"pages": changes.PAGES_UNKNOWN}


# --- mail from the list ----------------------------------------------------------------------------


def test_reset_password_mails_a_working_link(session, w):
    admin = w.scope(session, w.admin)
    to = changes.send_password_reset(session, admin, w.plain.id)
    assert to == "plain@mine.example"
    body = session.exec(select(OutboxMail).where(OutboxMail.to_address == to)).one().body_text
    assert "/reset?token=" in body
    token = session.exec(
        select(OneTimeToken).where(
            OneTimeToken.contact_id == w.plain.id, OneTimeToken.purpose == TokenPurpose.RESET
        )
    ).one()
    assert token.used_at is None and token.expires_at > clock.now()


def test_setup_and_reset_need_a_live_login(session, w):
    admin = w.scope(session, w.admin)
    saved = changes.save_contact(session, admin, None, person())
    for send in (changes.send_password_reset, changes.send_setup_email):
        assert errors_of(lambda send=send: send(session, admin, saved.contact_id)) == {
            "login": changes.LOGIN_OFF
        }


def test_no_setup_email_for_a_login_that_has_a_password(session, w):
    """A setup link would let its holder choose the login's password and username: Reset Password."""
    _password(session, w.plain)
    said = errors_of(lambda: changes.send_setup_email(session, w.scope(session, w.admin), w.plain.id))
    assert said == {"form": changes.SETUP_DONE}
    assert session.exec(select(OutboxMail)).all() == [] and session.exec(select(OneTimeToken)).all() == []


def test_accepting_a_setup_link_ends_the_logins_other_sessions(session, w):
    raw_session = sessions.start(session, w.plain.id)
    raw = auth.send_invite(session, w.plain.id)
    auth.accept_invite(session, raw, "plain@mine.example", "Harbour-Lights-2031", "Harbour-Lights-2031")
    assert sessions.resolve(session, raw_session) is None


def test_a_setup_email_is_one_audit_event(session, w):
    changes.send_setup_email(session, w.scope(session, w.admin), w.plain.id)
    audits = session.exec(select(AuditEvent).where(AuditEvent.target_id == w.plain.id)).all()
    assert [(a.action, a.contact_id, a.detail["to"]) for a in audits] == [
        ("invite_sent", w.admin.id, "plain@mine.example")
    ]


def test_a_principal_built_before_its_pages_and_sites_were_narrowed_gives_only_what_it_has_now(session, w):
    stale = w.scope(session, w.admin)  # every page, every site
    w.admin.pages = list(WITHOUT_INVOICES)
    w.admin.all_sites = False
    session.add(w.admin)
    session.add(ContactSite(contact_id=w.admin.id, site_id=w.a.id))
    session.flush()
    plain = person(email="plain@mine.example", login_active=True, pages=("quotes",), site_ids=(w.a.id,))
    said = errors_of(lambda: changes.save_contact(session, stale, w.plain.id, replace(plain, pages=EVERY)))
    assert said == {"pages": "Your login does not include Invoices, so you cannot give it."}
    said = errors_of(lambda: changes.save_contact(session, stale, None, person(all_sites=True)))
    assert said == {"sites": changes.ALL_SITES_NOT_YOURS}
    said = errors_of(lambda: changes.save_contact(session, stale, None, person(site_ids=(w.b.id,))))
    assert said == {"sites": changes.SITES_UNKNOWN}


def test_setup_email_again_voids_the_earlier_link(session, w):
    admin = w.scope(session, w.admin)
    changes.send_setup_email(session, admin, w.plain.id)
    changes.send_setup_email(session, admin, w.plain.id)
    live = session.exec(
        select(OneTimeToken).where(
            OneTimeToken.contact_id == w.plain.id,
            OneTimeToken.purpose == TokenPurpose.INVITE,
            OneTimeToken.voided_at.is_(None),
        )
    ).all()
    assert len(live) == 1 and session.get(Credential, w.plain.id) is None


# --- forged events, as a browser sends them ------------------------------------------------------


@pytest.fixture
def world(committed, monkeypatch):
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def _tab(engine, contact: Contact, path: str = "/", **query: str) -> Tab:
    with Session(engine) as s:
        raw = sessions.start(s, contact.id)
        s.commit()
    return Tab(edge_cookie(raw), path, query)


def _fresh(engine, contact_id: int) -> Contact:
    with Session(engine) as s:
        return s.get(Contact, contact_id)


FORM = {"first_name": "Forged", "last_name": "Person", "email": "forged@mine.example"}


def test_a_login_without_the_contacts_page_is_refused_by_every_handler(world, committed):
    tab = _tab(committed, world.plain, f"/preferences/contacts/{world.admin.id}")
    assert tab.run(ContactFormState, "load").loaded is False
    tab.run(ContactFormState, "load_new")
    tab.run(ContactFormState, "set_page", {"page": "contacts", "value": True})
    tab.run(ContactFormState, "save", {"form": FORM})
    tab.run(ContactsState, "send_setup", {"contact_id": str(world.admin.id)})
    tab.run(ContactsState, "reset_password", {"contact_id": str(world.admin.id)})
    shown = tab.run(ContactsState, "load")
    assert shown.rows == [] and shown.total == 0
    with Session(committed) as s:
        assert s.exec(select(Contact).where(Contact.first_name == "Forged")).all() == []
        assert s.exec(select(OutboxMail)).all() == []
    assert "admin@mine.example" not in tab.shown()


def test_a_forged_event_cannot_give_a_page_the_sender_lacks(world, committed):
    tab = _tab(committed, world.limited, f"/preferences/contacts/{world.plain.id}")
    form = tab.run(ContactFormState, "load")
    assert form.loaded and "invoices" not in form.grantable
    tab.run(ContactFormState, "set_login", {"value": True})
    tab.run(ContactFormState, "set_page", {"page": "invoices", "value": True})
    tab.run(ContactFormState, "assign_site", {"site_id": str(world.a.id)})
    tab.run(ContactFormState, "assign_site", {"site_id": str(world.b.id)})  # not offered to this login
    tab.run(ContactFormState, "assign_site", {"site_id": str(world.there.id)})  # another customer's
    assert [s["id"] for s in tab.state(ContactFormState).assigned] == [str(world.a.id)]
    shown = tab.run(ContactFormState, "save", {"form": {**FORM, "email": "plain@mine.example"}})
    assert shown.errors == {"pages": "Your login does not include Invoices, so you cannot give it."}
    assert _fresh(committed, world.plain.id).pages == ["quotes"]
    shown = tab.run(ContactFormState, "set_all_sites", {"value": True})
    tab.run(ContactFormState, "set_page", {"page": "invoices", "value": False})
    shown = tab.run(ContactFormState, "save", {"form": {**FORM, "email": "plain@mine.example"}})
    assert shown.errors == {}, "keeping the all sites it already had is not giving them"
    kept = _fresh(committed, world.plain.id)
    assert (kept.all_sites, kept.pages, kept.first_name) == (True, ["quotes"], "Forged")


def test_the_form_saves_what_the_screen_shows_and_names_no_hidden_site(world, committed):
    tab = _tab(committed, world.limited, "/preferences/contacts/new")
    form = tab.run(ContactFormState, "load_new")
    assert [s["name"] for s in form.available] == ["Alpha House"]
    assert "Bravo" not in tab.shown()
    tab.run(ContactFormState, "set_flag", {"name": "is_quote_contact", "value": True})
    tab.run(ContactFormState, "set_flag", {"name": "is_primary; DROP", "value": True})
    tab.run(ContactFormState, "set_page", {"page": "quotes", "value": True})
    tab.run(ContactFormState, "assign_site", {"site_id": str(world.a.id)})
    tab.run(ContactFormState, "save", {"form": {**FORM, "first_name": "x" * 100_000}})
    assert tab.state(ContactFormState).errors == {"first_name": too_long(100)}
    tab.run(ContactFormState, "save", {"form": FORM})
    with Session(committed) as s:
        made = s.exec(select(Contact).where(Contact.first_name == "Forged")).one()
        sites = s.exec(select(ContactSite.site_id).where(ContactSite.contact_id == made.id)).all()
    assert (
        made.is_quote_contact and not made.is_primary and made.pages == ["quotes"] and sites == [world.a.id]
    )


def test_another_customers_contact_id_in_the_address_or_an_event_finds_nothing(world, committed):
    tab = _tab(committed, world.admin, f"/preferences/contacts/{world.stranger.id}")
    shown = tab.run(ContactFormState, "load")
    assert shown.missing and shown.first_name == ""
    tab.run(ContactFormState, "save", {"form": FORM})
    tab.run(ContactsState, "send_setup", {"contact_id": str(world.stranger.id)})
    tab.run(ContactsState, "reset_password", {"contact_id": world.stranger.id})
    assert "stranger@theirs.example" not in tab.shown()
    assert _fresh(committed, world.stranger.id).first_name == "Pat"
    with Session(committed) as s:
        assert (
            s.exec(select(OutboxMail).where(OutboxMail.to_address == "stranger@theirs.example")).all() == []
        )


def test_the_contacts_csv_needs_the_contacts_page(world, committed):
    def get(contact):
        with Session(committed) as s:
            raw = sessions.start(s, contact.id)
            s.commit()
        with client() as http:
            return http.get("/export/contacts.csv?tab=all", cookies={SESSION_COOKIE: raw})

    assert get(world.plain).status_code == 403
    resp = get(world.admin)
    assert resp.status_code == 200 and "lim@mine.example" in resp.text and "stranger" not in resp.text


def test_saving_a_new_contact_twice_makes_one_contact(world, committed):
    """A double click on Save: the second event edits the contact the first made, and changes nothing."""
    tab = _tab(committed, world.admin, "/preferences/contacts/new")
    tab.run(ContactFormState, "load_new")
    tab.run(ContactFormState, "save", {"form": FORM})
    shown = tab.run(ContactFormState, "save", {"form": FORM})
    assert shown.errors == {} and not shown.is_new
    with Session(committed) as s:
        made = s.exec(select(Contact).where(Contact.first_name == "Forged")).all()
        assert len(made) == 1
        audits = s.exec(select(AuditEvent.action).where(AuditEvent.target_id == made[0].id)).all()
    assert audits == ["contact_created"]


def test_a_login_never_set_up_has_its_address_corrected_and_a_new_setup_link_sent(session, w):
    """An invite that went to a wrong address: no password means no mailbox to take over, so the
    address changes at once, the old link stops working and the new address gets one."""
    admin = w.scope(session, w.admin)
    saved = changes.save_contact(
        session, admin, None, person(email="typo@mine.exmaple", login_active=True, all_sites=True)
    )
    first = session.exec(select(OneTimeToken).where(OneTimeToken.contact_id == saved.contact_id)).one()
    again = changes.save_contact(
        session,
        admin,
        saved.contact_id,
        person(email="casey@mine.example", login_active=True, all_sites=True),
    )
    row = stored(session, saved.contact_id)
    assert (row.email, row.username) == ("casey@mine.example", "casey@mine.example")
    assert again.invited and again.confirmation_sent_to == ""
    session.refresh(first)
    assert first.voided_at is not None, "the link mailed to the wrong address is dead"
    sent = session.exec(select(OutboxMail).where(OutboxMail.to_address == "casey@mine.example")).one()
    assert "/setup?token=" in sent.body_text


def test_a_login_never_set_up_with_more_access_cannot_be_readdressed(session, w):
    admin = w.scope(session, w.admin)
    saved = changes.save_contact(
        session, admin, None, person(email="casey@mine.example", login_active=True, all_sites=True)
    )
    said = errors_of(
        lambda: changes.save_contact(
            session,
            w.scope(session, w.limited),
            saved.contact_id,
            person(email="mine@lim.example", login_active=True, all_sites=True),
        )
    )
    assert said == {"email": changes.OUTRANKED}
    assert stored(session, saved.contact_id).email == "casey@mine.example"
