"""Assets > View Assets: pick a site, browse its equipment by type, open an asset for its history."""

from __future__ import annotations

import reflex as rx

from portal.components.detail import fact
from portal.components.shell import template
from portal.components.table import PHONE_HIDE, search_bar
from portal.models import Page
from portal.state.assets.assets import AssetsState
from portal.state.session import SessionState

RESULT_COLOURS = (("Pass", "grass"), ("Fail", "red"), ("Not tested", "amber"))
STATUS_COLOURS = (("Active", "grass"), ("Removed", "gray"))
# The asset's name under its number where the Name column is hidden (PHONE_HIDE's width).
PHONE_ONLY = {"@media (min-width: 641px)": {"display": "none"}}


def _badge(text: rx.Var, colours: tuple[tuple[str, str], ...]) -> rx.Component:
    return rx.badge(text, color_scheme=rx.match(text, *colours, "gray"), variant="soft", radius="full")


def site_picker() -> rx.Component:
    return rx.hstack(
        rx.text("Site", as_="label", html_for="asset-site", weight="medium", size="2"),
        rx.select.root(
            rx.select.trigger(
                placeholder="Choose a site…",
                id="asset-site",
                aria_label="Site",
                flex="1",
                min_width=["0", "280px"],
            ),
            rx.select.content(
                rx.foreach(
                    AssetsState.sites, lambda s: rx.select.item(s["name"], value=s["id"], data_site=s["id"])
                )
            ),
            value=AssetsState.site,
            on_change=AssetsState.choose_site,
        ),
        align="center",
        spacing="2",
        width=["100%", "auto"],
    )


def request_items(row: rx.Var) -> rx.Component:
    """Request a Quote / Book a Job for one asset: only for a working asset and a contact with that page."""

    def item(page: str, label: str, icon: str, href: rx.Var) -> rx.Component:
        return rx.cond(
            SessionState.pages.contains(page) & (row["active"] == "1"),
            rx.menu.item(
                rx.link(
                    rx.hstack(rx.icon(icon, size=14), label, spacing="2"),
                    href=href,
                    width="100%",
                    color="inherit",
                    underline="none",
                )
            ),
        )

    return rx.fragment(
        item(Page.QUOTES, "Request a Quote", "file-plus", row["quote_href"]),
        item(Page.JOBS, "Book a Job", "calendar-plus", row["job_href"]),
    )


def options_menu(row: rx.Var) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.el.span("Options", class_name=PHONE_HIDE),
                rx.icon("chevron-down", size=14),
                variant="soft",
                size="1",
                data_options=row["id"],
                aria_label="Options for asset " + row["number"],
            )
        ),
        rx.menu.content(
            rx.menu.item(
                rx.icon("eye", size=14), "View details", on_select=AssetsState.open_asset(row["id"])
            ),
            request_items(row),
        ),
    )


def asset_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.button(
                row["number"],
                variant="ghost",
                size="1",
                on_click=AssetsState.open_asset(row["id"]),
                data_asset=row["id"],
            ),
            rx.text(row["name"], size="1", color_scheme="gray", style=PHONE_ONLY),
        ),
        rx.table.cell(row["name"], class_name=PHONE_HIDE),
        rx.table.cell(row["location"], class_name=PHONE_HIDE),
        rx.table.cell(row["make_model"], class_name=PHONE_HIDE),
        rx.table.cell(
            rx.cond(
                row["overdue"] == "1",
                rx.text(
                    row["due"],
                    rx.el.span(" (overdue)", class_name=PHONE_HIDE),
                    color_scheme="red",
                    weight="medium",
                    class_name="overdue",
                ),
                rx.text(row["due"]),
            ),
            white_space="nowrap",
        ),
        rx.table.cell(_badge(row["status"], STATUS_COLOURS), class_name=PHONE_HIDE),
        rx.table.cell(options_menu(row)),
    )


def group_table(group: rx.Var) -> rx.Component:
    header = [
        ("Asset No.", False),
        ("Name", True),
        ("Location", True),
        ("Make / Model", True),
        ("Next service due", False),
        ("Status", True),
        ("", False),
    ]
    return rx.vstack(
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(
                                label, class_name=PHONE_HIDE if hide else None, white_space="normal"
                            )
                            for label, hide in header
                        ]
                    )
                ),
                rx.table.body(rx.foreach(AssetsState.group_rows[group["id"]], asset_row)),
                size="1",
                width="100%",
            ),
            width="100%",
            overflow_x="auto",
        ),
        rx.cond(
            group["pages"] != "1",
            rx.hstack(
                rx.text(group["range"], size="2", color_scheme="gray", class_name="group-range"),
                rx.spacer(),
                rx.icon_button(
                    rx.icon("chevron-left", size=16),
                    variant="soft",
                    size="1",
                    disabled=group["prev"] == "",
                    on_click=AssetsState.group_to(group["id"], group["prev"]),
                    aria_label="Previous page of " + group["name"],
                    class_name="group-prev",
                ),
                rx.text("Page " + group["page"] + " of " + group["pages"], size="2", class_name="group-page"),
                rx.icon_button(
                    rx.icon("chevron-right", size=16),
                    variant="soft",
                    size="1",
                    disabled=group["next"] == "",
                    on_click=AssetsState.group_to(group["id"], group["next"]),
                    aria_label="Next page of " + group["name"],
                    class_name="group-next",
                ),
                align="center",
                width="100%",
                spacing="2",
            ),
        ),
        spacing="2",
        width="100%",
        padding=["0 0.5em 0.5em", "0 0.75em 0.75em"],
        id="group-body-" + group["id"],
    )


