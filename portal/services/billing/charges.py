"""Paying invoices by card: the attempt, the settlement, the receipt, and the answer for a second tab.

Why the flow is shaped as it is:

* The amount is the sum of the invoices' balances read here, never a figure from the browser.
* One payment per attempt key. The pop-up makes a fresh key each time it opens; the Payment row
  with that key is inserted *before* anything else happens, so a double click or a retried
  request runs into the unique constraint and gets the first attempt's outcome, and the gateway
  is called with the same key, so even a repeated call cannot charge twice. After a decline the
  pop-up must take a new key to try another card: a key always answers with its first result.
* Two attempts with different keys on the same invoice: the invoice rows are locked
  (``SELECT ... FOR UPDATE`` on PostgreSQL) and their balances read again under the lock; the
  second attempt waits for the first to commit and then finds the invoice paid. SQLite has no row
  locks; there a write transaction holds the whole database, so a second writer waits (busy
  timeout) or fails with "database is locked" and nothing is paid twice.
* The gateway is called inside the caller's transaction. For the sandbox that is harmless. For a
  real processor a crash between the charge and the commit would lose the record of a real charge;
  the gateway's idempotency key makes a retry with the same attempt key safe, and the processor's
  webhook reconciles a charge whose row was rolled back.

Settling, failing and the receipt are also how an automatic payment (:mod:`autopay`) and a charge
Stripe reports later (:mod:`reconciliation`) are recorded, so a payment is written one way only.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.core import clock, events, tenant, visibility
from portal.core.money import format_money
from portal.core.principal import Scope, customer_of
from portal.models import (
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentStatus,
)
from portal.services.billing import cards
from portal.services.billing.cards import (
    HOSTED_CARD_MISSING,
    HOSTED_NOT_AVAILABLE,
    PAYMENT_METHOD_ID,
    CardInput,
)
from portal.services.billing.gateways import ChargeResult, Gateway, GatewayError, HostedGateway
from portal.services.billing.invoices import PAGE
from portal.services.identity.contacts import recipients
from portal.services.messaging import mail
from portal.services.work import jobs

ATTEMPT_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_INVOICES = 200
RECEIPT_ALPHABET = string.ascii_uppercase + string.digits

BAD_ATTEMPT = "This payment form has expired. Close it and press Pay Online again."
NO_INVOICES = "Select at least one invoice to pay."
TOO_MANY = f"Pay at most {MAX_INVOICES} invoices at once."
NOT_AVAILABLE = "One of the selected invoices is not available."
ALREADY_PAID = "Invoice {number} is already paid."
JUST_PAID = "Invoice {number} has just been paid."
CHANGED_MEANWHILE = (
    "Invoice {number} changed while you were paying. Close this form and press Pay Online again."
)
# A payment this recent is "just" paid: most likely the same person in another tab, or a colleague.
JUST_NOW = timedelta(minutes=15)
IN_PROGRESS = "This payment is still being processed."


@dataclass
class PaymentOutcome:
    ok: bool
    receipt_number: str = ""
    amount_cents: int = 0
    invoices: list[tuple[int, int]] = field(default_factory=list)  # (invoice number, cents paid)
    message: str = ""
    field_errors: dict[str, str] = field(default_factory=dict)


def _refused(message: str, **field_errors: str) -> PaymentOutcome:
    return PaymentOutcome(False, message=message, field_errors=field_errors or {"form": message})


@dataclass(frozen=True)
class CardFacts:
    """What is kept about the card a payment used: never its number or CVV."""

    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None


# The gateway call for one attempt: (amount in cents, currency, description) -> result.
Charge = Callable[[int, str, str], ChargeResult]


def pay_invoices(
    session: Session,
    scope: Scope,
    invoice_ids: Sequence[object],
    card: CardInput,
    attempt_key: str,
    gateway: Gateway,
    today: date,
    now: datetime | None = None,
) -> PaymentOutcome:
    """Pay with a card typed into the portal's own form (the sandbox gateway)."""
    scope.require(PAGE)
    errors = cards.check(card, today)
    if errors:
        return PaymentOutcome(False, message="Check the card details.", field_errors=errors)
    exp = cards.expiry(card.exp_month, card.exp_year) or (None, None)
    facts = CardFacts(cards.brand(card.digits), cards.last4(card.digits), exp[0], exp[1])

    def charge(amount: int, currency: str, description: str) -> ChargeResult:
        return gateway.charge(amount, currency, card, idempotency_key=attempt_key, description=description)

    return _pay(session, scope, invoice_ids, attempt_key, gateway, today, now, lambda: facts, charge)


