"""View Tasks: tabs by status, search, sorts, the scope (limited contacts, other customers), detail, CSV."""

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from portal.core import exports
from portal.core.lists import PageRequest, UnknownTab
from portal.core.principal import AccessDenied
from portal.models import Page, Task, TaskNote, TaskPriority, TaskStatus
from portal.services.identity import principals
from portal.services.work import tasks
from tests.frozen import TODAY
from tests.unit import factories as f

_numbers = iter(range(700_000, 800_000))


def _scope(session, owner, **contact):
    return principals.scope_for(session, f.contact(session, owner, **contact).id)


def _task(session, customer, where=None, **fields) -> Task:
    fields.setdefault("subject", "Replace exit sign")
    fields.setdefault("due_on", TODAY + timedelta(days=7))
    row = Task(number=next(_numbers), customer_id=customer.id, site_id=where.id if where else None, **fields)
    session.add(row)
    session.flush()
    return row


def _note(session, task, at, status="", note="", author="Kylie Hart"):
    session.add(TaskNote(task_id=task.id, at=at, author=author, status=status, note=note))
    session.flush()


@pytest.fixture
def world(session):
    f.contractor(session)
    mine, theirs = f.customer(session, "Mine Pty Ltd"), f.customer(session, "Theirs Pty Ltd")
    a, b = f.site(session, mine, "Alpha House"), f.site(session, mine, "Bravo Tower")
    other = f.site(session, theirs, "Other Place")
    return SimpleNamespace(mine=mine, theirs=theirs, a=a, b=b, other=other, scope=_scope(session, mine))


def _list(session, scope, tab="all", **request):
    return tasks.list_tasks(session, scope, tab, PageRequest(**request), TODAY)


def _numbers_of(page):
    return [r.number for r in page.rows]


def _csv(session, scope, tab="all", **request):
    text = "".join(tasks.TASKS.csv(session, scope, tab, PageRequest(**request), TODAY))
    assert text.startswith(exports.BOM)
    return list(csv.reader(io.StringIO(text[1:], newline="")))


# Tabs.


def test_tabs_split_tasks_by_status_and_open_is_not_started_and_in_progress(session, world):
    new = _task(session, world.mine, world.a, status=TaskStatus.NOT_STARTED)
    going = _task(session, world.mine, world.a, status=TaskStatus.IN_PROGRESS)
    done = _task(session, world.mine, world.b, status=TaskStatus.COMPLETED)

    assert set(_numbers_of(_list(session, world.scope, "open"))) == {new.number, going.number}
    assert _numbers_of(_list(session, world.scope, "not_started")) == [new.number]
    assert _numbers_of(_list(session, world.scope, "in_progress")) == [going.number]
    assert _numbers_of(_list(session, world.scope, "completed")) == [done.number]
    assert set(_numbers_of(_list(session, world.scope, "all"))) == {new.number, going.number, done.number}
    with pytest.raises(UnknownTab):
        _list(session, world.scope, "deleted")


def test_a_row_reads_as_the_customer_names_things(session, world):
    job = f.job(session, world.a)
    quote = f.quote(session, world.a)
    late = _task(
        session,
        world.mine,
        world.a,
        job_id=job.id,
        quote_id=quote.id,
        priority=TaskPriority.HIGH,
        assigned_to="Kylie Hart",
        due_on=TODAY - timedelta(days=1),
    )
    whole = _task(session, world.mine, None, status=TaskStatus.COMPLETED, due_on=TODAY - timedelta(days=3))

    rows = {r.number: r for r in _list(session, world.scope).rows}
    assert rows[late.number].site_name == "Alpha House"
    assert (rows[late.number].job_number, rows[late.number].quote_number) == (job.number, quote.number)
    assert (rows[late.number].status, rows[late.number].priority) == ("Not started", "High")
    assert rows[late.number].assigned_to == "Kylie Hart"
    assert rows[late.number].overdue is True
    assert rows[whole.number].site_name == tasks.WHOLE_CUSTOMER
    assert rows[whole.number].overdue is False  # completed work is never overdue


# The scope.


def test_a_limited_contact_sees_its_sites_and_whole_customer_tasks_only(session, world):
    at_a = _task(session, world.mine, world.a)
    at_b = _task(session, world.mine, world.b)
    whole = _task(session, world.mine, None)
    _task(session, world.theirs, world.other)
    limited = _scope(session, world.mine, sites=[world.a])

    assert set(_numbers_of(_list(session, limited))) == {at_a.number, whole.number}
    assert tasks.task_detail(session, limited, at_b.id, TODAY) is None
    assert tasks.task_detail(session, limited, whole.id, TODAY) is not None
    rows = _csv(session, limited)
    assert {int(r[0]) for r in rows[1:]} == {at_a.number, whole.number}


