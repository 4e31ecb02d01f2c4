"""The Advanced portal's reports: Monthly, Budget Forecast, Life Cycle, Contracts and the published documents.

Each page is registered under the "advanced_reports" key, so on the Standard tier the shell shows
"part of the Advanced portal" instead of the content. The filter bar, the chart card and the
table are shared by all of them.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from portal.components.links import server_link
from portal.components.reports import REPORTS, report_heading
from portal.components.shell import template
from portal.components.table import PHONE_HIDE, Column, csv_menu, scroll_region, status_badge
from portal.core.principal import ADVANCED_REPORTS
from portal.state.assets.contracts import ContractsState
from portal.state.reports.budget_forecast import BudgetForecastState
from portal.state.reports.life_cycle import STAGES, LifeCycleState
from portal.state.reports.monthly_report import MonthlyReportState
from portal.state.reports.published_documents import DocumentsState

TITLES = {r.key: r.title for r in REPORTS}


# -- shared pieces --------------------------------------------------------------------------------


def labelled_select(
    label: str, element_id: str, choices: rx.Var, value: rx.Var, on_change, width: str
) -> rx.Component:
    """A filter with its label above it, so the filters line up in the bar and stack on a phone."""
    return rx.vstack(
        rx.text(label, size="2", weight="medium", as_="label", html_for=element_id),
        rx.select.root(
            rx.select.trigger(id=element_id, aria_label=label, width=["100%", width]),
            rx.select.content(rx.foreach(choices, lambda c: rx.select.item(c["label"], value=c["value"]))),
            value=value,
            on_change=on_change,
        ),
        spacing="1",
        width=["100%", "auto"],
    )


def filter_bar(state, *extra: rx.Component) -> rx.Component:
    """Site (and any other filter) with Run; side by side on a screen, stacked on a phone."""
    site = labelled_select("Site", "report-site", state.site_choices, state.site, state.set_site, "260px")
    return rx.flex(
        site,
        *extra,
        rx.button(
            rx.icon("play", size=14),
            "Run report",
            on_click=state.run,
            loading=state.loading,
            id="run-report",
            width=["100%", "auto"],
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        align=rx.breakpoints(initial="stretch", sm="end"),
        spacing="3",
        wrap="wrap",
        width="100%",
    )


def chart_card(state) -> rx.Component:
    return rx.card(
        rx.plotly(
            data=state.chart,
            use_resize_handler=True,
            width="100%",
            config={"displayModeBar": False, "responsive": True},
        ),
        width="100%",
        id="report-chart",
    )


def empty_state(text: str | rx.Var) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("inbox", size=28, color=rx.color("gray", 8)),
            rx.text(text, color_scheme="gray"),
            align="center",
        ),
        padding="2.5em",
        width="100%",
        id="report-empty",
    )


def report_table(
    columns: list[Column],
    rows: rx.Var,
    row: Callable[[rx.Var], rx.Component],
    footer: rx.Component | None = None,
    size: str = "2",
) -> rx.Component:
    """A report's table; ``row`` renders one row, hiding on a phone the cells of the ``phone=False``
    columns."""
    return scroll_region(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(
                            c.label,
                            text_align=c.align,
                            min_width=c.min_width,
                            **({} if c.phone else {"class_name": PHONE_HIDE}),
                        )
                        for c in columns
                    ]
                )
            ),
            rx.table.body(rx.foreach(rows, row), footer if footer is not None else rx.fragment()),
            variant="surface",
            size=size,
            width="100%",
            id="report-table",
        ),
        "Report table",
    )


def figure_column(key: str, label: str | rx.Var, phone: bool = True) -> Column:
    return Column(key, label, align="right", phone=phone)  # type: ignore[arg-type]


def num(value, phone: bool = True, **props) -> rx.Component:
    return rx.table.cell(
        value,
        text_align="right",
        white_space="nowrap",
        **({} if phone else {"class_name": PHONE_HIDE}),
        **props,
    )


def report_body(state, has_rows: rx.Var, empty: str, *content: rx.Component) -> rx.Component:
    """Spinner while a report runs, its empty state when nothing matched, else the content."""
    return rx.cond(
        state.loading,
        rx.center(rx.spinner(size="3"), padding="3em", width="100%", aria_label="Loading report"),
        rx.cond(has_rows, rx.vstack(*content, spacing="4", width="100%"), empty_state(empty)),
    )


def total_label() -> rx.Component:
    return rx.table.row_header_cell(rx.text("Total", weight="bold"))


def page(key: str, state, *body: rx.Component) -> rx.Component:
    return rx.vstack(report_heading(key, csv_menu(state.csv_href)), *body, spacing="4", width="100%")


# -- Monthly Report -------------------------------------------------------------------------------


def _month_filter() -> rx.Component:
    s = MonthlyReportState
    return labelled_select("Period", "report-month", s.month_choices, s.month, s.set_month, "220px")


MONTHLY_COLUMNS = [
    Column("month", "Month"),
    figure_column("jobs_opened", "Jobs opened", False),
    figure_column("jobs_completed", "Jobs completed"),
    figure_column("passed", "Passed"),
    figure_column("failed", "Failed"),
    figure_column("not_tested", "Not tested", False),
    figure_column("defects_found", "Defects found"),
    figure_column("defects_rectified", "Defects rectified", False),
]


def _month_figures(r: rx.Var, ids: dict[str, str] | None = None) -> list[rx.Component]:
    """A month's figures (or the totals) under MONTHLY_COLUMNS, so a new column cannot miss the totals row."""
    ids = ids or {}
    return [
        num(r[c.key], c.phone, **({"id": ids[c.key]} if c.key in ids else {})) for c in MONTHLY_COLUMNS[1:]
    ]


