"""Request a Quote and Book a Job: one form, two purposes, saved in one transaction.

Everything the form offers is read through the scope (sites, assets) or from the contractor's
catalogue (scripts, optional items), and everything it sends back is checked again here: ids are
loaded through the scope, prices come from the database, pending uploads are re-read from their
bytes. :func:`submit_request` either saves the whole request (the quote or job, its assets, items,
attachments, the integration event and the contractor's email) or raises :class:`RequestError`
with a message for each bad field and saves nothing.

Transactions: the work is done inside a savepoint and flushed, never committed; the caller's unit
of work commits it. The attachments' files follow that commit (see ``portal.services.files.uploads``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.core import clock, events, tenant
from portal.core.money import format_money
from portal.core.principal import MAX_ID, Scope, customer_of
from portal.core.visibility import get, scoped
from portal.models import (
    Asset,
    AssetStatus,
    AssetType,
    Attachment,
    AttachmentOwner,
    Contact,
    Contractor,
    Customer,
    Defect,
    DescriptionScript,
    IntegrationEvent,
    Job,
    JobAsset,
    JobItem,
    JobStage,
    OptionalItem,
    Page,
    Quote,
    QuoteAsset,
    QuoteItem,
    QuoteStage,
    ScriptUse,
    Site,
)
from portal.services.files import uploads
from portal.services.messaging import mail
from portal.services.sites import editing as site_editing
from portal.services.sites.editing import SiteError, SiteForm
from portal.services.work import request_rules as rules

PURPOSES = ("quote", "job")
PAGE_OF = {"quote": Page.QUOTES, "job": Page.JOBS}
FIRST_NUMBER = {"quote": 10001, "job": 20001}
JOB_NEW_STATUS = "Job : New Service"

ASSET_RESULTS = 20
MAX_SEARCH = 100
MAX_SITES = 500


class RequestError(Exception):
    """The form cannot be saved; ``field_errors`` maps a field to the message shown beside it."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in field_errors.items()))
        self.field_errors = field_errors


@dataclass(frozen=True)
class PendingRef:
    """An upload the form holds: its pending key and the name it was given."""

    key: str
    name: str


@dataclass
class RequestForm:
    purpose: str  # "quote" or "job"
    site_id: Any = None
    contact_id: Any = None
    order_number: str = ""
    preferred_date: Any = None  # a date, "YYYY-MM-DD" or empty
    description: str = ""
    asset_ids: Sequence[Any] = ()
    items: Sequence[tuple[Any, Any]] = ()  # (optional item id, quantity)
    attachments: Sequence[PendingRef] = ()
    # Random per form instance: sending the same form again returns what the first send saved.
    submission_key: str = ""
    # The defect a quote is asked to fix (from Current Defects); the quote is recorded against it.
    defect_id: Any = None


@dataclass(frozen=True)
class SiteChoice:
    id: int
    name: str
    address: str


@dataclass(frozen=True)
class ContactChoice:
    id: int
    name: str


@dataclass(frozen=True)
class AssetHit:
    id: int
    number: str
    name: str
    location: str
    type_name: str
    detail: str


@dataclass(frozen=True)
class Prefill:
    site_id: int | None = None
    assets: list[AssetHit] = field(default_factory=list)
    defect_id: int | None = None
    description: str = ""  # for a defect: what to fix, so the customer need not type it


# --- cleaning what the browser sent -------------------------------------------------------------


def _int(value: Any) -> int | None:
    """A whole number from the browser, or None; one no database column could hold is None too."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -MAX_ID <= number <= MAX_ID else None


def _purpose(value: Any) -> str:
    if value not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    return str(value)


# --- what the form offers -----------------------------------------------------------------------


def site_choices(session: Session, scope: Scope) -> list[SiteChoice]:
    rows = session.exec(
        scoped(select(Site).where(Site.is_active), scope, Site).order_by(Site.name, Site.id).limit(MAX_SITES)
    ).all()
    return [SiteChoice(s.id, s.name, s.address) for s in rows if s.id is not None]


def visible_site(session: Session, scope: Scope, site_id: Any) -> Site | None:
    site = get(session, scope, Site, site_id)
    return site if site is not None and site.is_active else None


def contact_choices(session: Session, scope: Scope) -> list[ContactChoice]:
    """The customer's current contacts (people without a login too), the signed-in one included."""
    rows = session.exec(
        scoped(select(Contact), scope, Contact)
        .where(Contact.deactivated_at.is_(None))
        .order_by(Contact.first_name, Contact.last_name, Contact.id)
    ).all()
    return [
        ContactChoice(c.id, c.full_name or c.email or f"Contact {c.id}") for c in rows if c.id is not None
    ]


