"""The live password checklist shared by the invite, reset and change-password forms.

Only the rule booleans are kept: the password itself never enters state, which Reflex persists.
A password over the length limit is said so beside the field as it is typed, counted in characters
as the server counts them (the input has no ``maxlength`` to cut it short).
"""

from __future__ import annotations

import reflex as rx

from portal.services.identity import passwords


class PasswordForm(rx.State, mixin=True):
    rules: dict[str, bool] = {rule.key: False for rule in passwords.RULES}
    touched: bool = False
    matches: bool = True
    errors: dict[str, str] = {}
    busy: bool = False

    @rx.event
    def check_password(self, value: str):
        value = str(value)
        self.rules = passwords.rule_results(value[: passwords.MAX_LENGTH * 4])
        self.touched = True
        self.errors = {k: v for k, v in self.errors.items() if k != "password"}
        if too_long := passwords.too_long(value):
            self.errors["password"] = f"Too long: use {too_long}."

    @rx.event
    def set_matches(self, same: bool):
        self.matches = bool(same)
        if same:
            self.errors = {k: v for k, v in self.errors.items() if k != "confirm"}

    def _reset_form(self) -> None:
        self.rules = {rule.key: False for rule in passwords.RULES}
        self.touched, self.matches, self.errors, self.busy = False, True, {}, False
