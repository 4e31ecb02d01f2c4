"""Jobs: the five stage lists through the scope, one job's details, its invoices, its lifecycle, CSV."""

import csv
import io
import secrets
from datetime import UTC, date, datetime, timedelta
from itertools import count
from types import SimpleNamespace

import pytest
from sqlalchemy import event
from sqlmodel import select

from portal.core import clock, exports
from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied, Role, StaffMember
from portal.models import (
    Attachment,
    AttachmentOwner,
    Contractor,
    Invoice,
    InvoiceStatus,
    Job,
    JobAsset,
    JobItem,
    JobStage,
    QuoteAsset,
    QuoteDecision,
    QuoteStage,
)
from portal.services.identity import principals
from portal.services.work import jobs, quotes, scheduling
from tests.frozen import TODAY
from tests.unit import factories as f

# The contractor's office, which prices quotes and books, closes and bills jobs.
STAFF = StaffMember(1, "Office admin", Role.OWNER)

_invoice_numbers = count(7_000_000)


@pytest.fixture
def world(session):
    f.contractor(session)
    mine, theirs = f.customer(session, "Mine Pty Ltd"), f.customer(session, "Theirs Pty Ltd")
    a, b, c = (
        f.site(session, mine, "Alpha House"),
        f.site(session, mine, "Bravo Tower"),
        f.site(session, mine, "Charlie Mall"),
    )
    other = f.site(session, theirs, "Other Place")
    return SimpleNamespace(mine=mine, theirs=theirs, a=a, b=b, c=c, other=other, scope=_scope(session, mine))


def _scope(session, owner, **contact):
    return principals.scope_for(session, f.contact(session, owner, **contact).id)


def _ids(page):
    return [r.id for r in page.rows]


def _list(session, scope, tab="pending", **request):
    return jobs.list_jobs(session, scope, tab, PageRequest(**request), TODAY)


def _csv(session, scope, tab="pending", search="", sort="", descending=True):
    text = "".join(jobs.job_csv(session, scope, tab, search, sort, descending, TODAY))
    assert text.startswith(exports.BOM)
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def _invoice(session, job, total=1000, paid=0, status=None, due_on=TODAY + timedelta(days=10)):
    row = Invoice(
        number=next(_invoice_numbers),
        customer_id=job.customer_id,
        site_id=job.site_id,
        job_id=job.id,
        issued_on=TODAY - timedelta(days=20),
        due_on=due_on,
        total_cents=total,
        paid_cents=paid,
        status=status or (InvoiceStatus.PAID if paid >= total else InvoiceStatus.UNPAID),
    )
    session.add(row)
    session.flush()
    return row


# Lists.


def test_tabs_partition_the_jobs_and_show_the_status_as_the_spec_words_it(session, world):
    made = {stage: f.job_with(session, world.a, stage=stage) for stage in JobStage}
    expected = {
        "pending": "Job : New Service",
        "progress": "Job : In Progress",
        "complete": "Job : Complete",
        "invoiced": "Job : Invoiced",
        "archive": "Job : Archived",
    }
    assert tuple(expected) == jobs.JOB_TABS
    for tab, words in expected.items():
        page = _list(session, world.scope, tab)
        assert _ids(page) == [made[JobStage(tab)].id]
        assert page.rows[0].status_text == words


def test_unknown_tab_is_refused(session, world):
    with pytest.raises(ValueError):
        _list(session, world.scope, "all")
    with pytest.raises(ValueError):
        jobs.job_csv(session, world.scope, "all", "", "", True, TODAY)