def customer_contact(session: Session, scope: Scope, contact_id: Any) -> Contact | None:
    cid = _int(contact_id)
    if cid is None:
        return None
    return session.exec(
        scoped(select(Contact), scope, Contact).where(Contact.id == cid, Contact.deactivated_at.is_(None))
    ).first()


def scripts_for(session: Session, purpose: str) -> list[DescriptionScript]:
    use = ScriptUse.QUOTE if _purpose(purpose) == "quote" else ScriptUse.JOB
    return list(
        session.exec(
            select(DescriptionScript)
            .where(DescriptionScript.is_active, DescriptionScript.use.in_([use, ScriptUse.BOTH]))
            .order_by(DescriptionScript.title, DescriptionScript.id)
        ).all()
    )


def script_body(session: Session, purpose: str, script_id: Any) -> str | None:
    sid = _int(script_id)
    found = next((s for s in scripts_for(session, purpose) if s.id == sid), None)
    return found.body if found else None


def append_script(description: str, body: str) -> str:
    """The description with a script added at its end, as its own paragraph."""
    current = (description or "").rstrip()
    return f"{current}\n\n{body}" if current else body


def offered_items(session: Session) -> list[OptionalItem]:
    """The price list's items customers may add (``offered``); the rest are the office's alone."""
    return list(
        session.exec(
            select(OptionalItem)
            .where(OptionalItem.is_active, OptionalItem.offered)
            .order_by(OptionalItem.name, OptionalItem.id)
        ).all()
    )


def offered_item(session: Session, item_id: Any) -> OptionalItem | None:
    iid = _int(item_id)
    if iid is None:
        return None
    return session.exec(
        select(OptionalItem).where(OptionalItem.id == iid, OptionalItem.is_active, OptionalItem.offered)
    ).first()


def _asset_query(scope: Scope, site_id: int) -> Any:
    stmt = (
        select(Asset, AssetType.name)
        .join(AssetType, AssetType.id == Asset.asset_type_id)
        .where(Asset.site_id == site_id, Asset.status == AssetStatus.ACTIVE)
    )
    return scoped(stmt, scope, Asset)


def _hit(asset: Asset, type_name: str) -> AssetHit:
    assert asset.id is not None, "an asset read from the database"
    detail = " ".join(p for p in (asset.make, asset.model) if p)
    return AssetHit(asset.id, asset.number, asset.name, asset.location, type_name or "", detail)


def site_asset_count(session: Session, scope: Scope, site_id: Any) -> int:
    site = visible_site(session, scope, site_id)
    if site is None or site.id is None:
        return 0
    sub = _asset_query(scope, site.id).subquery()
    return session.scalar(select(func.count()).select_from(sub)) or 0


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_assets(
    session: Session, scope: Scope, site_id: Any, text: str, limit: int = ASSET_RESULTS
) -> list[AssetHit]:
    """Active assets at a visible site matching every word of ``text`` in some column, first ``limit``."""
    site = visible_site(session, scope, site_id)
    if site is None or site.id is None:
        return []
    stmt = _asset_query(scope, site.id)
    columns = (
        Asset.number,
        Asset.name,
        Asset.location,
        AssetType.name,
        Asset.make,
        Asset.model,
        Asset.serial,
        Asset.details,
    )
    for word in rules.one_line(text)[:MAX_SEARCH].split()[:6]:
        pattern = f"%{_escape_like(word)}%"
        stmt = stmt.where(or_(*(c.ilike(pattern, escape="\\") for c in columns)))
    rows = session.exec(stmt.order_by(Asset.number, Asset.id).limit(max(1, min(limit, ASSET_RESULTS)))).all()
    return [_hit(asset, type_name) for asset, type_name in rows]


def visible_asset(session: Session, scope: Scope, asset_id: Any, site_id: Any) -> AssetHit | None:
    """An active asset the scope can see, at the given site; None otherwise."""
    aid, sid = _int(asset_id), _int(site_id)
    if aid is None or sid is None:
        return None
    row = session.exec(_asset_query(scope, sid).where(Asset.id == aid)).first()
    return _hit(*row) if row else None


