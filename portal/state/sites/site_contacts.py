"""A site's Contacts tab: the table of site contacts, Create Contact / Edit in a dialog, Remove after
asking. Mixed into the site's state, whose ``_site_id`` and ``_site_scope`` it uses; the contact being
edited or removed is kept server-side too, so a forged id can only name what the scope lets it."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from portal.core.principal import AccessDenied
from portal.db import unit_of_work
from portal.services.sites import site_contacts
from portal.services.sites.editing import SiteError
from portal.services.sites.site_contacts import ContactForm, SiteContactLine
from portal.state import arguments

FIELD_CUT = 2_000


def _href(scheme: str, value: str) -> str:
    """A ``mailto:``/``tel:`` link with the value percent-encoded: even a stored value the rules did
    not check can add no ``?cc=`` or ``&body=`` of its own. Empty when there is nothing to link."""
    return f"{scheme}:{quote(value, safe='@+')}" if value else ""


def _dialled(number: str) -> str:
    """What a phone dials: the digits and a leading-country ``+``; the spaces and brackets are looks."""
    return "".join(ch for ch in number if ch in "0123456789+")


def contact_row(line: SiteContactLine) -> dict[str, str]:
    """A site contact as a table row and the dialog's starting values (the office's site page too)."""
    return {
        "id": str(line.id),
        "name": line.full_name,
        "first_name": line.first_name,
        "last_name": line.last_name,
        "position": line.position,
        "phone": line.phone,
        "mobile": line.mobile,
        "email": line.email,
    }


def _row(line: SiteContactLine) -> dict[str, str]:
    return {
        **contact_row(line),
        "mailto": _href("mailto", line.email),
        "phone_href": _href("tel", _dialled(line.phone)),
        "mobile_href": _href("tel", _dialled(line.mobile)),
    }


class SiteContactsTab(rx.State, mixin=True):
    contacts: list[dict[str, str]] = []
    contacts_more: bool = False  # a site imported with more contacts than the tab shows
    contact_open: bool = False
    contact_title: str = ""
    contact_values: dict[str, str] = {}
    contact_errors: dict[str, str] = {}
    contact_key: int = 0
    contact_busy: bool = False
    remove_open: bool = False
    remove_name: str = ""
    _contact_id: int = 0  # 0: the dialog creates a contact
    _remove_id: int = 0

    def _reset_contacts(self) -> None:
        self.contacts, self.contact_open, self.remove_open, self.contacts_more = [], False, False, False
        self._contact_id = self._remove_id = 0

    def _load_contacts(self, scope) -> None:
        with unit_of_work(read_only=True) as session:
            shown = site_contacts.site_contacts(session, scope, self._site_id)
        self.contacts = [_row(line) for line in (shown.lines if shown else [])]
        self.contacts_more = bool(shown and shown.more)

    def _known(self, contact_id: str) -> dict[str, str] | None:
        """A contact of the table on screen, by the id its row sent; the service checks it again."""
        wanted = arguments.text(contact_id, 20)
        return next((c for c in self.contacts if c["id"] == wanted), None)

    @rx.event
    def new_contact(self):
        if self._site_scope() is None or not self._site_id:
            return
        self._contact_id, self.contact_title = 0, "Create Contact"
        self.contact_values, self.contact_errors = {}, {}
        self.contact_key += 1
        self.contact_open = True

    @rx.event
    def edit_contact(self, contact_id: str):
        found = self._known(contact_id)
        if self._site_scope() is None or found is None:
            return
        self._contact_id, self.contact_title = int(found["id"]), f"Edit {found['name']}"
        self.contact_values, self.contact_errors = dict(found), {}
        self.contact_key += 1
        self.contact_open = True

    @rx.event
    def set_contact_open(self, is_open: bool):
        if self._site_scope() is None:
            self.contact_open = False
            return
        self.contact_open = arguments.flag(is_open) and self.contact_open
        if not self.contact_open:
            self.contact_errors = {}

    @rx.event
    def save_contact(self, form: dict):
        scope = self._site_scope()
        if scope is None or not self._site_id or not self.contact_open or self.contact_busy:
            return None
        form = arguments.form(form)
        sent = ContactForm(
            **{name: arguments.text(form.get(name), FIELD_CUT) for name in site_contacts.FIELDS}
        )
        self.contact_busy = True
        try:
            with unit_of_work() as session:
                if self._contact_id:
                    line = site_contacts.update_site_contact(session, scope, self._contact_id, sent)
                else:
                    line = site_contacts.add_site_contact(session, scope, self._site_id, sent)
        except SiteError as err:
            self.contact_errors = dict(err.field_errors)
            self.contact_values = {name: getattr(sent, name) for name in site_contacts.FIELDS}
            return None
        except AccessDenied:
            self.contact_errors = {"form": "Your login cannot change sites."}
            return None
        finally:
            self.contact_busy = False
        self._load_contacts(scope)
        if line is None:
            self.contact_open = False
            return rx.toast.error("That contact is not available.")
        self.contact_open, self.contact_errors = False, {}
        verb = "saved" if self._contact_id else "added"
        return rx.toast.success(f"{line.full_name} {verb}.")

    @rx.event
    def ask_remove(self, contact_id: str):
        found = self._known(contact_id)
        if self._site_scope() is None or found is None:
            return
        self._remove_id, self.remove_name, self.remove_open = int(found["id"]), found["name"], True

    @rx.event
    def set_remove_open(self, is_open: bool):
        if self._site_scope() is None:
            self.remove_open = False
            return
        self.remove_open = arguments.flag(is_open) and self.remove_open

    @rx.event
    def remove_contact(self):
        scope = self._site_scope()
        if scope is None or not self._remove_id or not self.remove_open:
            return None
        try:
            with unit_of_work() as session:
                removed = site_contacts.remove_site_contact(session, scope, self._remove_id)
        except AccessDenied:
            removed = False
        self._remove_id, self.remove_open = 0, False
        self._load_contacts(scope)
        if not removed:
            return rx.toast.error("That contact is not available.")
        return rx.toast.success(f"{self.remove_name} removed.")
