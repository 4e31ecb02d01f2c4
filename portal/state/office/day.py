"""The technician's day (``/office/day``) and one job worked on site (``/office/day/[job_id]``).

The job's id is read from the address on load and kept in a backend var only when the staff member
may work the job; every handler asks the office session for the staff member again and the service
checks the job again, so a forged event on another technician's job changes nothing.
"""

from __future__ import annotations

import asyncio
from datetime import date, time
from typing import Any

import reflex as rx

from portal.core.principal import AccessDenied, Duty, StaffMember
from portal.db import unit_of_work
from portal.services.assets import field_work
from portal.services.files import uploads
from portal.services.work import jobs
from portal.state import arguments
from portal.state.files.attachments import uploaded
from portal.state.office.session import office_staff

PHOTO_UPLOAD = "defect-photo"
NOT_AVAILABLE = "This job is not available to you."
FORM_WIDE = ("job", "asset", "service_level", "service_record")


def _day(value: date | None) -> str:
    """A day as the booking mails and the customer's screens write it ("Fri 4 Dec 2026")."""
    return jobs.visit_text(value, None, None)


def _clock(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def window(start: time | None, end: time | None) -> str:
    if start and end:
        return jobs.window_text(start, end)
    if start:
        return f"From {_clock(start)}"
    return "Any time"


def _tel(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    return f"tel:{digits}" if digits else ""


def _card(card: field_work.JobCard) -> dict[str, str]:
    return {
        "id": str(card.id),
        "number": str(card.number),
        "window": window(card.window_start, card.window_end),
        "customer": card.customer,
        "site": card.site,
        "address": card.address,
        "map_url": card.map_url,
        "access_notes": card.access_notes,
        "description": card.description,
        "stage": card.stage,
        "scheduled": _day(card.scheduled_on),
    }


def _people(card: field_work.JobCard) -> list[dict[str, str]]:
    return [
        {
            "name": p.name or "Contact",
            "role": p.role,
            "phone": p.mobile or p.phone,
            "tel": _tel(p.mobile or p.phone),
            "email": p.email,
        }
        for p in card.contacts
    ]


def _asset(line: field_work.AssetLine) -> dict[str, str]:
    last = field_work.RESULT_LABELS.get(line.last_result, "")
    return {
        "key": f"{line.asset_id}-{line.service_level_id}",
        "asset_id": str(line.asset_id),
        "number": line.number,
        "name": line.name or line.asset_type,
        "location": line.location,
        "type": line.asset_type,
        "level": line.level,
        "due": _day(line.due_on),
        "on_job": "1" if line.on_job else "",
        "last": f"{last} {_day(line.last_tested_on)}".strip() if last else "Never tested",
        "today": field_work.RESULT_LABELS.get(line.today_result, ""),
        "today_result": line.today_result,
        "record_id": str(line.today_record_id or ""),
    }


class DayState(rx.State):
    """Today's jobs of the signed-in staff member."""

    cards: list[dict[str, str]] = []
    people: list[list[dict[str, str]]] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        self.cards, self.people, self.loaded = [], [], False
        staff = office_staff(self, Duty.RECORD_TESTS)
        if staff is None:
            return
        with unit_of_work(read_only=True) as session:
            found = field_work.todays_jobs(session, staff)
        self.cards = [_card(c) for c in found]
        self.people = [_people(c) for c in found]
        self.loaded = True


class JobDayState(rx.State):
    """One job on site: its assets, a test or a defect at a time, and finishing it."""

    _job_id: int | None = None
    found: bool = False
    loaded: bool = False
    message: str = ""
    # What the last command did, said in the page rather than a toast, which covers a phone's buttons.
    notice: str = ""
    job: dict[str, str] = {}
    people: list[dict[str, str]] = []
    assets: list[dict[str, str]] = []
    untested: list[dict[str, str]] = []

    # Record test
    test_open: bool = False
    test_label: str = ""
    test_result: str = ""
    test_notes: str = ""
    _test_key: tuple[int, int] | None = None
    # Raise defect
    defect_open: bool = False
    defect_label: str = ""
    severity: str = ""
    description: str = ""
    photo_name: str = ""
    _defect_asset: int | None = None
    _defect_record: int | None = None
    _photo: tuple[str, str] | None = None
    # Finish job
    finish_open: bool = False
    reasons: dict[str, str] = {}
    errors: dict[str, str] = {}
    problem: str = ""  # what is wrong with the job or the asset rather than with a field

    def _refused(self, refused: field_work.FieldWorkError) -> None:
        """Errors of a field go beside it; the rest (the job, the asset) above the dialog's buttons."""
        self.errors = refused.field_errors
        self.problem = " ".join(v for k, v in refused.field_errors.items() if k in FORM_WIDE)

    def _show(self, view: field_work.JobView) -> None:
        self.job = _card(view.card)
        self.people = _people(view.card)
        self.assets = [_asset(line) for line in view.assets]
        self.untested = [
            {"asset_id": str(u.asset_id), "label": f"{u.number} {u.name or u.asset_type}".strip()}
            for u in view.untested
        ]
        self.found = True

    def _refresh(self, staff: StaffMember) -> None:
        if self._job_id is None:
            return
        with unit_of_work(read_only=True) as session:
            self._show(field_work.job_view(session, staff, self._job_id))

    async def _worker(self, duty: Duty = Duty.RECORD_TESTS) -> StaffMember | None:
        """The staff member, when it may still work the loaded job; else the page says so."""
        staff = office_staff(self, duty)
        if staff is None or self._job_id is None:
            self.message = NOT_AVAILABLE
            return None
        return staff

    @rx.event
    async def load(self):
        self._job_id, self.found, self.loaded, self.message, self.notice = None, False, False, "", ""
        self.test_open = self.defect_open = self.finish_open = False
        self.errors, self.problem = {}, ""
        self._drop_photo()
        staff = office_staff(self, Duty.RECORD_TESTS)
        if staff is None:
            return
        raw = self.router.page.params.get("job_id", "")
        try:
            with unit_of_work(read_only=True) as session:
                view = field_work.job_view(session, staff, raw if isinstance(raw, str) else "")
        except (AccessDenied, field_work.JobNotFound):
            self.message = NOT_AVAILABLE
        else:
            self._job_id = view.card.id
            self._show(view)
        self.loaded = True

    # --- Record test ------------------------------------------------------------------------

    def _line(self, key: Any) -> dict[str, str] | None:
        wanted = arguments.text(key, 40)
        return next((a for a in self.assets if a["key"] == wanted), None)

    @rx.event
    async def open_test(self, key: str):
        if await self._worker() is None:
            return
        line = self._line(key)
        if line is None:
            return
        asset_id, level_id = (int(part) for part in line["key"].split("-"))
        self._test_key = (asset_id, level_id)
        self.test_label = f"{line['number']} {line['name']} · {line['level']}"
        self.test_result, self.test_notes, self.errors, self.problem = "", "", {}, ""
        self.test_open = True

    @rx.event
    def set_test_open(self, value: bool):
        self.test_open = arguments.flag(value)

    @rx.event
    def set_test_result(self, value: str):
        self.test_result = arguments.text(value, 20)
        self.errors = {k: v for k, v in self.errors.items() if k != "result"}

    @rx.event
    async def save_test(self, form: dict[str, Any]):
        staff = await self._worker()
        if staff is None or self._test_key is None:
            return
        data = arguments.form(form)
        self.test_notes = arguments.text(data.get("notes"), field_work.NOTES_LIMIT + 10)
        result = self.test_result or arguments.text(data.get("result"), 20)
        try:
            with unit_of_work() as session:
                record = field_work.record_test(
                    session, staff, self._job_id, *self._test_key, result, self.test_notes
                )
                record_id, failed = record.id, str(record.result) == "fail"
        except field_work.FieldWorkError as refused:
            self._refused(refused)
            return
        except AccessDenied:
            self.message = NOT_AVAILABLE
            return
        self.test_open, self.errors, self.problem = False, {}, ""
        asset_id = self._test_key[0]
        self._refresh(staff)
        if failed:
            self._start_defect(asset_id, record_id)
            self.notice = "Failed test recorded: describe the defect."
            return
        self.notice = "Test recorded."

    # --- Raise defect -----------------------------------------------------------------------

    def _drop_photo(self) -> None:
        if self._photo is not None:
            uploads.discard_pending(self._photo[0])
        self._photo, self.photo_name = None, ""

    def _start_defect(self, asset_id: int, record_id: int | None) -> None:
        line = next((a for a in self.assets if a["asset_id"] == str(asset_id)), None)
        self._defect_asset, self._defect_record = asset_id, record_id
        self.defect_label = f"{line['number']} {line['name']}" if line else ""
        self.severity, self.description, self.errors, self.problem = "", "", {}, ""
        self._drop_photo()
        self.defect_open = True

    @rx.event
    async def open_defect(self, key: str):
        if await self._worker() is None:
            return
        line = self._line(key)
        if line is None:
            return
        record = arguments.whole(line["record_id"]) if line["today_result"] == "fail" else None
        self._start_defect(int(line["asset_id"]), record)

    @rx.event
    def set_defect_open(self, value: bool):
        self.defect_open = arguments.flag(value)
        if not self.defect_open:
            self._drop_photo()

    @rx.event
    def set_severity(self, value: str):
        self.severity = arguments.text(value, 40)
        self.errors = {k: v for k, v in self.errors.items() if k != "severity"}

    @rx.event
    async def upload_photo(self, files: list[rx.UploadFile]):
        """The photo goes straight to private pending storage and must be an image by its content."""
        if await self._worker() is None:
            return
        chosen = uploaded(files)[:1]
        if not chosen:
            return
        raw_name = chosen[0].name or chosen[0].filename or "photo"
        try:
            found = await asyncio.to_thread(uploads.save_pending, chosen[0].file, raw_name)
        except uploads.UploadRefused as refused:
            self.errors = {**self.errors, "photo": refused.message}
            return rx.clear_selected_files(PHOTO_UPLOAD)
        if problem := field_work.photo_problem(found):
            uploads.discard_pending(found.key)
            self.errors = {**self.errors, "photo": problem}
            return rx.clear_selected_files(PHOTO_UPLOAD)
        self._drop_photo()
        self._photo, self.photo_name = (found.key, found.name), found.name
        self.errors = {k: v for k, v in self.errors.items() if k != "photo"}
        return rx.clear_selected_files(PHOTO_UPLOAD)

    @rx.event
    def remove_photo(self):
        self._drop_photo()

    @rx.event
    async def save_defect(self, form: dict[str, Any]):
        staff = await self._worker()
        if staff is None or self._defect_asset is None:
            return
        data = arguments.form(form)
        self.description = arguments.text(data.get("description"), field_work.DESCRIPTION_LIMIT + 10)
        severity = self.severity or arguments.text(data.get("severity"), 40)
        try:
            with unit_of_work() as session:
                field_work.raise_defect(
                    session,
                    staff,
                    self._job_id,
                    self._defect_asset,
                    severity,
                    self.description,
                    service_record_id=self._defect_record,
                    photo=self._photo,
                )
        except field_work.FieldWorkError as refused:
            self._refused(refused)
            return
        except AccessDenied:
            self.message = NOT_AVAILABLE
            return
        if self._photo is not None:
            uploads.discard_pending(self._photo[0])
        self._photo, self.photo_name = None, ""
        self.defect_open, self.errors, self.problem = False, {}, ""
        self._refresh(staff)
        self.notice = "Defect raised."

    # --- Finish job -------------------------------------------------------------------------

    @rx.event
    async def open_finish(self):
        staff = await self._worker(Duty.COMPLETE_JOBS)
        if staff is None:
            return
        self._refresh(staff)
        self.reasons, self.errors, self.problem = {u["asset_id"]: "" for u in self.untested}, {}, ""
        self.finish_open = True

    @rx.event
    def set_finish_open(self, value: bool):
        self.finish_open = arguments.flag(value)

    @rx.event
    async def finish(self, form: dict[str, Any]):
        staff = await self._worker(Duty.COMPLETE_JOBS)
        if staff is None:
            return
        data = arguments.form(form)
        self.reasons = {
            u["asset_id"]: arguments.text(data.get(f"reason-{u['asset_id']}"), field_work.NOTES_LIMIT + 10)
            for u in self.untested
        }
        try:
            with unit_of_work() as session:
                field_work.finish_job(session, staff, self._job_id, self.reasons)
        except field_work.FieldWorkError as refused:
            self._refused(refused)
            return
        except (AccessDenied, LookupError, ValueError):
            self.message = NOT_AVAILABLE
            return
        self.finish_open, self.errors, self.problem = False, {}, ""
        self._refresh(staff)
        return rx.redirect("/office/day")
