"""The live watcher: which audit events move a customer's revision, and what following costs."""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from datetime import timedelta

from portal.core import clock, events
from portal.core.principal import StaffMember
from portal.models import Role
from portal.services import live
from tests.unit import factories as f

STAFF = StaffMember(staff_id=7, name="Olive Office", role=Role.OFFICE)


def _watcher(session, poll_seconds: float = live.POLL_SECONDS) -> live.Watcher:
    watcher = live.Watcher(sessions=lambda: nullcontext(session), poll_seconds=poll_seconds)
    watcher.poll()  # the first poll only learns where the trail ends
    return watcher


def _two_customers(session):
    ours, theirs = f.customer(session, "Ours"), f.customer(session, "Theirs")
    return ours, theirs, f.quote(session, f.site(session, ours)), f.quote(session, f.site(session, theirs))


def test_a_staff_event_bumps_only_the_customer_it_names(session):
    ours, theirs, quote, _ = _two_customers(session)
    watcher = _watcher(session)

    events.audit(session, STAFF, "quote.priced", quote, customer_id=ours.id)

    assert watcher.poll() == {ours.id}
    assert watcher.revision(ours.id) == 1
    assert watcher.revision(theirs.id) == 0
    assert watcher.poll() == set(), "an event is counted once, though the look-back reads it again"
    assert watcher.revision(ours.id) == 1


def test_events_long_before_the_watcher_started_are_not_news(session):
    ours, _, quote, _ = _two_customers(session)
    events.audit(
        session, STAFF, "quote.priced", quote, customer_id=ours.id, at=clock.now() - timedelta(minutes=1)
    )

    watcher = _watcher(session)

    assert watcher.poll() == set()
    assert watcher.revision(ours.id) == 0


def test_a_change_just_before_the_watcher_started_still_wakes_the_screen(session):
    """A screen follows only once its page has loaded; what changed meanwhile must still reach it."""
    ours, theirs, quote, _ = _two_customers(session)
    events.audit(session, STAFF, "quote.priced", quote, customer_id=ours.id)

    watcher = live.Watcher(sessions=lambda: nullcontext(session))

    assert watcher.poll() == {ours.id}
    assert watcher.revision(ours.id) == 1 and watcher.revision(theirs.id) == 0
    assert watcher.poll() == set()


def test_a_customers_own_events_and_the_portals_do_not_bump(session):
    ours, _, quote, _ = _two_customers(session)
    dana = f.contact(session, ours)
    watcher = _watcher(session)

    events.audit(session, dana, "quote.accepted", quote)  # the customer's own: staff_id is NULL
    events.audit(session, None, "invoice.paid", ("invoice", 1), customer_id=ours.id)  # a webhook

    assert watcher.poll() == set()
    assert watcher.revision(ours.id) == 0


def test_a_staff_event_without_a_customer_bumps_nobody(session):
    watcher = _watcher(session)

    events.audit(session, STAFF, "settings.changed", ("contractor", 1))

    assert watcher.poll() == set()


def test_several_events_of_one_customer_in_one_poll_are_one_change(session):
    ours, theirs, quote, other = _two_customers(session)
    watcher = _watcher(session)

    events.audit(session, STAFF, "quote.priced", quote, customer_id=ours.id)
    events.audit(session, STAFF, "quote.sent", quote, customer_id=ours.id)
    events.audit(session, STAFF, "quote.priced", other, customer_id=theirs.id)

    assert watcher.poll() == {ours.id, theirs.id}
    assert (watcher.revision(ours.id), watcher.revision(theirs.id)) == (1, 1)


def test_a_late_commit_below_the_last_id_is_still_seen(session):
    """On PostgreSQL a lower id can commit after a higher one: the look-back window catches it."""
    ours, theirs, quote, other = _two_customers(session)
    watcher = _watcher(session)
    first = events.audit(session, STAFF, "quote.priced", other, customer_id=ours.id)
    first.id = (first.id or 0) + 10  # ids in between are taken by transactions not committed yet
    session.flush()
    assert watcher.poll() == {ours.id}

    late = events.audit(session, STAFF, "job.scheduled", quote, customer_id=theirs.id)
    late.id = first.id - 5
    session.flush()

    assert watcher.poll() == {theirs.id}
    assert watcher.revision(ours.id) == 1