def asset_group(group: rx.Var) -> rx.Component:
    is_open = group["open"] == "1"
    return rx.card(
        rx.el.button(
            rx.hstack(
                rx.cond(is_open, rx.icon("chevron-down", size=18), rx.icon("chevron-right", size=18)),
                rx.text(group["name"], weight="bold", size="3"),
                rx.badge(group["count"], variant="soft", radius="full", class_name="group-count"),
                align="center",
                spacing="2",
                width="100%",
            ),
            on_click=AssetsState.toggle_group(group["id"]),
            aria_expanded=rx.cond(is_open, "true", "false"),
            aria_controls="group-body-" + group["id"],
            class_name="sort-button group-toggle",
            width="100%",
            box_sizing="border-box",
            padding="0.75em",
        ),
        rx.cond(is_open, group_table(group)),
        padding="0",
        width="100%",
        data_group=group["name"],
    )


def empty(icon: str, message: rx.Var | str, element_id: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=28, color=rx.color("gray", 8)),
            rx.text(message, color_scheme="gray"),
            align="center",
        ),
        padding="2.5em",
        width="100%",
        id=element_id,
    )


def register() -> rx.Component:
    return rx.cond(
        AssetsState.loading,
        rx.center(rx.spinner(size="3"), padding="3em", width="100%", id="assets-loading"),
        rx.cond(
            AssetsState.sites.length() == 0,
            empty(
                "building-2",
                "No sites are linked to your login yet, so there is no equipment to show.",
                "no-sites",
            ),
            rx.cond(
                AssetsState.site == "",
                empty("map-pin", "Choose a site to see its equipment.", "no-site-chosen"),
                rx.cond(
                    AssetsState.groups.length() == 0,
                    empty(
                        "inbox",
                        rx.cond(
                            AssetsState.search != "",
                            "No assets at " + AssetsState.site_name + " match “" + AssetsState.search + "”.",
                            "No assets are recorded at " + AssetsState.site_name + " yet.",
                        ),
                        "no-assets",
                    ),
                    rx.vstack(
                        rx.text(
                            AssetsState.matched.to_string()
                            + rx.cond(AssetsState.matched == 1, " asset", " assets")
                            + rx.cond(AssetsState.search != "", " match your search", "")
                            + " at "
                            + AssetsState.site_name,
                            size="2",
                            color_scheme="gray",
                            id="asset-count",
                        ),
                        rx.foreach(AssetsState.groups, asset_group),
                        spacing="3",
                        width="100%",
                        id="asset-groups",
                    ),
                ),
            ),
        ),
    )


def history_table(
    rows: rx.Var, columns: list[tuple[str, str, bool]], cell, empty_text: str, table_id: str
) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(label, class_name=PHONE_HIDE if hide else None)
                            for _key, label, hide in columns
                        ]
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        rows,
                        lambda r: rx.table.row(
                            *[
                                rx.table.cell(cell(key, r[key]), class_name=PHONE_HIDE if hide else None)
                                for key, _label, hide in columns
                            ]
                        ),
                    )
                ),
                size="1",
                width="100%",
                id=table_id,
            ),
            max_height="45vh",
            overflow_y="auto",
            width="100%",
        ),
        rx.text(empty_text, color_scheme="gray", size="2", id=table_id + "-empty", padding="1em 0"),
    )


def history_tab(value: str, table: rx.Component, note: rx.Var) -> rx.Component:
    """One history tab: the table, then the note saying when it shows only the latest rows."""
    return rx.tabs.content(
        rx.vstack(
            table,
            rx.cond(note != "", rx.text(note, size="1", color_scheme="gray")),
            spacing="2",
            width="100%",
            padding_top="0.75em",
        ),
        value=value,
    )


def _service_cell(key: str, value: rx.Var) -> rx.Component | rx.Var:
    if key == "result":
        return _badge(value, RESULT_COLOURS)
    return rx.text(value, size="2", white_space="nowrap" if key in {"date", "job"} else None)


def _plain_cell(key: str, value: rx.Var) -> rx.Component:
    return rx.text(value, size="2", white_space="nowrap" if key == "date" else None)


