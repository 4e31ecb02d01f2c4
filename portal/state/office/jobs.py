"""The office's jobs: the board by stage, one job with Schedule / Reschedule / Complete, a new job.

Every handler asks the office session for the live staff member with ``Duty.SCHEDULE_JOBS`` (or
``COMPLETE_JOBS`` for Complete) before it reads or writes, so a technician's or customer's forged
event does nothing. The job on screen is ``_job_id``, set only by loading its page.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from portal.core import tenant
from portal.core.money import parse_cents
from portal.core.principal import AccessDenied, Duty, StaffMember
from portal.db import unit_of_work
from portal.services.work import jobs, office_jobs, scheduling
from portal.services.work.office_jobs import Card
from portal.state import arguments
from portal.state.display import DASH, day, moment, money, size
from portal.state.office.session import office_staff

STAGES = [s.value for s in office_jobs.STAGES]
MAX_NEW_LINES = 20
ACTIONS = {
    "job.created": "Created",
    "job.scheduled": "Scheduled",
    "job.rescheduled": "Rescheduled",
    "job.completed": "Completed",
}


def window(card: Any) -> str:
    return jobs.window_text(card.window_start, card.window_end)


def card_view(card: Card) -> dict[str, str]:
    return {
        "id": str(card.id),
        "number": str(card.number),
        "customer": card.customer_name,
        "site": card.site_name,
        "description": card.description,
        "date": day(card.scheduled_on or card.requested_on),
        "visit": jobs.visit_text(card.scheduled_on, card.window_start, card.window_end),
        "window": window(card),
        "technician": card.technician_name,
        "href": f"/office/jobs/{card.id}",
    }


class JobsBoardState(rx.State):
    search: str = ""
    stage: str = "pending"  # the column a phone shows
    columns: list[dict[str, Any]] = []
    _shown: dict[str, int] = {}

    def _refresh(self) -> None:
        staff = office_staff(self, Duty.SCHEDULE_JOBS)
        if staff is None:
            self.columns = []
            return
        with unit_of_work(read_only=True) as session:
            found = office_jobs.board(session, staff, self.search, self._shown)
        self.columns = [
            {
                "stage": c.stage.value,
                "title": c.title,
                "total": str(c.total),
                "more": c.more,
                "cards": [card_view(x) for x in c.cards],
            }
            for c in found
        ]

    @rx.event
    def load(self):
        self._shown = {}
        self._refresh()

    @rx.event
    def find(self, form: dict):
        self.search = arguments.text(arguments.form(form).get("q"), 100)
        self._shown = {}
        self._refresh()

    @rx.event
    def clear(self):
        self.search, self._shown = "", {}
        self._refresh()

    @rx.event
    def more(self, stage: str):
        stage = arguments.text(stage, 20)
        if stage not in STAGES:
            return
        self._shown[stage] = min(
            self._shown.get(stage, office_jobs.STEP) + office_jobs.STEP, office_jobs.MOST_SHOWN
        )
        self._refresh()

    @rx.event
    def show_stage(self, stage: str):
        stage = arguments.text(stage, 20)
        if stage in STAGES:
            self.stage = stage


class OfficeJobState(rx.State):
    """``/office/jobs/[job_id]``."""

    found: bool = False
    loaded: bool = False
    job: dict[str, str] = {}
    items: list[dict[str, str]] = []
    assets: list[dict[str, str]] = []
    attachments: list[dict[str, str]] = []
    contacts: list[dict[str, str]] = []
    history: list[dict[str, str]] = []
    technicians: list[dict[str, str]] = []
    dialog_open: bool = False
    confirm_open: bool = False
    mode: str = "schedule"  # or "reschedule"
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    message: str = ""
    form_key: int = 0
    _job_id: int = 0

    def _show(self, staff: StaffMember, job_id: Any) -> None:
        with unit_of_work(read_only=True) as session:
            d = office_jobs.office_job(session, staff, job_id)
            people = office_jobs.technicians(session, staff)
            currency = tenant.currency(session)
        self.found, self.loaded = d is not None, True
        self.technicians = [{"id": str(i), "name": f"{name} ({role})"} for i, name, role in people]
        if d is None:
            self._job_id, self.job = 0, {}
            self.items = self.assets = self.attachments = self.contacts = self.history = []
            return
        self._job_id = d.id
        self.job = {
            "id": str(d.id),
            "number": str(d.number),
            "stage": d.stage,
            "status": d.status_text,
            "customer": d.customer_name,
            "site": d.site_name,
            "address": d.site_address or DASH,
            "contact": d.contact_name or DASH,
            "order": d.order_number or DASH,
            "description": d.description,
            "requested": day(d.requested_on),
            "visit": jobs.visit_text(d.scheduled_on, d.window_start, d.window_end) or DASH,
            "technician": d.technician_name or DASH,
            "completed": day(d.completed_on),
            "total": money(d.total_cents, currency),
            "scheduled_on": d.scheduled_on.isoformat() if d.scheduled_on else "",
            "window_start": f"{d.window_start:%H:%M}" if d.window_start else "",
            "window_end": f"{d.window_end:%H:%M}" if d.window_end else "",
            "technician_id": str(d.technician_id or ""),
        }
        self.items = [
            {
                "description": i.description,
                "quantity": str(i.quantity),
                "price": money(i.unit_price_cents, currency),
                "total": money(i.total_cents, currency),
            }
            for i in d.items
        ]
        self.assets = [
            {"number": a.number, "name": a.name, "location": a.location or DASH, "type": a.type_name}
            for a in d.assets
        ]
        self.attachments = [{"name": a.name, "size": size(a.size_bytes)} for a in d.attachments]
        self.contacts = [{"name": n or DASH, "email": e, "phone": p or DASH} for n, e, p in d.contacts]
        self.history = [
            {
                "at": moment(h.at),
                "action": ACTIONS.get(h.action, h.action),
                "who": h.who,
                "change": _change(h.detail),
            }
            for h in reversed(d.history)
        ]

    @rx.event
    def load(self):
        self.dialog_open = self.confirm_open = False
        self.message, self.errors, self.loaded = "", {}, False
        staff = office_staff(self, Duty.SCHEDULE_JOBS)
        if staff is None:
            self.found, self.loaded, self._job_id = False, True, 0
            return
        raw = self.router.page.params.get("job_id", "")
        self._show(staff, raw if isinstance(raw, str) else "")

    @rx.event
    def open_booking(self):
        staff = office_staff(self, Duty.SCHEDULE_JOBS)
        if staff is None or not self._job_id:
            return
        self.mode = "reschedule" if self.job.get("stage") == "progress" else "schedule"
        self.values = {
            "day": self.job.get("scheduled_on", ""),
            "start": self.job.get("window_start", "") or "08:00",
            "end": self.job.get("window_end", "") or "10:00",
            "technician": self.job.get("technician_id", ""),
        }
        self.errors, self.message = {}, ""
        self.form_key += 1
        self.dialog_open = True

    @rx.event
    def close_booking(self):
        self.dialog_open, self.errors = False, {}

    @rx.event
    def book(self, form: dict):
        staff = office_staff(self, Duty.SCHEDULE_JOBS)
        if staff is None or not self._job_id:
            self.message = "Not available to your role."
            return
        form = arguments.form(form)
        sent = {k: arguments.text(form.get(k), 20) for k in ("day", "start", "end", "technician")}
        command = scheduling.reschedule if self.mode == "reschedule" else scheduling.schedule
        try:
            with unit_of_work() as session:
                job = command(
                    session, staff, self._job_id, sent["day"], sent["start"], sent["end"], sent["technician"]
                )
                number = job.number
        except scheduling.ScheduleError as problem:
            self.values, self.errors = sent, problem.field_errors
            return
        self.dialog_open, self.errors = False, {}
        self.message = f"Job #{number} {self.mode}d. The job contacts have been emailed."
        self._show(staff, self._job_id)

    @rx.event
    def ask_complete(self):
        if office_staff(self, Duty.COMPLETE_JOBS) is not None and self._job_id:
            self.confirm_open = True

    @rx.event
    def cancel_complete(self):
        self.confirm_open = False

    @rx.event
    def complete(self):
        self.confirm_open = False
        staff = office_staff(self, Duty.COMPLETE_JOBS)
        if staff is None or not self._job_id:
            self.message = "Not available to your role."
            return
        try:
            with unit_of_work() as session:
                number = scheduling.complete(session, staff, self._job_id).number
        except scheduling.ScheduleError as problem:
            self.message = next(iter(problem.field_errors.values()))
            return
        except AccessDenied:
            self.message = jobs.NOT_YOURS
            return
        self.message = f"Job #{number} completed."
        viewer = office_staff(self, Duty.SCHEDULE_JOBS)
        if viewer is not None:
            self._show(viewer, self._job_id)


def _change(detail: dict[str, Any]) -> str:
    """What moved, as "08:00 → 09:00" pairs, from the audit's before and after."""
    before, after = detail.get("before") or {}, detail.get("after") or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return ""
    labels = {"stage": "stage", "scheduled_on": "date", "window_start": "from", "window_end": "to"}
    moved = [
        f"{label}: {before.get(key) or DASH} → {after.get(key) or DASH}"
        for key, label in labels.items()
        if before.get(key) != after.get(key) and key in after
    ]
    return "; ".join(moved)


