"""The printable quote and job card: each area's detail, laid out by the shared document renderer.

Both load through the scope (via ``quote_detail`` / ``job_detail``), so a forged id prints nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session

from portal.config import ROOT
from portal.core import tenant
from portal.core.principal import Scope, own_customer
from portal.models import Contractor, Customer
from portal.services.documents.pdf import Document, Line, Party, Total, render
from portal.services.settings import branding
from portal.services.work import jobs, quotes


def _day(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else "—"


def _contractor(row: Contractor) -> tuple[Party, list[str]]:
    extra = [f"ABN {row.business_number}" if row.business_number else "", row.phone, row.email, row.website]
    return Party(row.company_name or "Your contractor", [row.address] if row.address else []), [
        e for e in extra if e
    ]


def _customer(session: Session, scope: Scope, contact: str) -> Party:
    customer = session.get(Customer, own_customer(scope))
    lines = [f"Attn: {contact}"] if contact else []
    if customer is not None and customer.address:
        lines.append(customer.address)
    return Party(customer.name if customer else "", lines)


def _logo(row: Contractor) -> Path | None:
    """The uploaded logo (Settings > Branding), else the older file under assets/, else none."""
    uploaded = branding.logo_path(row)
    if uploaded is not None:
        return uploaded
    return ROOT / "assets" / row.logo_path.lstrip("/") if row.logo_path else None


def quote_pdf(session: Session, scope: Scope, quote_id: object, today: date) -> tuple[int, bytes] | None:
    """(quote number, PDF bytes), or None when the quote is not visible to this login."""
    d = quotes.quote_detail(session, scope, quote_id, today)
    if d is None:
        return None
    firm = tenant.contractor(session)
    party, extra = _contractor(firm)
    priced = d.stage == "actioned"
    sections = (
        [("Assets", [f"{a.number} {a.type_name} — {a.location}".strip() for a in d.assets])]
        if d.assets
        else []
    )
    if d.decision == "accepted":
        sections.append(
            (
                "Acceptance",
                [
                    f"Accepted by {d.signer_name} on {_day(d.decided_at)}"
                    + (f", order no. {d.accepted_order_number}" if d.accepted_order_number else "")
                ],
            )
        )
    elif priced:
        sections.append(("Acceptance", ["To accept this quote, press Accept in the customer portal."]))
    doc = Document(
        kind_title="QUOTE" if priced else "QUOTE REQUEST",
        number=tenant.document_number(firm, "quote", d.number),
        contractor=party,
        contractor_extra=extra,
        logo_path=_logo(firm),
        accent=branding.normal_accent(firm.accent_color),
        customer=_customer(session, scope, d.contact_name),
        site=Party(d.site_name, [d.site_address] if d.site_address else []),
        meta=[
            ("Date", _day(d.requested_on)),
            ("Valid until", _day(d.valid_until)),
            ("Order No.", d.order_number or "—"),
            ("Status", d.status),
        ],
        description=d.description,
        lines=[Line(i.description, i.quantity, i.unit_price_cents, i.total_cents) for i in d.items],
        totals=[
            Total("Subtotal", d.subtotal_cents),
            Total(d.tax_label, d.tax_cents),
            Total(f"Total (inc. {d.tax_name})", d.total_cents, strong=True),
        ]
        if priced
        else [],
        currency=d.currency,
        sections=sections,
        footer=f"{firm.company_name} · Quotes are valid for {firm.quote_validity_days} days",
    )
    return d.number, render(doc)


def job_pdf(session: Session, scope: Scope, job_id: object) -> tuple[int, bytes] | None:
    """(job number, job card PDF), or None when the job is not visible to this login."""
    d = jobs.job_detail(session, scope, job_id)
    if d is None:
        return None
    firm = tenant.contractor(session)
    party, extra = _contractor(firm)
    doc = Document(
        kind_title="JOB CARD",
        number=tenant.document_number(firm, "job", d.number),
        contractor=party,
        contractor_extra=extra,
        logo_path=_logo(firm),
        accent=branding.normal_accent(firm.accent_color),
        customer=_customer(session, scope, d.contact_name),
        site=Party(d.site_name, [d.site_address] if d.site_address else []),
        meta=[
            ("Date", _day(d.requested_on)),
            ("Scheduled", _day(d.scheduled_on)),
            ("Completed", _day(d.completed_on)),
            ("Order No.", d.order_number or "—"),
            ("Status", d.status_text),
        ],
        description=d.description,
        lines=[Line(i.description, i.quantity, i.unit_price_cents, i.total_cents) for i in d.items],
        totals=[
            Total("Subtotal", d.subtotal_cents),
            Total(d.tax_label, d.tax_cents),
            Total(f"Total (inc. {d.tax_name})", d.total_cents, strong=True),
        ]
        if d.items
        else [],
        currency=d.currency,
        sections=[("Assets", [f"{a.number} {a.type_name} — {a.location}" for a in d.assets])]
        if d.assets
        else [],
        footer=firm.company_name,
    )
    return d.number, render(doc)


def invoice_pdf(session: Session, scope: Scope, invoice_id: object, today: date) -> tuple[int, bytes] | None:
    """(invoice number, tax invoice PDF), or None when the invoice is not visible to this login."""
    from portal.core.money import format_money
    from portal.services.billing import invoices

    d = invoices.invoice_detail(session, scope, invoice_id, today)
    if d is None:
        return None
    firm = tenant.contractor(session)
    party, extra = _contractor(firm)
    paid = [
        f"{p.receipt_number or '—'} · {_day(p.paid_on)} · {format_money(p.amount_cents, d.currency)}"
        + (f" · {p.card_brand.title()} ending {p.card_last4}" if p.card_last4 else "")
        for p in d.payments
    ]
    sections = [("Payments received", paid)] if paid else []
    if d.balance_cents > 0:
        sections.append(
            ("How to pay", ["Pay online with a card: Invoices > Pay Online in the customer portal."])
        )
    doc = Document(
        kind_title="TAX INVOICE",
        number=tenant.document_number(firm, "invoice", d.number),
        contractor=party,
        contractor_extra=extra,
        logo_path=_logo(firm),
        accent=branding.normal_accent(firm.accent_color),
        customer=_customer(session, scope, ""),
        site=Party(d.site_name, [d.site_address] if d.site_address else []),
        meta=[
            ("Date", _day(d.issued_on)),
            ("Due date", _day(d.due_on)),
            ("Job No.", tenant.document_number(firm, "job", d.job_number) or "—"),
            ("Order No.", d.order_number or "—"),
            ("Status", d.status),
        ],
        description=d.description,
        lines=[Line(i.description, i.quantity, i.unit_price_cents, i.total_cents) for i in d.items],
        totals=[
            Total("Subtotal", d.subtotal_cents),
            Total(d.tax_label, d.tax_cents),
            Total(f"Total (inc. {d.tax_name})", d.total_cents),
            Total("Paid", d.paid_cents),
            Total("Balance due", d.balance_cents, strong=True),
        ],
        currency=d.currency,
        sections=sections,
        footer=f"{firm.company_name} · Payment terms: {firm.payment_terms_days} days",
    )
    return d.number, render(doc)


STATEMENT_PDF_MAX_LINES = 2_000  # about ten seconds of rendering on this kind of machine


class StatementTooLong(ValueError):
    """More lines than a printout can sensibly hold; the CSV has no such limit."""


def statement_pdf(session: Session, scope: Scope, start: date, end: date, today: date) -> bytes:
    """The statement as a PDF; StatementTooLong asks for a shorter range instead of a thousand pages."""
    from portal.core.money import format_money
    from portal.services.billing import statements

    st = statements.statement(session, scope, start, end, today)
    if st.line_count > STATEMENT_PDF_MAX_LINES:
        raise StatementTooLong(
            f"This statement has {st.line_count:,} lines, more than {STATEMENT_PDF_MAX_LINES:,} can be "
            f"printed. "
            "Choose a shorter date range, or download the CSV."
        )
    firm = tenant.contractor(session)
    party, extra = _contractor(firm)

    def money(cents: int) -> str:
        return format_money(cents, st.currency) if cents else ""

    rows = [
        (
            _day(line.on),
            line.kind,
            line.reference,
            line.description,
            money(line.debit_cents),
            money(line.credit_cents),
            format_money(line.running_balance_cents, st.currency),
        )
        for line in st.lines
    ]
    ageing = [f"{label}: {format_money(cents, st.currency)}" for label, cents in st.ageing.buckets]
    doc = Document(
        kind_title="STATEMENT",
        number=f"{_day(start)} – {_day(end)}",
        contractor=party,
        contractor_extra=extra,
        logo_path=_logo(firm),
        accent=branding.normal_accent(firm.accent_color),
        customer=_customer(session, scope, ""),
        site=None,
        meta=[("From", _day(start)), ("To", _day(end)), ("Printed", _day(today))],
        description="",
        lines=[],
        rows=rows,
        table_columns=("Date", "Type", "Reference", "Description", "Debit", "Credit", "Balance"),
        totals=[
            Total("Opening balance", st.opening_balance_cents),
            Total("Invoices", st.total_debit_cents),
            Total("Payments", st.total_credit_cents),
            Total("Closing balance", st.closing_balance_cents, strong=True),
        ],
        currency=st.currency,
        sections=[(f"Ageing at {_day(st.as_of)}", ageing)],
        footer=f"{firm.company_name} · Pay online in the customer portal: Invoices > Statement > Pay Online",
    )
    return render(doc)