def prefill(
    session: Session, scope: Scope, site: Any = None, asset: Any = None, defect: Any = None
) -> Prefill:
    """Site and asset from the page address (from Assets or a defect); what the scope hides is ignored."""
    site_id: int | None = None
    asset_id: int | None = None
    found_defect = _open_defect(session, scope, defect)
    if found_defect is not None:
        site_id, asset_id = found_defect.site_id, found_defect.asset_id
    if site not in (None, "") and site_id is None:
        chosen = visible_site(session, scope, site)
        site_id = chosen.id if chosen else None
    if asset not in (None, "") and asset_id is None:
        row = get(session, scope, Asset, asset)
        if row is not None and (site_id is None or row.site_id == site_id):
            asset_id, site_id = row.id, row.site_id
    if site_id is not None and visible_site(session, scope, site_id) is None:
        return Prefill()
    hit = visible_asset(session, scope, asset_id, site_id) if asset_id is not None else None
    if found_defect is None:
        return Prefill(site_id, [hit] if hit else [])
    found_on = f"{found_defect.found_on.day} {found_defect.found_on:%b %Y}"
    label = f"{hit.number} {hit.name}".strip() if hit else "the asset"
    text = f"Please quote to rectify the defect found on {found_on} on {label}: {found_defect.description}"
    return Prefill(
        site_id, [hit] if hit else [], found_defect.id, rules.multi_line(text)[: rules.MAX_DESCRIPTION]
    )


def _open_defect(session: Session, scope: Scope, defect_id: Any) -> Defect | None:
    """A current (not rectified) defect the scope can see, by an id from the browser."""
    if defect_id in (None, ""):
        return None
    found = get(session, scope, Defect, defect_id)
    return found if found is not None and found.rectified_on is None else None


# --- Create New site ----------------------------------------------------------------------------


def create_site(session: Session, scope: Scope, form: SiteForm, now: datetime | None = None) -> Site:
    """Create New from the form: the Sites area's own Create New Site, open to a contact who may request
    quotes or book jobs, with the same checks, assignment and notice to the contractor."""
    try:
        return site_editing.create_site(
            session, scope, form, pages=(Page.QUOTES, Page.JOBS, Page.SITES), now=now
        )
    except SiteError as err:
        raise RequestError(err.field_errors) from err


# --- Submit -------------------------------------------------------------------------------------


@dataclass
class _Line:
    item: OptionalItem
    quantity: int

    @property
    def total(self) -> int:
        return self.item.unit_price_cents * self.quantity


@dataclass
class _Checked:
    purpose: str
    site: Site
    contact: Contact
    order_number: str
    preferred_date: date | None
    description: str
    assets: list[AssetHit]
    lines: list[_Line]
    files: list[uploads.PendingFile]
    defect: Defect | None = None


def _validate(session: Session, scope: Scope, form: RequestForm, today: date) -> _Checked:
    errors: dict[str, str] = {}

    site = visible_site(session, scope, form.site_id)
    if site is None:
        errors["site"] = rules.CHOOSE_SITE

    contact = customer_contact(session, scope, form.contact_id)
    if contact is None:
        errors["contact"] = rules.CHOOSE_CONTACT

    order_number = rules.one_line(form.order_number)
    if problem := rules.order_number_problem(order_number):
        errors["order_number"] = problem

    preferred, problem = rules.preferred_date(form.preferred_date, today)
    if problem:
        errors["preferred_date"] = problem

    description = rules.multi_line(form.description)
    if problem := rules.description_problem(description):
        errors["description"] = problem

    assets: list[AssetHit] = []
    asset_ids = list(dict.fromkeys(_int(a) for a in form.asset_ids))
    if problem := rules.assets_problem(len(asset_ids)):
        errors["assets"] = problem
    elif site is not None:
        for aid in asset_ids:
            hit = visible_asset(session, scope, aid, site.id)
            if hit is None:
                errors["assets"] = rules.ASSET_ELSEWHERE
                break
            assets.append(hit)

    items: dict[int, OptionalItem] = {}
    quantities: list[tuple[int, int]] = []
    if len(form.items) > rules.MAX_ITEM_LINES:  # before reading any: the list came from the browser
        errors["items"] = rules.TOO_MANY_ITEMS
    else:
        for raw_id, raw_quantity in form.items:
            item = offered_item(session, raw_id)
            if item is None or item.id is None:
                errors["items"] = rules.ITEM_GONE
                break
            items[item.id] = item
            quantities, problem = rules.add_item(quantities, item.id, _int(raw_quantity))
            if problem:
                errors["items"] = problem
                break
    lines = [_Line(items[item_id], quantity) for item_id, quantity in quantities]

    files: list[uploads.PendingFile] = []
    if problem := rules.files_problem(len(form.attachments)):
        errors["attachments"] = problem
    else:
        problems = []
        for ref in form.attachments:
            try:
                files.append(uploads.inspect_pending(ref.key, ref.name))
            except uploads.UploadRefused as refused:
                problems.append(f"{refused.name}: {refused.message}")
        if problems:
            errors["attachments"] = " ".join(problems)

    if errors:
        raise RequestError(errors)
    assert site is not None and contact is not None  # errors would have been raised
    # A defect is only recorded against a quote for its own site (the customer may have changed site).
    defect = _open_defect(session, scope, form.defect_id) if form.purpose == "quote" else None
    if defect is not None and defect.site_id != site.id:
        defect = None
    return _Checked(
        form.purpose,
        site,
        contact,
        order_number,
        preferred,
        description,
        assets,
        lines,
        files,
        defect,
    )


