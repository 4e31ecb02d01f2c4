"""The PPM report's data as CSV: the same scoped grid as the screen, for the same filters."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.api.session import csv_response, scope_from_request
from portal.core import tenant
from portal.core.principal import Scope
from portal.db import unit_of_work
from portal.models import Page
from portal.services.assets import ppm


def _grid(request: Request) -> PlainTextResponse | tuple[ppm.Grid, Scope]:
    """The grid and its scope, or the answer when the request may not have it."""
    with unit_of_work() as session:
        scope: Scope | None = scope_from_request(session, request)
        if scope is None:
            return PlainTextResponse("Sign in to download.", status_code=401)
        if not scope.can(Page.REPORTS):
            return PlainTextResponse("Not available to your login.", status_code=403)
        today = tenant.today(session)
        filters, errors = ppm.read_filters(request.query_params, today)
        if errors:
            return PlainTextResponse(" ".join(errors.values()), status_code=400)
        if ppm.check_filters(session, scope, filters):
            return PlainTextResponse("Not available to your login.", status_code=403)
        return ppm.compute(session, scope, filters, today), scope


async def export_ppm(request: Request) -> Response:
    found = await run_in_threadpool(_grid, request)
    if isinstance(found, PlainTextResponse):
        return found
    grid, scope = found
    body: Iterator[str] = ppm.grid_csv(grid)
    return csv_response(body, f"ppm-{grid.year}", scope)


routes = [Route("/export/reports/ppm.csv", export_ppm, methods=["GET"])]
