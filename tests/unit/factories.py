"""Small builders for rows the unit tests need, so each test states only what matters to it."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

from sqlmodel import Session

from portal.models import (
    ALL_PAGES,
    Asset,
    AssetServiceLevel,
    AssetType,
    Contact,
    ContactSite,
    Customer,
    Defect,
    DefectSeverity,
    Invoice,
    Job,
    JobStage,
    Quote,
    QuoteStage,
    ServiceLevel,
    Site,
)
from tests.frozen import TODAY

_numbers = count(1_000_000)


def customer(session: Session, name: str = "Acme Pty Ltd") -> Customer:
    row = Customer(name=name)
    session.add(row)
    session.flush()
    return row


def site(session: Session, owner: Customer, name: str = "Head office") -> Site:
    row = Site(
        customer_id=owner.id, name=name, street="1 Main St", suburb="Brisbane", state="QLD", postcode="4000"
    )
    session.add(row)
    session.flush()
    return row


def contact(
    session: Session,
    owner: Customer,
    *,
    email: str = "",
    pages=ALL_PAGES,
    sites: list[Site] | None = None,
    login_active: bool = True,
) -> Contact:
    email = email or f"person{next(_numbers)}@example.com"
    row = Contact(
        customer_id=owner.id,
        first_name="Pat",
        last_name="Lee",
        email=email,
        username=email,
        login_active=login_active,
        pages=list(pages),
        all_sites=sites is None,
    )
    session.add(row)
    session.flush()
    for s in sites or []:
        session.add(ContactSite(contact_id=row.id, site_id=s.id))
    session.flush()
    return row


def quote(session: Session, where: Site, stage: QuoteStage = QuoteStage.OUTSTANDING) -> Quote:
    row = Quote(
        number=next(_numbers),
        customer_id=where.customer_id,
        site_id=where.id,
        description="Replace sign",
        stage=stage,
        requested_on=TODAY,
    )
    session.add(row)
    session.flush()
    return row


def job(session: Session, where: Site, stage: JobStage = JobStage.PENDING) -> Job:
    row = Job(
        number=next(_numbers),
        customer_id=where.customer_id,
        site_id=where.id,
        description="Service",
        stage=stage,
        requested_on=TODAY,
        scheduled_on=TODAY + timedelta(days=3),
    )
    session.add(row)
    session.flush()
    return row


def invoice(session: Session, where: Site, total: int, paid: int = 0, due_in_days: int = 30) -> Invoice:
    row = Invoice(
        number=next(_numbers),
        customer_id=where.customer_id,
        site_id=where.id,
        issued_on=TODAY - timedelta(days=10),
        due_on=TODAY + timedelta(days=due_in_days),
        subtotal_cents=total,
        total_cents=total,
        paid_cents=paid,
        status="paid" if paid >= total else "unpaid",
    )
    session.add(row)
    session.flush()
    return row


def asset(session: Session, where: Site, due_in_days: int = 7) -> Asset:
    kind = AssetType(name="Exit Sign")
    level = ServiceLevel(name="Six Monthly", interval_months=6)
    session.add_all([kind, level])
    session.flush()
    row = Asset(
        customer_id=where.customer_id, site_id=where.id, asset_type_id=kind.id, number=f"A{next(_numbers)}"
    )
    session.add(row)
    session.flush()
    session.add(
        AssetServiceLevel(
            asset_id=row.id, service_level_id=level.id, next_due_on=TODAY + timedelta(days=due_in_days)
        )
    )
    session.flush()
    return row


def defect(session: Session, on: Asset, severity: DefectSeverity = DefectSeverity.CRITICAL) -> Defect:
    row = Defect(
        customer_id=on.customer_id,
        site_id=on.site_id,
        asset_id=on.id,
        found_on=TODAY,
        severity=severity,
        description="Pictogram damaged",
    )
    session.add(row)
    session.flush()
    return row


def person(session: Session, **fields) -> Contact:
    """A login-active contact at a new customer; ``fields`` override the defaults."""
    owner = customer(session, "Harbour Body Corporate")
    values = {
        "first_name": "Jane",
        "email": f"jane{next(_numbers)}@example.com",
        "login_active": True,
        **fields,
    }
    row = Contact(customer_id=owner.id, **values)
    session.add(row)
    session.flush()
    return row


def quote_with(session: Session, where: Site, **fields) -> Quote:
    """A quote at ``where`` with any column set, for lists that sort and search on them."""
    values = {"number": next(_numbers), "description": "Replace sign", "requested_on": TODAY, **fields}
    row = Quote(customer_id=where.customer_id, site_id=where.id, **values)
    session.add(row)
    session.flush()
    return row


def job_with(session: Session, where: Site, **fields) -> Job:
    """A job at ``where`` with any column set; the status text follows the stage unless given."""
    stage = JobStage(fields.pop("stage", JobStage.PENDING))
    text = {
        "pending": "Job : New Service",
        "progress": "Job : In Progress",
        "complete": "Job : Complete",
        "invoiced": "Job : Invoiced",
        "archive": "Job : Archived",
    }[stage.value]
    values = {
        "number": next(_numbers),
        "description": "Service",
        "requested_on": TODAY,
        "status_text": text,
        **fields,
    }
    row = Job(customer_id=where.customer_id, site_id=where.id, stage=stage, **values)
    session.add(row)
    session.flush()
    return row


def contractor(session: Session, email: str = "office@contractor.example", tax_rate_bp: int = 1000):
    """The contractor's settings row, which the request form mails and prices against."""
    from portal.models import Contractor

    row = Contractor(company_name="Harbourside Fire", email=email, tax_rate_bp=tax_rate_bp)
    session.add(row)
    session.flush()
    return row


