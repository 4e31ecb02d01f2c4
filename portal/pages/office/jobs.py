"""/office/jobs (the board), /office/jobs/new and /office/jobs/[job_id] (one job and its booking).

On a phone the board shows one stage at a time, picked from a row of stage buttons; from a tablet
up the five columns sit side by side.
"""

from __future__ import annotations

import reflex as rx

from portal.components.detail import fact
from portal.components.forms import field, notice
from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.table import scroll_region, search_form, status_badge
from portal.core.principal import Duty
from portal.state.office.jobs import JobsBoardState, NewJobState, OfficeJobState

B, J, N = JobsBoardState, OfficeJobState, NewJobState


def board_links() -> rx.Component:
    return rx.hstack(
        rx.link(rx.button(rx.icon("layout-grid", size=16), "Board", variant="soft"), href="/office/jobs"),
        rx.link(
            rx.button(rx.icon("calendar", size=16), "Calendar", variant="soft"),
            href="/office/jobs/calendar",
            id="calendar-link",
        ),
        rx.link(rx.button(rx.icon("plus", size=16), "New job"), href="/office/jobs/new", id="new-job-link"),
        spacing="2",
        wrap="wrap",
    )


def job_card(card: rx.Var) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text("Job #", card["number"], weight="bold"),
                    rx.spacer(),
                    rx.text(card["date"], size="1", color_scheme="gray"),
                    width="100%",
                ),
                rx.text(card["customer"], size="2", weight="medium"),
                rx.text(card["site"], size="1", color_scheme="gray"),
                rx.cond(
                    card["technician"] != "",
                    rx.text(card["window"], " ", card["technician"], size="1"),
                ),
                spacing="1",
                align="start",
                width="100%",
            ),
            width="100%",
        ),
        href=card["href"],
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        width="100%",
        class_name="job-card",
        data_job=card["id"],
    )


def board_column(column: rx.Var) -> rx.Component:
    shown = rx.cond(column["stage"] == B.stage, "flex", "none")
    return rx.vstack(
        rx.heading(column["title"], " (", column["total"], ")", size="3", as_="h2"),
        rx.foreach(column["cards"].to(list[dict[str, str]]), job_card),
        rx.cond(
            column["more"].to(bool),
            rx.button(
                "Show more",
                variant="soft",
                width="100%",
                on_click=B.more(column["stage"].to(str)),
                class_name="board-more",
            ),
        ),
        spacing="2",
        align="stretch",
        min_width="0",
        padding="0.5em",
        border_radius="8px",
        background_color=rx.color("gray", 3),
        display=rx.breakpoints(initial=shown, sm="flex"),
        class_name="board-column",
        data_stage=column["stage"],
    )


def stage_picker() -> rx.Component:
    """The phone's tabs: one stage shown at a time."""
    return rx.box(
        rx.flex(
            rx.foreach(
                B.columns,
                lambda c: rx.button(
                    c["title"],
                    size="1",
                    variant=rx.cond(c["stage"] == B.stage, "solid", "soft"),
                    aria_pressed=rx.cond(c["stage"] == B.stage, "true", "false"),
                    on_click=B.show_stage(c["stage"].to(str)),
                    class_name="stage-pick",
                    data_stage=c["stage"],
                ),
            ),
            gap="1",
            wrap="wrap",
        ),
        display=rx.breakpoints(initial="block", sm="none"),
        aria_label="Stage",
        role="group",
        width="100%",
    )


@office_page("/office/jobs", "Jobs", Duty.SCHEDULE_JOBS, on_load=[B.load])
def board_page() -> rx.Component:
    return rx.vstack(
        page_heading("Jobs", board_links()),
        search_form(
            B.search,
            B.find,
            B.clear,
            "Job no., customer or site",
            label="Search jobs",
            input_ids=("board-search", "board-search-button"),
        ),
        stage_picker(),
        rx.grid(
            rx.foreach(B.columns, board_column),
            columns=rx.breakpoints(initial="1", sm="2", md="3", lg="5"),
            spacing="3",
            width="100%",
            id="jobs-board",
        ),
        spacing="4",
        width="100%",
    )


# One job.


def _section(title: str, *children: rx.Component, **props) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="3", as_="h2"), *children, spacing="2", width="100%"),
        width="100%",
        **props,
    )


def _simple_table(
    rows: rx.Var, headers: list[str], keys: list[str], empty: str, table_id: str
) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        rx.box(
            scroll_region(
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
                    rx.table.body(
                        rx.foreach(rows, lambda r: rx.table.row(*[rx.table.cell(r[k]) for k in keys])),
                    ),
                    size="1",
                    width="100%",
                ),
                table_id.replace("-", " ").capitalize(),
            ),
            width="100%",
            id=table_id,
        ),
        rx.text(empty, size="2", color_scheme="gray"),
    )


