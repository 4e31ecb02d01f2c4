"""Login, forgotten password, invite (set up your login) and reset screens."""

from __future__ import annotations

import reflex as rx

from portal.components.forms import (
    auth_card,
    checking_link,
    field,
    form_error,
    link_refused,
    notice,
    password_rules,
)
from portal.components.shell import public_page
from portal.state.identity.login import ForgotState, LoginState, NewPasswordState, ResetState, SetupState
from portal.state.identity.password_form import PasswordForm
from portal.state.public import BrandState

_SAME_SCRIPT = (
    "(() => { const c = document.getElementById('confirm'); const p = document.getElementById('password');"
    " return !c || !p || c.value === '' || c.value === p.value; })()"
)


def password_inputs(state: type[PasswordForm]) -> rx.Component:
    """New password and its confirmation, with the live rule check.

    No ``maxlength``: browsers count UTF-16 units there, so a limit of 128 would silently cut a
    password of 128 emoji to 64 and save that; the server counts characters and says when it is
    too long. Whether both fields match is worked out in the page, so neither value is stored, and
    without ``rx.call_script`` (which Reflex runs through ``eval``).
    """
    check_same = state.set_matches(rx.Var(_SAME_SCRIPT, _var_type=bool))
    return rx.fragment(
        field(
            "Password",
            rx.input(
                id="password",
                name="password",
                type="password",
                auto_complete="new-password",
                required=True,
                on_change=[state.check_password, check_same],
                size="3",
            ),
            state.errors.get("password", ""),
            html_for="password",
        ),
        password_rules(state.rules, state.touched),
        field(
            "Confirm password",
            rx.input(
                id="confirm",
                name="confirm",
                type="password",
                auto_complete="new-password",
                required=True,
                on_change=check_same,
                size="3",
            ),
            rx.cond(state.matches, state.errors.get("confirm", ""), "Passwords do not match"),
            html_for="confirm",
        ),
    )


def link_form(
    state: type[NewPasswordState],
    intro: rx.Component,
    *fields: rx.Component,
    save: str = "Save and log in",
    new_link: str = "/forgot",
) -> rx.Component:
    """The invite and reset form, shown only once the link has been checked on the server.

    Until then the page says so: a form drawn before the check would offer an empty username
    (the browser then refuses to submit it) and would flash up even for an expired link.
    """
    form = rx.form(
        rx.vstack(
            intro,
            *fields,
            password_inputs(state),
            form_error(state.errors.get("form", "")),
            rx.button(
                save,
                type="submit",
                size="3",
                width="100%",
                loading=state.busy,
                id="save-password",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=state.submit,
        width="100%",
    )
    expired = link_refused(state.errors.get("token", ""), rx.link("Ask for a new link", href=new_link))
    return rx.cond(state.checked, rx.cond(state.token_ok, form, expired), checking_link())


@public_page("/login", "Log in", on_load=[BrandState.load, LoginState.load])
def login() -> rx.Component:
    return auth_card(
        notice(LoginState.notice),
        form_error(LoginState.error),
        rx.form(
            rx.vstack(
                field(
                    "Username",
                    rx.input(
                        id="username",
                        name="username",
                        auto_complete="username",
                        required=True,
                        auto_focus=True,
                        max_length=254,
                        size="3",
                    ),
                    html_for="username",
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
                rx.button(
                    "Login", type="submit", size="3", width="100%", loading=LoginState.busy, id="login"
                ),
                rx.link("I've forgotten my password", href="/forgot", size="2", id="forgot"),
                spacing="4",
                width="100%",
            ),
            on_submit=LoginState.submit,
            width="100%",
        ),
        title="Log in",
        company=BrandState.company,
    )


def reset_request_form(
    state, *, sent: str, intro: str, label: str, input_type: str, back: tuple[str, str]
) -> rx.Component:
    """The forgotten-password form and its neutral answer, for the portal's and the back office's
    pages (``state`` mixes in ``ResetRequestForm``); ``back`` is the sign-in page's label and address."""
    back_label, back_href = back
    return rx.cond(
        state.sent,
        rx.vstack(
            rx.callout(sent, icon="mail-check", color_scheme="green", id="reset-sent"),
            rx.link(back_label, href=back_href),
            spacing="3",
        ),
        rx.form(
            rx.vstack(
                rx.text(intro, size="2", color_scheme="gray"),
                field(
                    label,
                    rx.input(
                        id="username",
                        name="username",
                        type=input_type,
                        auto_complete="username",
                        required=True,
                        auto_focus=True,
                        max_length=254,
                        size="3",
                    ),
                    state.error,
                    html_for="username",
                ),
                rx.button(
                    "Send reset link",
                    type="submit",
                    size="3",
                    width="100%",
                    loading=state.busy,
                    id="send-reset",
                ),
                rx.link(back_label, href=back_href, size="2"),
                spacing="4",
                width="100%",
            ),
            on_submit=state.submit,
            width="100%",
        ),
    )


@public_page("/forgot", "Forgotten password", on_load=[BrandState.load, ForgotState.load])
def forgot() -> rx.Component:
    return auth_card(
        reset_request_form(
            ForgotState,
            sent="If that matches a login, we've sent an email with a link to reset the password. "
            "The link works for 30 minutes.",
            intro="Enter your username or email and we'll email you a link to set a new password.",
            label="Username or email",
            input_type="text",
            back=("Back to log in", "/login"),
        ),
        title="Forgotten password",
        company=BrandState.company,
    )


@public_page("/setup", "Set up your login", on_load=[BrandState.load, SetupState.load])
def setup() -> rx.Component:
    return auth_card(
        link_form(
            SetupState,
            rx.text(
                "Confirm or change your username, then choose a password.", size="2", color_scheme="gray"
            ),
            field(
                "Username",
                rx.input(
                    id="username",
                    name="username",
                    default_value=SetupState.username,
                    key=SetupState.username,
                    auto_complete="username",
                    required=True,
                    max_length=254,
                    size="3",
                ),
                SetupState.errors.get("username", ""),
                hint="By default this is your email address.",
                html_for="username",
            ),
        ),
        title="Set up your login",
        company=BrandState.company,
    )


@public_page("/reset", "Reset your password", on_load=[BrandState.load, ResetState.load])
def reset() -> rx.Component:
    return auth_card(
        link_form(
            ResetState,
            rx.text(f"Choose a new password for {ResetState.username}.", size="2", color_scheme="gray"),
        ),
        title="Reset your password",
        company=BrandState.company,
    )
