"""Adding files to the quote, job or site on screen: bytes go to private pending storage, then attach."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal.core.principal import Scope
from portal.db import unit_of_work
from portal.models import AttachmentOwner
from portal.services.files import attachments, uploads

MAX_AT_ONCE = 10


def uploaded(files: object) -> list[rx.UploadFile]:
    """The files Reflex's upload endpoint received. An upload handler is an event handler too, so a
    client can also call it over the websocket with any JSON in place of the files: that is no file."""
    return [f for f in files if isinstance(f, rx.UploadFile)] if isinstance(files, list) else []


async def store(
    files: list[rx.UploadFile], scope: Scope, owner_type: AttachmentOwner, owner_id: int
) -> tuple[int, list[str]]:
    """(files attached, problems to show). Refused files are reported one by one; the rest are kept."""
    problems: list[str] = []
    pending: list[uploads.PendingFile] = []
    files = uploaded(files)
    for upload in files[:MAX_AT_ONCE]:
        try:
            pending.append(
                await asyncio.to_thread(
                    uploads.save_pending, upload.file, upload.name or upload.filename or "file"
                )
            )
        except uploads.UploadRefused as refused:
            problems.append(f"{refused.name}: {refused.message}")
    if len(files) > MAX_AT_ONCE:
        problems.append(f"Attach at most {MAX_AT_ONCE} files at a time.")
    if not pending:
        return 0, problems
    try:
        with unit_of_work() as session:
            rows = attachments.add_to(session, scope, owner_type, owner_id, pending)
    except uploads.UploadRefused as refused:
        return 0, [*problems, f"{refused.name}: {refused.message}"]
    finally:
        for item in pending:
            uploads.discard_pending(item.key)
    if rows is None:
        return 0, [*problems, "That item is not available to your login."]
    return len(rows), problems


async def add_files(
    files: list[rx.UploadFile], scope: Scope, owner_type: AttachmentOwner, owner_id: int, upload_id: str
) -> tuple[list[str], list[rx.event.EventSpec]]:
    """What every "add files" upload handler does: store the files, then (problems to show beside the
    upload, the events to send back: the picker cleared and "N files attached")."""
    added, problems = await store(files, scope, owner_type, owner_id)
    done = [rx.clear_selected_files(upload_id)]
    if added:
        done.append(rx.toast.success(f"{added} file{'' if added == 1 else 's'} attached."))
    return problems, done