def asset_dialog() -> rx.Component:
    d = AssetsState.detail
    services = [
        ("date", "Date", False),
        ("level", "Service level", True),
        ("result", "Result", False),
        ("notes", "Technician notes", False),
        ("technician", "Technician", True),
        ("job", "Job No.", True),
    ]
    transfers = [
        ("date", "Date", False),
        ("from", "From site", False),
        ("to", "To site", False),
        ("reason", "Reason", True),
    ]
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    rx.dialog.title(rx.hstack("Asset ", d["number"], spacing="0"), margin="0"),
                    _badge(d["status"], STATUS_COLOURS),
                    rx.spacer(),
                    rx.dialog.close(
                        rx.icon_button(rx.icon("x"), variant="ghost", aria_label="Close", id="close-asset")
                    ),
                    align="center",
                    width="100%",
                    spacing="3",
                ),
                rx.dialog.description(d["type"] + " · " + d["name"], size="2", color_scheme="gray"),
                rx.data_list.root(
                    fact("Site", d["site"]),
                    fact("Location", d["location"]),
                    fact("Make", d["make"]),
                    fact("Model", d["model"]),
                    fact("Serial No.", d["serial"]),
                    fact("Installed", d["installed"]),
                    fact(
                        "Contract",
                        rx.cond(
                            d["contract_expiry"] != "",
                            d["contract"] + " (expires " + d["contract_expiry"] + ")",
                            d["contract"],
                        ),
                    ),
                    fact(
                        "Service",
                        rx.cond(
                            AssetsState.levels.length() > 0,
                            rx.vstack(
                                rx.foreach(
                                    AssetsState.levels,
                                    lambda lv: rx.text(
                                        lv["name"] + ": next due " + lv["due"],
                                        size="2",
                                        class_name="service-level",
                                    ),
                                ),
                                spacing="0",
                            ),
                            rx.text("No service schedule", size="2", color_scheme="gray"),
                        ),
                    ),
                    rx.cond(
                        d["details"] != "",
                        fact("Details", rx.text(d["details"], white_space="pre-wrap", id="asset-details")),
                    ),
                    size="2",
                ),
                rx.tabs.root(
                    rx.tabs.list(
                        rx.tabs.trigger("Service History", value="service", id="tab-service"),
                        rx.tabs.trigger("Transfer History", value="transfer", id="tab-transfer"),
                    ),
                    history_tab(
                        "service",
                        history_table(
                            AssetsState.services,
                            services,
                            _service_cell,
                            "No tests are recorded for this asset yet.",
                            "service-history",
                        ),
                        d["services_note"],
                    ),
                    history_tab(
                        "transfer",
                        history_table(
                            AssetsState.transfers,
                            transfers,
                            _plain_cell,
                            "This asset has not been moved.",
                            "transfer-history",
                        ),
                        d["transfers_note"],
                    ),
                    value=AssetsState.history_tab,
                    on_change=AssetsState.set_history_tab,
                    width="100%",
                ),
                rx.hstack(request_buttons(d), justify="end", width="100%", spacing="2", wrap="wrap"),
                spacing="4",
                width="100%",
            ),
            max_width="820px",
            id="asset-detail",
        ),
        open=AssetsState.detail_open,
        on_open_change=AssetsState.set_detail_open,
    )


def request_buttons(d: rx.Var) -> rx.Component:
    return rx.fragment(
        rx.cond(
            SessionState.pages.contains(Page.QUOTES) & (d["active"] == "1"),
            rx.link(
                rx.button(rx.icon("file-plus", size=14), "Request a Quote", variant="soft"),
                href=d["quote_href"],
                id="detail-request-quote",
            ),
        ),
        rx.cond(
            SessionState.pages.contains(Page.JOBS) & (d["active"] == "1"),
            rx.link(
                rx.button(rx.icon("calendar-plus", size=14), "Book a Job"),
                href=d["job_href"],
                id="detail-book-job",
            ),
        ),
    )


@template("/assets", "Assets", Page.ASSETS, on_load=[AssetsState.load])
def assets_page() -> rx.Component:
    return rx.vstack(
        rx.heading("Assets", size="6", as_="h1"),
        rx.text(
            "The equipment we look after at your sites, by type. Open an asset for its service and transfer "
            "history.",
            color_scheme="gray",
            size="2",
        ),
        rx.flex(
            site_picker(),
            rx.cond(
                AssetsState.site != "",
                rx.box(
                    search_bar(AssetsState, "Asset no., name, location or details", AssetsState.csv_href),
                    flex="1",
                    width="100%",
                ),
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            align=rx.breakpoints(initial="stretch", sm="center"),
            spacing="3",
            width="100%",
        ),
        rx.cond(
            AssetsState.notice != "",
            rx.callout(
                AssetsState.notice, icon="circle-alert", color_scheme="amber", id="site-notice", width="100%"
            ),
        ),
        register(),
        asset_dialog(),
        spacing="4",
        width="100%",
    )