def pay_invoices_hosted(
    session: Session,
    scope: Scope,
    invoice_ids: Sequence[object],
    payment_method_id: str,
    attempt_key: str,
    gateway: Gateway,
    today: date,
    now: datetime | None = None,
) -> PaymentOutcome:
    """Pay with a card the customer gave the processor's own hosted form (Stripe): we hold only its id.

    The card's brand, last 4 and expiry are asked of the processor, not taken from the browser.
    """
    scope.require(PAGE)
    if not isinstance(payment_method_id, str) or not PAYMENT_METHOD_ID.fullmatch(payment_method_id):
        return _refused(HOSTED_CARD_MISSING)
    if not isinstance(gateway, HostedGateway):
        return _refused(HOSTED_NOT_AVAILABLE)

    def facts() -> CardFacts:
        card = gateway.card_of(payment_method_id)
        return CardFacts(card.brand, card.last4, card.exp_month or None, card.exp_year or None)

    def charge(amount: int, currency: str, description: str) -> ChargeResult:
        return gateway.charge_payment_method(amount, currency, payment_method_id, attempt_key, description)

    return _pay(session, scope, invoice_ids, attempt_key, gateway, today, now, facts, charge)


def _pay(
    session: Session,
    scope: Scope,
    invoice_ids: Sequence[object],
    attempt_key: str,
    gateway: Gateway,
    today: date,
    now: datetime | None,
    card_facts: Callable[[], CardFacts],
    charge: Charge,
) -> PaymentOutcome:
    now = now or clock.now()
    if not isinstance(attempt_key, str) or not ATTEMPT_KEY.fullmatch(attempt_key):
        return _refused(BAD_ATTEMPT)
    earlier = _by_key(session, attempt_key)
    if earlier is not None:
        return _replay(session, scope, earlier)
    found = _payable(session, scope, invoice_ids)
    if isinstance(found, PaymentOutcome):
        return found
    try:
        facts = card_facts()
    except GatewayError as exc:
        return _refused(exc.message)
    amount = sum(inv.balance_cents for inv in found)
    payment = Payment(
        customer_id=customer_of(scope),
        contact_id=scope.contact_id,
        attempt_key=attempt_key,
        amount_cents=amount,
        currency=tenant.currency(session),
        gateway=gateway.name,
        card_brand=facts.brand,
        card_last4=facts.last4,
        card_exp_month=facts.exp_month,
        card_exp_year=facts.exp_year,
    )
    try:
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:
        earlier = _by_key(session, attempt_key)
        if earlier is None:
            raise
        return _replay(session, scope, earlier)

    expected = {inv.id: (inv.number, inv.balance_cents) for inv in found if inv.id is not None}
    locked = lock(session, list(expected))
    for inv_id, (number, balance) in expected.items():
        now_inv = locked.get(inv_id)
        if now_inv is None or now_inv.status != InvoiceStatus.UNPAID or now_inv.balance_cents != balance:
            if now_inv is not None and now_inv.status == InvoiceStatus.PAID:
                message = paid_answer(session, now_inv, now)
            else:
                message = CHANGED_MEANWHILE.format(number=number)
            fail(session, payment, message, now)
            return _refused(message)

    numbers = ", ".join(str(inv.number) for inv in found)
    try:
        result = charge(amount, payment.currency, f"Invoices {numbers}")
    except GatewayError as exc:  # e.g. a gateway that takes cards only through its own form
        result = ChargeResult(False, "", exc.decline_code or "gateway_refused", exc.message)
    if not result.ok:
        fail(session, payment, result.message, now, result.reference)
        audit(session, "payment.failed", payment, {"reason": result.message, "code": result.decline_code})
        return PaymentOutcome(
            False, amount_cents=amount, message=result.message, field_errors={"form": result.message}
        )
    lines = settle(session, payment, found, result, today, now)
    receipt_mail(session, payment, lines, scope.contact_id)
    return _outcome(payment, lines)