def test_invoice_count_comes_from_the_same_query(session, world):
    busy = f.job_with(session, world.a, stage=JobStage.INVOICED)
    quiet = f.job_with(session, world.a, stage=JobStage.INVOICED)
    _invoice(session, busy)
    _invoice(session, busy, paid=1000)
    _invoice(session, busy, status=InvoiceStatus.VOID)
    for _ in range(20):
        f.job_with(session, world.b, stage=JobStage.INVOICED)
    statements = []
    conn = session.connection()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(conn, "before_cursor_execute", listener)
    try:
        page = _list(session, world.scope, "invoiced", size=50)
    finally:
        event.remove(conn, "before_cursor_execute", listener)
    counts = {r.id: r.invoice_count for r in page.rows}
    assert (counts[busy.id], counts[quiet.id], len(statements)) == (2, 0, 2)
    no_invoices = _scope(session, world.mine, pages=["jobs"])
    assert {r.invoice_count for r in _list(session, no_invoices, "invoiced", size=50).rows} == {0}


SORT_CASES = {
    "number": [{"number": 3001}, {"number": 3002}, {"number": 3003}],
    "site": [{"site": "a"}, {"site": "b"}, {"site": "c"}],
    "description": [{"description": "Alarm"}, {"description": "Bell"}, {"description": "Cable"}],
    "order": [{"order_number": "PO-1"}, {"order_number": "PO-2"}, {"order_number": "PO-3"}],
    "date": [
        {"requested_on": date(2026, 1, 1)},
        {"requested_on": date(2026, 2, 1)},
        {"requested_on": date(2026, 3, 1)},
    ],
    "scheduled": [
        {"scheduled_on": date(2026, 1, 5)},
        {"scheduled_on": date(2026, 1, 6)},
        {"scheduled_on": date(2026, 1, 7)},
    ],
    "status": [
        {"status_text": "Job : In Progress"},
        {"status_text": "Job : On Hold"},
        {"status_text": "Job : Waiting Parts"},
    ],
    "total": [{"total_cents": 5}, {"total_cents": 600}, {"total_cents": 70000}],
}


def test_every_sort_key_has_a_case():
    assert set(SORT_CASES) == set(jobs.JOB_SORTS)


@pytest.mark.parametrize("key", sorted(SORT_CASES))
def test_each_sort_key_orders_both_ways(session, world, key):
    made = {}
    for index in (1, 2, 0):
        fields = dict(SORT_CASES[key][index])
        where = getattr(world, fields.pop("site", "a"))
        made[index] = f.job_with(session, where, stage=JobStage.PROGRESS, **fields).id
    ascending = [made[0], made[1], made[2]]
    assert _ids(_list(session, world.scope, "progress", sort=key, descending=False)) == ascending
    assert _ids(_list(session, world.scope, "progress", sort=key, descending=True)) == ascending[::-1]


def test_unscheduled_jobs_sort_after_scheduled_ones(session, world):
    later = f.job_with(session, world.a, scheduled_on=date(2026, 12, 2))
    never = f.job_with(session, world.a)
    sooner = f.job_with(session, world.a, scheduled_on=date(2026, 12, 1))
    assert _ids(_list(session, world.scope, sort="scheduled", descending=False)) == [
        sooner.id,
        later.id,
        never.id,
    ]
    assert _ids(_list(session, world.scope, sort="scheduled", descending=True)) == [
        later.id,
        sooner.id,
        never.id,
    ]


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("2002", "number"),
        ("bravo", "site"),
        ("SPRINKLER", "description"),
        ("WO-55", "order"),
        ("10%", "percent"),
    ],
)
def test_search_by_number_site_description_and_order(session, world, text, hit):
    made = {
        "number": f.job_with(session, world.a, number=20021),
        "site": f.job_with(session, world.b, number=1),
        "description": f.job_with(session, world.a, number=2, description="Annual sprinkler test"),
        "order": f.job_with(session, world.c, number=3, order_number="wo-55"),
        "percent": f.job_with(session, world.a, number=4, description="Refund 10% of call-out"),
        "decoy": f.job_with(session, world.c, number=5, description="Refund 100 dollars"),
    }
    assert _ids(_list(session, world.scope, search=text)) == [made[hit].id]


# Scope.


