"""Jobs: the five stage lists, a job's details and the invoices raised for it."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import tenant
from portal.core.lists import Page, PageRequest
from portal.db import unit_of_work
from portal.models import AttachmentOwner
from portal.services.work import jobs
from portal.state import arguments
from portal.state.display import DASH, attachment_rows, day, item_rows, money
from portal.state.files import attachments as attachment_upload
from portal.state.listing import ListState
from portal.state.session import SessionState


class JobsState(ListState, SessionState):
    TABS: ClassVar[tuple[str, ...]] = jobs.JOB_TABS
    PAGE: ClassVar[str] = "jobs"
    EXPORT: ClassVar[str] = "jobs"

    created: str = ""
    detail: dict[str, str] = {}
    items: list[dict[str, str]] = []
    assets: list[dict[str, str]] = []
    attachments: list[dict[str, str]] = []
    detail_open: bool = False
    upload_errors: list[str] = []
    invoices: list[dict[str, str]] = []
    invoices_for: str = ""
    _currency: str = "AUD"
    _detail_id: int = 0

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work() as session:
            self._currency = tenant.currency(session)
            return jobs.list_jobs(session, scope, self.tab, request, tenant.today(session))

    def _format(self, row: Any) -> dict[str, str]:
        return {
            "id": str(row.id),
            "number": str(row.number),
            "site": row.site_name,
            "description": row.description,
            "order": row.order_number or DASH,
            "date": day(row.requested_on),
            "status": row.status_text,
            "scheduled": day(row.scheduled_on),
            "total": money(row.total_cents, self._currency) if row.total_cents else DASH,
            "invoices": str(row.invoice_count),
        }

    @rx.event
    def load(self):
        self._open_from_url()
        created = self.router.url.query_parameters.get("created", "")
        self.created = created if created.isdigit() else ""
        self.detail_open, self.invoices_for = False, ""
        self._refresh()

    @rx.event
    def open_detail(self, job_id: str):
        scope = self._scope("jobs")
        if scope is None:
            return None
        if not self._reload_detail(scope, job_id):
            return rx.toast.error("That job is not available.")
        self.detail_open, self.upload_errors = True, []
        return None

    def _reload_detail(self, scope: Any, job_id: Any = None) -> bool:
        with unit_of_work() as session:
            d = jobs.job_detail(session, scope, job_id or self._detail_id)
        if d is None:
            return False
        cur = self._currency = d.currency
        self._detail_id = d.id
        self.detail = {
            "id": str(d.id),
            "number": str(d.number),
            "status": d.status_text,
            "site": d.site_name,
            "site_address": d.site_address,
            "contact": d.contact_name or DASH,
            "order": d.order_number or DASH,
            "description": d.description,
            "requested_on": day(d.requested_on),
            "preferred_date": day(d.preferred_date),
            "scheduled_on": day(d.scheduled_on),
            "due_on": day(d.due_on),
            "completed_on": day(d.completed_on),
            "subtotal": money(d.subtotal_cents, cur),
            "tax": money(d.tax_cents, cur),
            "tax_label": d.tax_label,
            "total": money(d.total_cents, cur),
            "pdf": f"/documents/jobs/{d.id}.pdf",
        }
        self.items = item_rows(d.items, cur)
        self.assets = [
            {"number": a.number, "name": a.name, "location": a.location, "type": a.type_name}
            for a in d.assets
        ]
        self.attachments = attachment_rows(d.attachments)
        return True

    @rx.event
    def set_detail_open(self, is_open: bool):
        self.detail_open = arguments.flag(is_open)

    @rx.event
    def show_invoices(self, job_id: str):
        """The "..." popover: the job's invoices, empty when the login has no invoice access."""
        scope = self._scope("jobs")
        if scope is None:
            return
        with unit_of_work() as session:
            found = jobs.job_invoices(session, scope, job_id)
            cur = tenant.currency(session)
        self.invoices_for = str(job_id) if found is not None else ""
        self.invoices = [
            {
                "number": str(i.number),
                "issued": day(i.issued_on),
                "total": money(i.total_cents, cur),
                "balance": money(i.balance_cents, cur),
                "status": i.status,
                "href": f"/invoices?q={i.number}",
            }
            for i in (found or [])
        ]

    @rx.event
    async def add_files(self, files: list[rx.UploadFile]):
        """Options > Attachments: more files on the job on screen (its id kept server-side)."""
        scope = self._scope("jobs")
        if scope is None or not self._detail_id:
            return None
        added, self.upload_errors = await attachment_upload.store(
            files, scope, AttachmentOwner.JOB, self._detail_id
        )
        self._reload_detail(scope)
        done = [rx.clear_selected_files("job-files")]
        if added:
            done.append(rx.toast.success(f"{added} file{'' if added == 1 else 's'} attached."))
        return done
