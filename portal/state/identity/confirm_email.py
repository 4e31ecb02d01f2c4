"""The page an email-change link opens: it shows the new address and changes it on one click.

The click, not the visit, uses the link up: mail scanners that open every link would otherwise
confirm an address nobody looked at. The token reaches this state only as a digest, from the
HttpOnly cookie the link's redirect set (portal/api/credentials.py).
"""

from __future__ import annotations

import reflex as rx

from portal.api.credentials import LINK_DIGEST, hashed_cookie
from portal.db import unit_of_work
from portal.services.identity import profile
from portal.services.identity.profile import ProfileError
from portal.services.identity.tokens import Hashed


class ConfirmEmailState(rx.State):
    checked: bool = False  # the link has been looked up
    token_ok: bool = False
    new_email: str = ""
    done: bool = False
    error: str = ""

    def _token(self) -> Hashed | None:
        return hashed_cookie(self.router.headers.cookie, LINK_DIGEST)

    @rx.event
    def load(self):
        token = self._token()
        with unit_of_work(read_only=True) as session:
            address = profile.email_link_details(session, token) if token else None
        self.new_email = address or ""
        self.token_ok, self.checked, self.done, self.error = address is not None, True, False, ""

    @rx.event
    def confirm(self):
        if not self.token_ok or self.done:
            return
        try:
            with unit_of_work() as session:
                profile.confirm_email(session, self._token(), ip=self.router.session.client_ip)
        except ProfileError as exc:
            self.error = next(iter(exc.field_errors.values()), profile.LINK_EXPIRED)
            self.token_ok = False
            return
        self.done = True
