"""The back office's customers: the list (searched, sorted, paged and exported in SQL), creating and
editing a customer, and deactivating or reactivating one.

A customer that is deactivated stops every one of its contacts signing in at once: their live
sessions are revoked here, and the sign-in check (``tokens.usable_contact``) refuses a contact of an
inactive customer, so an open tab is sent to the sign-in page on its next action. Reactivating lets
the contacts whose own login is still on sign in again; nothing else about them changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, true
from sqlmodel import Session, col, select, update

from portal.core import clock, emails, events, visibility
from portal.core.lists import Cell, Column, Context, ListSpec, Page, PageRequest
from portal.core.principal import Duty, StaffMember, require_duty
from portal.core.text import multi_line, one_line
from portal.models import Contact, Customer, CustomerKind, LoginSession
from portal.models.base import column_limit, too_long

DUTY = Duty.MANAGE_CUSTOMERS
NOT_AVAILABLE = "That customer is not available."
NAME_NEEDED = "Enter the company's or the person's name."
KIND_UNKNOWN = "Choose company or individual."
CODE_TAKEN = "Another customer has this code."

KIND_LABELS = {CustomerKind.COMPANY: "Company", CustomerKind.INDIVIDUAL: "Individual"}

# The one declaration of a customer's typed details, in form order: the form's inputs and labels,
# the checks and limits (read from the columns) and the audit snapshot all go through these.
DETAIL_LABELS: dict[str, str] = {
    "name": "Name",
    "code": "Customer code",
    "business_number": "Business number",
    "email": "Email",
    "phone": "Phone",
    "address": "Address",
    "postal_address": "Postal address",
    "notes": "Notes",
}
DETAILS = tuple(DETAIL_LABELS)
MULTI_LINE = ("address", "postal_address", "notes")
LIMITS: dict[str, int] = {name: column_limit(Customer, name) for name in DETAILS}


class CustomerError(Exception):
    """What to show beside each field (the form's fields, ``kind`` and ``form``)."""

    def __init__(self, field_errors: dict[str, str] | None = None, **fields: str) -> None:
        self.field_errors: dict[str, str] = {**(field_errors or {}), **fields}
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.field_errors.items()))


@dataclass(frozen=True)
class CustomerInput:
    """The form as submitted; any value may be anything a browser can send."""

    kind: Any = CustomerKind.COMPANY
    name: Any = ""
    code: Any = ""
    business_number: Any = ""
    email: Any = ""
    phone: Any = ""
    address: Any = ""
    postal_address: Any = ""
    notes: Any = ""


assert set(DETAILS) < {f.name for f in dataclass_fields(CustomerInput)}, "the form carries every detail"


# --- the list ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerRow:
    id: int
    name: str
    kind: str
    code: str
    email: str
    phone: str
    contacts: int
    active: bool


def _contact_count() -> Any:
    return (
        select(func.count())
        .select_from(Contact)
        .where(Contact.customer_id == Customer.id, col(Contact.deactivated_at).is_(None))
        .correlate(Customer)
        .scalar_subquery()
    )


def _customer_row(values: dict[str, Any], context: Context) -> CustomerRow:
    kind = values.pop("kind")
    return CustomerRow(
        **values,
        kind=KIND_LABELS.get(kind, str(kind)),
    )


CUSTOMERS: ListSpec[CustomerRow] = ListSpec(
    name="office_customers",
    page=DUTY,
    model=Customer,
    columns=(
        Column("id", Customer.id),
        Column("name", Customer.name),
        Column("kind", Customer.kind),
        Column("code", Customer.code),
        Column("email", Customer.email),
        Column("phone", Customer.phone),
        Column("contacts", _contact_count()),
        Column("active", Customer.is_active),
    ),
    tabs={
        "active": Customer.is_active.is_(True),
        "deactivated": Customer.is_active.is_(False),
        "all": true(),
    },
    search=(Customer.name, Customer.code, Customer.email, Customer.phone),
    sorts={
        "name": func.lower(Customer.name),
        "code": func.lower(Customer.code),
        "kind": Customer.kind,
        "email": func.lower(Customer.email),
        "created": Customer.created_at,
    },
    default_sort="name",
    row=_customer_row,
    cells=(
        Cell("Name", lambda c: c.name),
        Cell("Code", lambda c: c.code),
        Cell("Kind", lambda c: c.kind),
        Cell("Email", lambda c: c.email),
        Cell("Phone", lambda c: c.phone),
        Cell("Contacts", lambda c: c.contacts),
        Cell("Status", lambda c: "Active" if c.active else "Deactivated"),
    ),
)
CUSTOMER_TABS = tuple(CUSTOMERS.tabs)


