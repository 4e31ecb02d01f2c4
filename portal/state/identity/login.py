"""Sign-in, invite acceptance and password reset: the screens a contact sees before the dashboard.

Passwords never enter state (Reflex persists state): inputs are uncontrolled, the password
travels only in the submitted form, and the live rule check keeps just the booleans.
bcrypt runs in a worker thread so one slow hash never stalls other users' events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import quote

import reflex as rx

from portal.api.auth_routes import safe_next
from portal.api.credentials import LINK_DIGEST, hashed_cookie
from portal.db import unit_of_work
from portal.services.identity import auth, passwords
from portal.services.identity.auth import AuthError
from portal.services.identity.tokens import Hashed
from portal.state import arguments
from portal.state.identity.password_form import PasswordForm
from portal.state.session import leave_for

log = logging.getLogger(__name__)

RESET_SENT = (
    "If that matches a login, we've sent an email with a link to reset the password. "
    "The link works for 30 minutes."
)
# What a screen says when the server failed (never a spinner left turning, nor a traceback).
TRY_AGAIN = "Something went wrong on our side. Please try again."
# Unknown and known accounts answer in the same time: every request is padded to this.
RESET_ANSWER_SECONDS = 0.6


def start_session_script(nonce: str, next_path: str) -> rx.event.EventSpec:
    return leave_for(f"/auth/session?nonce={quote(nonce)}&next={quote(safe_next(next_path))}")


def _login(username: str, password: str, ip: str) -> str:
    """The one-time nonce for a correct login; failures are committed before raising.

    The password is hashed between two short transactions, never inside one (auth.LoginCheck).
    """
    with unit_of_work(read_only=True) as session:
        check = auth.begin_login(session, username, ip=ip)
    matches = auth.password_matches(check, password)
    failure: AuthError | None = None
    with unit_of_work() as session:
        try:
            contact = auth.finish_login(session, check, matches, ip=ip)
        except AuthError as exc:
            failure = exc
        else:
            return auth.issue_login_nonce(session, contact.id)
    raise failure


class LoginState(rx.State):
    error: str = ""
    notice: str = ""
    busy: bool = False

    @rx.event
    def load(self):
        params = self.router.url.query_parameters
        self.error = ""
        self.busy = False
        if params.get("expired"):
            self.notice = "Your sign-in link expired. Please log in again."
        elif params.get("signed_out"):
            self.notice = "You have logged out."
        elif params.get("password_set"):
            self.notice = "Your password is set. Log in with your new password."
        else:
            self.notice = ""

    @rx.event
    async def submit(self, form: dict):
        form = arguments.form(form)
        username = arguments.text(form.get("username"), 254)
        password = arguments.text(form.get("password"), passwords.MAX_LENGTH * 4)
        if not username.strip() or not password:
            self.error = "Enter your username and password."
            return
        self.busy, self.error, self.notice = True, "", ""
        yield
        try:
            nonce = await asyncio.to_thread(_login, username, password, self.router.session.client_ip)
        except AuthError as exc:
            self.busy = False
            self.error = exc.field_errors.get("form", "Username or password is incorrect.")
            return
        except Exception:
            log.exception("login failed")
            self.busy, self.error = False, TRY_AGAIN
            return
        yield start_session_script(nonce, self.router.url.query_parameters.get("next", ""))


class ResetRequestForm(rx.State, mixin=True):
    """A "forgotten password" form: the same answer, after the same time, whoever was asked about."""

    sent: bool = False
    error: str = ""
    busy: bool = False

    def _clear(self) -> None:
        self.sent, self.error, self.busy = False, "", False

    async def _ask(self, form: dict, request_reset, missing: str):
        """Run ``request_reset(who, ip)`` in a worker thread, padded to :data:`RESET_ANSWER_SECONDS`."""
        who = arguments.text(arguments.form(form).get("username"), 254).strip()
        if not who:
            self.error = missing
            return
        self.busy, self.error = True, ""
        yield
        started = time.monotonic()
        await asyncio.to_thread(request_reset, who, self.router.session.client_ip)
        await asyncio.sleep(max(0.0, RESET_ANSWER_SECONDS - (time.monotonic() - started)))
        self.busy, self.sent = False, True


class ForgotState(ResetRequestForm, rx.State):
    @rx.event
    def load(self):
        self._clear()

    @rx.event
    async def submit(self, form: dict):
        async for update in self._ask(form, _request_reset, "Enter your username or email address."):
            yield update


def _request_reset(who: str, ip: str) -> None:
    with unit_of_work() as session:
        auth.request_reset(session, who, ip=ip)


class NewPasswordState(PasswordForm, rx.State):
    """Shared by the invite (setup) and reset screens: both set a password from a link."""

    checked: bool = False  # the link has been looked up; the form waits for it
    token_ok: bool = False
    username: str = ""

    def _read_token(self) -> Hashed | None:
        """The link token's digest, from the HttpOnly cookie the link's redirect set
        (portal/api/credentials.py): neither the URL nor this state ever holds the raw token."""
        return hashed_cookie(self.router.headers.cookie, LINK_DIGEST)

    def _check_link(self, lookup):
        """Look the link's token up with ``lookup(session, token)``; the contact it is for, or None."""
        self._reset_form()
        token = self._read_token()
        with unit_of_work() as session:
            contact = lookup(session, token) if token else None
        self.token_ok, self.checked = contact is not None, True
        return contact

    def _saved(self, nonce: str):
        """Where a saved password leads: signed in, on to the dashboard."""
        return start_session_script(nonce, "/dashboard")

    async def _save(self, set_password, *fields):
        """Set the password through ``set_password(token, *fields)`` in a worker thread, then go on
        (:meth:`_saved`, given what ``set_password`` returned)."""
        if not self.token_ok:
            return
        self.busy, self.errors = True, {}
        yield
        try:
            nonce = await asyncio.to_thread(
                set_password, self._read_token(), *(arguments.text(f, None) for f in fields)
            )
        except AuthError as exc:
            self.busy, self.errors = False, dict(exc.field_errors)
            self.token_ok = "token" not in exc.field_errors
            return
        except Exception:
            log.exception("setting a password failed")
            self.busy, self.errors = False, {"form": TRY_AGAIN}
            return
        yield self._saved(nonce)


class SetupState(NewPasswordState):
    @rx.event
    def load(self):
        contact = self._check_link(auth.invite_details)
        self.username = (contact.username or contact.email).lower() if contact else ""

    @rx.event
    async def submit(self, form: dict):
        form = arguments.form(form)
        async for update in self._save(
            _accept_invite, form.get("username"), form.get("password"), form.get("confirm")
        ):
            yield update


def _accept_invite(token: Hashed | None, username: str, password: str, confirm: str) -> str:
    with unit_of_work() as session:
        contact = auth.accept_invite(session, token, username, password, confirm)
        return auth.issue_login_nonce(session, contact.id)


class ResetState(NewPasswordState):
    @rx.event
    def load(self):
        contact = self._check_link(auth.reset_details)
        self.username = contact.username or "" if contact else ""

    @rx.event
    async def submit(self, form: dict):
        form = arguments.form(form)
        async for update in self._save(_reset_password, form.get("password"), form.get("confirm")):
            yield update


def _reset_password(token: Hashed | None, password: str, confirm: str) -> str:
    with unit_of_work() as session:
        contact = auth.reset_password(session, token, password, confirm)
        return auth.issue_login_nonce(session, contact.id)
