"""The state side of the office's customer picker (``components/customer_picker``).

The free invoice, the recurring invoice and the publish form each keep ``customer_query``,
``customer_choices`` and ``errors``; these helpers fill them the same way, so the search, its
message and the check that a chosen id was one offered live in one place. The handlers still ask
for the staff member themselves (each with its own duty) before calling them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from portal.core.principal import StaffMember
from portal.db import unit_of_work
from portal.services.customers.picker import Choice
from portal.state import arguments

NO_MATCH = "No customer matches that name."

Finder = Callable[[Session, StaffMember, Any], list[Choice]]


def search_customers(state: Any, staff: StaffMember, form: Any, find: Finder) -> None:
    """Run the typed search through ``find`` (the screen's service) and offer what it found."""
    state.customer_query = arguments.text(arguments.form(form).get("customer_query"), 100)
    with unit_of_work(read_only=True) as session:
        found = find(session, staff, state.customer_query)
    state.customer_choices = [{"id": str(c.id), "label": c.label} for c in found]
    state.errors = {} if found else {"customer": NO_MATCH}


def offered(choices: list[dict[str, str]], customer_id: Any) -> dict[str, str] | None:
    """The offered choice with that id, or None: the browser may only pick what it was shown."""
    wanted = arguments.text(customer_id, 20)
    return next((c for c in choices if c["id"] == wanted), None)
