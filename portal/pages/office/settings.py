"""The owner's settings: company, branding, tier, default pages, scripts, price list, gateway."""

from __future__ import annotations

import reflex as rx

from portal.components.forms import field, form_error
from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.uploads import upload_zone
from portal.core.principal import Duty
from portal.pages.office.settings_lists import catalog_section
from portal.services.files.uploads import limit_text
from portal.services.settings.branding import LOGO_LIMIT
from portal.services.settings.company import timezones
from portal.services.settings.portal_defaults import PAGE_LABELS, TIERS
from portal.state.office.settings import LOGO_UPLOAD, SettingsState
from portal.state.office.settings_lists import CatalogState

S = SettingsState
GRID = {"columns": rx.breakpoints(initial="1", sm="2"), "spacing": "4", "width": "100%"}


def _saved(message: rx.Var, element_id: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="circle-check", color_scheme="grass", id=element_id, role="status"),
    )


def _input(key: str, label: str, hint: str = "", **props) -> rx.Component:
    control_id = f"settings-{key.replace('_', '-')}"
    return field(
        label,
        rx.input(id=control_id, name=key, default_value=S.company[key], width="100%", size="2", **props),
        S.company_errors.get(key, ""),
        hint=hint,
        html_for=control_id,
    )


def _numbers(kind: str, label: str) -> rx.Component:
    return rx.grid(
        _input(
            f"{kind}_prefix",
            f"{label} prefix",
            "Printed before the number, such as Q- (optional).",
            max_length=10,
            auto_complete="off",
        ),
        _input(
            f"{kind}_start",
            f"Next {label.lower()} number",
            "The lowest number the next one takes; it cannot go back below a number already used.",
            input_mode="numeric",
            auto_complete="off",
        ),
        **GRID,
    )


def _company() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Company", size="4", as_="h2"),
            rx.grid(
                _input("company_name", "Company name", required=True, max_length=200),
                _input(
                    "trading_name", "Trading name", "If customers know you by another name.", max_length=200
                ),
                _input(
                    "business_number",
                    "Business number",
                    "ABN, VAT or EIN, as printed on invoices.",
                    max_length=40,
                ),
                _input("phone", "Phone", type="tel", max_length=40),
                _input("email", "Email", type="email", max_length=254),
                _input("website", "Website", "The full address, starting with https://", max_length=200),
                **GRID,
            ),
            field(
                "Address",
                rx.text_area(
                    id="settings-address",
                    name="address",
                    default_value=S.company["address"],
                    max_length=400,
                    width="100%",
                    rows="3",
                ),
                S.company_errors.get("address", ""),
                html_for="settings-address",
            ),
            rx.heading("Time, money and tax", size="3", as_="h3"),
            rx.grid(
                _input(
                    "timezone",
                    "Time zone",
                    "Such as Australia/Sydney: what today means on invoices.",
                    list="settings-timezones",
                    auto_complete="off",
                ),
                _input(
                    "currency", "Currency", "Three letters, such as AUD.", max_length=3, auto_complete="off"
                ),
                _input("tax_name", "Tax name", "Such as GST or VAT.", max_length=20),
                _input(
                    "tax_rate", "Tax rate (%)", "Up to 2 decimals, such as 10 or 12.5.", input_mode="decimal"
                ),
                _input(
                    "payment_terms_days",
                    "Payment terms (days)",
                    "Days after the invoice date it is due.",
                    input_mode="numeric",
                ),
                _input("quote_validity_days", "Quotes valid for (days)", input_mode="numeric"),
                **GRID,
            ),
            rx.el.datalist(*[rx.el.option(value=zone) for zone in timezones()], id="settings-timezones"),
            rx.heading("Document numbers", size="3", as_="h3"),
            _numbers("quote", "Quote"),
            _numbers("job", "Job"),
            _numbers("invoice", "Invoice"),
            form_error(S.company_errors.get("form", "")),
            _saved(S.company_saved, "company-saved"),
            rx.hstack(
                rx.button("Save company details", type="submit", id="save-company"),
                justify="end",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=S.save_company,
        reset_on_submit=False,
        id="company-form",
    )


def _mock_button(label: str, soft: bool = False, width: str = "auto") -> rx.Component:
    """A button's look in the previewed accent (Radix's own step and contrast colours), but not a
    control: nothing in the preview can be pressed or reached with Tab."""
    return rx.box(
        rx.text(label, size="1", weight="medium"),
        background_color=rx.color("accent", 3 if soft else 9),
        color=rx.color("accent", 11) if soft else "var(--accent-contrast)",
        padding="0.3em 0.8em",
        border_radius="var(--radius-2)",
        text_align="center",
        width=width,
        class_name="preview-button",
    )