def optional_item(
    session: Session, name: str = "After-hours call-out", price_cents: int = 18_000, active: bool = True
):
    from portal.models import OptionalItem

    row = OptionalItem(
        name=name, description=f"{name}, supplied and fitted", unit_price_cents=price_cents, is_active=active
    )
    session.add(row)
    session.flush()
    return row


def script(
    session: Session,
    title: str = "Fire door inspection",
    body: str = "Please inspect all fire doors.",
    use: str = "both",
    active: bool = True,
):
    from portal.models import DescriptionScript, ScriptUse

    row = DescriptionScript(title=title, body=body, use=ScriptUse(use), is_active=active)
    session.add(row)
    session.flush()
    return row


def recurring_invoice(
    session: Session,
    where: Site,
    total: int = 11_000,
    *,
    autopay: bool = True,
    frequency: str = "monthly",
    next_due_on: date | None = None,
):
    """A recurring invoice at ``where``, due today unless told, paid automatically unless told."""
    from portal.models import Frequency, RecurringInvoice

    row = RecurringInvoice(
        number=next(_numbers),
        customer_id=where.customer_id,
        site_id=where.id,
        name="Monitoring fee",
        frequency=Frequency(frequency),
        subtotal_cents=total,
        total_cents=total,
        next_due_on=next_due_on or TODAY,
        autopay=autopay,
    )
    session.add(row)
    session.flush()
    return row


def saved_card(session: Session, owner: Customer, handle: str = "tok_sandbox_test", last4: str = "4242"):
    """The customer's current card for automatic payments, as the gateway returned it."""
    from portal.models import SavedCard

    row = SavedCard(
        customer_id=owner.id,
        gateway="sandbox",
        gateway_token=handle,
        brand="visa",
        last4=last4,
        exp_month=12,
        exp_year=TODAY.year + 2,
        name_on_card="Pat Lee",
    )
    session.add(row)
    session.flush()
    return row


def invoice_with(session: Session, where: Site, **fields) -> Invoice:
    """An invoice at ``where`` with any column set; paid in full marks it paid unless a status is given."""
    total = fields.pop("total_cents", 10_000)
    paid = fields.pop("paid_cents", 0)
    values = {
        "number": next(_numbers),
        "issued_on": TODAY,
        "due_on": TODAY + timedelta(days=30),
        "subtotal_cents": total,
        "status": "paid" if total and paid >= total else "unpaid",
        **fields,
    }
    row = Invoice(
        customer_id=where.customer_id, site_id=where.id, total_cents=total, paid_cents=paid, **values
    )
    session.add(row)
    session.flush()
    return row


def invoice_payment(
    session: Session,
    owner: Customer,
    paid: list[tuple[Invoice, int]],
    on,
    *,
    status: str = "succeeded",
    brand: str = "visa",
    last4: str = "4242",
    settle: bool = True,
):
    """A card payment made at ``on`` (aware) spread over invoices; ``settle`` updates their paid amounts."""
    from portal.models import Payment, PaymentAllocation

    n = next(_numbers)
    row = Payment(
        customer_id=owner.id,
        attempt_key=f"test-{n}",
        amount_cents=sum(a for _, a in paid),
        status=status,
        gateway="sandbox",
        gateway_ref=f"ch_{n}",
        receipt_number=f"R-{n}",
        card_brand=brand,
        card_last4=last4,
        created_at=on,
        completed_at=on,
    )
    session.add(row)
    session.flush()
    for inv, amount in paid:
        session.add(PaymentAllocation(payment_id=row.id, invoice_id=inv.id, amount_cents=amount))
        if settle and status == "succeeded":
            inv.paid_cents += amount
            if inv.paid_cents >= inv.total_cents:
                inv.status, inv.paid_on = "paid", on.date()
            session.add(inv)
    session.flush()
    return row


def job_line(
    session: Session, on: Job, description: str, quantity: int, unit_cents: int, sort_order: int = 0
):
    from portal.models import JobItem

    row = JobItem(
        job_id=on.id,
        description=description,
        quantity=quantity,
        unit_price_cents=unit_cents,
        total_cents=quantity * unit_cents,
        sort_order=sort_order,
    )
    session.add(row)
    session.flush()
    return row


def staff_member(session: Session, role: str = "technician", name: str = "", active: bool = True):
    """A back-office ``Staff`` row and its ``StaffMember`` principal, for commands that book staff."""
    from portal.core.principal import StaffMember
    from portal.models import Role, Staff

    n = next(_numbers)
    row = Staff(
        email=f"staff{n}@contractor.example", name=name or f"Staff {n}", role=Role(role), is_active=active
    )
    session.add(row)
    session.flush()
    return row, StaffMember(row.id, row.name, Role(role))


def price_and_send(session: Session, staff, quote_id, items, today: date, valid_days: int = 30) -> Quote:
    """What the office's Price and Send does: ``(description, quantity, unit cents)`` lines, each "other"."""
    from portal.services.work import pricing

    lines = [pricing.LineInput("other", d, q, u) for d, q, u in items]
    pricing.price_quote(session, staff, quote_id, lines, today + timedelta(days=valid_days), today)
    return pricing.send_quote(session, staff, quote_id, today)
