"""Preferences: the contact's own details and a password change."""

from __future__ import annotations

import reflex as rx

from portal.components.forms import field, form_error
from portal.components.shell import template
from portal.core.principal import DASHBOARD
from portal.pages.identity.auth import password_inputs
from portal.state.identity.preferences import PreferencesState


def _detail(label: str, value: rx.Var) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label),
        rx.data_list.value(rx.cond(value != "", value, rx.text("—", color_scheme="gray"))),
    )


@template("/preferences", "Preferences", DASHBOARD, on_load=[PreferencesState.load])
def preferences() -> rx.Component:
    return rx.vstack(
        rx.heading("Preferences", size="6", as_="h1"),
        rx.cond(
            PreferencesState.changed,
            rx.callout(
                "Your password was changed. Other browsers signed in as you have been logged out.",
                icon="circle-check",
                color_scheme="green",
                id="password-changed",
            ),
        ),
        rx.grid(
            rx.card(
                rx.vstack(
                    rx.heading("Profile details", size="4", as_="h2"),
                    rx.data_list.root(
                        _detail("Name", PreferencesState.first_name + " " + PreferencesState.last_name),
                        _detail("Username", PreferencesState.username),
                        _detail("Email", PreferencesState.email),
                        _detail("Phone", PreferencesState.phone),
                        _detail("Mobile", PreferencesState.mobile),
                        _detail("Position", PreferencesState.position),
                    ),
                    rx.text("Your username cannot be changed here.", size="1", color_scheme="gray"),
                    spacing="4",
                ),
            ),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading("Change password", size="4", as_="h2"),
                        field(
                            "Current password",
                            rx.input(
                                id="current",
                                name="current",
                                type="password",
                                auto_complete="current-password",
                                required=True,
                                size="3",
                            ),
                            PreferencesState.errors.get("current", ""),
                            html_for="current",
                        ),
                        password_inputs(PreferencesState),
                        form_error(PreferencesState.errors.get("form", "")),
                        rx.button(
                            "Change password",
                            type="submit",
                            loading=PreferencesState.busy,
                            id="change-password",
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    on_submit=PreferencesState.change_password,
                    reset_on_submit=False,
                ),
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
