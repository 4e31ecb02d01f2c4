"""The CSV of one site's assets, from the same scoped query as Assets > View Assets, streamed.

The site id is part of the path (``/export/assets/<site>.csv``): ``/export/{name}.csv`` belongs to
the list exports, which are mounted first and would answer ``/export/assets.csv`` with a 404.
"""

from __future__ import annotations

from collections.abc import Iterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.api.session import csv_response, scope_from_request
from portal.core.lists import MAX_SEARCH
from portal.core.principal import Scope
from portal.db import unit_of_work
from portal.services.assets import assets
from portal.services.sites import sites


def _check(request: Request) -> tuple[Scope | None, tuple[int, str] | None]:
    """The scope, and the site's id and name when it is one the screen offers: the contact's, and active."""
    with unit_of_work() as session:
        scope = scope_from_request(session, request)
        if scope is None or not scope.can(assets.PAGE):
            return scope, None
        site = sites.site_for(session, scope, request.path_params["site"])
        return scope, (site.id, site.name) if site is not None and site.is_active else None


def _stream(scope: Scope, site_id: int, search: str) -> Iterator[str]:
    """Holds one read transaction open while the rows stream, then closes it."""
    with unit_of_work(read_only=True) as session:
        yield from assets.asset_csv(session, scope, site_id, search)


async def export_site_assets(request: Request) -> Response:
    scope, site = await run_in_threadpool(_check, request)
    if scope is None:
        return PlainTextResponse("Sign in to download.", status_code=401)
    if not scope.can(assets.PAGE):
        return PlainTextResponse("Not available to your login.", status_code=403)
    if site is None:
        return PlainTextResponse("Not found.", status_code=404)
    site_id, site_name = site
    search = request.query_params.get("q", "")[:MAX_SEARCH]
    return csv_response(_stream(scope, site_id, search), f"assets-{site_name}", scope)


routes = [Route("/export/assets/{site}.csv", export_site_assets, methods=["GET"])]