def test_another_customers_jobs_are_never_listed_or_found(session, world):
    mine, theirs = f.job_with(session, world.a), f.job_with(session, world.other, number=88001)
    _invoice(session, theirs)
    assert _ids(_list(session, world.scope)) == [mine.id]
    assert _ids(_list(session, world.scope, search="88001")) == []
    assert jobs.job_detail(session, world.scope, theirs.id) is None
    assert jobs.job_invoices(session, world.scope, theirs.id) is None
    assert [r[0] for r in _csv(session, world.scope)[1:]] == [str(mine.number)]


def test_contact_limited_to_two_sites_sees_only_those(session, world):
    limited = _scope(session, world.mine, sites=[world.a, world.b])
    seen = {s.id: f.job_with(session, s, stage=JobStage.INVOICED) for s in (world.a, world.b, world.c)}
    hidden = seen[world.c.id]
    _invoice(session, hidden)
    page = _list(session, limited, "invoiced")
    assert sorted(_ids(page)) == sorted([seen[world.a.id].id, seen[world.b.id].id]) and page.total == 2
    assert jobs.job_detail(session, limited, hidden.id) is None
    assert jobs.job_invoices(session, limited, hidden.id) is None
    assert jobs.job_detail(session, limited, seen[world.a.id].id) is not None
    assert sorted(r[1] for r in _csv(session, limited, "invoiced")[1:]) == ["Alpha House", "Bravo Tower"]
    assert _list(session, world.scope, "invoiced").total == 3


def test_without_job_access_everything_is_refused(session, world):
    quotes_only = _scope(session, world.mine, pages=["quotes", "invoices"])
    j = f.job_with(session, world.a)
    for call in (
        lambda: _list(session, quotes_only),
        lambda: jobs.job_detail(session, quotes_only, j.id),
        lambda: jobs.job_invoices(session, quotes_only, j.id),
        lambda: jobs.job_csv(session, quotes_only, "pending", "", "", True, TODAY),
    ):
        with pytest.raises(AccessDenied):
            call()


@pytest.mark.parametrize("forged", ["", "abc", None, "1 OR 1=1", -1, 2**31, "9" * 30])
def test_forged_ids_find_nothing(session, world, forged):
    j = f.job_with(session, world.a)
    assert jobs.job_detail(session, world.scope, forged) is None
    assert jobs.job_invoices(session, world.scope, forged) is None
    assert jobs.job_detail(session, world.scope, j.id).id == j.id


# One job and its invoices.


def test_detail_has_site_people_dates_lines_totals_assets_and_files(session, world):
    person = f.contact(session, world.mine)
    j = f.job_with(
        session,
        world.b,
        stage=JobStage.PROGRESS,
        contact_id=person.id,
        order_number="WO-1",
        description="Full text\n" + "w" * 400,
        scheduled_on=TODAY,
        due_on=TODAY + timedelta(days=2),
        subtotal_cents=3000,
        tax_cents=300,
        total_cents=3300,
    )
    session.add(
        JobItem(job_id=j.id, description="Labour", quantity=2, unit_price_cents=1500, total_cents=3000)
    )
    unit = f.asset(session, world.b)
    session.add(JobAsset(job_id=j.id, asset_id=unit.id))
    for owner_type, customer in (
        (AttachmentOwner.JOB, world.mine),
        (AttachmentOwner.QUOTE, world.mine),
        (AttachmentOwner.JOB, world.theirs),
    ):
        session.add(
            Attachment(
                customer_id=customer.id,
                owner_type=owner_type,
                owner_id=j.id,
                name=f"{owner_type}.pdf",
                content_type="application/pdf",
                size_bytes=10,
                storage_key=secrets.token_hex(16),
            )
        )
    session.flush()
    d = jobs.job_detail(session, world.scope, str(j.id))
    assert (d.number, d.stage, d.status_text, d.site_name) == (
        j.number,
        "progress",
        "Job : In Progress",
        "Bravo Tower",
    )
    assert (d.contact_name, d.order_number, d.description) == ("Pat Lee", "WO-1", j.description)
    assert (d.scheduled_on, d.due_on, d.completed_on) == (TODAY, TODAY + timedelta(days=2), None)
    assert [(i.description, i.quantity, i.total_cents) for i in d.items] == [("Labour", 2, 3000)]
    assert (d.subtotal_cents, d.tax_cents, d.total_cents, d.tax_label) == (3000, 300, 3300, "GST 10%")
    assert [a.number for a in d.assets] == [unit.number]
    assert [a.name for a in d.attachments] == ["job.pdf"]


