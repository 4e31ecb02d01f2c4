"""What the back office changed for which customer, so customers' open screens reload by themselves.

Why a watcher on the audit trail: every staff command writes an audit event naming its staff member
and the customer it touched (``core/events.py``), so the audit table already is the change feed; no
broker (Redis, LISTEN/NOTIFY) is needed and it reads the same on SQLite and PostgreSQL, with one
worker or several (each worker polls for its own clients).

Why one poller per process: a customer who leaves a list open for a day must cost nothing. The
poller asks the database one indexed question a second (the staff events after the last id seen)
while at least one screen follows, whatever the number of screens; each screen waits on an
in-memory revision of its customer and touches the database only when that revision moves.

Why a grace period at start: the poller stops when no screen follows, and a screen starts following
only after its page has loaded, so a change committed in between (the poller's first read only
learns where the trail ends) would wait for the next change. The first read therefore also counts
the staff events of the last ``START_GRACE`` seconds: at worst a screen reloads once for nothing.

Why a look-back window: on PostgreSQL ids come from a sequence when a row is inserted, not when it
is committed, so a transaction holding id 100 may commit after one holding id 101. Re-reading the
last ``LOOKBACK`` ids (and remembering which were seen) catches such a late commit; SQLite, whose
writers queue one at a time, never needs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.core import clock
from portal.db import unit_of_work
from portal.models import AuditEvent

LOG = logging.getLogger(__name__)
POLL_SECONDS = 1.0
LOOKBACK = 100  # ids re-read on every poll, for commits that land out of id order
START_GRACE = timedelta(seconds=10)  # a first read still counts events this recent
FOLLOW_SECONDS = 8 * 3600.0  # a screen left open longer reloads by hand; bounds a forgotten task

Sessions = Callable[[], AbstractContextManager[Session]]
Row = tuple[int, int | None, int | None, datetime]  # audit id, customer, staff member, when


def _read_only() -> AbstractContextManager[Session]:
    return unit_of_work(read_only=True)


@dataclass
class Feed:
    """One screen following one customer: it wakes when the customer's revision moves."""

    customer_id: int
    seen: int
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False  # superseded by a newer screen of the same client, or stopped


class Watcher:
    """The revisions of the customers the back office touched, read from the audit trail."""

    def __init__(self, sessions: Sessions = _read_only, poll_seconds: float = POLL_SECONDS) -> None:
        self._sessions = sessions
        self.poll_seconds = poll_seconds
        self._last: int | None = None  # the highest audit id read; None until the first poll
        self._seen: set[int] = set()  # ids inside the look-back window already counted
        self._revisions: dict[int, int] = {}
        self._feeds: dict[str, Feed] = {}
        self._poller: asyncio.Task[None] | None = None
        self.polls = 0  # database questions asked, for the tests and the bench

    def revision(self, customer_id: int) -> int:
        return self._revisions.get(customer_id, 0)

    @property
    def following(self) -> int:
        return len(self._feeds)

    def poll(self) -> set[int]:
        """Read the new staff events once; bump and return the customers they touched."""
        return self._apply(*self._read())

    def _read(self) -> tuple[bool, list[Row]]:
        """Whether this is the first read, and the audit rows above the look-back floor: one
        indexed range on the primary key (the first read finds the end of the trail first). Runs
        in a worker thread, so it touches nothing the event loop's screens read."""
        self.polls += 1
        first = self._last is None
        with self._sessions() as session:
            last = int(session.exec(select(func.max(AuditEvent.id))).one() or 0) if first else self._last
            rows = session.exec(
                select(AuditEvent.id, AuditEvent.customer_id, AuditEvent.staff_id, AuditEvent.at)
                .where(col(AuditEvent.id) > max((last or 0) - LOOKBACK, 0))
                .order_by(col(AuditEvent.id))
            ).all()
        return first, [(int(i), customer, staff, at) for i, customer, staff, at in rows]

    def _apply(self, first: bool, rows: list[Row]) -> set[int]:
        """Bump the customers of the staff rows not seen before (on the first read, only those of the
        last ``START_GRACE``) and wake their screens."""
        recent = clock.now() - START_GRACE
        touched = {
            customer
            for event_id, customer, staff, at in rows
            if event_id not in self._seen
            and staff is not None
            and customer is not None
            and (not first or at >= recent)
        }
        # Every id above the floor is read again next time, so the window's ids are all to remember.
        self._seen = {event_id for event_id, _, _, _ in rows}
        self._last = max([self._last or 0, *self._seen])
        for customer in touched:
            self._revisions[customer] = self.revision(customer) + 1
        for feed in self._feeds.values():
            if feed.customer_id in touched:
                feed.wake.set()
        return touched

    @contextlib.contextmanager
    def feed(self, key: str, customer_id: int) -> Iterator[Feed]:
        """Follow ``customer_id`` for the screen ``key`` (a client and its state): a newer feed of
        the same key closes this one, so a client never runs two loops for one screen."""
        previous = self._feeds.get(key)
        if previous is not None:
            previous.closed = True
            previous.wake.set()
        mine = self._feeds[key] = Feed(customer_id, self.revision(customer_id))
        try:
            yield mine
        finally:
            mine.closed = True
            if self._feeds.get(key) is mine:
                del self._feeds[key]

    async def changed(self, feed: Feed, timeout: float) -> bool:
        """Wait until the feed's customer changed (True) or the feed closed or timed out (False)."""
        self._ensure_polling()
        if feed.seen == self.revision(feed.customer_id) and not feed.closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(feed.wake.wait(), timeout)
        feed.wake.clear()
        if feed.closed or feed.seen == self.revision(feed.customer_id):
            return False
        feed.seen = self.revision(feed.customer_id)
        return True

    def _ensure_polling(self) -> None:
        if self._poller is None or self._poller.done():
            self._poller = asyncio.get_running_loop().create_task(self._run(), name="portal-live-watcher")

    async def _run(self) -> None:
        """Poll while any screen follows; the next follower starts it again (from the newest id)."""
        while self._feeds:
            try:
                self._apply(*await asyncio.to_thread(self._read))
            except Exception:  # a database hiccup: the next tick asks again
                LOG.exception("live watcher: reading the audit trail failed")
            await asyncio.sleep(self.poll_seconds)
        self._last = None
        self._seen.clear()


WATCHER = Watcher()


@contextlib.asynccontextmanager
async def following(key: str, customer_id: int) -> AsyncIterator[Feed]:
    """The process's watcher, for the screen ``key`` of a client following ``customer_id``."""
    with WATCHER.feed(key, customer_id) as feed:
        yield feed
