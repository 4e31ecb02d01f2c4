"""The back office's customer list as CSV: the staff cookie and ``Duty.MANAGE_CUSTOMERS`` decide, the
rows are the screen's query (tab, search, sort) without the page, and formula cells are escaped by
``core/exports``. A customer's cookie opens nothing here."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.api.session import csv_response, staff_from_request
from portal.core import tenant
from portal.core.lists import PageRequest
from portal.core.principal import StaffMember
from portal.db import unit_of_work
from portal.services.customers.customers import CUSTOMERS, DUTY


def _staff(request: Request) -> StaffMember | None:
    with unit_of_work() as session:
        return staff_from_request(session, request)


def _stream(staff: StaffMember, tab: str, wanted: PageRequest) -> Iterator[str]:
    with unit_of_work(read_only=True) as session:
        yield from CUSTOMERS.csv(session, staff, tab, wanted, tenant.today(session))


async def export_customers(request: Request) -> Response:
    staff = await run_in_threadpool(_staff, request)
    if staff is None:
        return PlainTextResponse("Sign in to the back office to download.", status_code=401)
    if not staff.has(DUTY):
        return PlainTextResponse("Not available to your role.", status_code=403)
    params = request.query_params
    tab = params.get("tab", next(iter(CUSTOMERS.tabs)))
    if tab not in CUSTOMERS.tabs:
        return PlainTextResponse("Unknown tab.", status_code=400)
    wanted = PageRequest(
        search=params.get("q", "")[:100],
        sort=params.get("sort", "")[:20],
        descending=params.get("desc", "1") != "0",
    )
    with unit_of_work(read_only=True) as session:
        zone = tenant.contractor(session).timezone or "UTC"
    body = _stream(staff, tab, wanted)
    return csv_response(body, f"customers-{tab}", _Named(zone))


class _Named:
    """What ``csv_response`` reads of a scope: the office's time zone, for the file's date."""

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone


routes = [Route("/export/office/customers.csv", export_customers, methods=["GET"])]
