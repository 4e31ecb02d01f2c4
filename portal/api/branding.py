"""``/brand/logo``: the contractor's logo for every page, signed in or not (the login page shows it).

Public on purpose: a logo is what the contractor shows the world. Served only with the type its
bytes were checked as at upload (PNG, JPEG or WebP), with ``nosniff`` so a browser never reads it
as anything else, inline (it is an image on a page) under the download policy that `api/headers.py` puts on
every non-page answer (nothing in it runs).
The address carries ``?v=`` that changes with each new logo, so it may be cached for a long time.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from portal.core import tenant
from portal.db import unit_of_work
from portal.services.settings import branding


def _find() -> tuple[str, str] | None:
    with unit_of_work(read_only=True) as session:
        row = tenant.contractor(session)
        path = branding.logo_path(row)
        return (str(path), row.logo_type) if path is not None else None


async def logo(request: Request) -> Response:
    found = await run_in_threadpool(_find)
    if found is None:
        return PlainTextResponse("No logo.", status_code=404, headers={"Cache-Control": "no-store"})
    path, content_type = found
    response = FileResponse(path, media_type=content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    versioned = bool(request.query_params.get("v"))
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
    return response


routes = [Route(branding.LOGO_ROUTE, logo, methods=["GET"])]
