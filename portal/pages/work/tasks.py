"""Tasks > View Tasks: the tasks we raised for the customer by status, one with its history, and CSV."""

from __future__ import annotations

import reflex as rx

from portal.components.detail import fact
from portal.components.shell import page_heading, template
from portal.components.table import PHONE_HIDE, Column, list_screen, options_menu, view_details_item
from portal.models import Page
from portal.state.work.tasks import TasksState

S = TasksState

COLUMNS = [
    Column("number", "Task No.", "number", card="title"),
    Column("subject", "Subject", "subject", min_width="200px"),
    Column("site", "Site", "site", min_width="140px", card="subtitle"),
    Column("related", "Job / Quote", phone=False),
    Column("due", "Due", "due", min_width="110px", card="detail"),
    Column("status", "Status", "status", card="status"),
    Column("priority", "Priority", "priority", phone=False),
    Column("assigned", "Assigned to", "assigned", phone=False),
    Column("options", "", card="options"),
]
TAB_ITEMS = [
    ("open", "Open"),
    ("not_started", "Not started"),
    ("in_progress", "In progress"),
    ("completed", "Completed"),
    ("all", "All"),
]


def task_status(text: rx.Var) -> rx.Component:
    color = rx.match(text, ("Completed", "grass"), ("In progress", "blue"), ("Not started", "amber"), "gray")
    return rx.badge(text, color_scheme=color, variant="soft", radius="full")


def task_priority(text: rx.Var) -> rx.Component:
    color = rx.match(text, ("High", "red"), ("Low", "gray"), "blue")
    return rx.badge(text, color_scheme=color, variant="outline", radius="full")


def _due(text: rx.Var, overdue: rx.Var) -> rx.Component:
    return rx.cond(
        overdue == "yes",
        rx.text(text, " · overdue", color=rx.color("red", 11), weight="medium", size="2"),
        rx.text(text, size="2"),
    )


def task_row(row: rx.Var) -> rx.Component:
    open_detail = S.open_detail(row["id"])
    return rx.table.row(
        rx.table.row_header_cell(
            rx.button(row["number"], variant="ghost", size="1", on_click=open_detail, data_task=row["number"])
        ),
        rx.table.cell(row["subject"]),
        rx.table.cell(row["site"]),
        rx.table.cell(row["related"], white_space="nowrap", class_name=PHONE_HIDE),
        rx.table.cell(_due(row["due"], row["overdue"]), white_space="nowrap"),
        rx.table.cell(task_status(row["status"])),
        rx.table.cell(task_priority(row["priority"]), class_name=PHONE_HIDE),
        rx.table.cell(row["assigned"], class_name=PHONE_HIDE),
        rx.table.cell(options_menu(row["number"], view_details_item(open_detail))),
    )


def _history_line(h: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.text(h["at"], size="1", color_scheme="gray"),
                rx.text(h["author"], size="1", weight="medium"),
                rx.cond(h["status"] != "", task_status(h["status"])),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.cond(h["note"] != "", rx.text(h["note"], size="2", white_space="pre-wrap")),
            spacing="1",
        ),
        class_name="task-history-line",
        padding_y="0.4em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def task_dialog() -> rx.Component:
    d = S.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    rx.dialog.title(rx.hstack("Task #", d["number"], spacing="0"), margin="0"),
                    task_status(d["status"]),
                    rx.spacer(),
                    rx.dialog.close(rx.icon_button(rx.icon("x"), variant="ghost", aria_label="Close")),
                    align="center",
                    width="100%",
                    spacing="3",
                ),
                rx.heading(d["subject"], size="4", as_="h2", id="task-subject"),
                rx.data_list.root(
                    fact(
                        "Site",
                        rx.vstack(
                            d["site"], rx.text(d["site_address"], size="1", color_scheme="gray"), spacing="0"
                        ),
                    ),
                    fact("Job No.", d["job"]),
                    fact("Quote No.", d["quote"]),
                    fact("Raised", d["raised"]),
                    fact("Due", _due(d["due"], d["overdue"])),
                    fact("Completed", d["completed"]),
                    fact("Priority", task_priority(d["priority"])),
                    fact("Assigned to", d["assigned"]),
                    size="2",
                ),
                rx.box(
                    rx.text(d["description"], white_space="pre-wrap", size="2", id="task-description"),
                    max_height="12em",
                    overflow_y="auto",
                    width="100%",
                ),
                rx.vstack(
                    rx.heading("History", size="3", as_="h3"),
                    rx.cond(
                        S.history.length() > 0,
                        rx.el.ol(
                            rx.foreach(S.history, _history_line), list_style="none", padding="0", margin="0"
                        ),
                        rx.text("Nothing recorded yet.", size="2", color_scheme="gray"),
                    ),
                    spacing="2",
                    width="100%",
                    id="task-history",
                ),
                spacing="4",
                width="100%",
            ),
            max_width="680px",
            id="task-detail",
        ),
        open=S.detail_open,
        on_open_change=S.set_detail_open,
    )


@template("/tasks", "Tasks", Page.TASKS, on_load=[TasksState.load])
def tasks_page() -> rx.Component:
    return rx.vstack(
        page_heading("Tasks"),
        rx.text(
            "Tasks we have raised while working for you, and where each one is up to.",
            size="2",
            color_scheme="gray",
        ),
        *list_screen(S, TAB_ITEMS, "Subject, task no. or site", COLUMNS, task_row, "No tasks here."),
        task_dialog(),
        spacing="4",
        width="100%",
    )
