"""Form pieces: a labelled field with its error beside it, and the password rule checklist."""

from __future__ import annotations

import reflex as rx

from portal.services.identity.passwords import RULES
from portal.state.public import BrandState


def field(
    label: str, control: rx.Component, error: rx.Var | str = "", hint: str = "", html_for: str = ""
) -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=html_for),
        control,
        rx.cond(
            error != "", rx.text(error, size="1", color_scheme="red", role="alert", class_name="field-error")
        ),
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")) if hint else rx.fragment(),
        spacing="1",
        width="100%",
        align="stretch",
    )


def form_error(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(
            message, icon="triangle-alert", color_scheme="red", role="alert", id="form-error", width="100%"
        ),
    )


def notice(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="info", color_scheme="blue", id="notice", width="100%"),
    )


def password_rules(results: rx.Var, touched: rx.Var) -> rx.Component:
    """Each rule ticks as the user types; broken ones turn red once the field has been used."""
    return rx.el.ul(
        *[
            rx.el.li(
                rx.hstack(
                    rx.cond(
                        results[rule.key],
                        rx.icon("circle-check", size=14, color=rx.color("grass", 9)),
                        rx.icon(
                            "circle-x",
                            size=14,
                            color=rx.cond(touched, rx.color("red", 9), rx.color("gray", 8)),
                        ),
                    ),
                    rx.text(rule.label, size="1"),
                    spacing="1",
                    align="center",
                ),
                data_rule=rule.key,
                data_met=rx.cond(results[rule.key], "yes", "no"),
            )
            for rule in RULES
        ],
        class_name="password-rules",
        aria_live="polite",
    )


def auth_card(
    *children: rx.Component, title: str, company: rx.Var, product: str = "Customer Portal"
) -> rx.Component:
    """The centred card the sign-in pages share (the customers' and the back office's), in the
    contractor's logo and accent (``BrandState``, loaded by each page; see ``services/settings/branding``)."""
    return rx.theme(
        _auth_card(*children, title=title, company=company, product=product),
        accent_color=BrandState.radix,
        has_background=False,
    )


def brand_logo(size: str) -> rx.Component:
    """The contractor's uploaded logo, or the portal's own mark before one is uploaded; the company
    name is always written beside it, so the image is decorative."""
    return rx.cond(
        BrandState.logo_url != "",
        rx.image(
            src=BrandState.logo_url,
            alt="",
            height=size,
            max_width="160px",
            object_fit="contain",
            class_name="brand-logo",
        ),
        rx.image(src="/logo.svg", alt="", width=size, height=size),
    )


def _auth_card(*children: rx.Component, title: str, company: rx.Var, product: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.hstack(
                brand_logo("36px"),
                rx.text(company, weight="bold", size="4"),
                align="center",
                spacing="2",
            ),
            rx.card(
                rx.vstack(rx.heading(title, size="6", as_="h1"), *children, spacing="4", width="100%"),
                width="100%",
                padding="1.75em",
            ),
            rx.text(product, size="1", color_scheme="gray"),
            spacing="4",
            align="center",
            width="100%",
            max_width="420px",
        ),
        min_height="100vh",
        padding="1em",
        background_color=rx.color("gray", 2),
    )


def checking_link() -> rx.Component:
    """What a page behind an emailed link shows while the server checks the link."""
    return rx.hstack(
        rx.spinner(),
        rx.text("Checking your link…", size="2", color_scheme="gray"),
        id="checking-link",
        role="status",
        align="center",
        spacing="2",
    )


def link_refused(message: rx.Var, back: rx.Component) -> rx.Component:
    """An emailed link that cannot be used: the reason (or that it expired) and where to go instead."""
    return rx.vstack(
        rx.callout(
            rx.cond(message != "", message, "This link has expired or was already used."),
            icon="clock",
            color_scheme="amber",
            id="link-expired",
        ),
        back,
        spacing="3",
    )
