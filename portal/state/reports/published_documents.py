"""Work Method Statements, Site Inductions and Reference Material: one state, the kind from the page."""

from __future__ import annotations

from typing import Any

import reflex as rx

from portal.db import unit_of_work
from portal.services.documents import published as published_documents
from portal.state import arguments
from portal.state.display import day, size
from portal.state.reports.advanced_reports import ReportFilters
from portal.state.session import SessionState


class DocumentsState(ReportFilters, SessionState):
    rows: list[dict[str, str]] = []
    kind: str = ""  # the page's key, which is also the CSV route's name

    def _run(self, scope: Any) -> None:
        kind = published_documents.KINDS.get(self.kind)
        if kind is None:
            self.rows = []
            return
        with unit_of_work() as session:
            found = published_documents.list_documents(session, scope, kind, self.site)
        self.rows = [
            {
                "id": str(d.id),
                "title": d.title,
                "site": d.site_name,
                "published": day(d.published_at),
                "size": size(d.size_bytes),
                "file": d.file_name,
                "href": f"/files/documents/{d.id}",
            }
            for d in found
        ]

    @rx.event
    def open_kind(self, key: str):
        """on_load of each of the three pages: which documents it lists."""
        key = arguments.text(key, 40)
        self.kind = key if key in published_documents.KINDS else ""
        self.rows, self.loading = [], True
        yield  # the last kind's list never shows under this page's heading
        self._load()

    def _csv_name(self) -> str:
        return self.kind
