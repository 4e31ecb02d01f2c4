"""The back office on the large demo data: the Inbox and the jobs board, each against a bare query.

``figures(database_url)`` runs in-process against a database seeded with
``portal seed --demo --size large`` (the large customer's years of requests and decisions are in the
Inbox, its jobs on the board) and returns (figure, value, detail) rows for ``make bench``. Each
figure comes with its in-run reference: the same table paged by a bare ``SELECT ... ORDER BY ...
LIMIT`` with its count, and the ratio between the two, so a slow machine moves both alike.
"""

from __future__ import annotations

import statistics

from tests.bench_common import Row, ms, session, spread, timed

RUNS = 20


def _staff():
    from portal.core.principal import Role, StaffMember

    return StaffMember(0, "Bench office", Role.OFFICE)


def _ratio(ours: list[float], reference: list[float]) -> str:
    return f"{statistics.median(ours) / statistics.median(reference):.1f}x the bare query"


def _bare_page(db, table, order, where=None) -> object:
    """One page of ``table`` and its count, with nothing joined or shaped: the floor of a list."""
    from sqlalchemy import func, select

    count = select(func.count()).select_from(table)
    page = select(table.c.id).order_by(*order).limit(25)
    if where is not None:
        count, page = count.where(where), page.where(where)
    return db.execute(count).scalar_one(), db.execute(page).all()


def figures(database_url: str) -> list[Row]:
    from portal.core import clock
    from portal.core.lists import PageRequest
    from portal.models import IntegrationEvent, Job, JobStage
    from portal.services.messaging import inbox
    from portal.services.work import office_jobs

    staff, today = _staff(), clock.today()
    events, jobs = IntegrationEvent.__table__, Job.__table__  # type: ignore[attr-defined]
    rows: list[Row] = []
    with session(database_url) as db:
        total = db.execute(events.select().with_only_columns(events.c.id).limit(1)).first()
        if total is None:
            return [("office inbox", "n/a", "the large demo has no inbox events: reseed it")]
        newest = (events.c.created_at.desc(), events.c.id.desc())
        ref = timed(lambda: _bare_page(db, events, newest, events.c.handled_at.is_(None)), RUNS)
        page = timed(lambda: inbox.list_inbox(db, staff, "new", PageRequest(size=25), today), RUNS)
        every = timed(lambda: inbox.list_inbox(db, staff, "all", PageRequest(size=25), today), RUNS)
        count = timed(lambda: inbox.unhandled_count(db, staff), RUNS)
        search = timed(
            lambda: inbox.list_inbox(db, staff, "all", PageRequest(size=25, search="sprinkler"), today), RUNS
        )
        found = inbox.list_inbox(db, staff, "all", PageRequest(size=25), today).total
        waiting = inbox.unhandled_count(db, staff)
        value, detail = spread(ref)
        rows.append(("office inbox, bare page + count (in-run reference)", value, detail))
        for name, samples in (
            (f"office inbox New tab page 1 ({waiting:,} waiting)", page),
            (f"office inbox All tab page 1 ({found:,} events)", every),
            ("office inbox search 'sprinkler' (payload text)", search),
            ("office menu's inbox count", count),
        ):
            value, detail = spread(samples)
            rows.append((name, value, f"{detail}; {_ratio(samples, ref)}"))

        by_date = (jobs.c.requested_on.desc(), jobs.c.id.desc())
        ref = timed(lambda: _bare_page(db, jobs, by_date, jobs.c.stage == JobStage.ARCHIVE), RUNS)
        board = timed(lambda: office_jobs.board(db, staff), RUNS)
        searched = timed(lambda: office_jobs.board(db, staff, "Level"), RUNS)
        week = timed(lambda: office_jobs.week_calendar(db, staff, today), RUNS)
        held = sum(column.total for column in office_jobs.board(db, staff))
        value, detail = spread(ref)
        rows.append(("jobs board, bare Archive page + count (in-run reference)", value, detail))
        for name, samples in (
            (f"jobs board, 5 columns of 20 ({held:,} jobs; 10 queries)", board),
            ("jobs board searched 'Level' (10 queries)", searched),
            ("jobs week calendar", week),
        ):
            value, detail = spread(samples)
            rows.append((name, value, f"{detail}; {_ratio(samples, ref)}"))
    rows.append(("office figures", "done", f"each p50 over {RUNS} runs; floor {ms(statistics.median(ref))}"))
    return rows
