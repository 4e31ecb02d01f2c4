"""The ``portal`` command: migrate, seed demo data, invite a user or a staff member, read the outbox,
print a demo staff login's code, serve."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence

from sqlmodel import select

from portal.config import ROOT, settings


def cmd_migrate(_args: argparse.Namespace) -> int:
    from portal import migrations

    migrations.upgrade(settings().database_url)
    print(f"Database is up to date ({_safe_url(settings().database_url)}).")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    if not args.demo:
        print(
            "Nothing to seed: pass --demo to create the demo contractor and its customers.", file=sys.stderr
        )
        return 2
    from portal.db import unit_of_work
    from portal.demo import seed_demo

    with unit_of_work() as session:
        summary = seed_demo(session, size=args.size)
    print(summary.describe() if hasattr(summary, "describe") else summary)
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from portal.db import unit_of_work
    from portal.models import ALL_PAGES, Contact, Customer
    from portal.services.identity import auth

    with unit_of_work() as session:
        customer = session.exec(select(Customer).where(Customer.name == args.customer)).first()
        if customer is None:
            names = ", ".join(session.exec(select(Customer.name).order_by(Customer.name)).all()) or "none yet"
            print(f"No customer named {args.customer!r}. Customers: {names}", file=sys.stderr)
            return 2
        email = args.email.strip().lower()
        contact = session.exec(
            select(Contact).where(Contact.customer_id == customer.id, Contact.email == email)
        ).first()
        if contact is None:
            contact = Contact(
                customer_id=customer.id,
                email=email,
                first_name=args.first_name,
                last_name=args.last_name,
                pages=list(args.pages or ALL_PAGES),
                all_sites=True,
            )
            session.add(contact)
            session.flush()
        token = auth.send_invite(session, contact.id)
    print(f"Invite sent to {email} (see `portal mail`). Setup link, valid for 7 days:")
    print(f"{settings().public_url}/setup?token={token}")
    return 0


def cmd_create_staff(args: argparse.Namespace) -> int:
    from portal.db import unit_of_work
    from portal.services.identity import staff
    from portal.services.identity.auth import AuthError

    try:
        with unit_of_work() as session:
            row, token = staff.create_staff(session, args.email, args.role, args.name)
            email, role = row.email, row.role
    except AuthError as exc:
        for field, message in exc.field_errors.items():
            print(f"{field}: {message}", file=sys.stderr)
        return 2
    print(f"Staff login created for {email} ({role}); the setup email is in the outbox (see `portal mail`).")
    print("Setup link, valid for 7 days (then set up an authenticator app at the first sign-in):")
    print(f"{settings().public_url}/office/setup?token={token}")
    return 0


def cmd_totp(args: argparse.Namespace) -> int:
    """The current code of a demo staff login: only for the demo's fixed secret, never a real one."""
    from portal.db import unit_of_work
    from portal.demo.catalog import STAFF_TOTP_SECRET
    from portal.models import Staff
    from portal.services.identity import mfa

    with unit_of_work(read_only=True) as session:
        row = session.exec(select(Staff).where(Staff.email == args.email.strip().lower())).first()
        secret = row.totp_secret if row is not None else ""
    if secret != STAFF_TOTP_SECRET:
        print(
            "portal totp prints codes only for the demo's staff logins (the demo's fixed secret). "
            "A real login's code is in its owner's authenticator app.",
            file=sys.stderr,
        )
        return 2
    print(mfa.code_for(secret))
    return 0


def cmd_mail(args: argparse.Namespace) -> int:
    from portal.db import unit_of_work
    from portal.models import OutboxMail
    from portal.services.messaging import mail

    with unit_of_work() as session:
        if args.show:
            row = session.get(OutboxMail, args.show)
            if row is None:
                print(f"No mail #{args.show}.", file=sys.stderr)
                return 2
            print(
                f"To: {row.to_address}\nSubject: {row.subject}\nDate: {row.created_at:%Y-%m-%d %H:%M} UTC\n"
            )
            print(row.body_text)
            return 0
        rows = mail.recent(session, limit=args.limit, to_address=args.to)
        if not rows:
            print("The outbox is empty.")
        for row in rows:
            state = "sent" if row.sent_at else ("error" if row.error else "outbox")
            print(
                f"#{row.id:<5} {row.created_at:%Y-%m-%d %H:%M}  {state:<6} {row.to_address:<34} {row.subject}"
            )
    return 0


