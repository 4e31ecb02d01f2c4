"""The scope: another customer's rows, unassigned sites and disallowed pages are never returned."""

from sqlmodel import select

from portal.core import clock, visibility
from portal.core.principal import AccessDenied
from portal.models import Invoice, PortalTier, Quote, Site
from portal.services.identity import principals
from portal.services.reports import dashboard
from tests.frozen import TODAY
from tests.unit import factories as f


def _two_customers(session):
    mine, theirs = f.customer(session, "Mine"), f.customer(session, "Theirs")
    a, b, c = f.site(session, mine, "A"), f.site(session, mine, "B"), f.site(session, mine, "C")
    other = f.site(session, theirs, "Other")
    return mine, theirs, (a, b, c), other


def test_scope_of_full_contact_sees_all_sites(session):
    mine, _, _, _ = _two_customers(session)
    who = f.contact(session, mine)
    scope = principals.scope_for(session, who.id)
    assert scope.site_ids is None and scope.customer_id == mine.id
    assert scope.can("invoices") and scope.can("dashboard")


def test_limited_contact_sees_only_assigned_sites(session):
    mine, _, (a, b, c), _ = _two_customers(session)
    who = f.contact(session, mine, sites=[a, b], pages=["quotes"])
    scope = principals.scope_for(session, who.id)
    assert scope.site_ids == {a.id, b.id}
    for s in (a, b, c):
        f.quote(session, s)
    seen = session.exec(visibility.scoped(select(Quote.site_id), scope, Quote)).all()
    assert set(seen) == {a.id, b.id}
    assert visibility.get(session, scope, Site, c.id) is None
    assert visibility.get(session, scope, Site, a.id).id == a.id


def test_assigned_site_of_another_customer_is_ignored(session):
    mine, _, (a, _, _), other = _two_customers(session)
    who = f.contact(session, mine, sites=[a, other])
    assert principals.scope_for(session, who.id).site_ids == {a.id}


def test_other_customers_id_finds_nothing(session):
    mine, theirs, (a, _, _), other = _two_customers(session)
    scope = principals.scope_for(session, f.contact(session, mine).id)
    foreign = f.quote(session, other)
    assert visibility.get(session, scope, Quote, foreign.id) is None
    assert visibility.get(session, scope, Quote, str(foreign.id)) is None
    assert visibility.get(session, scope, Quote, "1 OR 1=1") is None
    assert visibility.get(session, scope, Quote, f.quote(session, a).id) is not None


def test_pages_are_checked(session):
    mine, _, _, _ = _two_customers(session)
    scope = principals.scope_for(session, f.contact(session, mine, pages=["quotes", "bogus"]).id)
    assert scope.pages == {"quotes"}
    assert not scope.can("invoices")
    try:
        scope.require("invoices")
    except AccessDenied:
        pass
    else:
        raise AssertionError("invoices should be refused")


def test_inactive_or_deactivated_login_has_no_scope(session):

    mine, _, _, _ = _two_customers(session)
    assert principals.scope_for(session, f.contact(session, mine, login_active=False).id) is None
    gone = f.contact(session, mine)
    gone.deactivated_at = clock.now()
    session.add(gone)
    session.flush()
    assert principals.scope_for(session, gone.id) is None
    assert principals.scope_for(session, 999_999) is None


def test_tier_comes_from_the_contractor(session):
    from portal.models import Contractor

    session.add(Contractor(company_name="Sparks", portal_tier=PortalTier.ADVANCED))
    mine, _, _, _ = _two_customers(session)
    assert principals.scope_for(session, f.contact(session, mine).id).advanced


def test_dashboard_counts_only_what_the_scope_allows(session):
    mine, _, (a, b, c), other = _two_customers(session)
    f.invoice(session, a, 10_000)
    f.invoice(session, b, 5_000, due_in_days=-5)
    f.invoice(session, c, 7_000)
    f.invoice(session, other, 999_999)
    f.invoice(session, a, 3_000, paid=3_000)
    f.quote(session, a)
    f.quote(session, c)
    f.defect(session, f.asset(session, a))
    f.defect(session, f.asset(session, c))
    full = principals.scope_for(session, f.contact(session, mine).id)
    board = dashboard.build(session, full, TODAY)
    assert board.unpaid_cents == 22_000 and board.overdue_cents == 5_000 and board.overdue_count == 1
    assert board.quotes_outstanding == 2 and board.defects_current == 2 and board.services_due == 2
    # With the Reports page, services due open the PPM and a defect opens Current Defects on its asset.
    assert (board.due_href, board.defects_href) == ("/reports/ppm", "/reports/defects")
    assert {line.href.partition("?")[0] for line in board.defect_lines} == {"/reports/defects"}
    assert any(f"site={a.id}&q=" in line.href for line in board.defect_lines)

    limited = principals.scope_for(
        session, f.contact(session, mine, sites=[a, b], pages=["quotes", "assets"]).id
    )
    board = dashboard.build(session, limited, TODAY)
    assert board.unpaid_cents is None, "no invoices page: no money shown"
    assert board.quotes_outstanding == 1 and board.defects_current == 1 and board.services_due == 1
    # Without it, the asset register: a link the contact can open.
    assert (board.due_href, board.defects_href) == ("/assets", "/assets")
    assert [line.href.partition("?")[0] for line in board.defect_lines] == ["/assets"]


def test_invoice_sum_excludes_other_customers(session):
    mine, _, (a, _, _), other = _two_customers(session)
    f.invoice(session, other, 123)
    scope = principals.scope_for(session, f.contact(session, mine).id)
    assert session.exec(visibility.scoped(select(Invoice), scope, Invoice)).all() == []
