"""Downloads of the Advanced reports: each report's CSV and the documents the contractor publishes.

Both check the session cookie (401), then the Advanced tier and the contact's Reports page (403),
and read through the same scoped services as the screens, so a filter naming another customer's
site yields an empty report and a document id from elsewhere is not found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.api.files import file_response
from portal.api.session import csv_response, request_scope, scope_from_request
from portal.core import dates, tenant
from portal.core.principal import ADVANCED_REPORTS, Scope
from portal.db import unit_of_work
from portal.services.assets import contracts
from portal.services.documents import published as published_documents
from portal.services.reports import budget_forecast, life_cycle, monthly_report

MAX_PARAM = 20


def _last_month(value: str, today: date) -> date:
    """The link carries ``YYYY-MM`` from the browser: one that is not a supported month falls back to this
    one."""
    chosen = dates.read_month(value[:7])
    return chosen if isinstance(chosen, date) else today.replace(day=1)


def _documents(name: str) -> Callable[..., Iterator[str]]:
    kind = published_documents.KINDS[name]
    return lambda session, scope, site, _month, _today: published_documents.documents_csv(
        session, scope, kind, site
    )


def _monthly(session, scope, site, month: str, today: date) -> Iterator[str]:
    return monthly_report.monthly_csv(session, scope, site, _last_month(month, today))


# report name -> its CSV: (session, scope, site, month, today) -> CSV text
CSVS: dict[str, Callable[..., Iterator[str]]] = {
    "monthly": _monthly,
    "budget": lambda session, scope, site, _month, today: budget_forecast.budget_csv(
        session, scope, site, today
    ),
    "life-cycle": lambda session, scope, site, _month, today: life_cycle.life_cycle_csv(
        session, scope, site, today
    ),
    "contracts": lambda session, scope, site, _month, today: contracts.contracts_csv(
        session, scope, site, today
    ),
    **{name: _documents(name) for name in published_documents.KINDS},
}


def _refusal(scope: Scope | None) -> Response | None:
    if scope is None:
        return PlainTextResponse("Sign in to download.", status_code=401)
    if not scope.can(ADVANCED_REPORTS):
        return PlainTextResponse("This report is part of the Advanced customer portal.", status_code=403)
    return None


def _stream(make: Callable[..., Iterator[str]], scope: Scope, site: str, month: str) -> Iterator[str]:
    """Holds one read transaction open while the rows stream, then closes it."""
    with unit_of_work(read_only=True) as session:
        yield from make(session, scope, site or None, month, tenant.today(session))


async def export_report(request: Request) -> Response:
    name = request.path_params["name"]
    make = CSVS.get(name)
    if make is None:
        return PlainTextResponse("Not found.", status_code=404)
    scope = await run_in_threadpool(request_scope, request)
    refused = _refusal(scope)
    if refused is not None:
        return refused
    params = request.query_params
    body = _stream(make, scope, params.get("site", "")[:MAX_PARAM], params.get("month", "")[:MAX_PARAM])
    return csv_response(body, name, scope)


def _document(request: Request, document_id: str):
    with unit_of_work() as session:
        scope = scope_from_request(session, request)
        if scope is None or not scope.can(ADVANCED_REPORTS):
            return scope, None
        return scope, published_documents.document_file(session, scope, document_id)


async def download_document(request: Request) -> Response:
    scope, found = await run_in_threadpool(_document, request, request.path_params["document_id"])
    refused = _refusal(scope)
    if refused is not None:
        return refused
    if found is None:
        return PlainTextResponse("Not found.", status_code=404)
    return file_response(found)


routes = [
    Route("/export/reports/{name}.csv", export_report, methods=["GET"]),
    Route("/files/documents/{document_id}", download_document, methods=["GET"]),
]
