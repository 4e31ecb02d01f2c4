"""The Sites and Tasks lists of the large demo customer in the browser: page switch and search round trips.

Measured with the same machinery as the quotes and invoices lists (``tests/bench.py``'s
``_list_round_trips``): in-page timing of ``#next-page``/``#prev-page`` clicks taking turns with the
demo customer's (the in-run floor), then searches through ``#list-search``. Search words are chosen
from the data so that each search changes what the timer watches; otherwise its wait never ends.

``browser_figures`` is called once from ``tests/bench.py``'s ``browser_figures``; each list is
attempted on its own, so a list that fails (a screen not built yet) shows as one "failed" row.
"""

from __future__ import annotations

from tests.bench import FIRST_ROW, ListTrips, _attempt, _list_round_trips
from tests.bench_common import Row, large_scope, session

SITES_TAB = "all"  # a list without this tab opens on its first one
TASKS_TAB = "all"


def _search_steps(terms: tuple[str, ...], watch: str, read: str) -> list[dict]:
    return [
        {"act": "search", "target": "#list-search", "term": term, "watch": watch, "read": read}
        for term in terms
    ]


def sites_plan(database_url: str) -> tuple[str, str]:
    """Two whole site names of the large customer, neither of them the list's first row.

    The Sites list's search is its own screen's (name or address), so the figure reads the first
    row, which two different whole names always change, rather than a count that two words might
    share.
    """
    from sqlmodel import select

    from portal.models import Site

    with session(database_url) as db:
        scope = large_scope(db)
        names = db.exec(
            select(Site.name).where(Site.customer_id == scope.customer_id).order_by(Site.name, Site.id)
        ).all()
    if len(names) < 3 or len({names[0], names[len(names) // 2], names[-1]}) < 3:
        raise RuntimeError(f"the large customer has {len(names)} sites: no two names to search for")
    # Neither is the first name, the list's first row before any search: each search must change it.
    return names[-1], names[len(names) // 2]


def tasks_plan(database_url: str) -> tuple[int, tuple[str, str], tuple[int, int]]:
    """The large customer's task count on the tab, and two subject words whose search counts differ."""
    from portal.core import clock
    from portal.core.lists import PageRequest
    from portal.demo import catalog
    from portal.services.work.tasks import list_tasks

    today = clock.today()
    found: dict[int, str] = {}
    with session(database_url) as db:
        scope = large_scope(db)
        total = list_tasks(db, scope, TASKS_TAB, PageRequest(size=10), today).total
        words = dict.fromkeys(w for subject, _ in catalog.TASKS for w in subject.split() if len(w) > 4)
        for word in words:
            hits = list_tasks(db, scope, TASKS_TAB, PageRequest(search=word, size=10), today).total
            if 0 < hits < total and hits not in found:
                found[hits] = word
            if len(found) == 2:
                break
    if len(found) < 2:
        raise RuntimeError("no two task subject words give different search counts")
    (hits_a, word_a), (hits_b, word_b) = found.items()
    return total, (word_a, word_b), (hits_a, hits_b)


def sites_round_trips(browser, url: str, cookies: list, database_url: str) -> list[Row]:
    first, last = sites_plan(database_url)
    return _list_round_trips(
        browser,
        url,
        cookies,
        ListTrips(
            "sites",
            SITES_TAB,
            "large customer",
            _search_steps((first, last), "#list-table tbody", f"{FIRST_ROW}:first-child"),
            f'requestSubmit to first row changed + 1 frame, alternating site names "{first}" / "{last}"',
            floor_path="/quotes?tab=actioned",  # the demo customer has 5 sites: one page, no switch
        ),
    )


def tasks_round_trips(browser, url: str, cookies: list, database_url: str) -> list[Row]:
    total, terms, hits = tasks_plan(database_url)
    said = " / ".join(f'"{t}" ({n:,})' for t, n in zip(terms, hits, strict=True))
    return _list_round_trips(
        browser,
        url,
        cookies,
        ListTrips(
            "tasks",
            TASKS_TAB,
            f"large customer, {TASKS_TAB} tab, {total:,} tasks",
            _search_steps(terms, "#result-count", "#result-count"),
            f"requestSubmit to result count changed + 1 frame, alternating subject words {said}",
        ),
    )


def browser_figures(browser, url: str, cookies: list, database_url: str) -> list[Row]:
    """Both lists' rows, each list attempted on its own."""
    rows = _attempt("sites round trips", lambda: sites_round_trips(browser, url, cookies, database_url))
    return rows + _attempt(
        "tasks round trips", lambda: tasks_round_trips(browser, url, cookies, database_url)
    )