def _input(name: str, label: str, kind: str) -> rx.Component:
    return field(
        label,
        rx.input(
            type=kind,
            name=name,
            id=f"booking-{name}",
            default_value=J.values[name],
            required=True,
            aria_invalid=rx.cond(J.errors.contains(name), "true", "false"),
        ),
        J.errors[name].to(str) | "",
        html_for=f"booking-{name}",
    )


def booking_dialog() -> rx.Component:
    title = rx.cond(J.mode == "reschedule", "Reschedule job", "Schedule job")
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description("Choose the day, the time window and who goes.", size="2"),
            rx.form(
                rx.vstack(
                    rx.cond(
                        J.errors.contains("job"),
                        rx.callout(J.errors["job"], icon="triangle-alert", color_scheme="red", role="alert"),
                    ),
                    _input("day", "Date", "date"),
                    rx.hstack(_input("start", "Start", "time"), _input("end", "End", "time"), width="100%"),
                    field(
                        "Technician",
                        rx.el.select(
                            rx.el.option("Choose…", value=""),
                            rx.foreach(J.technicians, lambda t: rx.el.option(t["name"], value=t["id"])),
                            name="technician",
                            id="booking-technician",
                            default_value=J.values["technician"],
                            class_name="native-select",
                            style={"padding": "0.4em", "width": "100%"},
                        ),
                        J.errors["technician"].to(str) | "",
                        html_for="booking-technician",
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(
                                "Cancel",
                                variant="soft",
                                color_scheme="gray",
                                type="button",
                                on_click=J.close_booking,
                            )
                        ),
                        rx.button(title, type="submit", id="booking-save"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=J.book,
                reset_on_submit=False,
                key=J.form_key,
            ),
            id="booking-dialog",
            max_width="440px",
        ),
        open=J.dialog_open,
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), J.close_booking()),
    )


def complete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Complete this job?"),
            rx.alert_dialog.description(
                "The job moves to Complete, ready to invoice, and the customer sees it as complete."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray", on_click=J.cancel_complete)
                ),
                rx.alert_dialog.action(rx.button("Complete job", on_click=J.complete, id="complete-confirm")),
                justify="end",
                spacing="2",
                margin_top="1em",
            ),
        ),
        open=J.confirm_open,
    )


def job_actions() -> rx.Component:
    stage = J.job["stage"]
    return rx.hstack(
        rx.cond(
            (stage == "pending") | (stage == "progress"),
            rx.button(
                rx.cond(stage == "progress", "Reschedule", "Schedule"),
                on_click=J.open_booking,
                id="booking-open",
            ),
        ),
        rx.cond(
            stage == "progress",
            rx.button("Complete", variant="soft", on_click=J.ask_complete, id="complete-open"),
        ),
        rx.cond(
            stage == "complete",
            rx.link(
                rx.button(rx.icon("receipt", size=16), "Invoice this job", variant="soft"),
                href="/office/invoices/new?job=" + J.job["id"],
                id="invoice-job",
            ),
        ),
        rx.link("Files", href="/office/files?owner=job&id=" + J.job["id"], id="job-files"),
        spacing="2",
        wrap="wrap",
    )


