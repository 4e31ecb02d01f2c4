"""The page an email-change link opens: it shows the new address and changes it on one click.

The click, not the visit, uses the link up: mail scanners that open every link would otherwise
confirm an address nobody looked at. Only the login that asked may click it, signed in: whoever
reads a mistyped inbox has the link but not the password. Signed out, the page sends the contact to
the login screen and back (the link's cookie lasts an hour). The token reaches this state only as a
digest, from the HttpOnly cookie the link's redirect set (portal/api/credentials.py), and so does
the session id.
"""

from __future__ import annotations

import reflex as rx

from portal.api.credentials import LINK_DIGEST, hashed_cookie
from portal.db import unit_of_work
from portal.services.identity import profile
from portal.services.identity.profile import ProfileError
from portal.services.identity.tokens import Hashed
from portal.state.session import session_id

PAGE = "/preferences/confirm-email"
LOGIN_TO_CONFIRM = f"/login?next={PAGE}"


class ConfirmEmailState(rx.State):
    checked: bool = False  # the link has been looked up
    token_ok: bool = False
    new_email: str = ""
    done: bool = False
    error: str = ""  # why this browser cannot confirm (signed out, another login), or why it failed
    needs_login: bool = False

    def _token(self) -> Hashed | None:
        return hashed_cookie(self.router.headers.cookie, LINK_DIGEST)

    @rx.event
    def load(self):
        token = self._token()
        with unit_of_work() as session:  # resolving the sign-in may end an idle session
            link = profile.email_link(session, token, session_id(self.router.headers)) if token else None
        self.new_email = link.new_email if link else ""
        self.error = link.problem if link else ""
        self.needs_login = link is not None and not link.signed_in
        self.token_ok, self.checked, self.done = link is not None, True, False

    @rx.event
    def confirm(self):
        if not self.token_ok or self.done:
            return
        try:
            with unit_of_work() as session:
                profile.confirm_email(
                    session,
                    self._token(),
                    session_id(self.router.headers),
                    ip=self.router.session.client_ip,
                )
        except ProfileError as exc:
            self.error = next(iter(exc.field_errors.values()), profile.LINK_EXPIRED)
            self.needs_login = self.error == profile.SIGN_IN_TO_CONFIRM
            self.token_ok = "form" in exc.field_errors
            return
        self.error, self.done = "", True
