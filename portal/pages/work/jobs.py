"""Jobs > Pending, Progress, Complete, Invoiced and Archive: list, details, job card, invoices."""

from __future__ import annotations

import reflex as rx

from portal.components.detail import detail_dialog, fact, record_options
from portal.components.shell import page_heading, template
from portal.components.table import Column, list_screen, status_badge
from portal.components.work import created_banner, work_cells, work_columns
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
COLUMNS = work_columns(
    "Job",
    Column("status", "Status", "status", card="status"),
    Column("scheduled", "Scheduled", "scheduled", min_width="110px", card="detail"),
    Column("total", "Total", "total", align="right", card="amount"),
    Column("options", "", card="options"),
)


def invoices_popover(row: rx.Var) -> rx.Component:
    # Loaded as the pop-over opens, not by a click on its button: a trigger's child with its own
    # click handler is wrapped in a <div> that takes the button's ARIA attributes (axe: not allowed).
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=14),
                variant="ghost",
                size="1",
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
        on_open_change=lambda _open: JobsState.show_invoices(row["id"]),
    )


def job_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        *work_cells(JobsState, row, "Job"),
        rx.table.cell(rx.tooltip(status_badge(row["status"]), content=row["status"])),
        rx.table.cell(row["scheduled"], white_space="nowrap"),
        rx.table.cell(row["total"], text_align="right", white_space="nowrap"),
        rx.table.cell(
            rx.hstack(
                record_options(JobsState, row, "Job", attachments=True),
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
        dialog_id="job-detail",
        facts=[fact("Scheduled", d["scheduled_on"]), fact("Completed", d["completed_on"])],
        items_empty="No priced items on this job yet.",
    )


@template("/jobs", "Jobs", Page.JOBS, on_load=[JobsState.load])
def jobs_page() -> rx.Component:
    return rx.vstack(
        page_heading("Jobs", rx.link(rx.button(rx.icon("plus", size=16), "Book a Job"), href="/jobs/book")),
        created_banner(
            JobsState, f"Job #{JobsState.created} booked. It will move to Progress once we schedule it."
        ),
        *list_screen(
            JobsState,
            TABS,
            "Job no., site, description or order no.",
            COLUMNS,
            job_row,
            "No jobs at this stage.",
        ),
        job_dialog(),
        spacing="4",
        width="100%",
    )
