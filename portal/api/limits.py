"""A cap on upload request bodies, before Reflex spools them to temporary files.

The upload handler checks every file against the per-file limit, but Reflex's upload endpoint
writes the whole request to disk first; this refuses a body larger than a full request can be
(the per-file limit times the most files one request may carry) while it arrives.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal import config
from portal.services.work.request_rules import MAX_ATTACHMENTS

UPLOAD_PATH = "/_upload"
OVERHEAD = 1024 * 1024  # multipart headers and boundaries


def body_cap() -> int:
    return config.settings().upload_limit_bytes * MAX_ATTACHMENTS + OVERHEAD


class _TooLarge(Exception):
    pass


def upload_cap(app: ASGIApp) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(UPLOAD_PATH):
            await app(scope, receive, send)
            return
        cap = body_cap()
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            await _refuse(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > cap:
                raise _TooLarge
            return message

        try:
            await app(scope, counted, send)
        except _TooLarge:
            await _refuse(send)

    return wrapped


async def _refuse(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": b"Upload too large."})