def _preview() -> rx.Component:
    """A small mock of the portal's header, a button and the login card, in the chosen colour and logo."""
    logo = rx.cond(
        S.logo_src != "",
        rx.image(
            src=S.logo_src, alt="", height="28px", max_width="120px", object_fit="contain", id="preview-logo"
        ),
        rx.image(src="/logo.svg", alt="", width="28px", height="28px"),
    )
    name = rx.text(S.company["company_name"], weight="bold", size="2")
    return rx.theme(
        rx.vstack(
            rx.text("Preview, before saving", size="2", weight="medium"),
            rx.text(
                "On screen: ",
                rx.text.strong(S.preview_radix, id="preview-scale", text_transform="capitalize"),
                ", the nearest colour whose buttons and links stay readable.",
                size="1",
                color_scheme="gray",
            ),
            rx.hstack(
                logo,
                name,
                rx.spacer(),
                _mock_button("Request a Quote", soft=True),
                align="center",
                spacing="2",
                width="100%",
                padding="0.6em",
                background_color=rx.color("accent", 2),
                border_bottom=f"1px solid {rx.color('accent', 6)}",
            ),
            rx.card(
                rx.vstack(
                    rx.hstack(logo, name, align="center", spacing="2"),
                    rx.text("Log in", weight="bold", size="3"),
                    rx.box(
                        height="1.6em",
                        width="100%",
                        border=f"1px solid {rx.color('gray', 7)}",
                        border_radius="4px",
                    ),
                    _mock_button("Log in", width="100%"),
                    rx.text("Forgot your password?", size="1", color=rx.color("accent", 11)),
                    spacing="2",
                    width="100%",
                ),
                width="100%",
                max_width="280px",
            ),
            spacing="3",
            width="100%",
            padding="0.75em",
            border=f"1px dashed {rx.color('gray', 7)}",
            border_radius="8px",
            id="branding-preview",
        ),
        accent_color=S.preview_radix,
        has_background=False,
    )


def _branding() -> rx.Component:
    limit = limit_text(LOGO_LIMIT)
    return rx.vstack(
        rx.heading("Branding", size="4", as_="h2"),
        rx.text(
            "Your logo and colour appear on the login page, in the portal's header, on PDFs and in emails.",
            size="2",
            color_scheme="gray",
        ),
        rx.grid(
            rx.vstack(
                field(
                    "Logo",
                    upload_zone(
                        rx.button(
                            rx.icon("image-up", size=16, aria_hidden="true"),
                            "Choose a logo",
                            type="button",
                            variant="soft",
                        ),
                        id=LOGO_UPLOAD,
                        label="Logo",
                        multiple=False,
                        accept={
                            "image/png": [".png"],
                            "image/jpeg": [".jpg", ".jpeg"],
                            "image/webp": [".webp"],
                        },
                        max_size=2 * LOGO_LIMIT,
                        padding="1em",
                        width="100%",
                        on_drop=S.upload_logo(rx.upload_files(upload_id=LOGO_UPLOAD)),
                    ),
                    S.logo_error,
                    hint=f"PNG, JPEG or WebP, up to {limit}. A wide logo on a clear background reads best.",
                ),
                rx.hstack(
                    rx.cond(S.logo_name != "", rx.text(S.logo_name, size="2", id="logo-name")),
                    rx.cond(
                        S.logo_src != "",
                        rx.button(
                            "Remove logo",
                            type="button",
                            variant="ghost",
                            color_scheme="red",
                            size="1",
                            on_click=S.remove_logo,
                            id="remove-logo",
                        ),
                    ),
                    align="center",
                    spacing="3",
                ),
                field(
                    "Accent colour",
                    rx.hstack(
                        rx.el.input(
                            type="color",
                            value=S.colour_value,
                            on_change=S.set_accent,
                            id="accent-picker",
                            aria_label="Accent colour picker",
                            style={"width": "44px", "height": "32px", "padding": "0", "border": "none"},
                        ),
                        rx.input(
                            value=S.accent,
                            on_change=S.set_accent,
                            id="accent-text",
                            placeholder="#3e63dd",
                            max_length=7,
                            width="9em",
                            auto_complete="off",
                        ),
                        align="center",
                        spacing="2",
                    ),
                    S.accent_error,
                    hint="Screens use the nearest of the portal's accessible colours; PDFs and emails "
                    "the exact one.",
                    html_for="accent-text",
                ),
                _saved(S.branding_saved, "branding-saved"),
                rx.button(
                    "Save branding",
                    on_click=S.save_branding,
                    id="save-branding",
                    disabled=S.accent_error != "",
                ),
                spacing="3",
                width="100%",
                align="start",
            ),
            _preview(),
            **GRID,
        ),
        spacing="4",
        width="100%",
    )