def list_customers(
    session: Session, staff: StaffMember, tab: str, request: PageRequest, today: date
) -> Page[CustomerRow]:
    return CUSTOMERS.rows(session, staff, tab, request, today)


# --- one customer -----------------------------------------------------------------------------------


def find(session: Session, staff: StaffMember, customer_id: Any) -> Customer | None:
    """The customer behind an id from the browser (any junk finds None)."""
    require_duty(staff, DUTY)
    return visibility.get(session, staff, Customer, customer_id)


def snapshot(customer: Customer) -> dict[str, Any]:
    """The customer as the audit trail reads it."""
    return {
        "kind": str(customer.kind),
        **{name: getattr(customer, name) for name in DETAILS},
        "is_active": customer.is_active,
    }


def _cleaned(data: CustomerInput, errors: dict[str, str]) -> tuple[CustomerKind, dict[str, str]]:
    texts = {
        name: (multi_line if name in MULTI_LINE else one_line)(getattr(data, name))
        if isinstance(getattr(data, name), str)
        else ""
        for name in DETAILS
    }
    texts["email"] = emails.normalised(texts["email"])
    for name, limit in LIMITS.items():
        if len(texts[name]) > limit:
            errors[name] = too_long(limit)
    if not texts["name"] and "name" not in errors:
        errors["name"] = NAME_NEEDED
    if texts["email"] and "email" not in errors and (problem := emails.email_problem(texts["email"])):
        errors["email"] = problem
    kind = CustomerKind.COMPANY
    try:
        kind = CustomerKind(data.kind)
    except ValueError:
        errors["kind"] = KIND_UNKNOWN
    return kind, texts


def _code_taken(session: Session, code: str, customer_id: int | None) -> bool:
    """A customer code names one customer: an import matches rows on it."""
    if not code:
        return False
    query = select(Customer.id).where(func.lower(Customer.code) == code.lower())
    if customer_id is not None:
        query = query.where(Customer.id != customer_id)
    return session.exec(query).first() is not None


def save_customer(session: Session, staff: StaffMember, customer_id: Any, data: CustomerInput) -> int:
    """Create (``customer_id`` None) or change a customer; every field is checked before anything is
    written, and a save that changes nothing writes no event. Returns the customer's id."""
    require_duty(staff, DUTY)
    existing: Customer | None = None
    if customer_id is not None:
        existing = find(session, staff, customer_id)
        if existing is None:
            raise CustomerError(form=NOT_AVAILABLE)
    errors: dict[str, str] = {}
    kind, texts = _cleaned(data, errors)
    if "code" not in errors and _code_taken(session, texts["code"], existing.id if existing else None):
        errors["code"] = CODE_TAKEN
    if errors:
        raise CustomerError(errors)
    customer = existing or Customer()
    before = snapshot(customer) if existing else {}
    customer.kind = kind
    for name, value in texts.items():
        setattr(customer, name, value)
    session.add(customer)
    session.flush()
    assert customer.id is not None, "flushed"
    after = snapshot(customer)
    if after != before:
        action = "customer_updated" if existing else "customer_created"
        events.audit(
            session,
            staff,
            action,
            customer,
            detail={"before": before, "after": after},
            customer_id=customer.id,
        )
    return customer.id


def _end_logins(session: Session, customer_id: int, now: datetime) -> int:
    """Revoke every live session of the customer's contacts; returns how many ended."""
    session.flush()
    contacts = select(Contact.id).where(Contact.customer_id == customer_id)
    stmt = (
        update(LoginSession)
        .where(col(LoginSession.contact_id).in_(contacts), col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=now, revoked_reason="customer_deactivated")
    )
    return int(session.exec(stmt).rowcount or 0)


def set_active(session: Session, staff: StaffMember, customer_id: Any, active: bool) -> Customer:
    """Deactivate (its contacts' sessions end now and none of them can sign in) or reactivate a
    customer. Asking for the state it is already in changes nothing and writes nothing."""
    customer = find(session, staff, customer_id)
    if customer is None or customer.id is None:
        raise CustomerError(form=NOT_AVAILABLE)
    if customer.is_active == active:
        return customer
    now = clock.now()
    before = snapshot(customer)
    customer.is_active = active
    customer.deactivated_at = None if active else now
    session.add(customer)
    session.flush()
    ended = 0 if active else _end_logins(session, customer.id, now)
    events.audit(
        session,
        staff,
        "customer_reactivated" if active else "customer_deactivated",
        customer,
        detail={"before": before, "after": snapshot(customer), "sessions_ended": ended},
        customer_id=customer.id,
    )
    return customer
