"""``/office/sites/new?customer=ID`` and ``/office/sites/[site_id]``: a customer's site in the back office.

The site's details (the customer's own fields and rules), closing it after a confirmation, its site
contacts, its assets one page at a time with "Register asset", and the contracts covering it. The
site, customer and contact being changed are kept in backend vars, set only from rows loaded through
the service; every handler asks for the staff member with ``MANAGE_CUSTOMERS`` again.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied, Duty, StaffMember
from portal.db import unit_of_work
from portal.services.assets import office_contracts, registry
from portal.services.sites import editing, office_sites, site_contacts
from portal.services.sites.editing import SiteError
from portal.state import arguments
from portal.state.display import day, moment
from portal.state.office.session import office_staff
from portal.state.sites.site_contacts import contact_row

DUTY = Duty.MANAGE_CUSTOMERS
FIELD_CUT = 10_000
ASSET_PAGE = 25


class OfficeSiteState(rx.State):
    is_new: bool = False
    found: bool = True
    loaded: bool = False
    heading: str = ""
    site_ref: str = ""  # the site's id, for its links
    customer_name: str = ""
    customer_href: str = ""
    new_contract_href: str = ""
    status: str = ""  # "Open" or "Closed since …"
    closed: bool = False
    active_assets: int = 0
    open_jobs: int = 0
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    form_key: int = 0
    busy: bool = False
    # Close.
    close_open: bool = False
    close_error: str = ""
    # Site contacts.
    contacts: list[dict[str, str]] = []
    contact_open: bool = False
    contact_title: str = ""
    contact_values: dict[str, str] = {}
    contact_errors: dict[str, str] = {}
    contact_key: int = 0
    remove_open: bool = False
    remove_name: str = ""
    # Assets, one page.
    assets: list[dict[str, str]] = []
    asset_search: str = ""
    asset_page: int = 1
    asset_pages: int = 1
    asset_total: int = 0
    contracts: list[dict[str, str]] = []
    _site_id: int = 0
    _customer_id: int = 0
    _contact_id: int = 0  # 0: the dialog adds a contact
    _remove_id: int = 0

    def _staff(self) -> StaffMember | None:
        return office_staff(self, DUTY)

    def _blank(self) -> None:
        self.found, self.closed, self.busy = True, False, False
        self.heading = self.customer_name = self.customer_href = self.status = self.site_ref = ""
        self.values, self.errors, self.form_key = {}, {}, self.form_key + 1
        self.close_open = self.contact_open = self.remove_open = False
        self.close_error = ""
        self.contacts, self.assets, self.contracts = [], [], []
        self.asset_search, self.asset_page, self.asset_pages, self.asset_total = "", 1, 1, 0
        self.active_assets = self.open_jobs = 0
        self._site_id = self._customer_id = self._contact_id = self._remove_id = 0

    def _show(self, staff: StaffMember, site_id: Any) -> bool:
        """Everything on the page for the site, through the services; False when there is no such site."""
        with unit_of_work(read_only=True) as session:
            summary = office_sites.summary(session, staff, site_id)
            site = office_sites.office_site(session, staff, site_id) if summary else None
            if summary is None or site is None:
                self.found, self._site_id = False, 0
                return False
            details = editing.details(site)
            lines = office_sites.contacts(session, staff, summary.id)
            covering = office_contracts.site_contracts(session, staff, summary.id)
        self._site_id, self._customer_id = summary.id, summary.customer_id
        self.site_ref = str(summary.id)
        self.found, self.is_new = True, False
        self.heading = details.name
        self.customer_name = summary.customer_name
        self.customer_href = f"/office/customers/{summary.customer_id}"
        self.new_contract_href = f"/office/contracts/new?customer={summary.customer_id}"
        self.closed = not summary.is_active
        self.status = "Open" if summary.is_active else f"Closed {moment(summary.closed_at)}"
        self.active_assets, self.open_jobs = summary.active_assets, summary.open_jobs
        self.values = {name: getattr(details, name) for name in editing.FIELDS}
        self.errors, self.form_key = {}, self.form_key + 1
        self.contacts = [contact_row(line) for line in lines]
        self.contracts = [
            {"href": f"/office/contracts/{cid}", "name": name, "expiry": day(expiry)}
            for cid, name, expiry in covering
        ]
        self._load_assets(staff)
        return True

    def _load_assets(self, staff: StaffMember) -> None:
        request = PageRequest(
            search=self.asset_search, sort="number", descending=False, page=self.asset_page, size=ASSET_PAGE
        )
        with unit_of_work(read_only=True) as session:
            page = registry.site_asset_page(session, staff, self._site_id, request)
        self.assets = [
            {
                "id": str(r.id),
                "href": f"/office/assets/{r.id}",
                "number": r.number,
                "type": r.type_name,
                "name": r.name or "-",
                "location": r.location or "-",
                "status": "Retired" if r.status == "removed" else "Active",
                "due": day(r.next_due_on),
            }
            for r in page.rows
        ]
        self.asset_total, self.asset_page, self.asset_pages = page.total, page.page, max(page.pages, 1)

    @rx.event
    def load(self):
        """``/office/sites/[site_id]``."""
        self._blank()
        self.loaded = False
        staff = self._staff()
        if staff is None:
            return
        raw = self.router.page.params.get("site_id", "")
        self._show(staff, raw if isinstance(raw, str) else "")
        self.loaded = True

    @rx.event
    def start_new(self):
        """``/office/sites/new?customer=ID``: an empty form for the customer named in the address."""
        self._blank()
        self.loaded, self.is_new = False, True
        staff = self._staff()
        if staff is None:
            return
        raw = self.router.url.query_parameters.get("customer", "")
        with unit_of_work(read_only=True) as session:
            customer = office_sites.office_customer(session, staff, raw if isinstance(raw, str) else "")
        if customer is None or customer.id is None:
            self.found, self.loaded = False, True
            return
        self._customer_id, self.customer_name = customer.id, customer.name
        self.customer_href = f"/office/customers/{customer.id}"
        self.heading, self.loaded = "New site", True

    @rx.event
    def save(self, form: dict):
        staff = self._staff()
        if staff is None or self.busy or not (self._site_id or (self.is_new and self._customer_id)):
            return None
        form = arguments.form(form)
        sent = editing.form_of({name: arguments.text(form.get(name), FIELD_CUT) for name in editing.FIELDS})
        self.busy = True
        try:
            with unit_of_work() as session:
                if self.is_new:
                    site = office_sites.create_site(session, staff, self._customer_id, sent)
                else:
                    site = office_sites.update_site(session, staff, self._site_id, sent)
                site_id = site.id if site is not None else None
        except SiteError as err:
            self.errors = dict(err.field_errors)
            self.values = {name: getattr(sent, name) for name in editing.FIELDS}
            return rx.toast.error("Check the fields marked in red.")
        except AccessDenied:
            return rx.toast.error("Not available to your role.")
        finally:
            self.busy = False
        if site_id is None:
            self.found = False
            return rx.toast.error("That site is not available.")
        if self.is_new:
            return [rx.toast.success("Site created."), rx.redirect(f"/office/sites/{site_id}")]
        self._show(staff, site_id)
        return rx.toast.success("Site details saved.")

    # --- close -----------------------------------------------------------------------------------

    @rx.event
    def ask_close(self):
        if self._staff() is None or not self._site_id or self.closed:
            return
        self.close_open, self.close_error = True, ""

    @rx.event
    def set_close_open(self, is_open: bool):
        self.close_open = arguments.flag(is_open) and self.close_open

    @rx.event
    def close(self):
        staff = self._staff()
        if staff is None or not self._site_id:
            return None
        try:
            with unit_of_work() as session:
                site = office_sites.close_site(session, staff, self._site_id)
        except SiteError as err:
            self.close_error = err.field_errors.get("form", "")
            return None
        self.close_open = False
        if site is None:
            return rx.toast.error("That site is not available.")
        self._show(staff, self._site_id)
        return rx.toast.success("Site closed.")

    # --- site contacts ---------------------------------------------------------------------------

    def _known(self, contact_id: Any) -> dict[str, str] | None:
        wanted = arguments.text(contact_id, 20)
        return next((c for c in self.contacts if c["id"] == wanted), None)

    @rx.event
    def new_contact(self):
        if self._staff() is None or not self._site_id or self.closed:
            return
        self._contact_id = 0
        self.contact_title, self.contact_values, self.contact_errors = "Add site contact", {}, {}
        self.contact_key += 1
        self.contact_open = True

    @rx.event
    def edit_contact(self, contact_id: str):
        if self._staff() is None or not self._site_id or self.closed:
            return
        row = self._known(contact_id)
        if row is None:
            return
        self._contact_id = int(row["id"])
        self.contact_title, self.contact_values, self.contact_errors = f"Edit {row['name']}", dict(row), {}
        self.contact_key += 1
        self.contact_open = True

    @rx.event
    def set_contact_open(self, is_open: bool):
        self.contact_open = arguments.flag(is_open) and self.contact_open

    @rx.event
    def save_contact(self, form: dict):
        staff = self._staff()
        if staff is None or not self._site_id:
            return None
        form = arguments.form(form)
        sent = site_contacts.ContactForm(
            **{name: arguments.text(form.get(name), 2_000) for name in site_contacts.FIELDS}
        )
        try:
            with unit_of_work() as session:
                if self._contact_id:
                    line = office_sites.update_contact(session, staff, self._site_id, self._contact_id, sent)
                else:
                    line = office_sites.add_contact(session, staff, self._site_id, sent)
        except SiteError as err:
            self.contact_errors = dict(err.field_errors)
            self.contact_values = {name: getattr(sent, name) for name in site_contacts.FIELDS}
            return None
        if line is None:
            self.contact_errors = {"form": "That contact is not available."}
            return None
        self.contact_open, self._contact_id = False, 0
        self._show(staff, self._site_id)
        return rx.toast.success(f"{line.full_name} saved.")

    @rx.event
    def ask_remove(self, contact_id: str):
        if self._staff() is None or not self._site_id or self.closed:
            return
        row = self._known(contact_id)
        if row is None:
            return
        self._remove_id, self.remove_name, self.remove_open = int(row["id"]), row["name"], True

    @rx.event
    def set_remove_open(self, is_open: bool):
        self.remove_open = arguments.flag(is_open) and self.remove_open

    @rx.event
    def remove_contact(self):
        staff = self._staff()
        self.remove_open = False
        if staff is None or not self._site_id or not self._remove_id:
            return None
        try:
            with unit_of_work() as session:
                removed = office_sites.remove_contact(session, staff, self._site_id, self._remove_id)
        except SiteError as err:
            return rx.toast.error(err.field_errors.get("form", "That contact is not available."))
        self._remove_id = 0
        if not removed:
            return rx.toast.error("That contact is not available.")
        self._show(staff, self._site_id)
        return rx.toast.success(f"{self.remove_name} removed.")

    # --- the site's assets -----------------------------------------------------------------------

    @rx.event
    def search_assets(self, form: dict):
        staff = self._staff()
        if staff is None or not self._site_id:
            return
        self.asset_search = arguments.text(arguments.form(form).get("q"), 100).strip()
        self.asset_page = 1
        self._load_assets(staff)

    @rx.event
    def clear_asset_search(self):
        staff = self._staff()
        if staff is None or not self._site_id:
            return
        self.asset_search, self.asset_page = "", 1
        self._load_assets(staff)

    @rx.event
    def assets_page(self, page: int):
        staff = self._staff()
        number = arguments.whole(page)
        if staff is None or not self._site_id or number is None:
            return
        self.asset_page = max(1, number)
        self._load_assets(staff)
