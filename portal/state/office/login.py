"""The back office's sign-in: the password, then the authenticator app (set up at the first sign-in).

Between the two halves the staff member's id waits in a backend var for five minutes; the browser
holds nothing that says who has given a password. No raw token or secret is kept in state, except
what the person must read on the screen while setting up: the new secret (and its QR code) until
the app's first code is checked, then the ten recovery codes until "I have saved them". The cookie
itself is set by ``/auth/staff-session`` from a one-minute nonce, issued only for a checked code.
Passwords and codes travel only in the submitted form.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import reflex as rx

from portal.api.auth_routes import safe_next
from portal.core import clock, tenant
from portal.db import unit_of_work
from portal.models import Staff
from portal.services.identity import auth, mfa, passwords, staff
from portal.services.identity.auth import AuthError
from portal.services.identity.tokens import Hashed
from portal.state import arguments
from portal.state.identity.login import TRY_AGAIN, NewPasswordState, ResetRequestForm
from portal.state.session import leave_for

log = logging.getLogger(__name__)

PENDING = timedelta(minutes=5)
TOO_SLOW = "That took too long. Please sign in again."
PASSWORD, ENROL, CODES, CODE = "password", "enrol", "codes", "code"


def start_staff_session(nonce: str, next_path: str) -> rx.event.EventSpec:
    return leave_for(
        f"/auth/staff-session?nonce={quote(nonce)}&next={quote(safe_next(next_path, '/office'))}"
    )


def _password_half(email: str, password: str, ip: str) -> tuple[int, bool, str]:
    """The staff member whose password this is: ``(id, has an app, email)``. The hash runs between
    two short transactions; a failure is committed before it is raised."""
    with unit_of_work(read_only=True) as session:
        check = staff.begin_login(session, email, ip=ip)
    matches = auth.password_matches(check, password)
    failure: AuthError | None = None
    with unit_of_work() as session:
        try:
            row = staff.finish_login(session, check, matches, ip=ip)
        except AuthError as exc:
            failure = exc
        else:
            assert row.id is not None, "a staff member read from the database"
            return row.id, row.totp_enrolled_at is not None, row.email
    raise failure


def _issuer() -> str:
    with unit_of_work(read_only=True) as session:
        return tenant.contractor(session).company_name or "Back office"


def _committed(work):
    """Run ``work(session)`` in one unit of work that is committed also when it raises AuthError, so
    a refused code still counts towards the throttle."""
    failure: AuthError | None = None
    with unit_of_work() as session:
        try:
            return work(session)
        except AuthError as exc:
            failure = exc
    raise failure


class OfficeLoginState(rx.State):
    step: str = PASSWORD
    error: str = ""
    code_error: str = ""
    notice: str = ""
    busy: bool = False
    _staff_id: int = 0
    _until: float = 0.0
    _secret: str = ""
    _uri: str = ""
    _recovery: list[str] = []
    _factor_at: float = 0.0
    _factor_method: str = ""

    def _start_over(self, notice: str = "") -> None:
        self.step, self.error, self.code_error, self.busy, self.notice = PASSWORD, "", "", False, notice
        self._staff_id, self._until, self._secret, self._uri = 0, 0.0, "", ""
        self._recovery, self._factor_at, self._factor_method = [], 0.0, ""

    def _pending(self) -> int | None:
        """The half-signed-in staff member, while the five minutes last; else back to the password."""
        if self._staff_id and clock.now().timestamp() < self._until:
            return self._staff_id
        self._start_over(TOO_SLOW)
        return None

    def _next(self) -> str:
        return self.router.url.query_parameters.get("next", "")

    @rx.event
    def load(self):
        params = self.router.url.query_parameters
        if params.get("expired"):
            notice = "Your sign-in expired. Please sign in again."
        elif params.get("signed_out"):
            notice = "You have logged out."
        elif params.get("password_set"):
            notice = "Your password is set. Sign in with it."
        else:
            notice = ""
        self._start_over(notice)

    @rx.event
    def start_again(self):
        self._start_over()

    @rx.event
    async def submit_password(self, form: dict):
        if self.step != PASSWORD:
            return
        form = arguments.form(form)
        email = arguments.text(form.get("email"), 254)
        password = arguments.text(form.get("password"), passwords.MAX_LENGTH * 4)
        if not email.strip() or not password:
            self.error = "Enter your email address and password."
            return
        self.busy, self.error, self.notice = True, "", ""
        yield
        try:
            staff_id, enrolled, address = await asyncio.to_thread(
                _password_half, email, password, self.router.session.client_ip
            )
            issuer = "" if enrolled else await asyncio.to_thread(_issuer)
        except AuthError as exc:
            self.busy, self.error = False, exc.field_errors.get("form", auth.LOGIN_FAILED)
            return
        except Exception:
            log.exception("office sign-in failed")
            self.busy, self.error = False, TRY_AGAIN
            return
        self._staff_id, self._until = staff_id, (clock.now() + PENDING).timestamp()
        self.busy, self.code_error = False, ""
        if enrolled:
            self.step = CODE
            return
        self._secret = mfa.new_secret()
        self._uri = mfa.otpauth_uri(self._secret, address, issuer)
        self.step = ENROL

    @rx.var
    def secret(self) -> str:
        """The new secret, typed out, only while it is being set up."""
        return mfa.grouped(self._secret) if self.step == ENROL and self._secret else ""

    @rx.var
    def qr_code(self) -> str:
        return mfa.qr_data_uri(self._uri) if self.step == ENROL and self._uri else ""

    @rx.var
    def recovery_codes(self) -> list[str]:
        """Shown once, right after the app is set up."""
        return list(self._recovery) if self.step == CODES else []

    async def _check(self, work) -> object:
        """Run a code check in a worker thread; the error goes beside the code field."""
        try:
            return await asyncio.to_thread(_committed, work)
        except AuthError as exc:
            self.code_error = exc.field_errors.get("code", "")
            self.error = exc.field_errors.get("form", "")
        except Exception:
            log.exception("office code check failed")
            self.error = TRY_AGAIN
        return None

    @rx.event
    async def submit_enrolment(self, form: dict):
        staff_id = self._pending()
        if staff_id is None or self.step != ENROL:
            return
        code = arguments.text(arguments.form(form).get("code"), 40)
        if not code.strip():
            self.code_error = "Enter the 6-digit code from the app."
            return
        self.busy, self.code_error, self.error = True, "", ""
        yield
        secret, ip = self._secret, self.router.session.client_ip
        enrolled = await self._check(lambda session: mfa.enrol(session, staff_id, secret, code, ip=ip))
        self.busy = False
        if not isinstance(enrolled, mfa.Enrolled):
            return
        self._secret, self._uri = "", ""
        self._recovery = list(enrolled.recovery_codes)
        self._factor_at, self._factor_method = enrolled.factor.at.timestamp(), enrolled.factor.method
        self.step = CODES

    @rx.event
    async def codes_saved(self):
        """ "I have saved them": the recovery codes leave the state and the session starts."""
        staff_id = self._pending()
        if staff_id is None or self.step != CODES or not self._factor_at:
            return
        factor = mfa.SecondFactor(staff_id, self._factor_method, datetime.fromtimestamp(self._factor_at, UTC))
        self._recovery = []
        async for update in self._sign_in(factor):
            yield update

    @rx.event
    async def submit_code(self, form: dict):
        staff_id = self._pending()
        if staff_id is None or self.step != CODE:
            return
        code = arguments.text(arguments.form(form).get("code"), 40)
        if not code.strip():
            self.code_error = "Enter the code from your authenticator app, or a recovery code."
            return
        self.busy, self.code_error, self.error = True, "", ""
        yield
        ip = self.router.session.client_ip
        factor = await self._check(lambda session: mfa.verify(session, staff_id, code, ip=ip))
        self.busy = False
        if isinstance(factor, mfa.SecondFactor):
            async for update in self._sign_in(factor):
                yield update

    async def _sign_in(self, factor: mfa.SecondFactor):
        self.busy = True
        yield
        try:
            nonce = await asyncio.to_thread(_nonce, factor)
        except AuthError as exc:
            self._start_over(exc.field_errors.get("form", TOO_SLOW))
            return
        except Exception:
            log.exception("office session nonce failed")
            self.busy, self.error = False, TRY_AGAIN
            return
        next_path = self._next()
        self._start_over()
        yield start_staff_session(nonce, next_path)


def _nonce(factor: mfa.SecondFactor) -> str:
    with unit_of_work() as session:
        return staff.issue_login_nonce(session, factor)


class OfficeForgotState(ResetRequestForm, rx.State):
    @rx.event
    def load(self):
        self._clear()

    @rx.event
    async def submit(self, form: dict):
        async for update in self._ask(form, _request_reset, "Enter your email address."):
            yield update


def _request_reset(who: str, ip: str) -> None:
    with unit_of_work() as session:
        staff.request_reset(session, who, ip=ip)


def _office_password_saved() -> rx.event.EventSpec:
    """A new staff password does not sign in: the app's code is still to come."""
    return leave_for("/office/login?password_set=1")


class OfficeSetupState(NewPasswordState):
    name: str = ""

    @rx.event
    def load(self):
        row = self._check_link(staff.setup_details)
        self.username = row.email if row else ""
        self.name = row.name if row else ""

    def _saved(self, nonce: str):
        return _office_password_saved()

    @rx.event
    async def submit(self, form: dict):
        form = arguments.form(form)
        async for update in self._save(
            _accept_setup, form.get("name"), form.get("password"), form.get("confirm")
        ):
            yield update


def _accept_setup(token: Hashed | None, name: str, password: str, confirm: str) -> str:
    with unit_of_work() as session:
        row: Staff = staff.accept_setup(session, token, name, password, confirm)
        return row.email


class OfficeResetState(NewPasswordState):
    @rx.event
    def load(self):
        row = self._check_link(staff.reset_details)
        self.username = row.email if row else ""

    def _saved(self, nonce: str):
        return _office_password_saved()

    @rx.event
    async def submit(self, form: dict):
        form = arguments.form(form)
        async for update in self._save(_reset_password, form.get("password"), form.get("confirm")):
            yield update


def _reset_password(token: Hashed | None, password: str, confirm: str) -> str:
    with unit_of_work() as session:
        return staff.reset_password(session, token, password, confirm).email
