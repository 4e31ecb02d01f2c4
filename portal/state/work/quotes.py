"""Quotes: Outstanding and Actioned lists, a quote's details, and accepting or declining it."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx
from sqlmodel import Session

from portal.core import tenant
from portal.db import unit_of_work
from portal.models import AttachmentOwner, Page
from portal.services.work import quotes
from portal.services.work.quotes import QuoteError
from portal.state import arguments
from portal.state.display import DASH, day, moment, money
from portal.state.listing import DetailListState
from portal.state.session import SessionState


class QuotesState(DetailListState, SessionState):
    LIST: ClassVar = quotes.QUOTES
    TABS: ClassVar[tuple[str, ...]] = quotes.QUOTE_TABS
    PAGE: ClassVar[str] = Page.QUOTES
    EXPORT: ClassVar[str] = "quotes"
    KIND: ClassVar[str] = "quote"
    OWNER: ClassVar[AttachmentOwner] = AttachmentOwner.QUOTE

    can_decide: bool = False
    deciding: str = ""  # "accept", "decline" or ""
    errors: dict[str, str] = {}
    busy: bool = False

    def _format(self, row: Any) -> dict[str, str]:
        return {
            "id": str(row.id),
            "number": str(row.number),
            "site": row.site_name,
            "description": row.description,
            "order": row.order_number or DASH,
            "date": day(row.requested_on),
            "status": row.status,
            "cost": money(row.cost_cents, self._currency),
        }

    @rx.event
    def load(self):
        self._open_list()
        self._refresh()
        return self._follow()

    @rx.event
    def open_detail(self, quote_id: str):
        return self._open_detail(quote_id)

    def _load_detail(self, session: Session, scope: Any, row_id: Any) -> Any:
        return quotes.quote_detail(session, scope, row_id, tenant.today(session))

    def _own_facts(self, d: Any) -> dict[str, str]:
        self.can_decide = bool(d.can_decide)
        return {
            "status": d.status,
            "requested_by": d.requested_by_name or DASH,
            "actioned_on": day(d.actioned_on),
            "valid_until": day(d.valid_until),
            "decision": d.decision,
            "decided_at": moment(d.decided_at),
            "signer": d.signer_name or DASH,
            "accepted_order": d.accepted_order_number or DASH,
            "decline_reason": d.decline_reason or "",
            "priced": "yes" if d.stage == "actioned" else "",
        }

    def _opened(self) -> None:
        self.deciding, self.errors = "", {}

    def _close_detail(self) -> None:
        self.detail_open, self.deciding, self.errors = False, "", {}

    @rx.event
    def close_detail(self):
        self._close_detail()

    @rx.event
    def start_decision(self, which: str):
        self.deciding = which if which in ("accept", "decline") else ""
        self.errors = {}

    @rx.event
    def decide(self, form: dict):
        """Accept or decline the quote on screen; the id comes from the server-side detail, not the form."""
        scope = self._scope(Page.QUOTES)
        if scope is None or not self._detail_id or self.busy:
            return None
        self.busy, self.errors = True, {}
        form = arguments.form(form)
        try:
            with unit_of_work() as session:
                if self.deciding == "accept":
                    quotes.accept_quote(
                        session,
                        scope,
                        self._detail_id,
                        arguments.text(form.get("signer"), 1000),
                        arguments.text(form.get("order_number"), 1000),
                        tenant.today(session),
                    )
                elif self.deciding == "decline":
                    quotes.decline_quote(
                        session,
                        scope,
                        self._detail_id,
                        arguments.text(form.get("reason"), 10_000),
                        tenant.today(session),
                    )
                else:
                    return None
        except QuoteError as exc:
            self.errors = dict(exc.field_errors)
            return None
        finally:
            self.busy = False
        verb = "accepted" if self.deciding == "accept" else "declined"
        self.deciding = ""
        self._refresh()
        self._reload_detail(scope)
        return rx.toast.success(
            f"Quote #{self.detail.get('number', '')} {verb}. Thank you — we've been notified."
        )
