"""Preferences: the signed-in contact's own details and password."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal.core.principal import DASHBOARD
from portal.db import unit_of_work
from portal.models import Contact
from portal.services.identity import auth
from portal.services.identity.auth import AuthError
from portal.state import arguments
from portal.state.identity.login import start_session_script
from portal.state.identity.password_form import PasswordForm
from portal.state.session import SessionState


class PreferencesState(PasswordForm, SessionState):
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    position: str = ""
    username: str = ""
    changed: bool = False

    @rx.event
    def load(self):
        scope = self._scope(DASHBOARD)
        if scope is None:
            return
        with unit_of_work() as session:
            contact = session.get(Contact, scope.contact_id)
        if contact is None:
            return
        self.first_name, self.last_name = contact.first_name, contact.last_name
        self.email, self.phone, self.mobile = contact.email, contact.phone, contact.mobile
        self.position, self.username = contact.position, contact.username or ""
        self._reset_form()
        self.changed = bool(self.router.url.query_parameters.get("changed"))

    @rx.event
    async def change_password(self, form: dict):
        scope = self._scope(DASHBOARD)
        if scope is None:
            return
        self.busy, self.errors = True, {}
        yield
        form = arguments.form(form)
        try:
            nonce = await asyncio.to_thread(
                _change_password,
                scope.contact_id,
                *(arguments.text(form.get(name), None) for name in ("current", "password", "confirm")),
                self.router.session.client_ip,
            )
        except AuthError as exc:
            self.busy, self.errors = False, dict(exc.field_errors)
            return
        yield start_session_script(nonce, "/preferences?changed=1")


def _change_password(contact_id: int, current: str, new: str, confirm: str, ip: str) -> str:
    """A new login nonce; a wrong current password is committed as a failed attempt before raising."""
    failure: AuthError | None = None
    with unit_of_work() as session:
        try:
            auth.change_password(session, contact_id, current, new, confirm, ip=ip)
        except AuthError as exc:
            failure = exc
        else:
            return auth.issue_login_nonce(session, contact_id)
    raise failure
