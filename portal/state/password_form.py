"""The live password checklist shared by the invite, reset and change-password forms.

Only the rule booleans are kept: the password itself never enters state, which Reflex persists.
"""

from __future__ import annotations

import reflex as rx

from portal.services import passwords


class PasswordForm(rx.State, mixin=True):
    rules: dict[str, bool] = {rule.key: False for rule in passwords.RULES}
    touched: bool = False
    matches: bool = True
    errors: dict[str, str] = {}
    busy: bool = False

    @rx.event
    def check_password(self, value: str):
        self.rules = passwords.rule_results(str(value)[: passwords.MAX_LENGTH * 4])
        self.touched = True
        self.errors = {k: v for k, v in self.errors.items() if k != "password"}

    @rx.event
    def set_matches(self, same: bool):
        self.matches = bool(same)
        if same:
            self.errors = {k: v for k, v in self.errors.items() if k != "confirm"}

    def _reset_form(self) -> None:
        self.rules = {rule.key: False for rule in passwords.RULES}
        self.touched, self.matches, self.errors, self.busy = False, True, {}, False