def _month_row(r: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(r["month"], white_space="nowrap"),
        *_month_figures(r),
        data_month=r["month"],
    )


@template("/reports/monthly", TITLES["monthly"], ADVANCED_REPORTS, on_load=[MonthlyReportState.load])
def monthly_page() -> rx.Component:
    s, t = MonthlyReportState, MonthlyReportState.totals
    totals = rx.table.row(total_label(), *_month_figures(t, {"passed": "total-passed"}), font_weight="bold")
    return page(
        "monthly",
        s,
        filter_bar(s, _month_filter()),
        report_body(
            s,
            s.shown_site != "",
            "Choose one of your sites to see its month-by-month report.",
            rx.heading(s.shown_site, size="4", id="report-site-name"),
            rx.text("Tests by result, month by month", size="2", color_scheme="gray"),
            chart_card(s),
            report_table(MONTHLY_COLUMNS, s.rows, _month_row, totals),
        ),
    )


# -- Budget Forecast ------------------------------------------------------------------------------


def _budget_row(r: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(r["month"], white_space="nowrap"),
        num(r["services"], False),
        num(r["services_cost"]),
        num(r["quotes"], False),
        num(r["quotes_cost"], False),
        num(rx.text(r["total"], weight="medium")),
        data_month=r["month"],
    )


def _figure(label: str, value: rx.Var, element_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            rx.text(value, size="5", weight="bold", id=element_id),
            spacing="1",
        ),
        flex="1",
        min_width="160px",
    )


@template("/reports/budget", TITLES["budget"], ADVANCED_REPORTS, on_load=[BudgetForecastState.load])
def budget_page() -> rx.Component:
    s = BudgetForecastState
    totals = rx.table.row(
        total_label(),
        num("", False),
        num(s.services_total),
        num("", False),
        num(s.quotes_total, False),
        num(rx.text(s.total, weight="bold")),
    )
    return page(
        "budget",
        s,
        filter_bar(s),
        report_body(
            s,
            s.rows.length() > 0,
            "Nothing to forecast for this choice.",
            rx.flex(
                _figure("Next 12 months", s.total, "budget-total"),
                _figure("Services (estimated)", s.services_total, "budget-services"),
                _figure("Open defect quotes", s.quotes_total, "budget-quotes"),
                spacing="3",
                wrap="wrap",
                width="100%",
            ),
            chart_card(s),
            report_table(
                [
                    Column("month", "Month"),
                    figure_column("services", "Services due", False),
                    figure_column("services_cost", "Services"),
                    figure_column("quotes", "Defect quotes", False),
                    figure_column("quotes_cost", "Quoted", False),
                    figure_column("total", "Total"),
                ],
                s.rows,
                _budget_row,
                totals,
            ),
            rx.text(
                "Services are estimated: each test is priced at its contract's yearly value divided by the "
                "tests "
                "the contract covers in a year; equipment on no contract at your average contract rate (",
                s.average_rate,
                " a test). Overdue services count in the current month. Open defect quotes "
                "count in the month you asked for the work, or this month.",
                size="1",
                color_scheme="gray",
            ),
            rx.cond(
                s.awaiting > 0,
                rx.callout(
                    rx.cond(
                        s.awaiting == 1,
                        "1 open defect quote is still being priced; it counts as nothing until it is.",
                        f"{s.awaiting} open defect quotes are still being priced; they count as nothing "
                        f"until they are.",
                    ),
                    icon="info",
                    size="1",
                    id="budget-awaiting",
                ),
            ),
        ),
    )


# -- Life Cycle Analysis --------------------------------------------------------------------------


def _life_row(r: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(r["type"]),
        num(r["life"], False),
        num(r["total"]),
        *[num(r[key], key in ("nearing", "past")) for key, _l, _c in STAGES],
        *[num(r[f"due{i}"], False) for i in range(5)],
        data_type=r["type"],
    )


