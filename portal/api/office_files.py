"""The back office's downloads of customers' files: the staff cookie and a duty that reads what
customers sent decide; a customer's cookie opens nothing here."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.api.files import file_response
from portal.api.session import staff_from_request
from portal.db import unit_of_work
from portal.services.files import office_files
from portal.services.files.storage import StoredFile


def _find(request: Request, attachment_id: str) -> tuple[bool, StoredFile | None]:
    with unit_of_work(read_only=True) as session:
        staff = staff_from_request(session, request)
        if staff is None:
            return False, None
        return True, office_files.open_for_staff(session, staff, attachment_id)


async def download(request: Request) -> Response:
    signed_in, found = await run_in_threadpool(_find, request, request.path_params["attachment_id"])
    if not signed_in:
        return PlainTextResponse("Sign in to the back office to download files.", status_code=401)
    if found is None:
        return PlainTextResponse("Not found.", status_code=404)
    return file_response(found)


routes = [Route("/files/office/attachments/{attachment_id}", download, methods=["GET"])]
