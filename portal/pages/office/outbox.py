"""The mail outbox and the integration events log (and the log of views as a customer beside them).

/office/outbox: every mail, newest first, searched by address, subject or kind; one opened in place
(one-time links hidden) and resent after a confirmation. /office/events: what the portal produced
for the contractor's systems, payload opened in place. /office/views: who viewed the portal as which
contact. All three need the outbox duty; the lists are paged in SQL.
"""

from __future__ import annotations

import reflex as rx

from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.table import pager, search_bar, tabs
from portal.core.principal import Duty
from portal.state.office.outbox import EventsLogState, OutboxState, ViewsLogState

STATUS_COLOURS = {"sent": "green", "waiting": "amber", "failed": "red"}


def _switch(current: str) -> rx.Component:
    """Links between the three logs (they share the menu's Outbox entry)."""
    links = [
        ("Mail", "/office/outbox"),
        ("Integration events", "/office/events"),
        ("Views as customer", "/office/views"),
    ]
    return rx.hstack(
        *[
            rx.link(label, href=href, weight="bold", aria_current="page")
            if href == current
            else rx.link(label, href=href)
            for label, href in links
        ],
        spacing="4",
        wrap="wrap",
        id="log-switch",
    )


def _empty(state) -> rx.Component:
    return rx.cond(
        ~state.loading & (state.total == 0),
        rx.center(
            rx.text("Nothing here.", color_scheme="gray"), padding="2em", width="100%", id="empty-list"
        ),
    )


def _mail_detail() -> rx.Component:
    S = OutboxState
    return rx.vstack(
        rx.text(rx.text.strong("To: "), S.detail["to"], size="2"),
        rx.text(rx.text.strong("Subject: "), S.detail["subject"], size="2"),
        rx.text(rx.text.strong("Created: "), S.detail["created"], size="2"),
        rx.cond(S.detail["sent"] != "", rx.text(rx.text.strong("Sent: "), S.detail["sent"], size="2")),
        rx.cond(
            S.detail["error"] != "",
            rx.callout(
                S.detail["error"], icon="triangle-alert", color_scheme="red", size="1", id="mail-error"
            ),
        ),
        rx.el.pre(
            S.detail["body"],
            white_space="pre-wrap",
            font_size="0.85em",
            width="100%",
            padding="0.75em",
            background_color=rx.color("gray", 3),
            border_radius="6px",
            id="mail-body",
        ),
        rx.cond(
            S.detail["link_note"] != "",
            rx.callout(S.detail["link_note"], icon="info", size="1", id="mail-link-note"),
        ),
        rx.button("Resend…", size="2", on_click=S.ask_resend, id="mail-resend"),
        spacing="2",
        align="start",
        width="100%",
        padding_top="0.5em",
        border_top=f"1px solid {rx.color('gray', 5)}",
    )


def _mail_card(row: rx.Var) -> rx.Component:
    S = OutboxState
    is_open = S.open_id == row["id"]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(row["subject"], size="3", as_="h2"),
                rx.match(
                    row["status"],
                    *[
                        (key, rx.badge(label, color_scheme=STATUS_COLOURS[key], variant="soft"))
                        for key, label in [
                            ("sent", "Sent"),
                            ("waiting", "Waiting to send"),
                            ("failed", "Failed"),
                        ]
                    ],
                    rx.fragment(),
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(row["when"], " · ", row["to"], " · ", row["kind"], size="2", color_scheme="gray"),
            rx.button(
                rx.cond(is_open, "Hide", "Open"),
                variant="soft",
                size="1",
                on_click=S.toggle_detail(row["id"]),
                aria_expanded=rx.cond(is_open, "true", "false"),
                class_name="mail-toggle",
            ),
            rx.cond(is_open, _mail_detail()),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_mail=row["id"],
        class_name="mail-item",
    )


def _confirm_resend() -> rx.Component:
    S = OutboxState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Resend this mail?"),
            rx.alert_dialog.description(
                rx.text(
                    "A copy goes to ", rx.text.strong(S.detail["to"]), " with the same subject and text."
                ),
                rx.cond(
                    S.detail["link_note"] != "", rx.text(S.detail["link_note"], size="2", padding_top="0.5em")
                ),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Resend", on_click=S.confirm_resend, id="confirm-resend")),
                spacing="3",
                justify="end",
                padding_top="1em",
            ),
            max_width="460px",
        ),
        open=S.confirm_open,
        on_open_change=S.set_confirm_open,
    )