def job_view() -> rx.Component:
    d = J.job
    return rx.vstack(
        rx.link("← Jobs", href="/office/jobs", size="2"),
        page_heading("Job", job_actions()),
        rx.hstack(
            rx.heading("Job #", d["number"], size="5", as_="p", id="job-number"),
            rx.box(status_badge(d["status"]), id="job-status"),
            align="center",
            spacing="3",
        ),
        notice(J.message),
        rx.grid(
            _section(
                "Booking and customer",
                rx.data_list.root(
                    fact("Customer", d["customer"]),
                    fact("Site", d["site"]),
                    fact("Address", d["address"]),
                    fact("Contact", d["contact"]),
                    fact("Order No.", d["order"]),
                    fact("Requested", d["requested"]),
                    fact("Visit", rx.text(d["visit"], id="job-visit")),
                    fact("Technician", rx.text(d["technician"], id="job-technician")),
                    fact("Completed", d["completed"]),
                    fact("Total", d["total"]),
                    orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
                ),
            ),
            _section(
                "Description",
                rx.text(d["description"], white_space="pre-wrap", size="2"),
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
        ),
        _section(
            "Job contacts",
            _simple_table(
                J.contacts,
                ["Name", "Email", "Phone"],
                ["name", "email", "phone"],
                "No job contacts.",
                "job-contacts",
            ),
        ),
        _section(
            "Lines",
            _simple_table(
                J.items,
                ["Item", "Qty", "Unit price", "Amount"],
                ["description", "quantity", "price", "total"],
                "No lines on this job.",
                "job-lines",
            ),
        ),
        _section(
            "Assets",
            _simple_table(
                J.assets,
                ["Asset", "Name", "Location", "Type"],
                ["number", "name", "location", "type"],
                "No assets on this job.",
                "job-assets",
            ),
        ),
        _section(
            "Attachments",
            _simple_table(
                J.attachments, ["File", "Size"], ["name", "size"], "No files on this job.", "job-files"
            ),
        ),
        _section(
            "History",
            _simple_table(
                J.history,
                ["When", "What", "Who", "Change"],
                ["at", "action", "who", "change"],
                "Nothing recorded yet.",
                "job-history",
            ),
        ),
        booking_dialog(),
        complete_dialog(),
        spacing="4",
        width="100%",
        id="office-job",
    )


@office_page("/office/jobs/[job_id]", "Job", Duty.SCHEDULE_JOBS, on_load=[J.load])
def job_page() -> rx.Component:
    return rx.cond(
        J.loaded,
        rx.cond(
            J.found,
            job_view(),
            rx.vstack(
                rx.heading("Job not found", size="5", as_="h1", id="job-not-found"),
                rx.link("Back to the jobs", href="/office/jobs"),
            ),
        ),
        rx.spinner(),
    )


# A new job.


def _select(
    name: str, label: str, options: rx.Var, on_change=None, placeholder: str = "Choose…"
) -> rx.Component:
    return field(
        label,
        rx.el.select(
            rx.el.option(placeholder, value=""),
            rx.foreach(options, lambda o: rx.el.option(o["name"], value=o["id"])),
            name=name,
            id=f"new-{name}",
            on_change=on_change,
            style={"padding": "0.4em", "width": "100%"},
        ),
        N.errors[name].to(str) | "",
        html_for=f"new-{name}",
    )


def _line(line: rx.Var, n: rx.Var) -> rx.Component:
    key = n.to_string()
    return rx.vstack(
        rx.grid(
            rx.input(
                name="description_" + key,
                placeholder="Description",
                aria_label="Line description",
                max_length=500,
            ),
            rx.input(name="quantity_" + key, default_value="1", aria_label="Quantity", input_mode="numeric"),
            rx.input(name="price_" + key, placeholder="0.00", aria_label="Unit price", input_mode="decimal"),
            rx.el.select(
                rx.el.option("Plain", value=""),
                rx.el.option("Labour", value="labour"),
                rx.el.option("Material", value="material"),
                name="kind_" + key,
                aria_label="Kind",
                style={"padding": "0.4em"},
            ),
            columns=rx.breakpoints(initial="1", sm="4"),
            spacing="2",
            width="100%",
        ),
        rx.cond(
            N.errors.contains("line_" + key),
            rx.text(N.errors["line_" + key], size="1", color_scheme="red", role="alert"),
        ),
        width="100%",
        class_name="new-line",
    )


@office_page("/office/jobs/new", "New job", Duty.SCHEDULE_JOBS, on_load=[N.load])
def new_job_page() -> rx.Component:
    return rx.vstack(
        rx.link("← Jobs", href="/office/jobs", size="2"),
        page_heading("New job"),
        rx.card(
            rx.vstack(
                search_form(
                    N.customer_search,
                    N.find_customer,
                    N.load,
                    "Customer name",
                    label="Find a customer",
                    name="customer_q",
                    input_ids=("customer-search", "customer-search-button"),
                ),
                _select("customer", "Customer", N.customers, on_change=N.choose_customer),
                width="100%",
            ),
            width="100%",
        ),
        rx.form(
            rx.vstack(
                _select("site", "Site", N.sites),
                _select("contact", "Contact (optional)", N.people, placeholder="None"),
                field(
                    "Description",
                    rx.text_area(name="description", id="new-description", rows="4", max_length=20000),
                    N.errors["description"].to(str) | "",
                    html_for="new-description",
                ),
                field(
                    "Order No. (optional)",
                    rx.input(name="order_number", id="new-order", max_length=60),
                    N.errors["order_number"].to(str) | "",
                    html_for="new-order",
                ),
                rx.heading("Lines (optional)", size="3", as_="h2"),
                rx.foreach(N.lines, _line),
                rx.cond(N.errors.contains("lines"), rx.text(N.errors["lines"], color_scheme="red", size="1")),
                rx.hstack(
                    rx.button("Add line", type="button", variant="soft", on_click=N.add_line, id="add-line"),
                    rx.cond(
                        N.lines.length() > 0,
                        rx.button("Remove last line", type="button", variant="ghost", on_click=N.remove_line),
                    ),
                ),
                rx.button("Create job", type="submit", id="create-job", loading=N.busy),
                spacing="3",
                width="100%",
            ),
            on_submit=N.create,
            reset_on_submit=False,
            width="100%",
        ),
        spacing="4",
        width="100%",
        max_width="720px",
    )