def _mail_body(
    session: Session,
    scope: Scope,
    c: _Checked,
    record: Quote | Job,
    attachments: list[Attachment],
    contractor: Contractor,
) -> tuple[str, str]:
    customer = session.get(Customer, record.customer_id)
    requester = session.get(Contact, scope.contact_id)
    what = "Quote request" if c.purpose == "quote" else "Job booking"

    def money(cents: int) -> str:
        return format_money(cents, contractor.currency)

    subject = f"{what} #{record.number} from {customer.name if customer else 'a customer'}: {c.site.name}"
    lines = [
        f"{what} #{record.number} was made in the customer portal.",
        "",
        f"Customer: {customer.name if customer else record.customer_id}",
        f"Site: {c.site.name}" + (f", {c.site.address}" if c.site.address else ""),
        f"Contact: {c.contact.full_name}" + (f" <{c.contact.email}>" if c.contact.email else ""),
        f"Requested by: {requester.full_name if requester else scope.contact_id}",
        f"Order number: {c.order_number or '-'}",
        f"Preferred date: {c.preferred_date.isoformat() if c.preferred_date else '-'}",
        "",
        "Description:",
        c.description,
    ]
    if c.assets:
        lines += ["", "Assets:"] + [
            f"- {a.number} {a.type_name} {a.name} {a.location}".rstrip() for a in c.assets
        ]
    if c.lines:
        lines += ["", "Optional items:"] + [
            f"- {line.quantity} x {line.item.name} at {money(line.item.unit_price_cents)} = "
            f"{money(line.total)}"
            for line in c.lines
        ]
        lines.append(
            f"Total: {money(record.subtotal_cents)} plus {contractor.tax_name} {money(record.tax_cents)}"
        )
    if attachments:
        lines += ["", "Attachments:"] + [f"- {a.name} ({a.size_bytes:,} bytes)" for a in attachments]
    return subject, "\n".join(lines) + "\n"


