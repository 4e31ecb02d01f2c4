"""View Tasks: the list by status, one page at a time, and a task's pop-up with its history."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import tenant
from portal.core.lists import Page, PageRequest
from portal.db import unit_of_work
from portal.models import Page as PageKey
from portal.services.work import tasks
from portal.state import arguments
from portal.state.display import DASH, day, moment
from portal.state.listing import ListState
from portal.state.session import SessionState


def _number(value: int | None) -> str:
    return str(value) if value else DASH


def _related(job_number: int | None, quote_number: int | None) -> str:
    """The job or quote a task is about, as a customer names it ("Job 20012")."""
    parts = [f"Job {job_number}" if job_number else "", f"Quote {quote_number}" if quote_number else ""]
    return " · ".join(p for p in parts if p) or DASH


class TasksState(ListState, SessionState):
    # Open first: what a customer opens Tasks for.
    TABS: ClassVar[tuple[str, ...]] = tasks.TASK_TABS
    PAGE: ClassVar[str] = PageKey.TASKS
    EXPORT: ClassVar[str] = tasks.TASKS.name

    detail: dict[str, str] = {}
    history: list[dict[str, str]] = []
    detail_open: bool = False

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            return tasks.list_tasks(session, scope, self.tab, request, tenant.today(session))

    def _format(self, row: Any) -> dict[str, str]:
        return {
            "id": str(row.id),
            "number": str(row.number),
            "subject": row.subject,
            "site": row.site_name,
            "related": _related(row.job_number, row.quote_number),
            "due": day(row.due_on),
            "status": row.status,
            "priority": row.priority,
            "assigned": row.assigned_to or DASH,
            "overdue": "yes" if row.overdue else "",
        }

    @rx.event
    def load(self):
        self._open_from_url()
        self.detail_open = False
        self._refresh()
        return self._follow()

    @rx.event
    def open_detail(self, task_id: str):
        scope = self._scope(PageKey.TASKS)
        if scope is None:
            return None
        with unit_of_work(read_only=True) as session:
            d = tasks.task_detail(session, scope, arguments.whole(task_id), tenant.today(session))
        if d is None:
            return rx.toast.error("That task is not available.")
        self.detail = {
            "id": str(d.id),
            "number": str(d.number),
            "subject": d.subject,
            "description": d.description,
            "site": d.site_name,
            "site_address": d.site_address,
            "job": _number(d.job_number),
            "quote": _number(d.quote_number),
            "due": day(d.due_on),
            "completed": day(d.completed_on),
            "raised": day(d.raised_on),
            "status": d.status,
            "priority": d.priority,
            "assigned": d.assigned_to or DASH,
            "overdue": "yes" if d.overdue else "",
        }
        self.history = [
            {"at": moment(h.at), "author": h.author or DASH, "status": h.status, "note": h.note}
            for h in d.history
        ]
        self.detail_open = True
        return None

    @rx.event
    def set_detail_open(self, is_open: bool):
        """Only closes: a pop-up opens through ``open_detail``, which loads the task first."""
        if not arguments.flag(is_open):
            self.detail_open = False
