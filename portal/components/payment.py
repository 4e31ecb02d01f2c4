"""The Payments pop-up shared by Invoices and the Statement (card, confirm, receipt), and what opens it."""

from __future__ import annotations

import reflex as rx

from portal.components.forms import field, form_error
from portal.state.billing.payment import PaymentState as P


def invoice_tick(state, invoice: rx.Var) -> rx.Component:
    """Ticks an unpaid invoice to pay with others; ``state`` keeps the ticked ids in ``selected``."""
    return rx.checkbox(
        checked=state.selected.contains(invoice["id"]),
        on_change=lambda _checked: state.toggle(invoice["id"]),
        aria_label="Select invoice " + invoice["number"],
        data_select=invoice["number"],
    )


def pay_ticked_button(state, button_id: str) -> rx.Component:
    return rx.button(
        rx.icon("credit-card", size=16),
        "Pay Online",
        id=button_id,
        disabled=state.selected.length() == 0,
        on_click=P.start(state.selected),
    )


def _shown(step: str) -> dict:
    # Hidden, not removed: the card inputs must stay in the form for Continue to submit them.
    return {"display": rx.cond(P.step == step, "flex", "none")}


def _name_field() -> rx.Component:
    return field(
        "Name on Card",
        rx.input(name="name", id="card-name", auto_complete="cc-name", max_length=200, required=True),
        P.errors.get("name", ""),
        html_for="card-name",
    )


def hosted_card_box(publishable_key: rx.Var, script_url: rx.Var) -> rx.Component:
    """The box Stripe's card element is mounted into by assets/stripe_card.js, and where its complaints show.

    The card number is typed into Stripe's own frame: it is never part of this page's form.
    """
    return rx.vstack(
        rx.text("Card", as_="div", size="2", weight="medium"),
        rx.box(
            id="stripe-card",
            data_stripe_card="",
            data_key=publishable_key,
            data_js_url=script_url,
            width="100%",
            min_height="38px",
            padding="9px 10px",
            border_radius="var(--radius-2)",
            border=f"1px solid {rx.color('gray', 7)}",
            background=rx.color("gray", 1),
        ),
        rx.text("", id="stripe-card-error", role="alert", size="1", color=rx.color("red", 11)),
        rx.text(
            "Your card details go straight to Stripe, our payment processor; they never reach this portal.",
            size="1",
            color_scheme="gray",
        ),
        spacing="1",
        width="100%",
    )


def _hosted_card_fields() -> rx.Component:
    return rx.vstack(
        _name_field(),
        hosted_card_box(P.stripe_key, P.stripe_js),
        spacing="3",
        width="100%",
        **_shown("details"),
    )


def _card_fields() -> rx.Component:
    return rx.vstack(
        _name_field(),
        field(
            "Card Number",
            rx.input(
                rx.input.slot(
                    rx.cond(
                        P.brand != "", rx.badge(P.brand, variant="soft"), rx.icon("credit-card", size=16)
                    ),
                    side="right",
                ),
                name="number",
                id="card-number",
                auto_complete="cc-number",
                input_mode="numeric",
                max_length=23,
                required=True,
                on_change=P.check_number.debounce(150),
            ),
            rx.cond(P.errors.get("number", "") != "", P.errors.get("number", ""), ""),
            html_for="card-number",
        ),
        rx.hstack(
            field(
                "Expiry (MM/YY)",
                rx.input(
                    name="expiry",
                    id="card-expiry",
                    auto_complete="cc-exp",
                    placeholder="MM/YY",
                    max_length=7,
                    required=True,
                ),
                P.errors.get("expiry", ""),
                html_for="card-expiry",
            ),
            field(
                "CVV",
                rx.input(
                    name="cvv",
                    id="card-cvv",
                    auto_complete="cc-csc",
                    input_mode="numeric",
                    type="password",
                    max_length=4,
                    required=True,
                ),
                P.errors.get("cvv", ""),
                html_for="card-cvv",
            ),
            spacing="3",
            width="100%",
        ),
        rx.text(
            "Card details go straight to the payment processor; we never keep the number or CVV.",
            size="1",
            color_scheme="gray",
        ),
        spacing="3",
        width="100%",
        **_shown("details"),
    )


def payment_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Payments"),
            rx.form(
                rx.vstack(
                    rx.box(
                        rx.text("Paying ", P.lines.length(), " invoice(s):", size="2", color_scheme="gray"),
                        rx.foreach(
                            P.lines,
                            lambda line: rx.hstack(
                                rx.text("Invoice #" + line["number"], size="2"),
                                rx.spacer(),
                                rx.text(line["balance"], size="2"),
                                width="100%",
                            ),
                        ),
                        rx.hstack(
                            rx.text("Amount", weight="bold"),
                            rx.spacer(),
                            rx.text(P.amount, weight="bold", id="pay-amount"),
                            width="100%",
                        ),
                        width="100%",
                    ),
                    rx.cond(
                        P.message != "",
                        rx.callout(
                            P.message,
                            icon="circle-x",
                            color_scheme="red",
                            id="pay-declined",
                            width="100%",
                            role="alert",
                        ),
                    ),
                    form_error(P.errors.get("form", "")),
                    rx.cond(P.hosted, _hosted_card_fields(), _card_fields()),
                    rx.vstack(
                        rx.callout(
                            rx.text(
                                "Charge ",
                                rx.text.strong(P.amount),
                                rx.cond(P.hosted, " to this card now?", " to the " + P.brand + " card now?"),
                            ),
                            icon="shield-check",
                            width="100%",
                        ),
                        spacing="2",
                        width="100%",
                        **_shown("confirm"),
                    ),
                    rx.vstack(
                        rx.callout(
                            "Payment received. Thank you.",
                            icon="circle-check",
                            color_scheme="green",
                            width="100%",
                        ),
                        rx.text(
                            "Receipt number: ",
                            rx.text.strong(P.receipt, id="receipt-number"),
                            " — you may wish to record it.",
                        ),
                        spacing="2",
                        width="100%",
                        **_shown("done"),
                    ),
                    rx.hstack(
                        rx.match(
                            P.step,
                            (
                                "details",
                                rx.fragment(
                                    rx.dialog.close(
                                        rx.button(
                                            "Cancel", variant="soft", color_scheme="gray", type="button"
                                        )
                                    ),
                                    rx.button("Pay", type="submit", id="pay"),
                                ),
                            ),
                            (
                                "confirm",
                                rx.fragment(
                                    rx.button(
                                        "Back",
                                        variant="soft",
                                        color_scheme="gray",
                                        type="button",
                                        on_click=P.back,
                                        disabled=P.busy,
                                    ),
                                    rx.button("Continue", type="submit", loading=P.busy, id="pay-continue"),
                                ),
                            ),
                            rx.dialog.close(rx.button("Close", type="button", id="pay-close")),
                        ),
                        justify="end",
                        width="100%",
                        spacing="2",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=P.submit,
                reset_on_submit=False,
            ),
            max_width="460px",
            id="payment-dialog",
        ),
        open=P.open,
        on_open_change=P.set_open,
    )
