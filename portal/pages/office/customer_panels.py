"""The panels of a customer's page: its account, the links to its documents, files and recurring
invoices, its contacts (each with View as customer when its login works), and one page each of its
sites, quotes, jobs and invoices."""

from __future__ import annotations

import reflex as rx

from portal.components.table import scroll_region
from portal.components.view_as import view_as_button
from portal.state.office.customer_page import CustomerActivityState

A = CustomerActivityState
TITLES = {"sites": "Sites", "quotes": "Quotes", "jobs": "Jobs", "invoices": "Invoices"}


def _account() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Account", size="4", as_="h2"),
            rx.hstack(
                rx.vstack(
                    rx.text("Balance owing", size="2", color_scheme="gray"),
                    rx.text(A.balance, size="5", weight="bold", id="customer-balance"),
                    spacing="0",
                ),
                rx.vstack(
                    rx.text("Overdue", size="2", color_scheme="gray"),
                    rx.text(A.overdue, size="5", weight="bold", id="customer-overdue"),
                    spacing="0",
                ),
                spacing="6",
                wrap="wrap",
            ),
            rx.flex(
                rx.foreach(
                    A.ageing,
                    lambda b: rx.vstack(
                        rx.text(b["label"], size="1", color_scheme="gray"),
                        rx.text(b["amount"], size="2"),
                        spacing="0",
                        class_name="ageing-bucket",
                    ),
                ),
                wrap="wrap",
                spacing="5",
                id="customer-ageing",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _link(icon: str, label: str, href: rx.Var, ident: str, **look: str) -> rx.Component:
    return rx.link(rx.button(rx.icon(icon, size=14), label, size="2", **look), href=href, id=ident)


def _links() -> rx.Component:
    """What to do next for this customer: a new contact first, the rest as quieter buttons."""
    customer = A.customer_id
    return rx.flex(
        _link("user-plus", "New contact", "/office/customers/" + customer + "/contacts/new", "new-contact"),
        *[
            _link(icon, label, href + customer, ident, variant="soft")
            for icon, label, href, ident in (
                ("map-pin", "New site", "/office/sites/new?customer=", "new-site"),
                ("file-pen", "New contract", "/office/contracts/new?customer=", "new-contract"),
                ("file-text", "Documents", "/office/documents?customer=", "customer-documents"),
                ("paperclip", "Files", "/office/files?owner=customer&id=", "customer-files"),
                ("repeat", "Recurring", "/office/recurring?customer=", "customer-recurring"),
            )
        ],
        wrap="wrap",
        spacing="2",
    )


def _pager(kind: str, page: rx.Var, pages: rx.Var) -> rx.Component:
    return rx.cond(
        pages > 1,
        rx.hstack(
            rx.button(
                "Previous",
                size="1",
                variant="soft",
                type="button",
                disabled=page <= 1,
                on_click=A.turn_page(kind, page - 1),
                aria_label=f"Previous page of {kind}",
            ),
            rx.text("Page ", page, " of ", pages, size="1"),
            rx.button(
                "Next",
                size="1",
                variant="soft",
                type="button",
                disabled=page >= pages,
                on_click=A.turn_page(kind, page + 1),
                aria_label=f"Next page of {kind}",
            ),
            spacing="2",
            align="center",
        ),
    )


def _contact_row(c: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(c["name"], href=c["href"], data_contact=c["email"]),
            rx.cond(c["primary"] != "", rx.badge("Primary", size="1", margin_left="0.5em")),
        ),
        rx.table.cell(c["email"]),
        rx.table.cell(c["roles"]),
        rx.table.cell(c["login"], data_login=c["email"]),
        rx.table.cell(c["last_sign_in"]),
        rx.table.cell(rx.cond(c["view_as"] != "", view_as_button(c["id"]))),
    )


def _contacts() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Contacts", size="4", as_="h2"),
            rx.cond(
                A.contacts.length() > 0,
                scroll_region(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                *[
                                    rx.table.column_header_cell(h)
                                    for h in ("Name", "Email", "Contact for", "Login", "Last sign-in", "")
                                ]
                            )
                        ),
                        rx.table.body(rx.foreach(A.contacts, _contact_row)),
                        variant="surface",
                        size="1",
                        width="100%",
                        id="customer-contacts",
                    ),
                    "Contacts",
                ),
                rx.text("No contacts yet.", size="2", color_scheme="gray"),
            ),
            _pager("contacts", A.contact_page, A.contact_pages),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _related(kind: str) -> rx.Component:
    rows = A.related[kind]
    return rx.card(
        rx.vstack(
            rx.heading(TITLES[kind], size="4", as_="h2"),
            rx.cond(
                rows.length() > 0,
                rx.vstack(
                    rx.foreach(
                        rows,
                        lambda r: rx.hstack(
                            rx.link(r["title"], href=r["href"], size="2", weight="medium"),
                            rx.text(r["detail"], size="2", color_scheme="gray"),
                            rx.badge(r["status"], size="1", variant="soft"),
                            rx.text(r["day"], size="2"),
                            rx.text(r["amount"], size="2"),
                            spacing="3",
                            wrap="wrap",
                            align="center",
                            class_name=f"customer-{kind}-row",
                        ),
                    ),
                    spacing="2",
                    width="100%",
                    id=f"customer-{kind}",
                ),
                rx.text(f"No {kind} yet.", size="2", color_scheme="gray"),
            ),
            _pager(kind, A.pages.get(kind, 1), A.page_counts.get(kind, 1)),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def customer_panels() -> rx.Component:
    return rx.cond(
        A.loaded,
        rx.vstack(
            _links(),
            _account(),
            _contacts(),
            rx.grid(
                *[_related(kind) for kind in TITLES],
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        rx.center(rx.spinner(), padding="2em"),
    )
