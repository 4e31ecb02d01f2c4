"""Quotes: Outstanding and Actioned lists, a quote's details, and accepting or declining it."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import tenant
from portal.core.lists import Page, PageRequest
from portal.db import unit_of_work
from portal.models import AttachmentOwner
from portal.services.work import quotes
from portal.services.work.quotes import QuoteError
from portal.state import arguments
from portal.state.display import DASH, attachment_rows, day, item_rows, moment, money
from portal.state.files import attachments as attachment_upload
from portal.state.listing import ListState
from portal.state.session import SessionState


class QuotesState(ListState, SessionState):
    TABS: ClassVar[tuple[str, ...]] = quotes.QUOTE_TABS
    PAGE: ClassVar[str] = "quotes"
    EXPORT: ClassVar[str] = "quotes"

    created: str = ""
    detail: dict[str, str] = {}
    items: list[dict[str, str]] = []
    assets: list[dict[str, str]] = []
    attachments: list[dict[str, str]] = []
    detail_open: bool = False
    upload_errors: list[str] = []
    can_decide: bool = False
    deciding: str = ""  # "accept", "decline" or ""
    errors: dict[str, str] = {}
    busy: bool = False
    _detail_id: int = 0
    _currency: str = "AUD"

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work() as session:
            self._currency = tenant.currency(session)
            return quotes.list_quotes(session, scope, self.tab, request, tenant.today(session))

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
        self._open_from_url()
        created = self.router.url.query_parameters.get("created", "")
        self.created = created if created.isdigit() else ""
        self.detail_open = False
        self._refresh()

    @rx.event
    def open_detail(self, quote_id: str):
        scope = self._scope("quotes")
        if scope is None:
            return
        if not self._reload_detail(scope, quote_id):
            return rx.toast.error("That quote is not available.")
        self.detail_open, self.deciding, self.errors, self.upload_errors = True, "", {}, []
        return None

    def _reload_detail(self, scope: Any, quote_id: Any = None) -> bool:
        with unit_of_work() as session:
            found = quotes.quote_detail(session, scope, quote_id or self._detail_id, tenant.today(session))
        if found is None:
            return False
        self._currency = found.currency
        self._show(found)
        return True

    def _show(self, d: Any) -> None:
        cur = self._currency
        self._detail_id = d.id
        self.detail = {
            "id": str(d.id),
            "number": str(d.number),
            "status": d.status,
            "site": d.site_name,
            "site_address": d.site_address,
            "contact": d.contact_name or DASH,
            "requested_by": d.requested_by_name or DASH,
            "order": d.order_number or DASH,
            "description": d.description,
            "requested_on": day(d.requested_on),
            "preferred_date": day(d.preferred_date),
            "actioned_on": day(d.actioned_on),
            "valid_until": day(d.valid_until),
            "subtotal": money(d.subtotal_cents, cur),
            "tax": money(d.tax_cents, cur),
            "tax_label": d.tax_label,
            "total": money(d.total_cents, cur),
            "decision": d.decision,
            "decided_at": moment(d.decided_at),
            "signer": d.signer_name or DASH,
            "accepted_order": d.accepted_order_number or DASH,
            "decline_reason": d.decline_reason or "",
            "priced": "yes" if d.stage == "actioned" else "",
            "pdf": f"/documents/quotes/{d.id}.pdf",
        }
        self.items = item_rows(d.items, cur)
        self.assets = [
            {"number": a.number, "name": a.name, "location": a.location, "type": a.type_name}
            for a in d.assets
        ]
        self.attachments = attachment_rows(d.attachments)
        self.can_decide = bool(d.can_decide)

    @rx.event
    def close_detail(self):
        self.detail_open, self.deciding, self.errors = False, "", {}

    @rx.event
    def set_detail_open(self, is_open: bool):
        if not arguments.flag(is_open):
            self.close_detail()

    @rx.event
    def start_decision(self, which: str):
        self.deciding = which if which in ("accept", "decline") else ""
        self.errors = {}

    @rx.event
    def decide(self, form: dict):
        """Accept or decline the quote on screen; the id comes from the server-side detail, not the form."""
        scope = self._scope("quotes")
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

    @rx.event
    async def add_files(self, files: list[rx.UploadFile]):
        """Options > Attachments: more files on the quote on screen (its id kept server-side)."""
        scope = self._scope("quotes")
        if scope is None or not self._detail_id:
            return None
        added, self.upload_errors = await attachment_upload.store(
            files, scope, AttachmentOwner.QUOTE, self._detail_id
        )
        self._reload_detail(scope)
        done = [rx.clear_selected_files("quote-files")]
        if added:
            done.append(rx.toast.success(f"{added} file{'' if added == 1 else 's'} attached."))
        return done
