"""The state side of the priced-lines editor (``components/line_editor.py``) that the free invoice and
the recurring invoice forms share.

A line is a dict of display strings with a ``key`` that never changes while the form is open, so the
browser's uncontrolled fields (named ``line-<key>-<field>``) keep what was typed when another line is
added or removed. The services number lines from 0 in their errors; :meth:`LineEditor._keyed` names
them by key for the form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import reflex as rx

from portal.services.billing import invoicing
from portal.services.billing.invoicing import LineInput
from portal.state import arguments

KINDS = [(chosen, invoicing.KIND_LABELS[stored]) for chosen, stored in invoicing.KINDS.items()]
FIELDS = ("kind", "description", "quantity", "unit_price")


def blank_line(key: int) -> dict[str, str]:
    return {"key": str(key), "kind": "labour", "description": "", "quantity": "1", "unit_price": ""}


class LineEditor(rx.State, mixin=True):
    lines: list[dict[str, str]] = []
    _next_key: int = 0

    def _may_edit_lines(self) -> bool:
        """Whether the signed-in staff member may edit this form's lines (asked on every event)."""
        raise NotImplementedError

    def _start_lines(self, lines: Sequence[dict[str, str]] = ()) -> None:
        """The form's lines when it opens: ``lines`` (with their own fields), or one blank line."""
        self.lines = [{**line, "key": str(n)} for n, line in enumerate(lines)] or [blank_line(0)]
        self._next_key = len(self.lines)

    def _keep_lines(self, sent: dict[str, Any]) -> None:
        """What was typed in each line, kept when a line is added or removed and for the review."""
        self.lines = [
            {
                "key": line["key"],
                **{
                    name: arguments.text(sent.get(f"line-{line['key']}-{name}", line[name]), 600)
                    for name in FIELDS
                },
            }
            for line in self.lines
        ]

    def _typed_lines(self) -> list[LineInput]:
        return [
            LineInput(ln["kind"], ln["description"], ln["quantity"], ln["unit_price"]) for ln in self.lines
        ]

    def _keyed(self, errors: dict[str, str]) -> dict[str, str]:
        """The service numbers lines from 0; the form names them by their key."""
        shown = {}
        for name, message in errors.items():
            parts = name.split("-")
            if (
                len(parts) == 3
                and parts[0] == "line"
                and parts[1].isdigit()
                and int(parts[1]) < len(self.lines)
            ):
                name = f"line-{self.lines[int(parts[1])]['key']}-{parts[2]}"
            shown[name] = message
        return shown

    @rx.event
    def add_line(self):
        """A blank line at the end; what is typed in the others stays in the browser's fields."""
        if not self._may_edit_lines() or len(self.lines) >= invoicing.MAX_LINES:
            return
        self.lines = [*self.lines, blank_line(self._next_key)]
        self._next_key += 1

    @rx.event
    def remove_line(self, key: str):
        if not self._may_edit_lines() or len(self.lines) <= 1:
            return
        key = arguments.text(key, 20)
        self.lines = [line for line in self.lines if line["key"] != key]
