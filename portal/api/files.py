"""Attachment downloads: the session cookie and the scope decide, never the id alone."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from portal.api.session import scope_from_request
from portal.db import unit_of_work
from portal.services.files import storage as files


def _find(request: Request, attachment_id: str) -> tuple[bool, files.StoredFile | None]:
    with unit_of_work() as session:
        scope = scope_from_request(session, request)
        if scope is None:
            return False, None
        return True, files.open_attachment(session, scope, attachment_id)


def file_response(found: files.StoredFile) -> Response:
    """Always a download, never rendered inline: an uploaded HTML or SVG file must not run as the portal."""
    response = FileResponse(
        found.path,
        media_type=found.content_type or "application/octet-stream",
        filename=found.name,
        content_disposition_type="attachment",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


async def download(request: Request) -> Response:
    signed_in, found = await run_in_threadpool(_find, request, request.path_params["attachment_id"])
    if not signed_in:
        return PlainTextResponse("Sign in to download files.", status_code=401)
    if found is None:
        return PlainTextResponse("Not found.", status_code=404)
    return file_response(found)


routes = [Route("/files/attachments/{attachment_id}", download, methods=["GET"])]