def _by_key(session: Session, attempt_key: str) -> Payment | None:
    return session.exec(select(Payment).where(Payment.attempt_key == attempt_key)).first()


def _replay(session: Session, scope: Scope, payment: Payment) -> PaymentOutcome:
    """The first outcome of an attempt key, for a double click or a retried request."""
    if payment.customer_id != customer_of(scope):
        return _refused(BAD_ATTEMPT)
    if payment.status == PaymentStatus.SUCCEEDED:
        rows = session.exec(
            select(Invoice.number, PaymentAllocation.amount_cents)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(PaymentAllocation.payment_id == payment.id)
            .order_by(Invoice.number)
        ).all()
        return _outcome(payment, [(n, a) for n, a in rows])
    message = payment.failure_reason if payment.status == PaymentStatus.FAILED else IN_PROGRESS
    return PaymentOutcome(
        False, amount_cents=payment.amount_cents, message=message, field_errors={"form": message}
    )


def _payable(session: Session, scope: Scope, invoice_ids: Sequence[object]) -> list[Invoice] | PaymentOutcome:
    """The selected invoices loaded through the scope, or the reason they cannot be paid."""
    if isinstance(invoice_ids, (str, bytes)) or not invoice_ids:
        return _refused(NO_INVOICES)
    if len(invoice_ids) > MAX_INVOICES:
        return _refused(TOO_MANY)
    found: dict[int, Invoice] = {}
    for raw in invoice_ids:
        inv = visibility.get(session, scope, Invoice, raw)
        if inv is None or inv.id is None:
            return _refused(NOT_AVAILABLE)
        found[inv.id] = inv
    for inv in sorted(found.values(), key=lambda i: i.number):
        if inv.status != InvoiceStatus.UNPAID or inv.balance_cents <= 0:
            return _refused(paid_answer(session, inv, clock.now()))
    return sorted(found.values(), key=lambda i: i.number)


def paid_answer(session: Session, invoice: Invoice, now: datetime) -> str:
    """Why an invoice cannot be paid again, with the receipt of the payment that paid it.

    The second of two tabs pressing Continue together lands here once the first has committed:
    telling it which receipt paid the invoice answers "was I charged twice?" before it is asked.
    """
    row = session.exec(
        select(Payment.receipt_number, Payment.completed_at)
        .join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
        .where(PaymentAllocation.invoice_id == invoice.id, Payment.status == PaymentStatus.SUCCEEDED)
        .order_by(Payment.completed_at.desc(), Payment.id.desc())
        .limit(1)
    ).first()
    if row is None or not row[0]:  # paid some other way: no receipt of ours to name
        return ALREADY_PAID.format(number=invoice.number)
    receipt, completed = row
    recent = completed is not None and now - completed <= JUST_NOW
    return (JUST_PAID if recent else ALREADY_PAID).format(number=invoice.number)[
        :-1
    ] + f", receipt {receipt}."


