"""``make bench``'s statement counter, loaded into the served portal's processes by ``PYTHONPATH``.

Why a sitecustomize: the bench measures what idle customers cost the database in the real server
(its own processes, started by ``reflex run``), so the count must be taken inside them, for SQLite
as for PostgreSQL, without a line of it in the portal. Every process started with
``PORTAL_BENCH_PROBE=<folder>`` counts the statements SQLAlchemy sends (any engine) and writes the
total to ``<folder>/statements-<pid>`` twice a second; ``tests/bench_live.py`` sums the files.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

_FOLDER = os.environ.get("PORTAL_BENCH_PROBE", "")
_count = 0


def _counted(*_args: object) -> None:
    global _count
    _count += 1


def _write_forever(folder: Path) -> None:
    stop = threading.Event()
    while not stop.wait(0.5):
        target = folder / f"statements-{os.getpid()}"
        target.with_suffix(".tmp").write_text(str(_count))
        target.with_suffix(".tmp").replace(target)


def _start_writer() -> None:
    threading.Thread(target=_write_forever, args=(Path(_FOLDER),), daemon=True).start()


if _FOLDER:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    Path(_FOLDER).mkdir(parents=True, exist_ok=True)
    event.listen(Engine, "before_cursor_execute", _counted)
    _start_writer()
    os.register_at_fork(after_in_child=_start_writer)
