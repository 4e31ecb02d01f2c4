"""Contacts and logins as a customer's administrator sees them: the list, the access grid, one contact.

Who may look at any of this is itself a page of the login (``Page.CONTACTS``): every function here
asks :func:`manager` first, whatever the screen already checked. Contacts are customer-wide rows
(``ByCustomer``), so a contact limited to some sites still sees every colleague; the sites it is
shown (to assign, or as a colleague's assigned sites) are only its own, since a site name is
customer data a limited login must not read. A colleague's sites it cannot see are counted, never
named. The changes themselves are in :mod:`portal.services.identity.contact_changes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, true
from sqlmodel import Session, select

from portal.core.lists import Cell, Column, Context, ListSpec, Page, PageRequest
from portal.core.principal import AccessDenied, CustomerContact, Principal
from portal.core.visibility import get, scoped, visible
from portal.models import ALL_PAGES, Contact, ContactSite, Credential, LoginSession, Site
from portal.models import Page as PageKey
from portal.models.base import column_limit
from portal.services.identity.profile import pending_email

PAGE = PageKey.CONTACTS

# The portal's pages as a customer reads them, in menu order: the checkboxes and the grid's columns.
PAGE_LABELS: dict[str, str] = {
    PageKey.QUOTES: "Quotes",
    PageKey.JOBS: "Jobs",
    PageKey.INVOICES: "Invoices",
    PageKey.SITES: "Sites",
    PageKey.ASSETS: "Assets",
    PageKey.REPORTS: "Reports",
    PageKey.TASKS: "Tasks",
    PageKey.CONTACTS: "Contacts",
}
assert set(PAGE_LABELS) == set(ALL_PAGES), "every page has a label"

ROLE_LABELS = (
    ("is_quote_contact", "Quote"),
    ("is_job_contact", "Job"),
    ("is_invoice_contact", "Invoice"),
    ("is_statement_contact", "Statement & Overdue Letter"),
)

# The one declaration of a contact's typed details, in form order: the form's inputs and labels,
# the service's checks and limits (read from the columns), the audit snapshot and the form state
# all go through these.
DETAIL_LABELS: dict[str, str] = {
    "first_name": "First Name",
    "last_name": "Last Name",
    "position": "Position",
    "email": "Email",
    "phone": "Phone",
    "mobile": "Mobile",
}
DETAILS = tuple(DETAIL_LABELS)
LIMITS: dict[str, int] = {name: column_limit(Contact, name) for name in DETAILS}
# The ticks of the Roles card: the four roles, then Primary Contact.
FLAGS = (*(key for key, _ in ROLE_LABELS), "is_primary")


def manager(principal: Principal) -> CustomerContact:
    """The signed-in contact, when its login may manage contacts; anyone else is refused."""
    if isinstance(principal, CustomerContact) and principal.can(PAGE):
        return principal
    raise AccessDenied(PAGE)


# --- the list and its grid ----------------------------------------------------------------------


@dataclass(frozen=True)
class ContactRow:
    id: int
    first_name: str
    last_name: str
    position: str
    email: str
    phone: str
    mobile: str
    roles: tuple[str, ...]
    is_primary: bool
    login_active: bool
    username: str
    last_sign_in: datetime | None
    has_password: bool  # a setup email is no use to it: Reset Password instead
    pages: tuple[str, ...]
    all_sites: bool
    site_count: int

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def sites_text(self) -> str:
        """The grid's last column: "All", or how many sites are assigned."""
        if self.all_sites:
            return "All"
        return f"{self.site_count} site{'' if self.site_count == 1 else 's'}"


def _site_count() -> Any:
    """Assigned sites of the customer's own (a stray row for another customer's site is not one)."""
    return (
        select(func.count())
        .select_from(ContactSite)
        .join(Site, Site.id == ContactSite.site_id)
        .where(ContactSite.contact_id == Contact.id, Site.customer_id == Contact.customer_id)
        .correlate(Contact)
        .scalar_subquery()
    )


def _last_sign_in() -> Any:
    return (
        select(func.max(LoginSession.created_at))
        .where(LoginSession.contact_id == Contact.id)
        .correlate(Contact)
        .scalar_subquery()
    )


def _has_password() -> Any:
    return (
        select(Credential.contact_id).where(Credential.contact_id == Contact.id).correlate(Contact).exists()
    )


