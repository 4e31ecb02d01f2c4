"""Preferences: the signed-in contact's own details and password, the customer's files, company information.

Each tab loads what it shows when it is opened, through the services (no query here); every
handler asks for the sign-in again, so a forged event after a logout does nothing.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from portal.core.principal import DASHBOARD, Scope
from portal.db import unit_of_work
from portal.models import Page
from portal.services.files.customer_files import MAX_LISTED, customer_files
from portal.services.identity import auth, company, profile
from portal.services.identity.auth import AuthError
from portal.services.identity.profile import LIMITS, ProfileError
from portal.state import arguments
from portal.state.display import DASH, attachment_rows
from portal.state.identity.login import start_session_script
from portal.state.identity.password_form import PasswordForm
from portal.state.session import SessionState

TABS = ("details", "attachments", "company")


class PreferencesState(PasswordForm, SessionState):
    tab: str = "details"
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    position: str = ""
    username: str = ""
    pending_email: str = ""
    changed: bool = False  # the password was just changed
    can_manage_contacts: bool = False
    detail_errors: dict[str, str] = {}
    saving: bool = False
    # Bumped on every load and save, so the uncontrolled inputs show what is stored, not what was typed.
    form_key: int = 0
    files: list[dict[str, str]] = []
    file_search: str = ""
    file_total: int = 0
    company: dict[str, str] = {}
    contractor: dict[str, str] = {}

    @rx.event
    def load(self):
        scope = self._scope(DASHBOARD)
        if scope is None:
            return
        tab = self.router.url.query_parameters.get("tab", "")
        self.tab = tab if tab in TABS else TABS[0]
        self.can_manage_contacts = scope.can(Page.CONTACTS)
        self.file_search, self.detail_errors, self.saving = "", {}, False
        self._reset_form()
        self.changed = bool(self.router.url.query_parameters.get("changed"))
        self._load_details(scope)
        self._load_tab(scope)

    def _load_details(self, scope: Scope) -> None:
        with unit_of_work(read_only=True) as session:
            mine = profile.profile(session, scope)
        if mine is None:
            return
        self.first_name, self.last_name = mine.first_name, mine.last_name
        self.email, self.phone, self.mobile = mine.email, mine.phone, mine.mobile
        self.position, self.username = mine.position, mine.username
        self.pending_email = mine.pending_email
        self.form_key += 1

    def _load_tab(self, scope: Scope) -> None:
        if self.tab == "attachments":
            self._load_files(scope)
        elif self.tab == "company":
            self._load_company(scope)

    def _load_files(self, scope: Scope) -> None:
        with unit_of_work(read_only=True) as session:
            found = customer_files(session, scope, self.file_search)
        self.files = attachment_rows(found.files)
        self.file_total = found.total

    def _load_company(self, scope: Scope) -> None:
        with unit_of_work(read_only=True) as session:
            customer = company.customer_record(session, scope)
            contractor = company.contractor_record(session)
        self.company = (
            {
                "name": customer.name,
                "business_number": customer.business_number or DASH,
                "address": customer.address or DASH,
                "postal_address": customer.postal_address or DASH,
                "phone": customer.phone or DASH,
                "email": customer.email or DASH,
            }
            if customer is not None
            else {}
        )
        self.contractor = {
            "name": contractor.name or DASH,
            "phone": contractor.phone or DASH,
            "email": contractor.email or DASH,
            "business_number": contractor.business_number or DASH,
            "website": contractor.website or DASH,
            "website_href": contractor.website_href,
            "address": contractor.address or DASH,
        }

    @rx.var
    def files_capped(self) -> bool:
        """More files match than the tab lists: the search narrows them."""
        return self.file_total > MAX_LISTED

    @rx.event
    def set_tab(self, tab: str):
        scope = self._scope(DASHBOARD)
        tab = arguments.text(tab, 20)
        if scope is None or tab not in TABS:
            return
        self.tab = tab
        self._load_tab(scope)

    @rx.event
    def save_details(self, form: dict):
        scope = self._scope(DASHBOARD)
        if scope is None:
            return None
        form = arguments.form(form)
        values = {name: arguments.text(form.get(name), limit * 2) for name, limit in LIMITS.items()}
        self.detail_errors = {}
        try:
            with unit_of_work() as session:
                saved = profile.save_details(session, scope, values, ip=self.router.session.client_ip)
        except ProfileError as exc:
            self.detail_errors = dict(exc.field_errors)
            return None
        self._load_details(scope)
        if saved.confirmation_sent_to:
            return rx.toast.info(
                f"We sent a link to {saved.confirmation_sent_to}. Your email changes when you follow it."
            )
        if saved.changed:
            return rx.toast.success("Your details are saved.")
        return rx.toast.info("Nothing to save: your details are as they were.")

    @rx.event
    def search_files(self, form: dict):
        scope = self._scope(DASHBOARD)
        if scope is None:
            return
        self.file_search = arguments.text(arguments.form(form).get("q"), 100).strip()
        self._load_files(scope)

    @rx.event
    def clear_file_search(self):
        scope = self._scope(DASHBOARD)
        if scope is None:
            return
        self.file_search = ""
        self._load_files(scope)

    @rx.event
    async def change_password(self, form: dict):
        scope = self._scope(DASHBOARD)
        if scope is None:
            return
        self.busy, self.errors = True, {}
        yield
        form = arguments.form(form)
        try:
            nonce = await asyncio.to_thread(
                _change_password,
                scope.contact_id,
                *(arguments.text(form.get(name), None) for name in ("current", "password", "confirm")),
                self.router.session.client_ip,
            )
        except AuthError as exc:
            self.busy, self.errors = False, dict(exc.field_errors)
            return
        yield start_session_script(nonce, "/preferences?changed=1")


def _change_password(contact_id: int, current: str, new: str, confirm: str, ip: str) -> str:
    """A new login nonce; a wrong current password is committed as a failed attempt before raising."""
    failure: AuthError | None = None
    with unit_of_work() as session:
        try:
            auth.change_password(session, contact_id, current, new, confirm, ip=ip)
        except AuthError as exc:
            failure = exc
        else:
            return auth.issue_login_nonce(session, contact_id)
    raise failure
