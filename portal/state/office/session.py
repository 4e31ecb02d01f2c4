"""Who is signed in to the back office, re-checked on every event from the staff cookie.

The staff cookie is not the customers' (``portal/config.py``): a customer's session resolves to no
staff member here, and a staff session to no customer on the portal's screens. Every handler of an
office screen calls :func:`office_staff` with the duty its command needs; the shell's
``guard`` only decides what the page shows.
"""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from portal.api.credentials import STAFF_DIGEST, hashed_cookie
from portal.core.principal import Duty, StaffMember
from portal.db import unit_of_work
from portal.services.identity.principals import signed_in_staff
from portal.services.identity.tokens import Hashed
from portal.services.messaging import inbox
from portal.state.session import leave_for

# What every signed-in staff member may open: the back office's home page.
ANY_STAFF = ""


def staff_session_id(headers) -> Hashed | None:
    """The staff session's digest from the Cookie header as the edge rewrote it."""
    return hashed_cookie(headers.cookie, STAFF_DIGEST)


def office_staff(state: rx.State, duty: Duty | str = ANY_STAFF) -> StaffMember | None:
    """The live staff member when it has ``duty`` (any signed-in staff for ``ANY_STAFF``); every
    office handler asks before it does anything.

    Read from the calling state's own router, so a handler needs no other state loaded (a state tree
    built on demand has none).
    """
    with unit_of_work() as session:
        staff = signed_in_staff(session, staff_session_id(state.router.headers))
    if staff is None or (duty != ANY_STAFF and not staff.has(duty)):
        return None
    return staff


class OfficeSession(rx.State):
    staff_name: str = ""
    role: str = ""
    duties: list[str] = []
    inbox_count: int = 0  # what customers sent that nobody has handled yet, shown in the menu
    # The duty whose check passed, or was refused; the shell shows content only when granted.
    granted: str = "-"
    denied: str = "-"

    def _count_inbox(self, staff: StaffMember) -> None:
        """The menu's Inbox count, for a role that reads the Inbox (one COUNT on its index)."""
        if not staff.has(Duty.READ_INBOX):
            self.inbox_count = 0
            return
        with unit_of_work(read_only=True) as session:
            self.inbox_count = inbox.unhandled_count(session, staff)

    @rx.event
    def guard(self, duty: str):
        """on_load of every office page: sign-in first, then the page's duty."""
        staff = office_staff(self)
        if staff is None:
            self.granted = self.denied = "-"
            target = quote(self.router.url.path.rstrip("/") or "/office")
            return leave_for(f"/office/login?next={target}")
        self.staff_name, self.role = staff.name, staff.role.value
        self.duties = sorted(d.value for d in Duty if staff.has(d))
        self._count_inbox(staff)
        if duty == ANY_STAFF or staff.has(duty):
            self.granted, self.denied = duty, "-"
        else:
            self.granted, self.denied = "-", duty
        return None
