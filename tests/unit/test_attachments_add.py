"""Options > Attachments on an existing quote or job: only through the scope, only checked files."""

import io

import pytest

from portal.models import AttachmentOwner, IntegrationEvent
from portal.services.files import attachments, uploads
from portal.services.files.storage import storage_path
from portal.services.identity import principals
from tests.unit import factories as f

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _pending(name: str = "photo.png", data: bytes = PNG) -> uploads.PendingFile:
    return uploads.save_pending(io.BytesIO(data), name)


def _world(session):
    mine, theirs = f.customer(session, "Mine"), f.customer(session, "Theirs")
    here, there = f.site(session, mine, "Here"), f.site(session, mine, "There")
    return mine, theirs, here, there


def test_files_are_attached_to_a_visible_quote(session):
    mine, _, here, _ = _world(session)
    quote = f.quote(session, here)
    scope = principals.scope_for(session, f.contact(session, mine).id)
    rows = attachments.add_to(session, scope, AttachmentOwner.QUOTE, str(quote.id), [_pending()])
    assert [r.name for r in rows] == ["photo.png"]
    assert rows[0].owner_id == quote.id and rows[0].uploaded_by_contact_id == scope.contact_id
    assert storage_path(rows[0].storage_key).read_bytes() == PNG
    assert session.query(IntegrationEvent).filter_by(kind="attachments.added").count() == 1


@pytest.mark.parametrize("who", ["other_site", "no_page", "other_customer"])
def test_nothing_is_attached_outside_the_scope(session, who):
    mine, theirs, here, there = _world(session)
    job = f.job(session, here)
    contact = {
        "other_site": lambda: f.contact(session, mine, sites=[there]),
        "no_page": lambda: f.contact(session, mine, pages=["quotes"]),
        "other_customer": lambda: f.contact(session, theirs),
    }[who]()
    scope = principals.scope_for(session, contact.id)
    assert attachments.add_to(session, scope, AttachmentOwner.JOB, job.id, [_pending()]) is None
    assert session.query(IntegrationEvent).filter_by(kind="attachments.added").count() == 0


def test_a_pending_file_that_vanished_is_refused(session):
    mine, _, here, _ = _world(session)
    quote = f.quote(session, here)
    scope = principals.scope_for(session, f.contact(session, mine).id)
    gone = _pending()
    uploads.discard_pending(gone.key)
    with pytest.raises(uploads.UploadRefused):
        attachments.add_to(session, scope, AttachmentOwner.QUOTE, quote.id, [gone])


def test_an_executable_never_becomes_pending():
    with pytest.raises(uploads.UploadRefused):
        _pending("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 200)
