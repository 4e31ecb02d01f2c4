"""What every benchmark module measures with, so their figures read and count the same way.

``tests/bench.py`` (``make bench``) and the per-screen modules it calls (bench_assets, bench_ppm,
bench_maintenance) all time the large demo customer in-process and report (figure, value, detail)
rows. Kept free of browser and server imports so a module that only opens a database stays light.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

LARGE_USER = "facilities@metro.example"

Row = tuple[str, str, str]  # figure, value, detail


def ms(seconds: float) -> str:
    """Whole milliseconds, with a decimal below 10 ms where the floors live."""
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def spread(samples: list[float]) -> tuple[str, str]:
    """Median as the value, p95 and the count as the detail (p95 of a few runs is near the max)."""
    return f"p50 {ms(statistics.median(samples))}", f"p95 {ms(p95(samples))}, n={len(samples)}"


def timed(call: Callable[[], object], runs: int) -> list[float]:
    """Seconds of each run after one untimed call: that call warms SQLite's page and statement caches,
    so the figure is the steady state a second visit would see."""
    call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def traced(call: Callable[[], T]) -> tuple[T, int]:
    """The call's result and its peak Python memory in bytes. A run of its own, never a timed one:
    tracemalloc slows allocation several-fold. SQLite's own buffers are not Python's, so not counted."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@contextmanager
def session(database_url: str) -> Iterator:
    """A session on an engine of its own, disposed after: each figure's connections are its own."""
    from sqlmodel import Session

    from portal.db import make_engine

    engine = make_engine(database_url)
    try:
        with Session(engine) as opened:
            yield opened
    finally:
        engine.dispose()


def large_scope(session):
    """The large customer's scope, as the portal builds it at sign-in, so figures go through access rules."""
    from sqlmodel import select

    from portal.models import Contact
    from portal.services.identity.principals import scope_for

    contact_id = session.exec(select(Contact.id).where(Contact.username == LARGE_USER)).one()
    scope = scope_for(session, contact_id)
    if scope is None:
        raise RuntimeError(f"{LARGE_USER} has no active scope")
    return scope