def test_job_invoices_with_paid_unpaid_and_overdue(session, world):
    j = f.job_with(session, world.a, stage=JobStage.INVOICED)
    paid = _invoice(session, j, total=1000, paid=1000)
    part = _invoice(session, j, total=5000, paid=1200)
    late = _invoice(session, j, total=700, due_on=TODAY - timedelta(days=1))
    _invoice(session, j, status=InvoiceStatus.VOID)
    found = jobs.job_invoices(session, world.scope, j.id, TODAY)
    assert [(i.id, i.status, i.balance_cents) for i in found] == [
        (paid.id, "Paid", 0),
        (part.id, "Unpaid", 3800),
        (late.id, "Overdue", 700),
    ]


def test_job_invoices_are_empty_without_invoice_access(session, world):
    j = f.job_with(session, world.a, stage=JobStage.INVOICED)
    _invoice(session, j)
    jobs_only = _scope(session, world.mine, pages=["jobs"])
    assert jobs.job_invoices(session, jobs_only, j.id, TODAY) == []
    assert len(jobs.job_invoices(session, world.scope, j.id, TODAY)) == 1


# Lifecycle.


def test_a_job_moves_through_every_stage(session, world):
    settings = session.exec(select(Contractor)).one()
    settings.payment_terms_days = 14
    session.add(settings)
    j = f.job_with(session, world.a, order_number="WO-9", description="Service exits")
    session.add_all(
        [
            JobItem(job_id=j.id, description="Sign", quantity=3, unit_price_cents=333),
            JobItem(job_id=j.id, description="Labour", quantity=1, unit_price_cents=6000),
        ]
    )
    for item in session.exec(select(JobItem).where(JobItem.job_id == j.id)).all():
        item.total_cents = item.quantity * item.unit_price_cents
    session.flush()
    f.job_with(session, world.a, stage=JobStage.ARCHIVE)
    _invoice(session, f.job_with(session, world.b, stage=JobStage.ARCHIVE))
    highest = session.exec(select(Invoice.number).order_by(Invoice.number.desc())).first()

    tech, _ = f.staff_member(session)
    scheduling.schedule(session, STAFF, j.id, TODAY + timedelta(days=3), "08:00", "10:00", tech.id)
    assert _ids(_list(session, world.scope, "progress")) == [j.id]
    row = _list(session, world.scope, "progress").rows[0]
    assert (row.status_text, row.scheduled_on) == ("Job : In Progress", TODAY + timedelta(days=3))

    jobs.complete_job(session, STAFF, j.id, TODAY + timedelta(days=3))
    assert (j.stage, j.status_text, j.completed_on) == (
        JobStage.COMPLETE,
        "Job : Complete",
        TODAY + timedelta(days=3),
    )

    invoice = jobs.invoice_job(session, STAFF, j.id, TODAY + timedelta(days=5))
    assert (invoice.number, invoice.job_id, invoice.site_id, invoice.order_number) == (
        highest + 1,
        j.id,
        world.a.id,
        "WO-9",
    )
    assert (invoice.subtotal_cents, invoice.tax_cents, invoice.total_cents) == (6999, 700, 7699)
    assert (j.total_cents, invoice.status, invoice.due_on) == (
        7699,
        InvoiceStatus.UNPAID,
        TODAY + timedelta(days=19),
    )
    assert _list(session, world.scope, "invoiced").rows[0].invoice_count == 1

    assert jobs.archive_paid_jobs(session) == 0
    invoice.paid_cents, invoice.status = invoice.total_cents, InvoiceStatus.PAID
    session.add(invoice)
    assert jobs.archive_paid_jobs(session) == 1
    assert (j.stage, j.status_text) == (JobStage.ARCHIVE, "Job : Archived")
    assert j.id in _ids(_list(session, world.scope, "archive"))


