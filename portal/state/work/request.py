"""Request a Quote / Book a Job: the one form behind both, and its Create New site dialog.

What is on screen lives in public vars (the choices, the fields, at most 20 asset search results,
the added assets and items, the names and sizes of the uploads). What must not come from the
browser lives in backend vars: the pending upload keys, the item lines, whether this form was
already sent. Every handler re-resolves the scope from the session cookie, and every id the
browser sends is loaded through it; the service checks it all again on submit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
from datetime import date
from typing import Any

import reflex as rx

from portal.core import dates, tenant
from portal.core.money import format_money
from portal.core.principal import AccessDenied, Scope
from portal.db import unit_of_work
from portal.services.files import uploads
from portal.services.sites import editing as site_editing
from portal.services.sites.editing import SiteForm
from portal.services.work import request_rules as rules
from portal.services.work import requests
from portal.services.work.requests import PendingRef, RequestError, RequestForm
from portal.state import arguments
from portal.state.files.attachments import uploaded
from portal.state.session import SessionState

log = logging.getLogger(__name__)

UPLOAD_ID = "attachments"
SITE_CUT = 10_000  # what state keeps of a site field; the Sites area's check says what is too long
LIST_PAGE = {
    "quote": "/quotes?tab=outstanding&created={number}",
    "job": "/jobs?tab=pending&created={number}",
}
BACK_TO = {"quote": "/quotes", "job": "/jobs"}
MAX_FIELD = 200_000  # what state keeps of a text field; the service says what is too long
SIGNED_OUT = (
    "Your session has ended, so nothing was sent. Copy anything you typed that you want to keep, "
    "then sign in again."
)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def _asset_row(hit: requests.AssetHit) -> dict[str, str]:
    return {
        "id": str(hit.id),
        "number": hit.number,
        "name": hit.name,
        "location": hit.location,
        "type": hit.type_name,
        "detail": hit.detail,
    }


def _site_rows(choices: list[requests.SiteChoice]) -> list[dict[str, str]]:
    return [{"id": str(s.id), "label": f"{s.name} ({s.address})" if s.address else s.name} for s in choices]


class RequestState(SessionState):
    purpose: str = "quote"
    ready: bool = False
    today: str = ""

    sites: list[dict[str, str]] = []
    site_id: str = ""
    contacts: list[dict[str, str]] = []
    contact_id: str = ""
    order_number: str = ""
    preferred_date: str = ""
    description: str = ""
    scripts: list[dict[str, str]] = []

    asset_count: int = 0
    asset_query: str = ""
    asset_results: list[dict[str, str]] = []
    added_assets: list[dict[str, str]] = []

    offered: list[dict[str, str]] = []
    added_items: list[dict[str, str]] = []
    items_total: str = ""

    files: list[dict[str, str]] = []
    file_errors: list[str] = []
    upload_percent: int = 0
    uploading: bool = False
    limit_text: str = ""
    limit_bytes: int = 0

    errors: dict[str, str] = {}
    busy: bool = False

    site_dialog: bool = False
    site_errors: dict[str, str] = {}
    site_busy: bool = False

    _uploads: list[dict[str, str]] = []  # ref (on screen), key (pending storage), name
    _lines: list[list[int]] = []  # [optional item id, quantity]
    _submission_key: str = ""
    _submitted_id: int = 0
    _defect_id: int = 0  # the defect a quote request fixes, from the address; checked again on submit
    _currency: str = "AUD"

    # --- helpers ---------------------------------------------------------------------------

    def _purpose_scope(self) -> Scope | None:
        """The scope when the contact may open this form's page (quotes or jobs)."""
        if self.purpose not in requests.PURPOSES:
            return None
        return self._scope(requests.PAGE_OF[self.purpose])

    @rx.var
    def added_asset_ids(self) -> list[str]:
        return [a["id"] for a in self.added_assets]

    def _discard_uploads(self) -> None:
        for upload in self._uploads:
            uploads.discard_pending(upload["key"])
        self._uploads = []
        self.files = []

    def _reset_form(self) -> None:
        self._discard_uploads()
        self.ready = False
        self.sites, self.contacts, self.scripts, self.offered = [], [], [], []
        self.site_id = self.contact_id = self.order_number = self.preferred_date = self.description = ""
        self.asset_count, self.asset_query, self.asset_results, self.added_assets = 0, "", [], []
        self.added_items, self.items_total, self._lines = [], "", []
        self.file_errors, self.upload_percent, self.uploading = [], 0, False
        self.errors, self.busy = {}, False
        self.site_dialog, self.site_errors, self.site_busy = False, {}, False
        self._submission_key = secrets.token_hex(16)
        self._submitted_id = 0
        self._defect_id = 0

    def _set_error(self, name: str, message: str = "") -> None:
        errors = {k: v for k, v in self.errors.items() if k != name}
        if message:
            errors[name] = message
        if "form" in errors and len(errors) == 1:
            errors = {}
        self.errors = errors

    def _refresh_site(self, session: Any, scope: Scope) -> None:
        if not self.site_id:
            self.asset_count, self.asset_results = 0, []
            return
        self.asset_count = requests.site_asset_count(session, scope, self.site_id)
        self.asset_results = (
            [_asset_row(h) for h in requests.search_assets(session, scope, self.site_id, self.asset_query)]
            if self.asset_count
            else []
        )

    def _show_items(self) -> None:
        with unit_of_work() as session:
            shown, total = [], 0
            for item_id, quantity in self._lines:
                item = requests.offered_item(session, item_id)
                if item is None:
                    continue
                line = item.unit_price_cents * quantity
                total += line
                shown.append(
                    {
                        "id": str(item.id),
                        "name": item.name,
                        "quantity": str(quantity),
                        "unit": format_money(item.unit_price_cents, self._currency),
                        "total": format_money(line, self._currency),
                    }
                )
        self.added_items = shown
        self.items_total = format_money(total, self._currency) if shown else ""

    # --- loading ---------------------------------------------------------------------------

    @rx.event
    def load(self, purpose: str):
        """on_load of /quotes/request and /jobs/book: a fresh form, prefilled from ?site=&asset=&defect=."""
        purpose = arguments.text(purpose, 10)
        if purpose not in requests.PURPOSES:
            return
        self.purpose = purpose
        self._reset_form()
        scope = self._purpose_scope()
        if scope is None:
            return
        params = self.router.url.query_parameters
        with unit_of_work() as session:
            self._currency = tenant.currency(session)
            self.sites = _site_rows(requests.site_choices(session, scope))
            self.contacts = [
                {"id": str(c.id), "name": c.name} for c in requests.contact_choices(session, scope)
            ]
            self.scripts = [
                {"id": str(s.id), "title": s.title} for s in requests.scripts_for(session, purpose)
            ]
            self.offered = [
                {"id": str(i.id), "label": f"{i.name} ({format_money(i.unit_price_cents, self._currency)})"}
                for i in requests.offered_items(session)
            ]
            pre = requests.prefill(
                session, scope, params.get("site"), params.get("asset"), params.get("defect")
            )
            if pre.site_id is not None:
                self.site_id = str(pre.site_id)
            elif len(self.sites) == 1:
                self.site_id = self.sites[0]["id"]
            self.added_assets = [_asset_row(a) for a in pre.assets]
            if purpose == "quote" and pre.defect_id is not None:
                self._defect_id, self.description = pre.defect_id, pre.description
            self._refresh_site(session, scope)
            self.today = tenant.today(session).isoformat()
        self.contact_id = str(scope.contact_id)
        self.limit_bytes = uploads.limit_bytes()
        self.limit_text = uploads.limit_text()
        try:
            uploads.sweep_pending()
        except OSError:
            log.warning("could not sweep old pending uploads", exc_info=True)
        self.ready = True

    # --- fields ----------------------------------------------------------------------------

    @rx.event
    def choose_site(self, site_id: str):
        scope = self._purpose_scope()
        if scope is None or self._submitted_id:
            return
        site_id = arguments.text(site_id, 20)
        with unit_of_work() as session:
            site = requests.visible_site(session, scope, site_id) if site_id else None
            new_id = str(site.id) if site else ""
            if new_id != self.site_id:
                self.added_assets = []
                self.asset_query = ""
            self.site_id = new_id
            self._refresh_site(session, scope)
        self._set_error("site", "" if site or not site_id else rules.CHOOSE_SITE)
        self._set_error("assets")

    @rx.event
    def choose_contact(self, contact_id: str):
        scope = self._purpose_scope()
        if scope is None:
            return
        with unit_of_work() as session:
            found = requests.customer_contact(session, scope, contact_id)
        self.contact_id = str(found.id) if found else ""
        self._set_error("contact", "" if found else rules.CHOOSE_CONTACT)

    @rx.event
    def set_order_number(self, value: str):
        self.order_number = arguments.text(value, 1000)
        self._set_error("order_number", rules.order_number_problem(self.order_number))

    @rx.event
    def set_preferred_date(self, value: str):
        """Checked as it is picked, by the rule submitting checks again."""
        self.preferred_date = arguments.text(value, 20)
        today = dates.read_day(self.today)
        problem = rules.preferred_date_problem(self.preferred_date, today) if isinstance(today, date) else ""
        self._set_error("preferred_date", problem)

    @rx.event
    def set_description(self, value: str):
        self._apply_description(value)

    def _apply_description(self, value: Any) -> None:
        self.description = arguments.text(value, MAX_FIELD)
        problem = rules.description_too_long(self.description)
        if problem or rules.multi_line(self.description):  # an empty one is said on submit, not as typed
            self._set_error("description", problem)

    @rx.event
    def insert_script(self, script_id: str):
        if self._purpose_scope() is None:
            return
        with unit_of_work() as session:
            body = requests.script_body(session, self.purpose, script_id)
        if body is not None:
            self._apply_description(requests.append_script(self.description, body))

    # --- assets ----------------------------------------------------------------------------

    @rx.event
    def search_assets(self, form_data: dict[str, Any]):
        scope = self._purpose_scope()
        if scope is None:
            return
        self.asset_query = arguments.text(arguments.form(form_data).get("asset_query"), requests.MAX_SEARCH)
        with unit_of_work() as session:
            self._refresh_site(session, scope)

    @rx.event
    def add_asset(self, asset_id: str):
        scope = self._purpose_scope()
        if scope is None or self._submitted_id or not self.site_id:
            return
        if any(a["id"] == str(asset_id) for a in self.added_assets):
            return
        if problem := rules.assets_problem(len(self.added_assets) + 1):
            self._set_error("assets", problem)
            return
        with unit_of_work() as session:
            hit = requests.visible_asset(session, scope, asset_id, self.site_id)
        if hit is not None:
            self.added_assets = [*self.added_assets, _asset_row(hit)]
            self._set_error("assets")

    @rx.event
    def remove_asset(self, asset_id: str):
        self.added_assets = [a for a in self.added_assets if a["id"] != str(asset_id)]
        self._set_error("assets")

    # --- optional items --------------------------------------------------------------------

    @rx.event
    def add_item(self, form_data: dict[str, Any]):
        scope = self._purpose_scope()
        if scope is None or self._submitted_id:
            return
        data = arguments.form(form_data)
        with unit_of_work() as session:
            item = requests.offered_item(session, arguments.text(data.get("item"), 20))
        if item is None or item.id is None:
            self._set_error("items", rules.CHOOSE_ITEM)
            return
        held = [(line[0], line[1]) for line in self._lines]
        lines, problem = rules.add_item(held, item.id, arguments.whole(data.get("quantity")))
        if problem:
            self._set_error("items", problem)
            return
        self._lines = [list(line) for line in lines]
        self._set_error("items")
        self._show_items()

    @rx.event
    def remove_item(self, item_id: str):
        self._lines = [list(line) for line in self._lines if str(line[0]) != str(item_id)]
        self._set_error("items")
        self._show_items()

    # --- attachments -----------------------------------------------------------------------

    @rx.event
    def upload_progress(self, progress: dict[str, Any]):
        reported = arguments.form(progress).get("progress")
        fraction = float(reported) if isinstance(reported, int | float) and math.isfinite(reported) else 0.0
        fraction = min(max(fraction, 0.0), 1.0)
        self.upload_percent = int(fraction * 100)
        self.uploading = fraction < 1.0

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):
        """Each file is read in chunks straight into private pending storage and checked there."""
        scope = self._purpose_scope()
        if scope is None:
            self.file_errors = ["Your session has ended: sign in again to attach files."]
            return
        if self._submitted_id:
            return
        problems: list[str] = []
        kept = list(self._uploads)
        shown = list(self.files)
        for upload in uploaded(files):
            raw_name = upload.name or upload.filename or "file"
            if problem := rules.files_problem(len(kept) + 1):
                problems.append(f"{uploads.display_name(raw_name)}: {problem}")
                continue
            try:
                found = await asyncio.to_thread(uploads.save_pending, upload.file, raw_name)
            except uploads.UploadRefused as refused:
                problems.append(f"{refused.name}: {refused.message}")
                continue
            ref = secrets.token_hex(8)
            kept.append({"ref": ref, "key": found.key, "name": found.name})
            shown.append({"ref": ref, "name": found.name, "size": _size(found.size), "type": found.label})
        self._uploads, self.files = kept, shown
        self.file_errors = problems
        self.uploading, self.upload_percent = False, 0
        self._set_error("attachments")

    @rx.event
    def files_rejected(self, rejected: list[dict[str, Any]]):
        """Files the browser refused before sending (too big, too many); the server checks them anyway."""
        problems = []
        for entry in arguments.records(rejected, 20):
            file = arguments.form(entry.get("file"))
            name = uploads.display_name(
                arguments.text(file.get("path"), 255) or arguments.text(file.get("name"), 255) or "file"
            )
            codes = {arguments.text(e.get("code"), 40) for e in arguments.records(entry.get("errors"), 20)}
            if "file-too-large" in codes:
                problems.append(f"{name}: The file is larger than {self.limit_text}, the limit for one file.")
            elif "too-many-files" in codes:
                problems.append(f"{name}: Attach at most {rules.MAX_ATTACHMENTS} files at a time.")
            else:
                problems.append(f"{name}: {uploads.NOT_ALLOWED}")
        self.file_errors = problems
        self.uploading, self.upload_percent = False, 0

    @rx.event
    def remove_upload(self, ref: str):
        gone = [u for u in self._uploads if u["ref"] == str(ref)]
        for upload in gone:
            uploads.discard_pending(upload["key"])
        self._uploads = [u for u in self._uploads if u["ref"] != str(ref)]
        self.files = [f for f in self.files if f["ref"] != str(ref)]
        self._set_error("attachments")

    # --- Create New site -------------------------------------------------------------------

    @rx.event
    def open_site_dialog(self):
        if self._purpose_scope() is None:
            return
        self.site_errors, self.site_busy, self.site_dialog = {}, False, True

    @rx.event
    def set_site_dialog(self, is_open: bool):
        self.site_dialog = arguments.flag(is_open) and self._purpose_scope() is not None
        if not self.site_dialog:
            self.site_errors = {}

    @rx.event
    def create_site(self, form_data: dict[str, Any]):
        scope = self._purpose_scope()
        if scope is None or self._submitted_id or self.site_busy:
            return
        data = arguments.form(form_data)
        new = SiteForm(**{name: arguments.text(data.get(name), SITE_CUT) for name in site_editing.FIELDS})
        self.site_busy = True
        yield
        try:
            with unit_of_work() as session:
                site = requests.create_site(session, scope, new)
                site_id = site.id
        except RequestError as err:
            self.site_errors = err.field_errors
            return
        except AccessDenied:
            self.site_errors = {"name": "Your login cannot create sites."}
            return
        finally:
            self.site_busy = False
        fresh = self._purpose_scope()  # a contact limited to some sites now has this one too
        if fresh is None:
            return
        with unit_of_work() as session:
            self.sites = _site_rows(requests.site_choices(session, fresh))
            self.site_id = str(site_id)
            self.added_assets, self.asset_query = [], ""
            self._refresh_site(session, fresh)
        self.site_dialog, self.site_errors = False, {}
        self._set_error("site")
        yield rx.toast.success(f"Site \u201c{new.name.strip()}\u201d created and selected.")

    # --- submit and cancel -----------------------------------------------------------------

    @rx.event
    def submit(self):
        if self.busy or self._submitted_id:
            return
        scope = self._purpose_scope()
        if scope is None:
            self.errors = {"form": SIGNED_OUT}
            return
        if self.uploading:
            self.errors = {"form": "Wait until the files have finished uploading, then submit."}
            return
        self.busy = True
        yield
        form = RequestForm(
            purpose=self.purpose,
            site_id=self.site_id,
            contact_id=self.contact_id,
            order_number=self.order_number,
            preferred_date=self.preferred_date,
            description=self.description,
            asset_ids=[a["id"] for a in self.added_assets],
            items=[(line[0], line[1]) for line in self._lines],
            attachments=[PendingRef(u["key"], u["name"]) for u in self._uploads],
            submission_key=self._submission_key,
            defect_id=self._defect_id or None,
        )
        try:
            with unit_of_work() as session:
                saved = requests.submit_request(session, scope, form, tenant.today(session))
                number, saved_id = saved.number, saved.id
        except RequestError as err:
            self.errors = {**err.field_errors, "form": "Please correct the fields marked below."}
            self.busy = False
            yield rx.scroll_to("request-top")
            return
        except AccessDenied:
            self.errors = {"form": "Your login cannot make this request."}
            self.busy = False
            return
        except Exception:
            log.exception("saving a %s request failed", self.purpose)
            self.errors = {
                "form": "We couldn't send your request just now. Nothing was saved; please try again."
            }
            self.busy = False
            return
        self._submitted_id = saved_id
        self._uploads, self.files = [], []
        self.errors = {}
        yield rx.redirect(LIST_PAGE[self.purpose].format(number=number))

    @rx.event
    def cancel(self):
        if not self._submitted_id:
            self._discard_uploads()
        back = BACK_TO.get(self.purpose, "/dashboard")
        return rx.call_script(
            f"window.history.length > 1 ? window.history.back() : window.location.assign('{back}')"
        )
