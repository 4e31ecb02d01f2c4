"""A site's page (``/sites/[site_id]``) and Create New Site (``/sites/new``): Site Details, Save, and
Save and Finish, with the Contacts and Attachments tabs mixed in.

The site on screen is kept server-side (``_site_id``), set only by loading the page through the
scope; every handler loads the principal again and the service loads the site through it again.
"""

from __future__ import annotations

import reflex as rx

from portal.core.principal import AccessDenied
from portal.db import unit_of_work
from portal.models import Page
from portal.services.sites import editing
from portal.services.sites.editing import SiteError
from portal.state import arguments
from portal.state.session import SessionState
from portal.state.sites.site_contacts import SiteContactsTab
from portal.state.sites.site_files import SiteFilesTab

TABS = ("details", "contacts", "attachments")
# Cut before the service's own check, so a megabyte pasted into a field still reads "At most …".
FIELD_CUT = 10_000


class SiteState(SiteContactsTab, SiteFilesTab, SessionState):
    is_new: bool = False
    found: bool = False
    loaded: bool = False
    tab: str = "details"
    heading: str = ""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    busy: bool = False
    form_key: int = 0  # changes when the stored values are reloaded, so the inputs show them again
    _site_id: int = 0
    _finish: bool = False

    def _site_scope(self):
        """The live principal when it may open Sites, else None (a logout takes effect at once)."""
        return self._scope(Page.SITES)

    def _reset_tabs(self) -> None:
        """Another site (or a new one) starts with none of the last one's contacts or files."""
        self._reset_contacts()
        self._reset_files()

    def _show(self, details: editing.SiteDetails | None) -> None:
        self.found = details is not None
        self._site_id = details.id if details is not None else 0
        self.values = {name: getattr(details, name) for name in editing.FIELDS} if details else {}
        self.heading = details.name if details is not None else ""
        self.errors, self.form_key = {}, self.form_key + 1

    @rx.event
    def load(self):
        """``/sites/[site_id]``: the site through the scope, and the tab named in the address."""
        self.is_new, self.loaded, self.busy = False, False, False
        self._reset_tabs()
        scope = self._site_scope()
        if scope is None:
            self._show(None)
            return
        raw = self.router.page.params.get("site_id", "")
        with unit_of_work(read_only=True) as session:
            self._show(editing.site_details(session, scope, raw if isinstance(raw, str) else ""))
        tab = self.router.url.query_parameters.get("tab", "")
        self.tab = tab if tab in TABS else "details"
        self._load_tab(scope)
        self.loaded = True

    @rx.event
    def start_new(self):
        """``/sites/new``: an empty form; the other tabs open once the site is saved."""
        self._reset_tabs()
        self._show(None)
        self.tab, self.busy = "details", False
        signed_in = self._site_scope() is not None
        # Without the Sites page (or signed out) the page shows "not available", not an empty form.
        self.is_new, self.found, self.loaded = signed_in, signed_in, True

    @rx.event
    def set_tab(self, tab: str):
        tab = arguments.text(tab, 20)
        scope = self._site_scope()
        if scope is None or tab not in TABS or (self.is_new and tab != "details"):
            return
        self.tab = tab
        self._load_tab(scope)

    def _load_tab(self, scope) -> None:
        if not self._site_id:
            return
        if self.tab == "contacts":
            self._load_contacts(scope)
        elif self.tab == "attachments":
            self._load_files(scope)

    @rx.event
    def finish_next(self, finish: bool):
        """Which button sent the form: Save and Finish also goes back to the list."""
        self._finish = arguments.flag(finish) and self._site_scope() is not None

    @rx.event
    def save(self, form: dict):
        scope = self._site_scope()
        if scope is None or self.busy or not (self.is_new or self._site_id):
            return None
        form = arguments.form(form)
        sent = editing.form_of({name: arguments.text(form.get(name), FIELD_CUT) for name in editing.FIELDS})
        finish, self._finish = self._finish, False
        self.busy = True
        try:
            with unit_of_work() as session:
                if self.is_new:
                    site = editing.create_site(session, scope, sent)
                else:
                    site = editing.update_site(session, scope, self._site_id, sent)
                details = editing.details(site) if site is not None else None
        except SiteError as err:
            self.errors = dict(err.field_errors)
            self.values = {name: getattr(sent, name) for name in editing.FIELDS}
            return rx.toast.error("Check the fields marked in red.")
        except AccessDenied:
            return rx.toast.error("Your login cannot change sites.")
        finally:
            self.busy = False
        if details is None:
            self._show(None)
            return rx.toast.error("That site is not available.")
        created, self.is_new = self.is_new, False  # a second Save edits the site just made
        self._show(details)
        if finish:
            return [rx.toast.success(f"Site \u201c{details.name}\u201d saved."), rx.redirect("/sites")]
        if created:
            return [
                rx.toast.success(f"Site \u201c{details.name}\u201d created. Add its contacts here."),
                rx.redirect(f"/sites/{details.id}?tab=contacts"),
            ]
        return rx.toast.success("Site details saved.")
