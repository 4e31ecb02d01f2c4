"""/office/customers/import: upload CSV files, read the preview row by row, then import in one go.

The uploaded files stay in private pending storage and their keys in a backend var; the parsed rows
never enter the state. The preview's check is kept per worker in a small cache for paging through
it, and worked out again from the files when the cache has lost it (another worker, a restart).
Every handler asks for the staff member with ``Duty.MANAGE_CUSTOMERS`` first and does nothing for
anyone else.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict

import reflex as rx

from portal.core.principal import AccessDenied, Duty, StaffMember
from portal.db import unit_of_work
from portal.services.files import uploads
from portal.services.imports import checking, formats, saving, storing
from portal.state import arguments
from portal.state.files.attachments import uploaded
from portal.state.office.session import office_staff

log = logging.getLogger(__name__)

UPLOAD_ID = "import-upload"
PAGE_SIZE = 50
NOT_AVAILABLE = "Not available to your role."
TRY_AGAIN = "The import could not be finished. Nothing was saved; try again."
CHANGED = "Something changed since the preview: nothing was saved. Read the errors below."
TOO_MANY = f"Upload at most {storing.MAX_FILES} files, one of each kind."

_CHECKED: OrderedDict[str, checking.Batch] = OrderedDict()
_CACHE_SIZE = 8


def _remember(token: str, batch: checking.Batch) -> None:
    _CHECKED[token] = batch
    _CHECKED.move_to_end(token)
    while len(_CHECKED) > _CACHE_SIZE:
        _CHECKED.popitem(last=False)


def _check(staff: StaffMember, files: list[tuple[str, str]]) -> checking.Batch:
    with unit_of_work(read_only=True) as session:
        return storing.preview(session, staff, files)


def _save(staff: StaffMember, files: list[tuple[str, str]]) -> saving.Summary:
    with unit_of_work() as session:
        return saving.save(session, staff, storing.read_all(files))


def _counts(file: checking.FileCheck) -> str:
    rows = len(file.rows)
    return (
        f"{rows:,} row{'' if rows == 1 else 's'}: {file.count(checking.NEW):,} new, "
        f"{file.count(checking.PRESENT):,} already present, {file.count(checking.ERROR):,} with errors. "
        f"Read as {file.encoding}."
    )


class ImportState(rx.State):
    """The files of one import, one page of its preview, and its result."""

    files: list[dict[str, str]] = []
    problems: list[str] = []
    upload_errors: list[str] = []
    rows: list[dict[str, str]] = []
    shown_file: int = 0
    shown_name: str = ""
    page: int = 1
    pages: int = 1
    matching: int = 0
    matching_text: str = ""
    errors_only: bool = False
    can_import: bool = False
    busy: bool = False
    summary: list[str] = []
    # [key, name, kind] of each kept file, in upload order; the token names its check in the cache.
    _files: list[list[str]] = []
    _token: str = ""

    def _staff(self) -> StaffMember | None:
        return office_staff(self, Duty.MANAGE_CUSTOMERS)

    def _kept(self) -> list[tuple[str, str]]:
        return [(f[0], f[1]) for f in self._files]

    def _batch(self, staff: StaffMember) -> checking.Batch:
        batch = _CHECKED.get(self._token)
        if batch is None:
            batch = _check(staff, self._kept())
            self._token = secrets.token_hex(8)
            _remember(self._token, batch)
        return batch

    def _show(self, batch: checking.Batch) -> None:
        """The files' summary and the shown file's page of rows, from a check."""
        self.problems = list(batch.problems)
        self.files = [
            {
                "index": str(i),
                "name": f.name,
                "kind": f.kind.label if f.kind else "Not recognised",
                "encoding": f.encoding,
                "problem": f.problem,
                "new": f"{f.count(checking.NEW):,}",
                "present": f"{f.count(checking.PRESENT):,}",
                "errors": f"{f.count(checking.ERROR):,}",
                "counts": _counts(f),
            }
            for i, f in enumerate(batch.files)
        ]
        self.can_import = bool(batch.files) and batch.ok
        if not batch.files:
            self.rows, self.shown_name, self.matching, self.pages = [], "", 0, 1
            return
        self.shown_file = min(max(self.shown_file, 0), len(batch.files) - 1)
        shown = batch.files[self.shown_file]
        self.shown_name = shown.name
        wanted = [r for r in shown.rows if r.action == checking.ERROR] if self.errors_only else shown.rows
        self.matching = len(wanted)
        self.matching_text = f"{self.matching:,} row{'' if self.matching == 1 else 's'}"
        self.pages = max(1, -(-len(wanted) // PAGE_SIZE))
        self.page = min(max(self.page, 1), self.pages)
        start = (self.page - 1) * PAGE_SIZE
        self.rows = [
            {
                "line": str(r.line),
                "action": checking.ACTION_LABELS[r.action],
                "label": r.label,
                "errors": " ".join(r.errors),
            }
            for r in wanted[start : start + PAGE_SIZE]
        ]

    def _recheck(self, staff: StaffMember) -> None:
        self._token = ""
        self._show(self._batch(staff))

    def _forget_all(self) -> None:
        storing.forget([f[0] for f in self._files])
        self._files, self._token = [], ""

    @rx.event
    def load(self):
        staff = self._staff()
        self.upload_errors, self.summary, self.busy = [], [], False
        if staff is None:
            self.files, self.rows, self.problems, self.can_import = [], [], [], False
            return
        self._show(self._batch(staff))

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        """Keep each file privately; a file of a kind already in the import replaces that one."""
        staff = self._staff()
        if staff is None:
            return None
        chosen = uploaded(files)
        problems: list[str] = []
        if len(chosen) > storing.MAX_FILES:
            problems.append(TOO_MANY)
        kept_files = [list(f) for f in self._files]
        for upload in chosen[: storing.MAX_FILES]:
            try:
                kept = await asyncio.to_thread(
                    storing.keep, upload.file, upload.name or upload.filename or "file"
                )
            except uploads.UploadRefused as refused:
                problems.append(f"{refused.name}: {refused.message}")
                continue
            found = await asyncio.to_thread(storing.read_stored, kept.key, kept.name)
            kind = found.kind.key if found.kind and not found.problem else ""
            replaced = [f for f in kept_files if kind and f[2] == kind]
            storing.forget([f[0] for f in replaced])
            kept_files = [f for f in kept_files if f not in replaced] + [[kept.key, kept.name, kind]]
        storing.forget([f[0] for f in kept_files[: -storing.MAX_FILES]])
        self._files = kept_files[-storing.MAX_FILES :]
        self.upload_errors, self.summary, self.page = problems, [], 1
        if chosen:
            self.shown_file = len(self._files) - 1
        self._recheck(staff)
        return rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    def remove_file(self, index: str):
        staff = self._staff()
        position = arguments.whole(index)
        if staff is None or position is None or not 0 <= position < len(self._files):
            return
        storing.forget([self._files[position][0]])
        self._files = [f for i, f in enumerate(self._files) if i != position]
        self.page = 1
        self._recheck(staff)

    @rx.event
    def clear(self):
        staff = self._staff()
        if staff is None:
            return
        self._forget_all()
        self.upload_errors, self.summary, self.page, self.shown_file = [], [], 1, 0
        self._recheck(staff)

    @rx.event
    def show_file(self, index: str):
        staff = self._staff()
        position = arguments.whole(index)
        if staff is None or position is None:
            return
        self.shown_file, self.page = position, 1
        self._show(self._batch(staff))

    @rx.event
    def set_errors_only(self, value: bool):
        staff = self._staff()
        if staff is None:
            return
        self.errors_only, self.page = arguments.flag(value), 1
        self._show(self._batch(staff))

    @rx.event
    def next_page(self):
        self._turn(1)

    @rx.event
    def previous_page(self):
        self._turn(-1)

    def _turn(self, step: int) -> None:
        staff = self._staff()
        if staff is None:
            return
        self.page += step
        self._show(self._batch(staff))

    @rx.event
    async def run_import(self):
        staff = self._staff()
        if staff is None or not self._files or self.busy:
            return
        self.busy = True
        yield
        try:
            summary = await asyncio.to_thread(_save, staff, self._kept())
        except saving.NotReady as refused:
            self.busy, self._token = False, secrets.token_hex(8)
            _remember(self._token, refused.batch)
            self._show(refused.batch)
            self.upload_errors = [CHANGED]
            return
        except AccessDenied:
            self.busy, self.upload_errors = False, [NOT_AVAILABLE]
            return
        except Exception:
            log.exception("customer import failed")
            self.busy, self.upload_errors = False, [TRY_AGAIN]
            return
        self._forget_all()
        self.busy, self.summary, self.upload_errors, self.page, self.shown_file = (
            False,
            summary.lines(),
            [],
            1,
            0,
        )
        self._show(checking.Batch([], []))
        yield rx.toast.success("Import finished.")

    @rx.event
    def download_template(self, kind: str):
        if self._staff() is None:
            return None
        found = formats.BY_KEY.get(arguments.text(kind, 40))
        if found is None:
            return None
        return rx.download(data=formats.template(found), filename=found.file_name, mime_type="text/csv")