def _contact_row(values: dict[str, Any], context: Context) -> ContactRow:
    roles = tuple(label for key, label in ROLE_LABELS if values.pop(key))
    granted = values.pop("pages") or []
    pages = tuple(p for p in ALL_PAGES if p in granted)
    username, sites = values.pop("username") or "", int(values.pop("site_count") or 0)
    return ContactRow(**values, username=username, roles=roles, pages=pages, site_count=sites)


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


CONTACTS: ListSpec[ContactRow] = ListSpec(
    name="contacts",
    page=PAGE,
    model=Contact,
    columns=(
        Column("id", Contact.id),
        Column("first_name", Contact.first_name),
        Column("last_name", Contact.last_name),
        Column("position", Contact.position),
        Column("email", Contact.email),
        Column("phone", Contact.phone),
        Column("mobile", Contact.mobile),
        Column("is_quote_contact", Contact.is_quote_contact),
        Column("is_job_contact", Contact.is_job_contact),
        Column("is_invoice_contact", Contact.is_invoice_contact),
        Column("is_statement_contact", Contact.is_statement_contact),
        Column("is_primary", Contact.is_primary),
        Column("login_active", Contact.login_active),
        Column("username", Contact.username),
        Column("last_sign_in", _last_sign_in()),
        Column("has_password", _has_password()),
        Column("pages", Contact.pages),
        Column("all_sites", Contact.all_sites),
        Column("site_count", _site_count()),
    ),
    tabs={"all": true(), "logins": Contact.login_active.is_(True)},
    search=(Contact.first_name, Contact.last_name, Contact.email, Contact.position, Contact.username),
    sorts={
        "name": func.lower(Contact.first_name + " " + Contact.last_name),
        "position": Contact.position,
        "email": Contact.email,
        "login": Contact.login_active,
        "username": Contact.username,
    },
    default_sort="name",
    row=_contact_row,
    cells=(
        Cell("First Name", lambda c: c.first_name),
        Cell("Last Name", lambda c: c.last_name),
        Cell("Position", lambda c: c.position),
        Cell("Email", lambda c: c.email),
        Cell("Phone", lambda c: c.phone),
        Cell("Mobile", lambda c: c.mobile),
        Cell("Contact For", lambda c: ", ".join(c.roles)),
        Cell("Primary Contact", lambda c: _yes(c.is_primary)),
        Cell("Login Active", lambda c: _yes(c.login_active)),
        Cell("Username", lambda c: c.username),
        Cell("Page Access", lambda c: ", ".join(PAGE_LABELS[p] for p in c.pages)),
        Cell("Site Access", lambda c: c.sites_text),
    ),
)
CONTACT_TABS = tuple(CONTACTS.tabs)


def list_contacts(
    session: Session, principal: Principal, tab: str, request: PageRequest, today: date
) -> Page[ContactRow]:
    """One page of the customer's contacts; the access grid is drawn from the same rows."""
    return CONTACTS.rows(session, manager(principal), tab, request, today)


# --- one contact --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteChoice:
    id: int
    name: str


@dataclass
class ContactForm:
    """What the form shows of one contact, and which of its choices the signed-in contact may change."""

    id: int | None
    first_name: str = ""
    last_name: str = ""
    position: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    is_quote_contact: bool = False
    is_job_contact: bool = False
    is_invoice_contact: bool = False
    is_statement_contact: bool = False
    is_primary: bool = False
    login_active: bool = False
    username: str = ""
    has_password: bool = False
    pending_email: str = ""  # a new address for the login, waiting for its link to be followed
    pages: tuple[str, ...] = ()
    all_sites: bool = False
    assigned: tuple[SiteChoice, ...] = ()
    unseen_sites: int = 0  # assigned sites the signed-in contact cannot see: kept, never named
    choices: tuple[SiteChoice, ...] = ()  # every site the signed-in contact may assign
    grantable: tuple[str, ...] = ()  # the pages the signed-in contact has, so may give
    may_give_all_sites: bool = False
    is_self: bool = False


assert {*DETAILS, *FLAGS} <= {f.name for f in dataclass_fields(ContactForm)}, "the form shows every detail"


def site_choices(session: Session, principal: Principal) -> list[SiteChoice]:
    """The active sites the signed-in contact may assign: its own, by name."""
    who = manager(principal)
    rows = session.exec(
        scoped(select(Site.id, Site.name).where(Site.is_active.is_(True)), who, Site).order_by(
            Site.name, Site.id
        )
    ).all()
    return [SiteChoice(row_id, name) for row_id, name in rows]