def lock(session: Session, invoice_ids: list[int]) -> dict[int, Invoice]:
    """The invoices re-read under a row lock; in id order so two payers never deadlock."""
    rows = session.exec(
        select(Invoice)
        .where(Invoice.id.in_(invoice_ids))
        .order_by(Invoice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {row.id: row for row in rows if row.id is not None}


def fail(session: Session, payment: Payment, reason: str, now: datetime, reference: str = "") -> None:
    payment.status = PaymentStatus.FAILED
    payment.failure_reason = reason[:300]
    payment.gateway_ref = reference[:100]
    payment.completed_at = now
    session.add(payment)
    session.flush()


def settle(
    session: Session,
    payment: Payment,
    invoices: list[Invoice],
    result: ChargeResult,
    today: date,
    now: datetime,
) -> list[tuple[int, int]]:
    """Record a successful charge: allocations, paid invoices, the receipt and the back-office event."""
    lines = allocate(session, payment, [(inv, inv.balance_cents) for inv in invoices], today)
    payment.status = PaymentStatus.SUCCEEDED
    payment.gateway_ref = result.reference[:100]
    payment.completed_at = now
    assign_receipt(session, payment, today)
    payload = {
        "payment_id": payment.id,
        "receipt_number": payment.receipt_number,
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "gateway": payment.gateway,
        "gateway_ref": payment.gateway_ref,
        "is_autopay": payment.is_autopay,
        "invoices": [{"number": n, "amount_cents": a} for n, a in lines],
    }
    events.integration(session, "payment.received", payment.customer_id, payload)
    audit(session, "payment.received", payment, payload)
    return lines


def allocate(
    session: Session, payment: Payment, amounts: Sequence[tuple[Invoice, int]], paid_on: date
) -> list[tuple[int, int]]:
    """Put a payment's money on invoices: ``(invoice, cents)`` each, never more than its balance.

    An invoice whose balance reaches nothing is paid (on ``paid_on``) and its job moves to Archive
    in the same transaction; a part payment leaves it unpaid. Card, automatic and offline payments
    all allocate here. Returns ``(invoice number, cents)`` per line.
    """
    assert payment.id is not None, "flushed when the payment was recorded"
    lines = []
    for inv, cents in amounts:
        assert inv.id is not None, "an invoice read from the database"
        assert 0 < cents <= inv.balance_cents, "callers check the balance first"
        session.add(PaymentAllocation(payment_id=payment.id, invoice_id=inv.id, amount_cents=cents))
        inv.paid_cents += cents
        if inv.balance_cents == 0:
            inv.status = InvoiceStatus.PAID
            inv.paid_on = paid_on
        session.add(inv)
        lines.append((inv.number, cents))
    jobs.archive_paid_jobs(session, [inv.job_id for inv, _ in amounts if inv.job_id is not None])
    return lines


def assign_receipt(session: Session, payment: Payment, today: date) -> None:
    # Six random characters a day make a clash unlikely, not impossible: the unique column decides.
    session.add(payment)
    session.flush()
    for _ in range(5):
        try:
            with session.begin_nested():
                payment.receipt_number = f"R-{today:%Y%m%d}-" + "".join(
                    secrets.choice(RECEIPT_ALPHABET) for _ in range(6)
                )
                session.flush()
            return
        except IntegrityError:
            continue
    raise RuntimeError("could not assign a unique receipt number")


def audit(session: Session, action: str, payment: Payment, detail: dict[str, Any]) -> None:
    """An event about a payment, by the contact who paid; by the portal itself for an automatic payment."""
    payer = payment if payment.contact_id is not None else None
    events.audit(session, payer, action, payment, detail=detail, customer_id=payment.customer_id)


def _outcome(payment: Payment, lines: list[tuple[int, int]]) -> PaymentOutcome:
    return PaymentOutcome(
        True,
        receipt_number=payment.receipt_number or "",
        amount_cents=payment.amount_cents,
        invoices=lines,
        message=f"Payment received. Your receipt number is {payment.receipt_number}.",
    )


def invoice_contacts(session: Session, customer_id: int, fallback_contact_id: int | None) -> list[str]:
    """Where payment mail goes: the customer's invoice contacts, else the person who paid."""
    found = recipients(session, customer_id, "is_invoice_contact", fallback_contact_id=fallback_contact_id)
    return [c.email for c in found]


def card_text(payment: Payment) -> str:
    return (
        f"{payment.card_brand.title() or 'Card'} ending {payment.card_last4}"
        if payment.card_last4
        else "Card"
    )


def receipt_mail(
    session: Session, payment: Payment, lines: list[tuple[int, int]], contact_id: int | None
) -> None:
    company = mail.company_name(session)
    invoice_lines = "\n".join(f"  Invoice {n}: {format_money(a, payment.currency)}" for n, a in lines)
    body = (
        "Hello,\n\n"
        f"Thank you for your payment of {format_money(payment.amount_cents, payment.currency)}.\n\n"
        f"Receipt number: {payment.receipt_number}\n"
        f"Paid by: {card_text(payment)}\n"
        f"Invoices paid:\n{invoice_lines}\n\n"
        f"{company}\n"
    )
    subject = f"Payment receipt {payment.receipt_number}"
    for address in invoice_contacts(session, payment.customer_id, contact_id):
        mail.queue(session, address, subject, body, "payment_receipt")