def _save(
    session: Session, scope: Scope, c: _Checked, today: date, stamp: datetime, submission_key: str
) -> Quote | Job:
    contractor = tenant.contractor(session)
    subtotal, tax, total = tenant.totals(session, (line.total for line in c.lines))
    common: dict[str, Any] = {
        "customer_id": customer_of(scope),
        "site_id": c.site.id,
        "contact_id": c.contact.id,
        "requested_by_contact_id": scope.contact_id,
        "order_number": c.order_number,
        "description": c.description,
        "requested_on": today,
        "preferred_date": c.preferred_date,
        "subtotal_cents": subtotal,
        "tax_cents": tax,
        "total_cents": total,
        "created_at": stamp,
    }
    record: Quote | Job
    if c.purpose == "quote":
        record = Quote(
            number=tenant.next_number(session, Quote.number, FIRST_NUMBER["quote"]),
            stage=QuoteStage.OUTSTANDING,
            **common,
        )
    else:
        record = Job(
            number=tenant.next_number(session, Job.number, FIRST_NUMBER["job"]),
            stage=JobStage.PENDING,
            status_text=JOB_NEW_STATUS,
            **common,
        )
    session.add(record)
    session.flush()
    assert record.id is not None, "flushed above"
    if c.defect is not None:
        c.defect.quote_id = record.id
        session.add(c.defect)

    for asset in c.assets:
        session.add(
            QuoteAsset(quote_id=record.id, asset_id=asset.id)
            if c.purpose == "quote"
            else JobAsset(job_id=record.id, asset_id=asset.id)
        )
    item_model = QuoteItem if c.purpose == "quote" else JobItem
    owner_key = "quote_id" if c.purpose == "quote" else "job_id"
    for n, line in enumerate(c.lines, start=1):
        session.add(
            item_model(
                **{owner_key: record.id},
                optional_item_id=line.item.id,
                kind=line.item.kind,
                description=line.item.name[:500],
                quantity=line.quantity,
                unit_price_cents=line.item.unit_price_cents,
                total_cents=line.total,
                sort_order=n,
            )
        )
    session.flush()

    attachments: list[Attachment] = []
    try:
        attachments = uploads.attach(
            session,
            c.files,
            customer_id=record.customer_id,
            owner_type=AttachmentOwner.QUOTE if c.purpose == "quote" else AttachmentOwner.JOB,
            owner_id=record.id,
            contact_id=scope.contact_id,
        )
        kind = "quote.requested" if c.purpose == "quote" else "job.booked"
        payload = {
            f"{c.purpose}_id": record.id,
            "number": record.number,
            "customer_id": record.customer_id,
            "site_id": c.site.id,
            "contact_id": c.contact.id,
            "requested_by_contact_id": scope.contact_id,
            "order_number": c.order_number,
            "preferred_date": c.preferred_date.isoformat() if c.preferred_date else None,
            "requested_on": today.isoformat(),
            "description": c.description,
            "asset_ids": [a.id for a in c.assets],
            "items": [
                {
                    "optional_item_id": line.item.id,
                    "description": line.item.name,
                    "quantity": line.quantity,
                    "unit_price_cents": line.item.unit_price_cents,
                    "total_cents": line.total,
                }
                for line in c.lines
            ],
            "subtotal_cents": subtotal,
            "tax_cents": tax,
            "total_cents": subtotal + tax,
            "attachment_ids": [a.id for a in attachments],
            "defect_id": c.defect.id if c.defect is not None else None,
            "submission_key": submission_key,
        }
        events.integration(session, kind, record.customer_id, payload, at=stamp)
        subject, body = _mail_body(session, scope, c, record, attachments, contractor)
        mail.to_office(session, subject, body, kind, f"#{record.number}")
        session.flush()
    except BaseException:
        uploads.remove_stored(attachments)
        raise
    return record


def _submission_key(value: Any) -> str:
    text = str(value or "").strip()
    return text if len(text) <= 64 and text.isalnum() else ""


def _already_submitted(session: Session, scope: Scope, purpose: str, key: str) -> Quote | Job | None:
    """What this form instance already saved, found by the key in its integration event.

    There is no column for the key, so this is a safety net behind the form's own guard rather than
    a constraint: two sends of one form are serialised by the form's state, and the second finds
    the first here.
    """
    kind = "quote.requested" if purpose == "quote" else "job.booked"
    payload = session.exec(
        scoped(select(IntegrationEvent.payload), scope, IntegrationEvent)
        .where(
            IntegrationEvent.kind == kind,
            IntegrationEvent.payload["submission_key"].as_string() == key,
        )
        .limit(1)
    ).first()
    if not payload:
        return None
    model: type[Quote] | type[Job] = Quote if purpose == "quote" else Job
    return get(session, scope, model, payload.get(f"{purpose}_id"))


def submit_request(
    session: Session, scope: Scope, form: RequestForm, today: date, now: datetime | None = None
) -> Quote | Job:
    """Save a quote request or a job booking with everything on it, or raise :class:`RequestError`.

    Every id in ``form`` is loaded through ``scope``; prices come from the optional items' rows and
    files from pending storage, re-checked. Nothing is written when anything is wrong.
    """
    _purpose(form.purpose)
    scope.require(PAGE_OF[form.purpose])
    key = _submission_key(form.submission_key)
    if key and (earlier := _already_submitted(session, scope, form.purpose, key)) is not None:
        return earlier
    checked = _validate(session, scope, form, today)
    stamp = now or clock.now()
    for attempt in range(3):
        try:
            with session.begin_nested():
                return _save(session, scope, checked, today, stamp, key)
        except IntegrityError:
            # Another request took the same number at the same moment; take the next one.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