class NewJobState(rx.State):
    """``/office/jobs/new``: a job for any customer and site, lines optional."""

    customer_search: str = ""
    customers: list[dict[str, str]] = []
    customer_id: str = ""
    sites: list[dict[str, str]] = []
    people: list[dict[str, str]] = []
    lines: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    busy: bool = False
    form_key: int = 0

    @rx.event
    def load(self):
        self.customer_id, self.sites, self.people, self.errors, self.busy = "", [], [], {}, False
        self.lines = []
        self.customer_search = ""
        self._customers()

    def _customers(self) -> None:
        staff = office_staff(self, Duty.SCHEDULE_JOBS)
        if staff is None:
            self.customers = []
            return
        with unit_of_work(read_only=True) as session:
            found = office_jobs.customers(session, staff, self.customer_search)
        self.customers = [{"id": str(i), "name": n} for i, n in found]

    @rx.event
    def find_customer(self, form: dict):
        self.customer_search = arguments.text(arguments.form(form).get("customer_q"), 100)
        self._customers()

    @rx.event
    def choose_customer(self, customer_id: str):
        staff = office_staff(self, Duty.SCHEDULE_JOBS)
        if staff is None:
            return
        chosen = arguments.text(customer_id, 20)
        with unit_of_work(read_only=True) as session:
            sites = office_jobs.sites_of(session, staff, chosen)
            people = office_jobs.contacts_of(session, staff, chosen)
        self.customer_id = chosen
        self.sites = [{"id": str(i), "name": n} for i, n in sites]
        self.people = [{"id": str(i), "name": n} for i, n in people]

    @rx.event
    def add_line(self):
        if len(self.lines) < MAX_NEW_LINES:
            self.lines = [*self.lines, {"n": str(len(self.lines))}]

    @rx.event
    def remove_line(self):
        self.lines = self.lines[:-1]

    @rx.event
    def create(self, form: dict):
        staff = office_staff(self, Duty.SCHEDULE_JOBS)
        if staff is None or self.busy:
            return None
        form = arguments.form(form)
        errors: dict[str, str] = {}
        lines = []
        for n in range(len(self.lines)):
            price = parse_cents(arguments.text(form.get(f"price_{n}"), 20).strip() or "0")
            if price is None:
                errors[f"line_{n}"] = "Enter a price such as 120.00."
                continue
            lines.append(
                scheduling.Line(
                    arguments.text(form.get(f"description_{n}"), 600),
                    arguments.whole(form.get(f"quantity_{n}")) or 0,
                    price,
                    arguments.text(form.get(f"kind_{n}"), 20),
                )
            )
        self.busy = True
        try:
            with unit_of_work() as session:
                job = scheduling.create_job(
                    session,
                    staff,
                    self.customer_id,
                    arguments.text(form.get("site"), 20),
                    arguments.text(form.get("description"), 21_000),
                    order_number=arguments.text(form.get("order_number"), 100),
                    contact_id=arguments.text(form.get("contact"), 20) or None,
                    lines=lines if not errors else [],
                )
                if errors:
                    raise scheduling.ScheduleError(errors)
                job_id = job.id
        except scheduling.ScheduleError as problem:
            self.errors = {**problem.field_errors, **errors}
            return None
        finally:
            self.busy = False
        self.errors = {}
        return rx.redirect(f"/office/jobs/{job_id}")
