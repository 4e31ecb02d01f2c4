"""The back office's sign-in screens: password, then the authenticator app; forgotten password,
reset and first setup from a mailed link. Public pages, with the back office's name on them."""

from __future__ import annotations

import reflex as rx

from portal.components.forms import auth_card, field, form_error, notice
from portal.components.office_shell import PRODUCT
from portal.components.shell import public_page
from portal.pages.identity.auth import link_form, reset_request_form
from portal.state.office.login import (
    CODE,
    CODES,
    ENROL,
    OfficeForgotState,
    OfficeLoginState,
    OfficeResetState,
    OfficeSetupState,
)
from portal.state.public import BrandState

S = OfficeLoginState


def _card(*children: rx.Component, title: str) -> rx.Component:
    return auth_card(*children, title=title, company=BrandState.company, product=PRODUCT)


def _submit(label: str, button_id: str) -> rx.Component:
    return rx.button(label, type="submit", size="3", width="100%", loading=S.busy, id=button_id)


def _code_input(label: str, hint: str = "") -> rx.Component:
    return field(
        label,
        rx.input(
            id="code",
            name="code",
            auto_complete="one-time-code",
            input_mode="text",
            required=True,
            auto_focus=True,
            max_length=40,
            size="3",
            spell_check=False,
            auto_capitalize="none",
        ),
        S.code_error,
        hint=hint,
        html_for="code",
    )


def _start_again() -> rx.Component:
    return rx.button(
        "Start again", variant="ghost", size="2", type="button", on_click=S.start_again, id="start-again"
    )


def _password_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            field(
                "Email",
                rx.input(
                    id="email",
                    name="email",
                    type="email",
                    auto_complete="username",
                    required=True,
                    auto_focus=True,
                    max_length=254,
                    size="3",
                ),
                html_for="email",
            ),
            field(
                "Password",
                rx.input(
                    id="password",
                    name="password",
                    type="password",
                    auto_complete="current-password",
                    required=True,
                    size="3",
                ),
                html_for="password",
            ),
            _submit("Continue", "office-login"),
            rx.link("I've forgotten my password", href="/office/forgot", size="2", id="forgot"),
            spacing="4",
            width="100%",
        ),
        on_submit=S.submit_password,
        width="100%",
    )


def _enrol_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(
                "Every sign-in to the back office asks for a code from an authenticator app. "
                "Scan this QR code with the app (Google Authenticator, Microsoft Authenticator, "
                "1Password…), or type the key below into it.",
                size="2",
            ),
            rx.center(
                rx.image(
                    src=S.qr_code,
                    alt="QR code for your authenticator app. The same key is typed out below.",
                    width="200px",
                    height="200px",
                    id="enrol-qr",
                ),
                width="100%",
            ),
            rx.vstack(
                rx.text("Key", size="2", weight="medium"),
                rx.code(S.secret, size="3", id="enrol-secret", style={"word_break": "break-all"}),
                rx.text("Time-based, 6 digits, every 30 seconds.", size="1", color_scheme="gray"),
                spacing="1",
                width="100%",
            ),
            _code_input("Code from the app", "The 6-digit code the app now shows for this login."),
            _submit("Confirm", "confirm-code"),
            _start_again(),
            spacing="4",
            width="100%",
        ),
        on_submit=S.submit_enrolment,
        width="100%",
    )


def _codes_step() -> rx.Component:
    return rx.vstack(
        rx.callout(
            "Your authenticator app is set up. If you lose your phone, sign in with one of these "
            "recovery codes instead. Each works once. Print them or keep them in a password "
            "manager: they are shown only now.",
            icon="key-round",
            color_scheme="green",
            width="100%",
        ),
        rx.el.ul(
            rx.foreach(
                S.recovery_codes,
                lambda code: rx.el.li(rx.code(code, size="3"), class_name="recovery-code"),
            ),
            id="recovery-codes",
            aria_label="Recovery codes",
            style={"columns": "2", "list_style": "none", "padding": "0", "margin": "0", "line_height": "2"},
        ),
        rx.button(
            "I have saved them",
            size="3",
            width="100%",
            loading=S.busy,
            on_click=S.codes_saved,
            id="codes-saved",
        ),
        spacing="4",
        width="100%",
    )


def _code_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("Enter the code your authenticator app shows for this login.", size="2"),
            _code_input(
                "Code",
                "6 digits from the app, or one of your recovery codes if you do not have your phone.",
            ),
            _submit("Sign in", "verify-code"),
            _start_again(),
            spacing="4",
            width="100%",
        ),
        on_submit=S.submit_code,
        width="100%",
    )


@public_page("/office/login", "Sign in", on_load=[BrandState.load, S.load], product=PRODUCT)
def office_login() -> rx.Component:
    return _card(
        notice(S.notice),
        form_error(S.error),
        rx.match(
            S.step,
            (ENROL, _enrol_step()),
            (CODES, _codes_step()),
            (CODE, _code_step()),
            _password_step(),
        ),
        title="Back office sign in",
    )


@public_page(
    "/office/forgot", "Forgotten password", on_load=[BrandState.load, OfficeForgotState.load], product=PRODUCT
)
def office_forgot() -> rx.Component:
    return _card(
        reset_request_form(
            OfficeForgotState,
            sent="If that is a back office login, we've sent an email with a link to reset the "
            "password. The link works for 30 minutes. Signing in will still ask for your "
            "authenticator app's code.",
            intro="Enter your email and we'll send you a link to set a new password.",
            label="Email",
            input_type="email",
            back=("Back to sign in", "/office/login"),
        ),
        title="Forgotten password",
    )


@public_page(
    "/office/setup", "Set up your login", on_load=[BrandState.load, OfficeSetupState.load], product=PRODUCT
)
def office_setup() -> rx.Component:
    state = OfficeSetupState
    return _card(
        link_form(
            state,
            rx.text(
                "Your login is ",
                rx.text.strong(state.username),
                ". Enter your name and choose a password.",
                size="2",
                color_scheme="gray",
            ),
            field(
                "Your name",
                rx.input(
                    id="name",
                    name="name",
                    default_value=state.name,
                    key=state.name,
                    auto_complete="name",
                    required=True,
                    max_length=200,
                    size="3",
                ),
                state.errors.get("name", ""),
                html_for="name",
            ),
            save="Save password",
            new_link="/office/login",
        ),
        title="Set up your back office login",
    )


@public_page(
    "/office/reset", "Reset your password", on_load=[BrandState.load, OfficeResetState.load], product=PRODUCT
)
def office_reset() -> rx.Component:
    state = OfficeResetState
    return _card(
        link_form(
            state,
            rx.text(f"Choose a new password for {state.username}.", size="2", color_scheme="gray"),
            save="Save password",
            new_link="/office/forgot",
        ),
        title="Reset your password",
    )
