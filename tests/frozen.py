"""The test run's clock: every test sees the same day, whatever day the suite runs on.

``PORTAL_TEST_TODAY`` picks the day (``.ci/run`` also runs the suite on a 53-week PPM year's last
day, on the next New Year's Day and on a leap day). The clock starts at 01:00 UTC, which is 11:00
in Brisbane (the demo contractor's and the tests' zone), and then runs, so code that waits or
orders rows by time still sees time pass. A server started by the browser tests is shifted onto
the same moment (:func:`shift_seconds`).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time

import time_machine

TODAY = date.fromisoformat(os.environ.get("PORTAL_TEST_TODAY", "2026-11-23"))
MOMENT = datetime.combine(TODAY, time(1, 0), tzinfo=UTC)

_travel = time_machine.travel(MOMENT, tick=True)


def start() -> None:
    _travel.start()


def shift_seconds() -> float:
    """How far the test run's clock is from the real one, for a server that must agree with it."""
    from portal.core import clock

    return clock.now().timestamp() - time_machine.escape_hatch.time.time()
