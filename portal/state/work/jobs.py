"""Jobs: the five stage lists, a job's details and the invoices raised for it."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx
from sqlmodel import Session

from portal.core import tenant
from portal.db import unit_of_work
from portal.models import AttachmentOwner, Page
from portal.services.work import jobs
from portal.state.display import DASH, day, money
from portal.state.listing import DetailListState
from portal.state.session import SessionState


class JobsState(DetailListState, SessionState):
    LIST: ClassVar = jobs.JOBS
    TABS: ClassVar[tuple[str, ...]] = jobs.JOB_TABS
    PAGE: ClassVar[str] = Page.JOBS
    EXPORT: ClassVar[str] = "jobs"
    KIND: ClassVar[str] = "job"
    OWNER: ClassVar[AttachmentOwner] = AttachmentOwner.JOB

    invoices: list[dict[str, str]] = []
    invoices_for: str = ""

    def _format(self, row: Any) -> dict[str, str]:
        return {
            "id": str(row.id),
            "number": str(row.number),
            "site": row.site_name,
            "description": row.description,
            "order": row.order_number or DASH,
            "date": day(row.requested_on),
            "status": row.status_text,
            "scheduled": jobs.visit_text(row.scheduled_on, row.window_start, row.window_end) or DASH,
            "total": money(row.total_cents, self._currency) if row.total_cents else DASH,
            "invoices": str(row.invoice_count),
        }

    @rx.event
    def load(self):
        self._open_list()
        self.invoices_for = ""
        self._refresh()
        return self._follow()

    @rx.event
    def open_detail(self, job_id: str):
        return self._open_detail(job_id)

    def _load_detail(self, session: Session, scope: Any, row_id: Any) -> Any:
        return jobs.job_detail(session, scope, row_id)

    def _own_facts(self, d: Any) -> dict[str, str]:
        return {
            "status": d.status_text,
            "scheduled_on": jobs.visit_text(d.scheduled_on, d.window_start, d.window_end) or DASH,
            "due_on": day(d.due_on),
            "completed_on": day(d.completed_on),
        }

    @rx.event
    def show_invoices(self, job_id: str):
        """The "..." popover: the job's invoices, empty when the login has no invoice access."""
        scope = self._scope(Page.JOBS)
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
