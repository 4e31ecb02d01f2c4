"""Contacts and logins: the list with its access grid, and one contact's form.

Every handler asks for the signed-in contact with the ``contacts`` page again, and the services ask
once more, so neither a stale screen nor a forged event gets past them. The id of the contact on
the form lives in a backend var; the choices on screen (pages, sites, switches) are only what the
form sends, and the service decides what may be saved.
"""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import tenant
from portal.core.lists import Page, PageRequest
from portal.db import unit_of_work
from portal.models import ALL_PAGES
from portal.models import Page as PageKey
from portal.services.identity import contact_changes as changes
from portal.services.identity import contacts
from portal.services.identity.contact_changes import ContactError, ContactInput
from portal.state import arguments
from portal.state.display import DASH, day
from portal.state.identity.contact_choices import ContactChoices
from portal.state.listing import ListState
from portal.state.session import SessionState

PAGE = PageKey.CONTACTS
LIST_ROUTE = "/preferences/contacts"
FLAGS = contacts.FLAGS
# The list's Contact For column is narrow; the CSV and the form say "Statement & Overdue Letter".
SHORT_ROLES = {"Statement & Overdue Letter": "Statement"}
TEXTS = contacts.DETAILS


def _failed(exc: ContactError) -> str:
    """One line for a toast, when the message has no field on screen to stand beside."""
    return next(iter(exc.field_errors.values()), "That did not work.")


class ContactsState(ListState, SessionState):
    TABS: ClassVar[tuple[str, ...]] = contacts.CONTACT_TABS
    PAGE: ClassVar[str] = PAGE
    EXPORT: ClassVar[str] = contacts.CONTACTS.name

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            return contacts.list_contacts(session, scope, self.tab, request, tenant.today(session))

    def _format(self, row: Any) -> dict[str, str]:
        granted = {f"page_{p}": "yes" if p in row.pages else "" for p in ALL_PAGES}
        return {
            "id": str(row.id),
            "name": row.name or DASH,
            "position": row.position or DASH,
            "email": row.email or DASH,
            "roles": ", ".join(SHORT_ROLES.get(r, r) for r in row.roles) or DASH,
            "primary": "yes" if row.is_primary else "",
            "login": "Yes" if row.login_active else "No",
            "active": "yes" if row.login_active else "",
            "setup": "yes" if row.login_active and not row.has_password else "",
            "username": row.username or DASH,
            "last_sign_in": day(row.last_sign_in),
            "sites": row.sites_text if row.login_active else DASH,
            **granted,
        }

    @rx.event
    def load(self):
        self._open_from_url()
        self.sort, self.descending = "name", False
        self._refresh()
        return self._follow()

    @rx.event
    def send_setup(self, contact_id: str):
        """Options > Send Setup Email: a new 7-day, single-use link to the contact's email."""
        scope = self._scope(PAGE)
        if scope is None:
            return None
        try:
            with unit_of_work() as session:
                to = changes.send_setup_email(session, scope, contact_id)
        except ContactError as exc:
            return rx.toast.error(_failed(exc))
        return rx.toast.success(f"Setup email sent to {to}.")

    @rx.event
    def reset_password(self, contact_id: str):
        """Options > Reset Password: the contact is mailed a link to choose a new password."""
        scope = self._scope(PAGE)
        if scope is None:
            return None
        try:
            with unit_of_work() as session:
                to = changes.send_password_reset(session, scope, contact_id)
        except ContactError as exc:
            return rx.toast.error(_failed(exc))
        return rx.toast.success(f"Password reset email sent to {to}.")