@office_page("/office/outbox", "Outbox", Duty.READ_OUTBOX, on_load=[OutboxState.load])
def outbox_page() -> rx.Component:
    return _log_page(
        OutboxState,
        "Outbox",
        "/office/outbox",
        [("all", "All"), ("waiting", "Waiting"), ("failed", "Failed")],
        "Search address, subject, kind",
        _mail_card,
        "mail-list",
        "office-outbox",
        _confirm_resend(),
    )


def _log_page(S, title: str, route: str, filters, placeholder: str, card, list_id: str, page_id: str, *extra):
    """A log with tabs (All and its states), a search, one page of cards and a pager."""
    return rx.vstack(
        page_heading(title),
        _switch(route),
        tabs(
            S,
            filters,
            search_bar(S, placeholder),
            rx.vstack(rx.foreach(S.rows, card), spacing="2", width="100%", id=list_id),
            _empty(S),
            pager(S),
        ),
        *extra,
        spacing="4",
        width="100%",
        id=page_id,
    )


def _event_card(row: rx.Var) -> rx.Component:
    S = EventsLogState
    is_open = S.open_id == row["id"]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(row["kind"], size="3", as_="h2"),
                rx.cond(
                    row["handled"] != "",
                    rx.badge("Handled", color_scheme="gray", variant="soft"),
                    rx.badge("Waiting", color_scheme="amber", variant="soft"),
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(row["when"], " · ", row["customer"], size="2", color_scheme="gray"),
            rx.cond(
                row["delivered"] != "", rx.text("Delivered ", row["delivered"], size="1", color_scheme="gray")
            ),
            rx.cond(row["handled"] != "", rx.text("Handled ", row["handled"], size="1", color_scheme="gray")),
            rx.button(
                rx.cond(is_open, "Hide payload", "Payload"),
                variant="soft",
                size="1",
                on_click=S.toggle_detail(row["id"]),
                aria_expanded=rx.cond(is_open, "true", "false"),
                class_name="event-toggle",
            ),
            rx.cond(
                is_open,
                rx.el.pre(
                    S.detail["payload"],
                    white_space="pre-wrap",
                    font_size="0.85em",
                    width="100%",
                    padding="0.75em",
                    background_color=rx.color("gray", 3),
                    border_radius="6px",
                    class_name="event-payload",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_event=row["id"],
        class_name="event-item",
    )


@office_page("/office/events", "Integration events", Duty.READ_OUTBOX, on_load=[EventsLogState.load])
def events_page() -> rx.Component:
    return _log_page(
        EventsLogState,
        "Integration events",
        "/office/events",
        [("all", "All"), ("waiting", "Waiting"), ("handled", "Handled")],
        "Search kind or customer",
        _event_card,
        "event-list",
        "office-events",
    )


def _view_card(row: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(
                rx.text.strong(row["staff"]),
                " viewed the portal as ",
                rx.text.strong(row["contact"]),
                " (",
                rx.cond(
                    row["href"] != "",
                    rx.link(row["customer"], href=row["href"]),
                    rx.text(row["customer"], as_="span"),
                ),
                ")",
                size="2",
            ),
            rx.text(row["when"], size="1", color_scheme="gray"),
            spacing="1",
            width="100%",
        ),
        width="100%",
        class_name="view-item",
    )


@office_page("/office/views", "Views as customer", Duty.READ_OUTBOX, on_load=[ViewsLogState.load])
def views_page() -> rx.Component:
    S = ViewsLogState
    return rx.vstack(
        page_heading("Views as customer"),
        _switch("/office/views"),
        search_bar(S, "Search staff, customer or contact"),
        rx.vstack(rx.foreach(S.rows, _view_card), spacing="2", width="100%", id="view-list"),
        _empty(S),
        pager(S),
        spacing="4",
        width="100%",
        id="office-views",
    )
