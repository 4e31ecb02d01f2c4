"""CSV downloads of Current Defects and Test History, from the same scoped query as the screens.

The paths sit under ``/export/reports/``: the lists' ``/export/{name}.csv`` route is mounted
first and would answer ``/export/defects.csv`` with its own 404.

The filters come from the link's query string, so every one is checked again here: a site the
contact may not see answers 404 (as if it did not exist), a malformed date range or status 400.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.api.session import csv_response, request_scope
from portal.core import tenant
from portal.core.principal import Scope
from portal.db import unit_of_work
from portal.services.assets import defects, test_history

NOT_FOUND = "That site is not one of yours, or the filter is not valid."


def _filters(scope: Scope, params) -> defects.AssetFilters | None:
    with unit_of_work() as session:
        return defects.asset_filters(
            session, scope, params.get("site"), params.get("type"), params.get("q", "")
        )


def _today() -> date:
    with unit_of_work() as session:
        return tenant.today(session)


def _stream(make: Callable[..., Iterator[str]], *args) -> Iterator[str]:
    """Holds one read transaction open while the rows stream, then closes it."""
    with unit_of_work(read_only=True) as session:
        yield from make(session, *args)


async def _checked(request: Request) -> tuple[Scope, defects.AssetFilters] | Response:
    """The refusal, or the scope and asset filters: both reports filter their assets the same way."""
    scope = await run_in_threadpool(request_scope, request)
    if scope is None:
        return PlainTextResponse("Sign in to download.", status_code=401)
    if not scope.can(defects.PAGE):
        return PlainTextResponse("Not available to your login.", status_code=403)
    filters = await run_in_threadpool(_filters, scope, request.query_params)
    if filters is None:
        return PlainTextResponse(NOT_FOUND, status_code=404)
    return scope, filters


def _order(params) -> tuple[str, bool]:
    return params.get("sort", "")[:20], params.get("desc", "1") != "0"


async def export_defects(request: Request) -> Response:
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    scope, filters = checked
    return csv_response(
        _stream(defects.defect_csv, scope, filters, *_order(request.query_params)), "current-defects", scope
    )


async def export_test_history(request: Request) -> Response:
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    scope, filters = checked
    params = request.query_params
    start, end, errors = test_history.parse_range(
        params.get("from"), params.get("to"), await run_in_threadpool(_today)
    )
    status = test_history.status_filter(params.get("status"))
    if errors or start is None or end is None:
        return PlainTextResponse("Choose a From date on or before the To date.", status_code=400)
    if status is None:
        return PlainTextResponse("Unknown status.", status_code=400)
    chosen = test_history.HistoryFilters(filters, start, end, status)
    return csv_response(
        _stream(test_history.history_csv, scope, chosen, *_order(params)),
        f"test-history-{start}-to-{end}",
        scope,
    )


routes = [
    Route("/export/reports/defects.csv", export_defects, methods=["GET"]),
    Route("/export/reports/test-history.csv", export_test_history, methods=["GET"]),
]
