"""/office/documents: every customer's published documents, publishing one, a new version, withdraw.

Every handler asks for the staff member again with ``Duty.MANAGE_CUSTOMERS``; the customer chosen
for a new document, the document on screen and the chosen files' pending keys are backend vars,
read from what the office picked on screen, never from a value sent with the command.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import reflex as rx

from portal.core.lists import Page, PageRequest
from portal.core.principal import Duty, StaffMember
from portal.db import unit_of_work
from portal.models import DocumentKind
from portal.services.documents import publishing
from portal.services.files import uploads
from portal.state import arguments
from portal.state.display import day, moment, size
from portal.state.files.attachments import uploaded
from portal.state.listing import ListState
from portal.state.office.customer_search import offered, search_customers
from portal.state.office.session import office_staff

PUBLISH_UPLOAD = "document-file"
REPLACE_UPLOAD = "document-new-version"
KINDS = [{"id": k.value, "label": label} for k, label in publishing.KIND_LABELS.items()]
ALL = "all"


def _staff(state: rx.State) -> StaffMember | None:
    return office_staff(state, Duty.MANAGE_CUSTOMERS)


async def _pending(files: Any) -> tuple[tuple[str, str] | None, str]:
    """The first chosen file in private pending storage, checked by content and size: (key and name,
    or None; the problem to show)."""
    chosen = uploaded(files)[:1]
    if not chosen:
        return None, ""
    try:
        found = await asyncio.to_thread(
            uploads.save_pending, chosen[0].file, chosen[0].name or chosen[0].filename or "file"
        )
    except uploads.UploadRefused as refused:
        return None, refused.message
    return (found.key, found.name), ""


class OfficeDocumentsState(ListState, rx.State):
    TABS: ClassVar[tuple[str, ...]] = publishing.TABS
    PAGE: ClassVar[str] = Duty.MANAGE_CUSTOMERS

    # The filters, from the address (?customer=, ?site=, ?kind=) and the controls.
    filter_customer: str = ""
    filter_customer_name: str = ""
    filter_sites: list[dict[str, str]] = []
    filter_site: str = ALL
    filter_kind: str = ALL

    # Publishing.
    publish_open: bool = False
    errors: dict[str, str] = {}
    customer_query: str = ""
    customer_choices: list[dict[str, str]] = []
    customer_name: str = ""
    sites: list[dict[str, str]] = []
    site: str = ALL
    kind: str = DocumentKind.SITE_INDUCTION.value
    file_name: str = ""
    busy: bool = False
    _customer_id: int = 0
    _file: list[str] = []

    # One document.
    detail_open: bool = False
    detail: dict[str, str] = {}
    versions: list[dict[str, str]] = []
    detail_errors: dict[str, str] = {}
    new_file_name: str = ""
    confirm_open: bool = False
    _document_id: int = 0
    _new_file: list[str] = []

    def _scope(self, duty: str) -> StaffMember | None:
        return office_staff(self, duty)

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        filters = publishing.Filters(
            self.filter_customer or None,
            self.filter_site if self.filter_site != ALL else None,
            self.filter_kind if self.filter_kind != ALL else None,
        )
        with unit_of_work(read_only=True) as session:
            return publishing.list_documents(session, scope, self.tab, filters, request)

    def _format(self, row: publishing.DocumentListRow) -> dict[str, str]:
        return {
            "id": str(row.id),
            "title": row.title,
            "kind": row.kind,
            "customer": row.customer_name,
            "site": row.site_name,
            "version": f"v{row.version}",
            "file": row.file_name,
            "updated": day(row.updated_at or row.published_at),
            "status": "Withdrawn" if row.withdrawn_at else "Published",
        }

    # --- the list and its filters ----------------------------------------------------------------

    @rx.event
    def load(self):
        self.publish_open = self.detail_open = self.confirm_open = False
        self._forget_files()
        staff = _staff(self)
        if staff is None:
            self.rows, self.total, self.loading = [], 0, False
            return
        self._open_from_url()
        self.sort, self.descending = "updated", True
        params = self.router.url.query_parameters
        self.filter_kind = params.get("kind", "") if params.get("kind", "") in publishing.KIND_LABELS else ALL
        self._filter_customer(staff, params.get("customer", ""), params.get("site", ""))
        self._refresh()

    def _filter_customer(self, staff: StaffMember, customer: Any, site: Any = "") -> None:
        with unit_of_work(read_only=True) as session:
            chosen = publishing.customer_choice(session, staff, arguments.text(customer, 20) or None)
            sites = publishing.customer_sites(session, staff, chosen.id) if chosen else []
        self.filter_customer = str(chosen.id) if chosen else ""
        self.filter_customer_name = chosen.label if chosen else ""
        self.filter_sites = [{"id": str(s.id), "label": s.label} for s in sites]
        wanted = arguments.text(site, 20)
        self.filter_site = wanted if any(s["id"] == wanted for s in self.filter_sites) else ALL

    @rx.event
    def set_filter_kind(self, kind: str):
        if _staff(self) is None:
            return
        kind = arguments.text(kind, 40)
        self.filter_kind = kind if kind in publishing.KIND_LABELS else ALL
        self.page = 1
        self._refresh()

    @rx.event
    def set_filter_site(self, site: str):
        if _staff(self) is None:
            return
        site = arguments.text(site, 20)
        self.filter_site = site if any(s["id"] == site for s in self.filter_sites) else ALL
        self.page = 1
        self._refresh()

    @rx.event
    def clear_customer(self):
        if _staff(self) is None:
            return
        self.filter_customer, self.filter_customer_name, self.filter_sites = "", "", []
        self.filter_site, self.page = ALL, 1
        self._refresh()

    # --- publishing ------------------------------------------------------------------------------

    def _forget_files(self) -> None:
        for kept in (self._file, self._new_file):
            if kept:
                uploads.discard_pending(kept[0])
        self._file, self._new_file, self.file_name, self.new_file_name = [], [], "", ""

    @rx.event
    def open_publish(self):
        staff = _staff(self)
        if staff is None:
            return
        self._forget_files()
        self.errors, self.busy, self.customer_choices, self.customer_query = {}, False, [], ""
        self.site, self.kind = ALL, DocumentKind.SITE_INDUCTION.value
        self._customer_id, self.customer_name, self.sites = 0, "", []
        if self.filter_customer:  # publishing from a customer's documents: that customer
            self._choose(staff, self.filter_customer)
            if self.filter_site != ALL:
                self.site = self.filter_site
        self.publish_open = True

    @rx.event
    def set_publish_open(self, is_open: bool):
        if not arguments.flag(is_open):
            self.publish_open = False
            self._forget_files()

    @rx.event
    def find_customers(self, form: dict):
        staff = _staff(self)
        if staff is None:
            return
        search_customers(self, staff, form, publishing.find_customers)

    def _choose(self, staff: StaffMember, customer_id: Any) -> bool:
        with unit_of_work(read_only=True) as session:
            chosen = publishing.customer_choice(session, staff, customer_id)
            sites = publishing.customer_sites(session, staff, chosen.id) if chosen else []
        if chosen is None:
            return False
        self._customer_id, self.customer_name = chosen.id, chosen.label
        self.sites = [{"id": str(s.id), "label": s.label} for s in sites]
        self.site = ALL
        return True

    @rx.event
    def choose_customer(self, customer_id: str):
        staff = _staff(self)
        if staff is None:
            return
        chosen = offered(self.customer_choices, customer_id)
        if chosen is None:
            return
        if self._choose(staff, chosen["id"]):
            self.customer_choices, self.errors = [], {}

    @rx.event
    def set_site(self, site: str):
        site = arguments.text(site, 20)
        self.site = site if any(s["id"] == site for s in self.sites) else ALL

    @rx.event
    def set_kind(self, kind: str):
        kind = arguments.text(kind, 40)
        if kind in publishing.KIND_LABELS:
            self.kind = kind

    @rx.event
    async def choose_file(self, files: list[rx.UploadFile]):
        """The file goes straight to private pending storage; its type is read from its content."""
        if _staff(self) is None:
            return None
        found, problem = await _pending(files)
        if found is None and not problem:
            return None
        if self._file:
            uploads.discard_pending(self._file[0])
        self._file = list(found) if found else []
        self.file_name = found[1] if found else ""
        self.errors = {k: v for k, v in self.errors.items() if k != "file"}
        if problem:
            self.errors = {**self.errors, "file": problem}
        return rx.clear_selected_files(PUBLISH_UPLOAD)

    @rx.event
    async def publish(self, form: dict):
        staff = _staff(self)
        if staff is None or self.busy:
            return
        title = arguments.text(arguments.form(form).get("title"), publishing.TITLE_LIMIT + 50)
        pending = (self._file[0], self._file[1]) if len(self._file) == 2 else None
        self.busy = True
        yield
        try:
            await asyncio.to_thread(
                _publish,
                staff,
                self._customer_id,
                None if self.site == ALL else self.site,
                self.kind,
                title,
                pending,
            )
        except publishing.DocumentError as refused:
            self.busy, self.errors = False, refused.field_errors
            return
        self.busy, self.publish_open, self.errors = False, False, {}
        self._file, self.file_name = [], ""  # attached: the pending copy went with the commit
        self._refresh()
        yield rx.toast.success(f"{' '.join(title.split())} published.")

    # --- one document ----------------------------------------------------------------------------

    def _load_detail(self, staff: StaffMember, document_id: Any) -> bool:
        with unit_of_work(read_only=True) as session:
            d = publishing.document_detail(session, staff, document_id)
        if d is None:
            return False
        self._document_id = d.id
        self.detail = {
            "id": str(d.id),
            "title": d.title,
            "kind": d.kind,
            "customer": d.customer_name,
            "site": d.site_name,
            "version": str(d.version),
            "published": moment(d.published_at),
            "updated": moment(d.updated_at) if d.updated_at else "",
            "withdrawn": moment(d.withdrawn_at) if d.withdrawn_at else "",
        }
        self.versions = [
            {
                "version": f"v{v.version}",
                "file": v.file_name,
                "size": size(v.size_bytes),
                "published": moment(v.published_at),
                "by": v.staff_name or "-",
                "current": "yes" if v.current else "",
                "href": f"/files/office/attachments/{v.attachment_id}",
            }
            for v in d.versions
        ]
        return True

    @rx.event
    def open_document(self, document_id: str):
        staff = _staff(self)
        if staff is None:
            return None
        wanted = arguments.text(document_id, 20)
        if not any(r["id"] == wanted for r in self.rows) or not self._load_detail(staff, wanted):
            return rx.toast.error(publishing.NOT_FOUND)
        self._forget_files()
        self.detail_errors, self.confirm_open, self.detail_open = {}, False, True
        return None

    @rx.event
    def set_detail_open(self, is_open: bool):
        if not arguments.flag(is_open):
            self.detail_open, self.confirm_open, self._document_id = False, False, 0
            self._forget_files()

    @rx.event
    async def choose_new_version(self, files: list[rx.UploadFile]):
        if _staff(self) is None or not self._document_id:
            return None
        found, problem = await _pending(files)
        if found is None and not problem:
            return None
        if self._new_file:
            uploads.discard_pending(self._new_file[0])
        self._new_file = list(found) if found else []
        self.new_file_name = found[1] if found else ""
        self.detail_errors = {"file": problem} if problem else {}
        return rx.clear_selected_files(REPLACE_UPLOAD)

    @rx.event
    async def replace(self):
        staff = _staff(self)
        if staff is None or not self._document_id:
            return None
        pending = (self._new_file[0], self._new_file[1]) if len(self._new_file) == 2 else None
        try:
            version = await asyncio.to_thread(_replace, staff, self._document_id, pending)
        except publishing.DocumentError as refused:
            self.detail_errors = refused.field_errors
            return None
        self._new_file, self.new_file_name, self.detail_errors = [], "", {}
        self._load_detail(staff, self._document_id)
        self._refresh()
        return rx.toast.success(f"Version {version} published.")

    @rx.event
    def ask_withdraw(self):
        if _staff(self) is None or not self._document_id:
            return
        self.confirm_open = True

    @rx.event
    def set_confirm_open(self, is_open: bool):
        self.confirm_open = arguments.flag(is_open) and self.confirm_open

    @rx.event
    def withdraw(self):
        """Only once the confirmation is open: a withdraw event on its own changes nothing."""
        if not self.confirm_open:
            return None
        return self._change(publishing.withdraw, "withdrawn: the customer no longer sees it")

    @rx.event
    def restore(self):
        return self._change(publishing.restore, "restored: the customer sees it again")

    def _change(self, command: Any, said: str) -> Any:
        staff = _staff(self)
        self.confirm_open = False
        if staff is None or not self._document_id:
            return None
        try:
            with unit_of_work() as session:
                command(session, staff, self._document_id)
        except publishing.DocumentError as refused:
            self.detail_errors = refused.field_errors
            return None
        self._load_detail(staff, self._document_id)
        self._refresh()
        return rx.toast.success(f"{self.detail.get('title', 'Document')} {said}.")


def _publish(
    staff: StaffMember,
    customer_id: int,
    site: str | None,
    kind: str,
    title: str,
    pending: tuple[str, str] | None,
) -> None:
    with unit_of_work() as session:
        publishing.publish(
            session, staff, customer_id=customer_id, site_id=site, kind=kind, title=title, pending=pending
        )


def _replace(staff: StaffMember, document_id: int, pending: tuple[str, str] | None) -> int:
    with unit_of_work() as session:
        return publishing.replace(session, staff, document_id, pending).version
