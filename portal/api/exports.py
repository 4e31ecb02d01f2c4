"""CSV downloads of the lists, from the same scoped query as the screen, streamed without a row limit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from portal.api.session import scope_from_request
from portal.db import unit_of_work
from portal.services import exports, invoices, jobs, quotes
from portal.services.access import Scope

# list name -> (page access, tabs, the service's CSV generator)
LISTS: dict[str, tuple[str, tuple[str, ...], Callable[..., Iterator[str]]]] = {
    "quotes": ("quotes", quotes.QUOTE_TABS, quotes.quote_csv),
    "jobs": ("jobs", jobs.JOB_TABS, jobs.job_csv),
    "invoices": ("invoices", invoices.INVOICE_TABS, invoices.invoice_csv),
}


def _scope(request: Request) -> Scope | None:
    with unit_of_work() as session:
        return scope_from_request(session, request)


def _stream(make: Callable[..., Iterator[str]], scope: Scope, tab: str, search: str, sort: str,
            descending: bool) -> Iterator[str]:
    """Holds one read transaction open while the rows stream, then closes it."""
    with unit_of_work() as session:
        yield from make(session, scope, tab, search, sort, descending, date.today())


async def export_list(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in LISTS:
        return PlainTextResponse("Not found.", status_code=404)
    page, tabs, make = LISTS[name]
    scope = await run_in_threadpool(_scope, request)
    if scope is None:
        return PlainTextResponse("Sign in to download.", status_code=401)
    if not scope.can(page):
        return PlainTextResponse("Not available to your login.", status_code=403)
    params = request.query_params
    tab = params.get("tab", tabs[0])
    if tab not in tabs:
        return PlainTextResponse("Unknown tab.", status_code=400)
    body = _stream(make, scope, tab, params.get("q", "")[:100], params.get("sort", "")[:20],
                   params.get("desc", "1") != "0")
    filename = exports.filename(f"{name}-{tab}", date.today())
    return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    })


routes = [Route("/export/{name}.csv", export_list, methods=["GET"])]
