"""A customer's contact in the back office: create and edit it (details, roles, login, page access,
site access), send its setup email or a password reset, deactivate it.

The rules are the customer's own Contacts screen's (``services/identity/office_contacts``); the
customer and the contact come from the page's address and are kept in backend vars, checked by the
services on every command. The choices on screen are only what the form sends.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from portal.core.principal import Duty, StaffMember
from portal.db import unit_of_work
from portal.services.identity import contacts, office_contacts
from portal.services.identity.contact_changes import ContactError, ContactInput
from portal.state import arguments
from portal.state.display import moment
from portal.state.identity.contact_choices import ContactChoices
from portal.state.office.session import office_staff

DUTY = Duty.MANAGE_CUSTOMERS
FLAGS = contacts.FLAGS
TEXTS = contacts.DETAILS


def _failed(exc: ContactError) -> str:
    return next(iter(exc.field_errors.values()), "That did not work.")


class OfficeContactState(ContactChoices, rx.State):
    loaded: bool = False
    missing: bool = False
    is_new: bool = True
    customer_href: str = ""
    values: dict[str, str] = {}
    flags: dict[str, bool] = {}
    login_active: bool = False
    username: str = ""
    has_password: bool = False
    pending_email: str = ""
    deactivated: bool = False
    customer_active: bool = True
    last_sign_in: str = ""
    contact_id: str = ""  # for the view-as form's hidden field; commands use the backend var
    page_access: list[str] = []
    all_sites: bool = True
    assigned: list[dict[str, str]] = []
    available: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    busy: bool = False
    confirm_open: bool = False
    form_key: int = 0
    _customer_id: int = 0
    _contact_id: int = 0
    _choices: list[dict[str, str]] = []

    def _staff(self) -> StaffMember | None:
        return office_staff(self, DUTY)

    def _show(self, form: office_contacts.OfficeContactForm) -> None:
        self._contact_id = form.id or 0
        self.contact_id = str(form.id or "")
        self.is_new = form.id is None
        self.values = {name: getattr(form, name) for name in TEXTS}
        self.flags = {name: bool(getattr(form, name)) for name in FLAGS}
        self.login_active, self.username = form.login_active, form.username
        self.has_password, self.pending_email = form.has_password, form.pending_email
        self.deactivated, self.customer_active = form.deactivated, form.customer_active
        self.last_sign_in = moment(form.last_login_at)
        self.page_access, self.all_sites = list(form.pages), form.all_sites
        self._choices = [{"id": str(s.id), "name": s.name} for s in form.choices]
        self.assigned = [{"id": str(s.id), "name": s.name} for s in form.assigned]
        self._sort_sites()
        self.errors, self.busy, self.missing, self.loaded, self.confirm_open = {}, False, False, True, False
        self.form_key += 1

    def _open(self, staff: StaffMember, contact_id: Any) -> None:
        params = self.router.page.params
        self._customer_id = arguments.whole(params.get("customer_id", "")) or 0
        self.customer_href = f"/office/customers/{self._customer_id}"
        with unit_of_work(read_only=True) as session:
            if contact_id is None:
                form = office_contacts.blank_form(session, staff, self._customer_id)
            else:
                form = office_contacts.contact_form(session, staff, self._customer_id, contact_id)
        if form is None:
            self._contact_id, self.loaded, self.missing = 0, True, True
            self.assigned, self.available, self._choices = [], [], []
            return
        self._show(form)

    @rx.event
    def load(self):
        self.loaded, self.notice = False, ""
        staff = self._staff()
        if staff is None:
            return
        self._open(staff, self.router.page.params.get("contact_id", ""))
        params = self.router.url.query_parameters
        if not self.missing and (params.get("invited") or params.get("saved")):
            self.notice = _said("invited" if params.get("invited") else "saved", self.values.get("email", ""))

    @rx.event
    def load_new(self):
        self.loaded, self.notice = False, ""
        staff = self._staff()
        if staff is None:
            return
        self._open(staff, None)

    @rx.event
    def save(self, form: dict):
        """Save; ``busy`` disables the button while it runs, and a contact once created is edited by
        any Save queued behind it, so a double click makes one contact."""
        staff = self._staff()
        if staff is None or not self.loaded or self.missing or self.busy or not self._customer_id:
            return
        sent = arguments.form(form)
        texts = {name: arguments.text(sent.get(name), 1000) for name in TEXTS}
        data = ContactInput(
            **texts,
            **{name: bool(self.flags.get(name)) for name in FLAGS},
            login_active=self.login_active,
            pages=tuple(self.page_access),
            all_sites=self.all_sites,
            site_ids=tuple(s["id"] for s in self.assigned),
        )
        self.values, self.busy = texts, True
        yield
        try:
            with unit_of_work() as session:
                saved = office_contacts.save_contact(
                    session, staff, self._customer_id, None if self.is_new else self._contact_id, data
                )
        except ContactError as exc:
            self.errors, self.busy = dict(exc.field_errors), False
            yield rx.toast.error("Please check the highlighted fields.")
            return
        done = "invited" if saved.invited else "saved"
        if self.is_new:
            self._contact_id, self.is_new = saved.contact_id, False
            yield rx.redirect(f"{self.customer_href}/contacts/{saved.contact_id}?{done}=1")
            return
        self._open(staff, saved.contact_id)
        self.notice = _said(done, data.email, saved.confirmation_sent_to)
        yield rx.toast.success(self.notice)

    def _mail(self, send, what: str) -> Any:
        staff = self._staff()
        if staff is None or not self._contact_id:
            return None
        try:
            with unit_of_work() as session:
                to = send(session, staff, self._customer_id, self._contact_id)
        except ContactError as exc:
            return rx.toast.error(_failed(exc))
        self._open(staff, self._contact_id)
        self.notice = f"{what} sent to {to}."
        return rx.toast.success(self.notice)

    @rx.event
    def send_setup(self):
        return self._mail(office_contacts.send_setup_email, "Setup email")

    @rx.event
    def reset_password(self):
        return self._mail(office_contacts.send_password_reset, "Password reset email")

    @rx.event
    def ask_deactivate(self):
        if self._staff() is None or not self._contact_id or self.deactivated:
            return
        self.confirm_open = True

    @rx.event
    def set_confirm_open(self, is_open: bool):
        self.confirm_open = arguments.flag(is_open) and self.confirm_open

    @rx.event
    def deactivate(self):
        staff = self._staff()
        self.confirm_open = False
        if staff is None or not self._contact_id:
            return None
        try:
            with unit_of_work() as session:
                contact = office_contacts.deactivate_contact(
                    session, staff, self._customer_id, self._contact_id
                )
                name = contact.full_name
        except ContactError as exc:
            return rx.toast.error(_failed(exc))
        self._open(staff, self._contact_id)
        self.notice = f"{name} is deactivated and can no longer sign in."
        return rx.toast.success(self.notice)


def _said(done: str, email: str, confirming: str = "") -> str:
    said = f"Saved. A setup email was sent to {email}." if done == "invited" else "Saved."
    if confirming:
        said += (
            f" A link to confirm the new email address was sent to {confirming}; "
            "the login's email changes when it is followed."
        )
    return said