def test_following_wakes_the_screens_of_that_customer_only(session):
    ours, theirs, quote, _ = _two_customers(session)
    watcher = _watcher(session, poll_seconds=0.01)

    async def scenario() -> tuple[bool, bool]:
        with watcher.feed("tab-a:quotes", ours.id) as mine, watcher.feed("tab-b:quotes", theirs.id) as other:
            events.audit(session, STAFF, "quote.priced", quote, customer_id=ours.id)
            woke = await watcher.changed(mine, timeout=2)
            other_woke = await watcher.changed(other, timeout=0.05)
            return woke, other_woke

    assert asyncio.run(scenario()) == (True, False)


def test_polling_costs_the_same_for_one_screen_or_a_hundred(session):
    """Idle screens wait on an in-memory event: the database is asked once a tick, whoever follows."""
    customers = [f.customer(session, f"Customer {i}") for i in range(3)]
    watcher = _watcher(session, poll_seconds=0.05)

    async def idle(screens: int) -> int:
        start = watcher.polls
        with_feeds = [watcher.feed(f"tab-{i}:dashboard", customers[i % 3].id) for i in range(screens)]
        feeds = [cm.__enter__() for cm in with_feeds]
        try:
            await asyncio.gather(*(watcher.changed(feed, timeout=0.5) for feed in feeds))
        finally:
            for cm in with_feeds:
                cm.__exit__(None, None, None)
        return watcher.polls - start

    one, hundred = asyncio.run(idle(1)), asyncio.run(idle(100))

    assert 5 <= one <= 14
    assert abs(hundred - one) <= 3, (one, hundred)


def test_the_poller_stops_when_nobody_follows(session):
    ours = f.customer(session)
    watcher = _watcher(session, poll_seconds=0.01)

    async def follow_then_leave() -> int:
        with watcher.feed("tab:dashboard", ours.id) as feed:
            await watcher.changed(feed, timeout=0.1)
        await asyncio.sleep(0.05)
        after_leaving = watcher.polls
        await asyncio.sleep(0.1)
        return watcher.polls - after_leaving

    assert asyncio.run(follow_then_leave()) == 0
    assert watcher.following == 0


def test_a_newer_feed_of_the_same_screen_closes_the_older(session):
    ours = f.customer(session)
    watcher = _watcher(session, poll_seconds=0.01)

    async def twice() -> tuple[bool, bool]:
        with watcher.feed("tab:quotes", ours.id) as first:
            waiting = asyncio.create_task(watcher.changed(first, timeout=5))
            await asyncio.sleep(0.02)
            with watcher.feed("tab:quotes", ours.id):
                woke = await waiting
            return woke, first.closed

    assert asyncio.run(twice()) == (False, True)
    assert watcher.following == 0


def test_the_back_offices_own_commands_move_the_customer_they_touch(session):
    """Not a hand-written event: pricing, sending and booking as the office reach the watcher."""
    from portal.services.work import pricing, scheduling
    from tests.frozen import TODAY

    f.contractor(session)
    ours, theirs, quote, _ = _two_customers(session)
    job = f.job(session, f.site(session, theirs))
    tech, _ = f.staff_member(session)
    watcher = _watcher(session)

    pricing.price_quote(session, STAFF, quote.id, [pricing.LineInput("labour", "Fit", 1, 9_000)], None, TODAY)
    assert watcher.poll() == {ours.id}
    pricing.send_quote(session, STAFF, quote.id, TODAY)
    scheduling.schedule(session, STAFF, job.id, TODAY, "08:00", "10:00", tech.id)
    assert watcher.poll() == {ours.id, theirs.id}