def find(session: Session, principal: Principal, contact_id: Any) -> Contact | None:
    """The contact behind an id from the browser: another customer's id (or any junk) finds None."""
    return get(session, manager(principal), Contact, contact_id)


def assigned_site_ids(session: Session, contact: Contact) -> set[int]:
    """The contact's assigned sites of its own customer."""
    rows = session.exec(
        select(ContactSite.site_id)
        .join(Site, Site.id == ContactSite.site_id)
        .where(ContactSite.contact_id == contact.id, Site.customer_id == contact.customer_id)
    ).all()
    return set(rows)


def blank_form(session: Session, principal: Principal) -> ContactForm:
    """A new contact: no roles and no pages yet; all sites when the signed-in contact has them."""
    who = manager(principal)
    return ContactForm(
        id=None,
        all_sites=who.site_ids is None,
        choices=tuple(site_choices(session, who)),
        grantable=tuple(p for p in ALL_PAGES if p in who.pages),
        may_give_all_sites=who.site_ids is None,
    )


def contact_form(session: Session, principal: Principal, contact_id: Any) -> ContactForm | None:
    """One contact for the form, or None when the id is not one of the customer's contacts."""
    who = manager(principal)
    contact = find(session, who, contact_id)
    if contact is None or contact.id is None:
        return None
    assigned = assigned_site_ids(session, contact)
    seen = session.exec(
        select(Site.id, Site.name)
        .where(Site.id.in_(sorted(assigned)), visible(who, Site))
        .order_by(Site.name, Site.id)
    ).all()
    return ContactForm(
        id=contact.id,
        **{name: getattr(contact, name) for name in (*DETAILS, *FLAGS)},
        pending_email=pending_email(session, contact.id) if contact.username else "",
        login_active=contact.login_active and contact.deactivated_at is None,
        username=contact.username or "",
        has_password=session.get(Credential, contact.id) is not None,
        pages=tuple(p for p in ALL_PAGES if p in (contact.pages or [])),
        all_sites=contact.all_sites,
        assigned=tuple(SiteChoice(i, n) for i, n in seen),
        unseen_sites=len(assigned) - len(seen),
        choices=tuple(site_choices(session, who)),
        grantable=tuple(p for p in ALL_PAGES if p in who.pages),
        may_give_all_sites=who.site_ids is None or contact.all_sites,
        is_self=contact.id == who.contact_id,
    )


# --- who hears about a row ------------------------------------------------------------------------

# The flags that say which mail a contact receives (the Roles card's four roles).
MAIL_FLAGS = tuple(key for key, _ in ROLE_LABELS)


def flagged(session: Session, customer_id: int, flag: str, *, site_id: int | None = None) -> list[Contact]:
    """The customer's active contacts with ``flag`` who may see ``site_id`` (every site when None),
    by id. A contact limited to some sites hears nothing about a site it cannot open in the portal."""
    if flag not in MAIL_FLAGS:
        raise ValueError(f"not a contact role: {flag!r}")
    query = select(Contact).where(
        Contact.customer_id == customer_id,
        getattr(Contact, flag).is_(True),
        Contact.deactivated_at.is_(None),
    )
    if site_id is not None:
        assigned = select(ContactSite.contact_id).where(ContactSite.site_id == site_id)
        query = query.where(or_(Contact.all_sites.is_(True), Contact.id.in_(assigned)))
    return list(session.exec(query.order_by(Contact.id)).all())


def recipients(
    session: Session,
    customer_id: int,
    flag: str,
    *,
    site_id: int | None = None,
    fallback_contact_id: int | None = None,
) -> list[Contact]:
    """Who a customer mail goes to: the :func:`flagged` contacts with an email, once per address
    (however it is capitalised); when there are none, the fallback contact (the quote's, the job's,
    the payer) if it is the customer's, active, has an email and may see the site. Every mail to a
    customer asks here, so no kind of mail reaches a contact another kind would not."""
    found: dict[str, Contact] = {}
    for contact in flagged(session, customer_id, flag, site_id=site_id):
        if contact.email:
            found.setdefault(contact.email.lower(), contact)
    if found or fallback_contact_id is None:
        return list(found.values())
    own = session.get(Contact, fallback_contact_id)
    if own is None or own.customer_id != customer_id or own.deactivated_at is not None or not own.email:
        return []
    if site_id is not None and not own.all_sites and site_id not in assigned_site_ids(session, own):
        return []
    return [own]
