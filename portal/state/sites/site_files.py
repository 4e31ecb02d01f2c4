"""A site's Attachments tab: its files found by name, downloaded through the file route, and more
added the way a quote's or a job's are (``state/files/attachments.store``). Mixed into the site's
state, whose ``_site_id`` and ``_site_scope`` it uses."""

from __future__ import annotations

import reflex as rx

from portal.core.principal import AccessDenied
from portal.db import unit_of_work
from portal.models import AttachmentOwner
from portal.services.sites import site_files
from portal.state import arguments
from portal.state.display import attachment_rows
from portal.state.files import attachments as attachment_upload

UPLOAD_ID = "site-files"


class SiteFilesTab(rx.State, mixin=True):
    attachments: list[dict[str, str]] = []
    files_more: bool = False  # more files than the tab shows: it says "showing the newest N"
    file_search: str = ""
    upload_errors: list[str] = []

    def _reset_files(self) -> None:
        self.attachments, self.file_search, self.upload_errors, self.files_more = [], "", [], False

    def _load_files(self, scope) -> None:
        try:
            with unit_of_work(read_only=True) as session:
                shown = site_files.site_attachments(session, scope, self._site_id, self.file_search)
        except AccessDenied:
            shown = None
        self.attachments = attachment_rows(shown.lines if shown else [])
        self.files_more = bool(shown and shown.more)

    @rx.event
    def search_files(self, form: dict):
        scope = self._site_scope()
        if scope is None or not self._site_id:
            return
        self.file_search = arguments.text(arguments.form(form).get("file_q"), 100).strip()
        self._load_files(scope)

    @rx.event
    def clear_file_search(self):
        scope = self._site_scope()
        if scope is None or not self._site_id:
            return
        self.file_search = ""
        self._load_files(scope)

    @rx.event
    async def add_files(self, files: list[rx.UploadFile]):
        scope = self._site_scope()
        if scope is None or not self._site_id:
            return None
        self.upload_errors, done = await attachment_upload.add_files(
            files, scope, AttachmentOwner.SITE, self._site_id, UPLOAD_ID
        )
        self._load_files(scope)
        return done