def _portal() -> rx.Component:
    return rx.vstack(
        rx.heading("Portal", size="4", as_="h2"),
        field(
            "Portal tier",
            rx.radio_group.root(
                rx.hstack(
                    *[
                        rx.el.label(
                            rx.radio_group.item(value=value, id=f"tier-{value}"),
                            rx.text(label, size="2"),
                            style={"display": "flex", "gap": "0.4em", "alignItems": "center"},
                        )
                        for value, label in TIERS.items()
                    ],
                    spacing="4",
                ),
                value=S.tier,
                on_change=S.set_tier,
                name="tier",
                aria_label="Portal tier",
            ),
            S.portal_errors.get("tier", ""),
            hint="Advanced adds the Advanced reports to every customer's portal.",
        ),
        rx.el.fieldset(
            rx.el.legend(rx.text("Pages a new contact gets", size="2", weight="medium")),
            rx.flex(
                *[
                    rx.checkbox(
                        label,
                        checked=S.pages.contains(value),
                        on_change=lambda checked, v=value: S.set_page(v, checked),
                        id=f"default-page-{value}",
                    )
                    for value, label in PAGE_LABELS.items()
                ],
                wrap="wrap",
                spacing="4",
            ),
            rx.cond(
                S.portal_errors.contains("pages"),
                rx.text(S.portal_errors["pages"], size="1", color_scheme="red", role="alert"),
            ),
            rx.text(
                "Every contact also sees the dashboard. The office can change a contact's pages later.",
                size="1",
                color_scheme="gray",
            ),
            style={"border": "none", "padding": "0", "margin": "0"},
        ),
        form_error(S.portal_errors.get("form", "")),
        _saved(S.portal_saved, "portal-saved"),
        rx.button("Save portal settings", on_click=S.save_portal, id="save-portal"),
        rx.separator(width="100%"),
        catalog_section(),
        spacing="4",
        width="100%",
        align="start",
    )


def _fact(label: str, value: rx.Var, element_id: str) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(rx.text(value, id=element_id)))


def _payments() -> rx.Component:
    g = S.gateway
    return rx.vstack(
        rx.heading("Payments", size="4", as_="h2"),
        rx.data_list.root(
            _fact("Gateway", g["name"], "gateway-name"),
            _fact("Stripe secret key", g["secret"], "gateway-secret"),
            _fact("Stripe publishable key", g["publishable"], "gateway-publishable"),
            _fact("Webhook signing secret", g["webhook_secret"], "gateway-webhook-secret"),
            _fact("Last webhook received", g["webhook_last"], "gateway-webhook-last"),
        ),
        rx.text(
            "Keys are set in the server's configuration (PORTAL_PAYMENT_GATEWAY and PORTAL_STRIPE_*), "
            "never here.",
            size="1",
            color_scheme="gray",
        ),
        spacing="3",
        width="100%",
    )


def _tab(value: str, body: rx.Component) -> rx.Component:
    return rx.tabs.content(body, value=value, padding_top="1.25em")


@office_page("/office/settings", "Settings", Duty.MANAGE_SETTINGS, on_load=[S.load, CatalogState.load])
def office_settings() -> rx.Component:
    return rx.vstack(
        page_heading("Settings"),
        rx.cond(
            S.loaded,
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("Company", value="company", id="tab-company"),
                    rx.tabs.trigger("Branding", value="branding", id="tab-branding"),
                    rx.tabs.trigger("Portal", value="portal", id="tab-portal"),
                    rx.tabs.trigger("Payments", value="payments", id="tab-payments"),
                    wrap="wrap",
                ),
                _tab("company", _company()),
                _tab("branding", _branding()),
                _tab("portal", _portal()),
                _tab("payments", _payments()),
                value=S.tab,
                on_change=S.set_tab,
                width="100%",
            ),
            rx.center(rx.spinner(size="3"), padding="3em", aria_label="Loading"),
        ),
        spacing="4",
        width="100%",
        id="office-settings",
    )
