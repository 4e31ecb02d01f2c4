"""Who is signed in, re-checked on every event from the HttpOnly cookie the websocket carries.

Nothing about the login is trusted from the client: each handler that returns data calls
:meth:`SessionState.scope`, which resolves the cookie to a live session and builds the scope
afresh, so a logout, password change or deactivation takes effect on the very next event.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import reflex as rx

from portal.api.credentials import SESSION_DIGEST, hashed_cookie
from portal.core import tenant
from portal.core.principal import DASHBOARD, Scope, ViewOnly, own_customer
from portal.db import refuse_writes, unit_of_work
from portal.models import Contact, Customer, Page
from portal.services.identity.principals import signed_in_scope
from portal.services.identity.tokens import Hashed


def leave_for(url: str) -> rx.event.EventSpec:
    """Full page load to ``url`` with a fresh Reflex client token.

    State is kept per browser tab under that token; dropping it at sign-in and sign-out means
    the next person in the same tab never sees, even for a moment, what the last one loaded.
    """
    return rx.call_script(
        f"window.sessionStorage.removeItem('token'); window.location.assign({json.dumps(url)})"
    )


def session_id(headers) -> Hashed | None:
    """The session's digest from the Cookie header as the edge rewrote it (portal/api/credentials.py)."""
    return hashed_cookie(headers.cookie, SESSION_DIGEST)


class SessionState(rx.State):
    contact_name: str = ""
    customer_name: str = ""
    company_name: str = ""
    pages: list[str] = []
    advanced: bool = False  # the contractor's portal tier shows the Advanced reports
    # The page key whose check passed, or was refused; the shell shows content only when granted.
    granted: str = ""
    denied: str = ""
    # Whether this tab's visitor is known to be signed in: the "page not found" screen shows the
    # shell then, and the branded sign-in frame otherwise; ``checked`` until the first answer.
    signed_in: bool = False
    checked: bool = False
    # "Dana Smith (Acme)" while a staff member views the portal as that contact (the banner), else "".
    viewing_as: str = ""

    def _resolve(self) -> Scope | None:
        """The live scope of this tab's cookie, and the event's writes refused when it is a staff
        member's read-only view (``db.refuse_writes`` says why there); set on every call, so the mark
        always follows the scope this event resolved."""
        with unit_of_work() as session:
            found = signed_in_scope(session, session_id(self.router.headers))
        refuse_writes(ViewOnly(found.viewed_as) if found is not None and found.read_only else None)
        return found

    def _scope(self, page: str = DASHBOARD) -> Scope | None:
        """The live scope when the signed-in contact may open ``page``; None otherwise."""
        found = self._resolve()
        if found is None or not found.can(page):
            return None
        return found

    def _load_names(self, scope: Scope) -> None:
        with unit_of_work() as session:
            contact = session.get(Contact, scope.contact_id)
            customer = session.get(Customer, own_customer(scope))
            company = tenant.contractor(session).company_name
        self.contact_name = contact.full_name if contact else ""
        self.customer_name = customer.name if customer else ""
        self.company_name = company or ""
        self.pages = [key.value for key in Page if scope.can(key)]
        self.advanced = scope.advanced
        self.viewing_as = scope.viewed_as if scope.read_only else ""

    @rx.event
    def guard(self, page: str):
        """on_load of every signed-in page: sign-in first, then the page's access."""
        found = self._resolve()
        self.checked, self.signed_in = True, found is not None
        if found is None:
            self.granted = self.denied = ""
            target = quote(self.router.url.path.rstrip("/") or "/dashboard")
            return leave_for(f"/login?next={target}")
        self._load_names(found)
        if found.can(page):
            self.granted, self.denied = page, ""
        else:
            self.granted, self.denied = "", page
        return None

    @rx.event
    def probe(self):
        """on_load of the "page not found" screen: who is signed in, without sending anyone away."""
        found = self._resolve()
        self.checked, self.signed_in = True, found is not None
        self.granted = self.denied = ""
        if found is not None:
            self._load_names(found)