def test_another_customers_tasks_are_never_seen(session, world):
    theirs = _task(session, world.theirs, world.other, subject="Their secret")
    theirs_whole = _task(session, world.theirs, None, subject="Their secret too")
    mine = _task(session, world.mine, world.a)

    assert _numbers_of(_list(session, world.scope)) == [mine.number]
    assert _list(session, world.scope, search="secret").total == 0
    for row_id in (theirs.id, theirs_whole.id, str(theirs.id), -1, 2**80, "1 OR 1=1", None, [theirs.id]):
        assert tasks.task_detail(session, world.scope, row_id, TODAY) is None


def test_a_related_job_or_quote_is_named_only_when_the_contact_may_see_it(session, world):
    job_b = f.job(session, world.b)
    whole = _task(session, world.mine, None, job_id=job_b.id)
    limited = _scope(session, world.mine, sites=[world.a])
    no_jobs = _scope(session, world.mine, pages=[Page.TASKS])

    assert _list(session, world.scope).rows[0].job_number == job_b.number
    assert _list(session, limited).rows[0].job_number is None
    assert _list(session, no_jobs).rows[0].job_number is None
    assert tasks.task_detail(session, limited, whole.id, TODAY).job_number is None
    assert tasks.task_detail(session, world.scope, whole.id, TODAY).job_number == job_b.number


def test_a_related_quote_is_named_only_when_the_contact_may_see_it(session, world):
    quote_b = f.quote(session, world.b)
    whole = _task(session, world.mine, None, quote_id=quote_b.id)
    limited = _scope(session, world.mine, sites=[world.a])
    no_quotes = _scope(session, world.mine, pages=[Page.TASKS])
    theirs = f.quote(session, world.other)
    mislinked = _task(session, world.mine, world.a, quote_id=theirs.id)  # another customer's quote

    rows = {r.number: r for r in _list(session, world.scope).rows}
    assert rows[whole.number].quote_number == quote_b.number
    assert rows[mislinked.number].quote_number is None
    assert {r.number: r.quote_number for r in _list(session, limited).rows}[whole.number] is None
    assert _list(session, no_quotes).rows[0].quote_number is None
    assert tasks.task_detail(session, limited, whole.id, TODAY).quote_number is None
    assert tasks.task_detail(session, no_quotes, whole.id, TODAY).quote_number is None
    assert tasks.task_detail(session, world.scope, whole.id, TODAY).quote_number == quote_b.number
    assert tasks.task_detail(session, world.scope, mislinked.id, TODAY).quote_number is None
    csv_rows = {row[0]: row for row in _csv(session, no_quotes)[1:]}
    assert csv_rows[str(whole.number)][_csv(session, no_quotes)[0].index("Quote No.")] == ""


def test_a_contact_without_the_tasks_page_is_refused(session, world):
    _task(session, world.mine, world.a)
    no_tasks = _scope(session, world.mine, pages=[Page.QUOTES])
    with pytest.raises(AccessDenied):
        _list(session, no_tasks)
    with pytest.raises(AccessDenied):
        _csv(session, no_tasks)
    with pytest.raises(AccessDenied):
        tasks.task_detail(session, no_tasks, 1, TODAY)


# Search and sorts.


def test_search_finds_subject_number_prefix_and_site_name_and_wildcards_match_themselves(session, world):
    sign = _task(session, world.mine, world.a, subject="Replace exit sign")
    pump = _task(session, world.mine, world.b, subject="Service the 100% duty pump")
    hydrant = _task(session, world.mine, world.b, subject="Check the hydrant")

    assert _numbers_of(_list(session, world.scope, search="EXIT")) == [sign.number]
    assert _numbers_of(_list(session, world.scope, search=str(pump.number))) == [pump.number]
    assert _numbers_of(_list(session, world.scope, search=str(pump.number)[:3])) != []
    assert set(_numbers_of(_list(session, world.scope, search="bravo"))) == {pump.number, hydrant.number}
    assert _numbers_of(_list(session, world.scope, search="100%")) == [pump.number]
    assert _list(session, world.scope, search="%").total == 1
    assert _list(session, world.scope, search="_").total == 0
    assert _list(session, world.scope, search="x" * 5000).total == 0


