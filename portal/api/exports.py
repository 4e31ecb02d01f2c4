"""CSV downloads of the lists, from the same scoped query as the screen, streamed without a row limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.api.session import csv_response, request_scope
from portal.core import dates, tenant
from portal.core.lists import ListSpec, PageRequest
from portal.core.principal import Scope
from portal.db import unit_of_work
from portal.models import Page
from portal.services.billing import invoices, statements
from portal.services.identity import contacts
from portal.services.sites import listing as sites
from portal.services.work import jobs, quotes, tasks

LABELS = {"start": "From", "end": "To"}
LISTS: dict[str, ListSpec] = {
    spec.name: spec
    for spec in (quotes.QUOTES, jobs.JOBS, invoices.INVOICES, sites.SITES, contacts.CONTACTS, tasks.TASKS)
}


def _stream(spec: ListSpec, scope: Scope, tab: str, request: PageRequest) -> Iterator[str]:
    """Holds one read transaction open while the rows stream, then closes it."""
    with unit_of_work(read_only=True) as session:
        yield from spec.csv(session, scope, tab, request, tenant.today(session))


async def export_list(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in LISTS:
        return PlainTextResponse("Not found.", status_code=404)
    spec = LISTS[name]
    scope = await run_in_threadpool(request_scope, request)
    if scope is None:
        return PlainTextResponse("Sign in to download.", status_code=401)
    if not scope.can(spec.page):
        return PlainTextResponse("Not available to your login.", status_code=403)
    params = request.query_params
    tab = params.get("tab", next(iter(spec.tabs)))
    if tab not in spec.tabs:
        return PlainTextResponse("Unknown tab.", status_code=400)
    wanted = PageRequest(
        search=params.get("q", "")[:100],
        sort=params.get("sort", "")[:20],
        descending=params.get("desc", "1") != "0",
    )
    body = _stream(spec, scope, tab, wanted)
    return csv_response(body, f"{name}-{tab}", scope)


def statement_range(params) -> tuple[date, date] | PlainTextResponse:
    """The statement's From and To from a query string, or the 400 that says which is wrong and why."""
    start, end, errors = dates.read_range(params.get("start"), params.get("end"))
    if errors or start is None or end is None:
        said = " ".join(f"{LABELS[name]}: {message}" for name, message in errors.items())
        return PlainTextResponse(said, status_code=400)
    return start, end


def _statement_stream(scope: Scope, start: date, end: date) -> Iterator[str]:
    with unit_of_work(read_only=True) as session:
        yield from statements.statement_csv(session, scope, start, end, tenant.today(session))


async def export_statement(request: Request) -> Response:
    scope = await run_in_threadpool(request_scope, request)
    if scope is None:
        return PlainTextResponse("Sign in to download.", status_code=401)
    if not scope.can(Page.INVOICES):
        return PlainTextResponse("Not available to your login.", status_code=403)
    found = statement_range(request.query_params)
    if isinstance(found, Response):
        return found
    return csv_response(_statement_stream(scope, *found), f"statement-{found[0]}-to-{found[1]}", scope)


routes = [
    Route("/export/statement.csv", export_statement, methods=["GET"]),
    Route("/export/{name}.csv", export_list, methods=["GET"]),
]
