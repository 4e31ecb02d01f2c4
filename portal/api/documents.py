"""Printable PDFs, generated on the server for the signed-in login and opened in a new tab."""

from __future__ import annotations

from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.api.exports import statement_range
from portal.api.session import scope_from_request
from portal.core import tenant
from portal.db import unit_of_work
from portal.models import Page
from portal.services.documents import prints

# list (and page) name -> what one of its documents is called
NAMES = {"quotes": "quote", "jobs": "job", "invoices": "invoice"}


def _render(request: Request, kind: str, row_id: str) -> tuple[int, tuple[int, bytes] | None]:
    """A login without the list's page gets what an id it cannot see gets: not found."""
    with unit_of_work() as session:
        scope = scope_from_request(session, request)
        if scope is None:
            return 401, None
        if not scope.can(kind):
            return 404, None
        if kind == Page.QUOTES:
            return 200, prints.quote_pdf(session, scope, row_id, tenant.today(session))
        if kind == Page.INVOICES:
            return 200, prints.invoice_pdf(session, scope, row_id, tenant.today(session))
        return 200, prints.job_pdf(session, scope, row_id)


async def document(request: Request) -> Response:
    kind, row_id = request.path_params["kind"], request.path_params["row_id"]
    if kind not in NAMES:
        return PlainTextResponse("Not found.", status_code=404)
    status, found = await run_in_threadpool(_render, request, kind, row_id)
    if status == 401:
        return PlainTextResponse("Sign in to print.", status_code=401)
    if found is None:
        return PlainTextResponse("Not found.", status_code=404)
    number, pdf = found
    name = f"{NAMES[kind]}-{number}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _statement(request: Request, start: date, end: date) -> tuple[int, bytes | str]:
    with unit_of_work() as session:
        scope = scope_from_request(session, request)
        if scope is None:
            return 401, "Sign in to print."
        if not scope.can(Page.INVOICES):
            return 403, "Not available to your login."
        try:
            return 200, prints.statement_pdf(session, scope, start, end, tenant.today(session))
        except prints.StatementTooLong as exc:
            return 413, str(exc)


async def statement(request: Request) -> Response:
    found = statement_range(request.query_params)
    if isinstance(found, Response):
        return found
    status, body = await run_in_threadpool(_statement, request, *found)
    if status != 200:
        return PlainTextResponse(str(body), status_code=status)
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="statement-{found[0]}-to-{found[1]}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


routes = [
    Route("/documents/statement.pdf", statement, methods=["GET"]),
    Route("/documents/{kind}/{row_id}.pdf", document, methods=["GET"]),
]