def test_invoice_uses_the_stored_total_when_there_is_one(session, world):
    j = f.job_with(
        session, world.a, stage=JobStage.COMPLETE, subtotal_cents=1000, tax_cents=100, total_cents=1100
    )
    session.add(JobItem(job_id=j.id, description="Ignored", quantity=1, unit_price_cents=5, total_cents=5))
    invoice = jobs.invoice_job(session, STAFF, j.id, TODAY)
    assert (invoice.total_cents, invoice.due_on, invoice.status) == (
        1100,
        TODAY + timedelta(days=30),
        InvoiceStatus.UNPAID,
    )


def test_a_job_with_nothing_to_charge_is_invoiced_as_paid(session, world):
    j = f.job_with(session, world.a, stage=JobStage.COMPLETE)
    invoice = jobs.invoice_job(session, STAFF, j.id, TODAY)
    assert (invoice.total_cents, invoice.status, invoice.paid_on) == (0, InvoiceStatus.PAID, TODAY)
    assert (j.stage, jobs.archive_paid_jobs(session)) == (JobStage.ARCHIVE, 0), "archived as it is invoiced"


@pytest.mark.parametrize(
    ("move", "refused_from"),
    [
        (
            lambda s, j: jobs.complete_job(s, STAFF, j, TODAY),
            (JobStage.PENDING, JobStage.COMPLETE, JobStage.INVOICED, JobStage.ARCHIVE),
        ),
        (
            lambda s, j: jobs.invoice_job(s, STAFF, j, TODAY),
            (JobStage.PENDING, JobStage.PROGRESS, JobStage.INVOICED, JobStage.ARCHIVE),
        ),
    ],
)
def test_a_move_from_the_wrong_stage_is_refused(session, world, move, refused_from):
    for stage in refused_from:
        j = f.job_with(session, world.a, stage=stage)
        with pytest.raises(ValueError):
            move(session, j.id)
        session.refresh(j)
        assert j.stage == stage
    assert session.exec(select(Invoice)).first() is None


def test_archive_only_when_every_invoice_is_paid(session, world):
    all_paid = f.job_with(session, world.a, stage=JobStage.INVOICED)
    _invoice(session, all_paid, paid=1000)
    _invoice(session, all_paid, paid=500, total=500)
    _invoice(session, all_paid, status=InvoiceStatus.VOID)
    half_paid = f.job_with(session, world.a, stage=JobStage.INVOICED)
    _invoice(session, half_paid, paid=1000)
    _invoice(session, half_paid, paid=999)
    no_invoice = f.job_with(session, world.a, stage=JobStage.INVOICED)
    only_void = f.job_with(session, world.a, stage=JobStage.INVOICED)
    _invoice(session, only_void, status=InvoiceStatus.VOID)
    complete = f.job_with(session, world.a, stage=JobStage.COMPLETE)
    _invoice(session, complete, paid=1000)
    assert jobs.archive_paid_jobs(session) == 1
    stages = {
        j.id: session.get(Job, j.id).stage for j in (all_paid, half_paid, no_invoice, only_void, complete)
    }
    assert stages == {
        all_paid.id: JobStage.ARCHIVE,
        half_paid.id: JobStage.INVOICED,
        no_invoice.id: JobStage.INVOICED,
        only_void.id: JobStage.INVOICED,
        complete.id: JobStage.COMPLETE,
    }
    assert all_paid.status_text == "Job : Archived"