class ContactFormState(ContactChoices, SessionState):
    """Create Contact and a contact's page: Details, Roles, Login, Page Access, Site Access."""

    loaded: bool = False
    missing: bool = False
    is_new: bool = True
    first_name: str = ""
    last_name: str = ""
    position: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    flags: dict[str, bool] = {}
    login_active: bool = False
    username: str = ""
    has_password: bool = False
    pending_email: str = ""
    is_self: bool = False
    page_access: list[str] = []
    grantable: list[str] = []
    all_sites: bool = False
    may_give_all_sites: bool = False
    assigned: list[dict[str, str]] = []
    available: list[dict[str, str]] = []
    unseen_sites: int = 0
    errors: dict[str, str] = {}
    notice: str = ""
    busy: bool = False
    form_key: int = 0  # bumped on every load, so the form's inputs show the stored values again
    _contact_id: int = 0
    _finish: bool = False
    _choices: list[dict[str, str]] = []

    def _show(self, form: contacts.ContactForm) -> None:
        self._contact_id = form.id or 0
        self.is_new = form.id is None
        for name in TEXTS:
            setattr(self, name, getattr(form, name))
        self.flags = {name: bool(getattr(form, name)) for name in FLAGS}
        self.login_active, self.username, self.has_password = (
            form.login_active,
            form.username,
            form.has_password,
        )
        self.pending_email = form.pending_email
        self.is_self = form.is_self
        self.page_access, self.grantable = list(form.pages), list(form.grantable)
        self.all_sites, self.may_give_all_sites = form.all_sites, form.may_give_all_sites
        self._choices = [{"id": str(s.id), "name": s.name} for s in form.choices]
        self.assigned = [{"id": str(s.id), "name": s.name} for s in form.assigned]
        self.unseen_sites = form.unseen_sites
        self._sort_sites()
        self.errors, self.busy, self.missing, self.loaded = {}, False, False, True
        self.form_key += 1

    def _sort_sites(self) -> None:
        """As the shared one, and Assigned Sites keep the order the sites are offered in."""
        super()._sort_sites()
        order = {s["id"]: n for n, s in enumerate(self._choices)}
        self.assigned = sorted(self.assigned, key=lambda s: order.get(s["id"], len(order)))

    def _not_found(self) -> None:
        self._contact_id, self.loaded, self.missing = 0, True, True
        self.assigned, self.available, self._choices = [], [], []

    def _path_id(self) -> str:
        return self.router.url.path.rstrip("/").rpartition("/")[2]

    @rx.event
    def load(self):
        """A contact's page: the id is the last part of the address, checked by the service."""
        self.loaded, self.notice = False, ""
        scope = self._scope(PAGE)
        if scope is None:
            return
        with unit_of_work(read_only=True) as session:
            form = contacts.contact_form(session, scope, self._path_id())
        if form is None:
            self._not_found()
            return
        self._show(form)
        params = self.router.url.query_parameters
        if params.get("invited") or params.get("saved"):
            self.notice = self._said("invited" if params.get("invited") else "saved", form.email)

    @rx.event
    def load_new(self):
        self.loaded, self.notice = False, ""
        scope = self._scope(PAGE)
        if scope is None:
            return
        with unit_of_work(read_only=True) as session:
            self._show(contacts.blank_form(session, scope))

    @rx.event
    def set_finish(self, value: bool):
        """Which button submits the form: Save stays on the contact, Save and Finish goes to the list."""
        self._finish = arguments.flag(value)

    def _input(self, form: dict[str, Any]) -> ContactInput:
        texts = {name: arguments.text(form.get(name), 1000) for name in TEXTS}
        return ContactInput(
            **texts,
            **{name: bool(self.flags.get(name)) for name in FLAGS},
            login_active=self.login_active,
            pages=tuple(self.page_access),
            all_sites=self.all_sites,
            site_ids=tuple(s["id"] for s in self.assigned),
        )

    @rx.event
    def save(self, form: dict):
        """Save, or Save and Finish. ``busy`` disables both buttons while it runs, and a contact once
        created is edited by any Save queued behind it (an unchanged form writes nothing), so a double
        click makes one contact."""
        scope = self._scope(PAGE)
        if scope is None or not self.loaded or self.missing or self.busy:
            return
        data = self._input(arguments.form(form))
        for name in TEXTS:  # what was typed stays on screen when something is refused
            setattr(self, name, getattr(data, name))
        self.busy = True
        yield
        try:
            with unit_of_work() as session:
                saved = changes.save_contact(session, scope, None if self.is_new else self._contact_id, data)
        except ContactError as exc:
            self.errors, self.busy = dict(exc.field_errors), False
            yield rx.toast.error("Please check the highlighted fields.")
            return
        was_new = self.is_new
        self._contact_id, self.is_new = saved.contact_id, False
        if self._finish:
            yield rx.redirect(LIST_ROUTE)
            return
        done = "invited" if saved.invited else "saved"
        if was_new:
            yield rx.redirect(f"{LIST_ROUTE}/{saved.contact_id}?{done}=1")
            return
        with unit_of_work(read_only=True) as session:
            shown = contacts.contact_form(session, scope, saved.contact_id)
        if shown is not None:
            self._show(shown)
        self.busy = False
        self.notice = self._said(done, data.email, saved.confirmation_sent_to)
        yield rx.toast.success(self.notice)

    @staticmethod
    def _said(done: str, email: str, confirming: str = "") -> str:
        said = f"Saved. A setup email was sent to {email}." if done == "invited" else "Saved."
        if confirming:
            said += (
                f" A link to confirm the new email address was sent to {confirming}; "
                "the login's email changes when it is followed."
            )
        return said

    def _mail(self, send) -> Any:
        scope = self._scope(PAGE)
        if scope is None or not self._contact_id:
            return None
        try:
            with unit_of_work() as session:
                to = send(session, scope, self._contact_id)
        except ContactError as exc:
            return rx.toast.error(_failed(exc))
        return rx.toast.success(f"Email sent to {to}.")

    @rx.event
    def send_setup(self):
        return self._mail(changes.send_setup_email)

    @rx.event
    def reset_password(self):
        return self._mail(changes.send_password_reset)