def test_sorts_by_priority_and_status_follow_their_working_order(session, world):
    low = _task(session, world.mine, world.a, priority=TaskPriority.LOW, status=TaskStatus.COMPLETED)
    high = _task(session, world.mine, world.a, priority=TaskPriority.HIGH, status=TaskStatus.NOT_STARTED)
    normal = _task(session, world.mine, world.a, priority=TaskPriority.NORMAL, status=TaskStatus.IN_PROGRESS)

    by_priority = _list(session, world.scope, sort="priority", descending=True)
    assert _numbers_of(by_priority) == [high.number, normal.number, low.number]
    by_status = _list(session, world.scope, sort="status", descending=False)
    assert _numbers_of(by_status) == [high.number, normal.number, low.number]
    by_due = _list(session, world.scope, sort="due", descending=False)
    assert len(by_due.rows) == 3
    unknown = _list(session, world.scope, sort="'; drop table task; --")
    assert _numbers_of(unknown) == [normal.number, high.number, low.number]  # newest number first


def test_tasks_without_a_due_date_sort_last_both_ways(session, world):
    undated = _task(session, world.mine, world.a, due_on=None)
    soon = _task(session, world.mine, world.a, due_on=TODAY)
    later = _task(session, world.mine, world.a, due_on=TODAY + timedelta(days=9))

    assert _numbers_of(_list(session, world.scope, sort="due", descending=False)) == [
        soon.number,
        later.number,
        undated.number,
    ]
    assert _numbers_of(_list(session, world.scope, sort="due", descending=True))[-1] == undated.number


def test_pages_hold_every_task_once(session, world):
    made = {_task(session, world.mine, world.a, subject=f"Task {n}").number for n in range(23)}
    seen = []
    for page in (1, 2, 3):
        seen += _numbers_of(_list(session, world.scope, page=page, size=10))
    assert sorted(seen) == sorted(made)
    assert _list(session, world.scope, page=99, size=10).page == 3


# One task.


def test_detail_has_the_description_and_the_history_newest_last(session, world):
    raised = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    task = _task(
        session,
        world.mine,
        world.a,
        description="Sign over door 3 flickers.\nCheck the battery.",
        status=TaskStatus.IN_PROGRESS,
    )
    _note(session, task, raised + timedelta(days=2), TaskStatus.IN_PROGRESS, "Started.", author="Ben Ortiz")
    _note(session, task, raised, TaskStatus.NOT_STARTED, "Task raised.")
    _note(session, task, raised + timedelta(days=3), "", "Parts ordered.")

    d = tasks.task_detail(session, world.scope, task.id, TODAY)
    assert d.description == "Sign over door 3 flickers.\nCheck the battery."
    assert d.site_name == "Alpha House" and "Brisbane" in d.site_address
    assert [h.note for h in d.history] == ["Task raised.", "Started.", "Parts ordered."]
    assert [h.status for h in d.history] == ["Not started", "In progress", ""]
    assert d.history[1].author == "Ben Ortiz"


def test_a_status_the_portal_does_not_know_reads_as_itself():
    assert tasks.status_label("on_hold") == "on_hold"
    assert tasks.priority_label("urgent") == "urgent"


# CSV.


def test_csv_has_every_matching_task_in_screen_order_and_escapes_formula_cells(session, world):
    job = f.job(session, world.a)
    risky = _task(
        session,
        world.mine,
        world.a,
        subject='=HYPERLINK("http://evil.example","x")',
        assigned_to="+61 7 3367 4100",
        job_id=job.id,
    )
    html = _task(session, world.mine, None, subject='<script>alert(1)</script>, "quoted"\nline two')

    rows = _csv(session, world.scope, sort="number", descending=False)
    assert rows[0] == [
        "Task No.",
        "Subject",
        "Site",
        "Job No.",
        "Quote No.",
        "Due",
        "Status",
        "Priority",
        "Assigned to",
        "Completed",
    ]
    assert [int(r[0]) for r in rows[1:]] == [risky.number, html.number]
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[1][8] == "'+61 7 3367 4100"
    assert rows[1][3] == str(job.number)
    assert rows[2][1] == '<script>alert(1)</script>, "quoted"\nline two'
    assert rows[2][2] == tasks.WHOLE_CUSTOMER
    assert len(_csv(session, world.scope, tab="completed")) == 1
