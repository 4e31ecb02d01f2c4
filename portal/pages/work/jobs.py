"""Jobs > Pending, Progress, Complete, Invoiced and Archive: list, details, job card, invoices."""

from __future__ import annotations

import reflex as rx

from portal.components.detail import detail_dialog, fact, items_table
from portal.components.links import server_link
from portal.components.shell import template
from portal.components.table import PHONE_HIDE, Column, data_table, search_bar, status_badge, tabs
from portal.models import Page
from portal.state.session import SessionState
from portal.state.work.jobs import JobsState

TABS = [
    ("pending", "Pending"),
    ("progress", "Progress"),
    ("complete", "Complete"),
    ("invoiced", "Invoiced"),
    ("archive", "Archive"),
]
COLUMNS = [
    Column("number", "Job No.", "number"),
    Column("site", "Site", "site", min_width="140px"),
    Column("description", "Description", "description", min_width="220px", phone=False),
    Column("order", "Order No.", "order", phone=False),
    Column("date", "Date", "date", min_width="110px", phone=False),
    Column("status", "Status", "status"),
    Column("scheduled", "Scheduled", "scheduled", min_width="110px"),
    Column("total", "Total", "total", align="right"),
    Column("options", ""),
]


def invoices_popover(row: rx.Var) -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=14),
                variant="ghost",
                size="1",
                on_click=JobsState.show_invoices(row["id"]),
                aria_label="Invoices for this job",
                data_invoices=row["number"],
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.text("Invoices", weight="bold", size="2"),
                rx.cond(
                    ~SessionState.pages.contains(Page.INVOICES),
                    rx.text("Your login does not include invoices.", size="2", color_scheme="gray"),
                    rx.cond(
                        JobsState.invoices.length() > 0,
                        rx.foreach(
                            JobsState.invoices,
                            lambda i: rx.hstack(
                                rx.link("Invoice #" + i["number"], href=i["href"]),
                                rx.text(i["issued"] + " · " + i["total"], size="1", color_scheme="gray"),
                                status_badge(i["status"]),
                                spacing="2",
                                align="center",
                            ),
                        ),
                        rx.text("No invoices for this job yet.", size="2", color_scheme="gray"),
                    ),
                ),
                spacing="2",
                id="job-invoices",
            ),
        ),
    )


def job_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.button(
                row["number"],
                variant="ghost",
                size="1",
                on_click=JobsState.open_detail(row["id"]),
                data_job=row["number"],
            )
        ),
        rx.table.cell(row["site"]),
        rx.table.cell(rx.text(row["description"], size="2"), class_name=PHONE_HIDE),
        rx.table.cell(row["order"], class_name=PHONE_HIDE),
        rx.table.cell(row["date"], white_space="nowrap", class_name=PHONE_HIDE),
        rx.table.cell(rx.tooltip(status_badge(row["status"]), content=row["status"])),
        rx.table.cell(row["scheduled"], white_space="nowrap"),
        rx.table.cell(row["total"], text_align="right", white_space="nowrap"),
        rx.table.cell(
            rx.hstack(
                rx.menu.root(
                    rx.menu.trigger(
                        rx.button(
                            "Options",
                            rx.icon("chevron-down", size=14),
                            variant="soft",
                            size="1",
                            data_options=row["number"],
                        )
                    ),
                    rx.menu.content(
                        rx.menu.item(
                            rx.icon("eye", size=14),
                            "View details",
                            on_select=JobsState.open_detail(row["id"]),
                        ),
                        rx.menu.item(
                            server_link(
                                rx.hstack(rx.icon("printer", size=14), "Print Job", spacing="2"),
                                href="/documents/jobs/" + row["id"] + ".pdf",
                                new_tab=True,
                                width="100%",
                                color="inherit",
                            )
                        ),
                        rx.menu.item(
                            rx.icon("paperclip", size=14),
                            "Attachments",
                            on_select=JobsState.open_detail(row["id"]),
                        ),
                    ),
                ),
                invoices_popover(row),
                spacing="1",
            )
        ),
    )


def job_dialog() -> rx.Component:
    d = JobsState.detail
    return detail_dialog(
        JobsState,
        kind="Job",
        print_label="Print Job",
        dialog_id="job-detail",
        facts=[
            fact("Contact", d["contact"]),
            fact("Order No.", d["order"]),
            fact("Requested", d["requested_on"]),
            fact("Preferred date", d["preferred_date"]),
            fact("Scheduled", d["scheduled_on"]),
            fact("Completed", d["completed_on"]),
        ],
        body=[items_table(JobsState, "No priced items on this job yet.")],
    )


@template("/jobs", "Jobs", Page.JOBS, on_load=[JobsState.load])
def jobs_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Jobs", size="6", as_="h1"),
            rx.spacer(),
            rx.link(rx.button(rx.icon("plus", size=16), "Book a Job"), href="/jobs/book"),
            width="100%",
            align="center",
        ),
        rx.cond(
            JobsState.created != "",
            rx.callout(
                f"Job #{JobsState.created} booked. It will move to Progress once we schedule it.",
                icon="circle-check",
                color_scheme="green",
                id="created-banner",
                width="100%",
            ),
        ),
        tabs(JobsState, TABS),
        search_bar(JobsState, "Job no., site, description or order no.", JobsState.csv_href),
        data_table(JobsState, COLUMNS, job_row, "No jobs at this stage."),
        job_dialog(),
        spacing="4",
        width="100%",
    )
