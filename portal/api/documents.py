"""Printable PDFs, generated on the server for the signed-in login and opened in a new tab."""

from __future__ import annotations

from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.api.session import scope_from_request
from portal.db import unit_of_work
from portal.services import prints

NAMES = {"quotes": "quote", "jobs": "job", "invoices": "invoice"}


def _render(request: Request, kind: str, row_id: str) -> tuple[int, tuple[int, bytes] | None]:
    with unit_of_work() as session:
        scope = scope_from_request(session, request)
        if scope is None:
            return 401, None
        if kind == "quotes":
            return 200, prints.quote_pdf(session, scope, row_id, date.today())
        if kind == "invoices":
            return 200, prints.invoice_pdf(session, scope, row_id, date.today())
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
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "private, no-store",
    })


routes = [Route("/documents/{kind}/{row_id}.pdf", document, methods=["GET"])]
