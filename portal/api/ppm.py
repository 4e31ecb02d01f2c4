"""The PPM report's data as CSV: the same scoped grid as the screen, for the same filters."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.api.session import csv_response, scope_from_request
from portal.db import unit_of_work
from portal.services import ppm
from portal.services.access import Scope
from portal.services.invoices import contractor_today


def _grid(request: Request) -> tuple[int, str] | ppm.Grid:
    """The grid, or an HTTP status and message when the request may not have it."""
    with unit_of_work() as session:
        scope: Scope | None = scope_from_request(session, request)
        if scope is None:
            return 401, "Sign in to download."
        if not scope.can("reports"):
            return 403, "Not available to your login."
        today = contractor_today(session)
        filters, errors = ppm.read_filters(request.query_params, today)
        if errors:
            return 400, " ".join(errors.values())
        if ppm.check_filters(session, scope, filters):
            return 403, "Not available to your login."
        return ppm.compute(session, scope, filters, today)


async def export_ppm(request: Request) -> Response:
    found = await run_in_threadpool(_grid, request)
    if isinstance(found, tuple):
        return PlainTextResponse(found[1], status_code=found[0])
    body: Iterator[str] = ppm.grid_csv(found)
    return csv_response(body, f"ppm-{found.year}")


routes = [Route("/export/reports/ppm.csv", export_ppm, methods=["GET"])]