def test_an_accepted_quote_becomes_a_pending_job(session, world):
    q = f.quote_with(
        session, world.b, order_number="PO-1", description="Replace 3 signs", preferred_date=TODAY
    )
    f.price_and_send(session, STAFF, q.id, [("Sign", 3, 333), ("Labour", 1, 5000)], TODAY)
    unit = f.asset(session, world.b)
    session.add(QuoteAsset(quote_id=q.id, asset_id=unit.id))
    with pytest.raises(ValueError):
        jobs.create_job_from_quote(session, STAFF, q.id, TODAY)
    quotes.accept_quote(session, world.scope, q.id, "Pat", "PO-2", TODAY)
    j = jobs.create_job_from_quote(session, STAFF, q.id, TODAY)
    assert (j.stage, j.status_text, j.site_id, j.quote_id, j.order_number) == (
        JobStage.PENDING,
        "Job : New Service",
        world.b.id,
        q.id,
        "PO-2",
    )
    assert (j.subtotal_cents, j.tax_cents, j.total_cents) == (q.subtotal_cents, q.tax_cents, q.total_cents)
    d = jobs.job_detail(session, world.scope, j.id)
    assert [(i.description, i.total_cents) for i in d.items] == [("Sign", 999), ("Labour", 5000)]
    assert [a.id for a in d.assets] == [unit.id] and d.quote_number == q.number
    with pytest.raises(ValueError):
        jobs.create_job_from_quote(session, STAFF, q.id, TODAY)
    declined = f.quote_with(session, world.b, stage=QuoteStage.ACTIONED, decision=QuoteDecision.DECLINED)
    with pytest.raises(ValueError):
        jobs.create_job_from_quote(session, STAFF, declined.id, TODAY)


def test_a_replayed_day_stamps_the_job_and_invoice_with_its_own_moment(session, world):
    q = f.quote_with(session, world.a)
    f.price_and_send(session, STAFF, q.id, [("Labour", 1, 5000)], TODAY)
    quotes.accept_quote(session, world.scope, q.id, "Pat", "", TODAY)
    then = datetime(2024, 5, 6, 23, 30, tzinfo=UTC)
    j = jobs.create_job_from_quote(session, STAFF, q.id, date(2024, 5, 7), then)
    tech, _ = f.staff_member(session)
    scheduling.schedule(session, STAFF, j.id, date(2024, 5, 8), "08:00", "10:00", tech.id)
    jobs.complete_job(session, STAFF, j.id, date(2024, 5, 8))
    invoice = jobs.invoice_job(session, STAFF, j.id, date(2024, 5, 9), then + timedelta(days=2))
    session.expire_all()
    assert session.get(Job, j.id).created_at == then
    assert session.get(Invoice, invoice.id).created_at == then + timedelta(days=2)
    other = f.job_with(
        session, world.a, stage=JobStage.COMPLETE, subtotal_cents=1000, tax_cents=100, total_cents=1100
    )
    before = clock.now()
    stamped = jobs.invoice_job(session, STAFF, other.id, TODAY).created_at
    assert before <= stamped <= clock.now(), "without a moment the clock stamps it"


# CSV.


def test_csv_has_every_row_and_escapes_text(session, world):
    for n in range(40):
        f.job_with(session, world.a, number=50000 + n, stage=JobStage.PROGRESS)
    f.job_with(
        session,
        world.a,
        number=1,
        stage=JobStage.PROGRESS,
        description='=HYPERLINK("x")',
        order_number="+61",
        scheduled_on=date(2026, 12, 1),
        total_cents=-250,
    )
    assert len(_list(session, world.scope, "progress", size=10).rows) == 10
    rows = _csv(session, world.scope, "progress", sort="number", descending=False)
    assert rows[0] == ["Job No.", "Site", "Description", "Order No.", "Date", "Status", "Scheduled", "Total"]
    assert len(rows) == 42
    assert rows[1] == [
        "1",
        "Alpha House",
        '\'=HYPERLINK("x")',
        "'+61",
        TODAY.isoformat(),
        "Job : In Progress",
        "2026-12-01",
        "-2.50",
    ]
    assert rows[2][6:] == ["", "0.00"]