@template("/reports/life-cycle", TITLES["life-cycle"], ADVANCED_REPORTS, on_load=[LifeCycleState.load])
def life_cycle_page() -> rx.Component:
    s = LifeCycleState
    columns = [
        Column("type", "Asset type", min_width="140px"),
        figure_column("life", "Life", False),
        figure_column("total", "Assets"),
        *[figure_column(key, label, key in ("nearing", "past")) for key, label, _c in STAGES],
        *[figure_column(f"due{i}", f"Due {s.years[i]}", False) for i in range(5)],
    ]
    totals = rx.table.row(
        total_label(),
        num("", False),
        num(s.totals["total"], id="life-total"),
        *[num(s.totals[key], key in ("nearing", "past")) for key, _l, _c in STAGES],
        *[num(s.due[i], False, id=f"due-total-{i}") for i in range(5)],
        font_weight="bold",
    )
    return page(
        "life-cycle",
        s,
        filter_bar(s),
        report_body(
            s,
            s.rows.length() > 0,
            "No equipment at this choice of sites.",
            rx.text(
                "Equipment by type: within its expected life, in its last fifth, past it, or of unknown age",
                size="2",
                color_scheme="gray",
            ),
            chart_card(s),
            report_table(columns, s.rows, _life_row, totals, size="1"),
            rx.text(
                "Replacements are counted in the year an item's expected life ends; items already past it "
                "are "
                "due this year. An asset's own expected life is used where recorded, otherwise its type's.",
                size="1",
                color_scheme="gray",
            ),
        ),
    )


# -- Contracts ------------------------------------------------------------------------------------


def _contract_row(r: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(r["number"], white_space="nowrap"),
        rx.table.cell(r["name"], class_name=PHONE_HIDE, min_width="200px"),
        rx.table.cell(r["start"], white_space="nowrap", class_name=PHONE_HIDE),
        rx.table.cell(r["expiry"], white_space="nowrap"),
        rx.table.cell(
            rx.match(
                r["status"],
                ("Expired", rx.badge("Expired", color_scheme="red", variant="soft")),
                ("Expiring soon", rx.badge("Expiring soon", color_scheme="amber", variant="soft")),
                ("Current", rx.badge("Current", color_scheme="grass", variant="soft")),
                status_badge(r["status"]),
            )
        ),
        num(r["value"], False),
        rx.table.cell(r["sites"], min_width="160px", class_name=PHONE_HIDE),
        num(r["assets"]),
        data_contract=r["number"],
    )


@template("/reports/contracts", TITLES["contracts"], ADVANCED_REPORTS, on_load=[ContractsState.load])
def contracts_page() -> rx.Component:
    s = ContractsState
    return page(
        "contracts",
        s,
        filter_bar(s),
        report_body(
            s,
            s.rows.length() > 0,
            "No contracts cover this choice of sites.",
            report_table(
                [
                    Column("number", "Contract No."),
                    Column("name", "Name", phone=False),
                    Column("start", "Start", phone=False),
                    Column("expiry", "Expiry"),
                    Column("status", "Status"),
                    figure_column("value", "Value", False),
                    Column("sites", "Sites", phone=False),
                    figure_column("assets", "Assets"),
                ],
                s.rows,
                _contract_row,
            ),
            rx.text(
                "Expiring soon: within 60 days. Sites and assets are those at the sites your login covers.",
                size="1",
                color_scheme="gray",
            ),
        ),
    )


# -- Work Method Statements, Site Inductions, Reference Material ----------------------------------


def _document_row(r: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            server_link(
                rx.hstack(rx.icon("file-text", size=14), r["title"], spacing="2", align="center"),
                href=r["href"],
                download=True,
                data_document=r["id"],
            ),
        ),
        rx.table.cell(r["site"]),
        rx.table.cell(r["published"], white_space="nowrap", class_name=PHONE_HIDE),
        num(r["size"], False),
        rx.table.cell(
            server_link(
                rx.icon_button(
                    rx.icon("download", size=14),
                    variant="soft",
                    size="1",
                    aria_label="Download " + r["title"],
                ),
                href=r["href"],
                download=True,
            )
        ),
    )


def _documents_page(key: str) -> Callable[[], rx.Component]:
    def content() -> rx.Component:
        s = DocumentsState
        return page(
            key,
            s,
            filter_bar(s),
            report_body(
                s,
                s.rows.length() > 0,
                f"No {TITLES[key].lower()} published for this choice of sites yet.",
                report_table(
                    [
                        Column("title", "Title"),
                        Column("site", "Site"),
                        Column("published", "Published", phone=False),
                        figure_column("size", "Size", False),
                        Column("download", ""),
                    ],
                    s.rows,
                    _document_row,
                ),
            ),
        )

    content.__name__ = f"{key.replace('-', '_')}_page"
    route = next(r.route for r in REPORTS if r.key == key)
    return template(route, TITLES[key], ADVANCED_REPORTS, on_load=[DocumentsState.open_kind(key)])(content)


for _key in ("work-method-statements", "site-inductions", "reference-material"):
    _documents_page(_key)