def cmd_autopay(args: argparse.Namespace) -> int:
    from portal.background import run_autopay

    summary = run_autopay()
    print(
        f"Automatic payments: {summary.due} due, {summary.charged} charged, {summary.failed} failed, "
        f"{summary.skipped} skipped."
    )
    for error in summary.errors:
        print(f"  {error}")
    return 1 if summary.failed else 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Build the frontend and serve frontend and backend on one port."""
    reflex = shutil.which("reflex")
    if reflex is None:
        print("reflex is not installed in this environment; run `make demo`.", file=sys.stderr)
        return 2
    env = dict(os.environ)
    env.setdefault("REFLEX_USE_NPM", "1")
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    env.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
    env.setdefault("PORTAL_PUBLIC_URL", f"http://localhost:{args.port}")
    os.chdir(ROOT)
    print(f"Serving the portal on http://localhost:{args.port}", flush=True)
    cmd = [
        reflex,
        "run",
        "--env",
        "prod",
        "--single-port",
        "--frontend-port",
        str(args.port),
        "--backend-port",
        str(args.port),
        "--loglevel",
        args.loglevel,
    ]
    os.execve(reflex, cmd, env)  # noqa: S606  (replaces this process; no shell)
    return 0


def _safe_url(url: str) -> str:
    """The database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="portal", description="Customer portal for trade contractors.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    m = sub.add_parser("migrate", help="create or upgrade the database schema (alembic upgrade head)")
    m.set_defaults(func=cmd_migrate)

    s = sub.add_parser("seed", help="load demo data (safe to run again: nothing is duplicated)")
    s.add_argument("--demo", action="store_true", help="create the demo contractor, customers and logins")
    s.add_argument(
        "--size",
        choices=["small", "large"],
        default="small",
        help="large adds a customer with 100,000 invoices and 50,000 assets for benchmarks",
    )
    s.set_defaults(func=cmd_seed)

    c = sub.add_parser("create-user", help="invite a customer contact: prints the setup link and mails it")
    c.add_argument("--customer", required=True, help="the customer's name, exactly as stored")
    c.add_argument("--email", required=True, help="the contact's email; also the default username")
    c.add_argument("--first-name", default="", help="for a new contact")
    c.add_argument("--last-name", default="", help="for a new contact")
    c.add_argument("--pages", nargs="*", help="pages the login may open (default: all)")
    c.set_defaults(func=cmd_create_user)

    st = sub.add_parser("create-staff", help="create a back-office login: prints the setup link and mails it")
    st.add_argument("--email", required=True, help="the staff member's email; also the login")
    st.add_argument("--role", required=True, choices=["owner", "office", "technician"])
    st.add_argument("--name", default="", help="the staff member's name (they may change it at setup)")
    st.set_defaults(func=cmd_create_staff)

    t = sub.add_parser("totp", help="print the current authenticator code of a demo staff login")
    t.add_argument("--email", required=True, help="a demo staff login, e.g. owner@harbourside-fire.example")
    t.set_defaults(func=cmd_totp)

    o = sub.add_parser("mail", help="list the mail outbox (or show one message with --show ID)")
    o.add_argument("--limit", type=int, default=20, help="how many messages to list (default 20)")
    o.add_argument("--to", help="only messages to this address")
    o.add_argument("--show", type=int, metavar="ID", help="print one message in full")
    o.set_defaults(func=cmd_mail)

    a = sub.add_parser("autopay", help="charge saved cards for recurring invoices that are due")
    a.add_argument("action", choices=["run"], help="run: issue and charge what is due today (safe to repeat)")
    a.set_defaults(func=cmd_autopay)

    v = sub.add_parser("serve", help="build the frontend and serve the portal on one port")
    v.add_argument("--port", type=int, default=3000, help="port for the browser (default 3000)")
    v.add_argument(
        "--loglevel",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="Reflex log level (default warning)",
    )
    v.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
