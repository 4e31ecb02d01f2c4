"""Hostile input to every HTTP route and every event handler: never a server error, never a leak.

A browser can call any route with any path and query, and send any event handler any JSON
arguments, whatever the screens offer. So the routes are taken from the backend's own route table
and the handlers from the ``rx.State`` subclasses under ``portal.state``: a new one is covered
without touching this file. Each is called signed out, and signed in as a full and as a limited
contact (no Invoices page, one of two sites) of one customer, while another customer's rows sit in
the same database. Every call must answer without raising (a message on screen is fine), without a
traceback, and without the other customer's identifying text or numbers (nor, for the limited
contact, those of the site it was not given).

The values: huge and negative integers, far and impossible dates, empty, unicode and very long
strings, and the wrong types (None, lists, dicts, floats, booleans), both as whole arguments and
as the fields of a form. The field names and the words a path segment is checked against are read
from the code that reads them, so a fuzzed form is not just random keys that every handler ignores.
Each case starts with the same probes (every argument None, every field a far date...) and then
Hypothesis adds random ones; the run is derandomized, so it is the same on every machine.

Handlers run in-process the way Reflex runs them (``tests/unit/reflex_client.py``). After the
hostile call one of the state's argument-less handlers may run (``load``, ``run``, ``refresh``...),
since a hostile value kept in state must not break the next event either.
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import json
import re
import secrets
import types
import typing
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import reflex as rx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from portal import config, db
from portal.config import SESSION_COOKIE
from portal.models import (
    ALL_PAGES,
    Asset,
    AssetServiceLevel,
    AssetType,
    Attachment,
    AttachmentOwner,
    Contract,
    ContractorDocument,
    ContractSite,
    Defect,
    DefectSeverity,
    DocumentKind,
    JobStage,
    PortalTier,
    QuoteStage,
    ServiceLevel,
    ServiceRecord,
    TestResult,
)
from portal.services.identity import sessions
from tests import frozen
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit import reflex_client
from tests.unit.reflex_client import STATES, Tab, arguments, backend_routes, edge_cookie, portal_handlers

# The other customer's rows all carry this word or start their numbers with these digits; the
# limited contact's hidden site likewise. Neither may ever reach a response or a state.
OTHER_WORD, OTHER_DIGITS = "quokka", "731904"
HIDDEN_WORD, HIDDEN_DIGITS = "wombat", "642805"
PERSONAS = ("signed_out", "full", "limited")

RANDOM_EXAMPLES = 4  # after the probes below; with them the file runs in under a minute on 2 cores
ADDRESS_EXAMPLES = 3  # an address is only text, and a page load is the slowest handler
FUZZ = settings(
    max_examples=RANDOM_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


FAR_DATES = [
    "0001-01-01",
    "9999-12-31",
    "1677-09-21",
    "2262-04-12",
    "1899-12-31",
    "2101-01-01",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "+10000-01-01",
    "-2026-01-01",
    "2026-1-1",
    "20260101",
    "2026-01-01T99",
]
AWKWARD = [
    "",
    " ",
    "\x00",
    "\n",
    "null",
    "NaN",
    "-0",
    "0x10",
    "1e309",
    "١٢٣",
    "𝟙𝟚𝟛",
    "\u202eevil",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "=cmd|'/c calc'!A1",
    "x" * 100_000,
    "é" * 20_000,
    "🔥" * 5_000,
]
BIG = [0, -1, 1, 2**31 - 1, 2**31, 2**53 + 1, 2**63, -(2**63) - 1, 10**30, -(10**30)]
# Every case starts with these: each whole argument one of them, then every field of a form one of them.
# ("²" is a digit to str.isdigit, but not to int.)
WHOLE_PROBES = [None, {}, [{}], 2**63, "x" * 100_000, "9999-12-31", "0001-01-01", "²"]
FIELD_PROBES = [None, ["x"], 2**63, "9999-12-31", "0001-01-01", "x" * 100_000]
URL_PART = 1_000
TEXT_PROBES = ["9999-12-31", "0001-01-01", str(2**63), "²", "x" * 10_000]


# --- the world ------------------------------------------------------------------------------------


@dataclasses.dataclass
class World:
    ids: list[int]  # every row id of either customer: the ids a hostile browser tries
    hidden: list[
        int
    ]  # the ids of rows no signed-in persona may see (the other customer's, the hidden site's)
    personas: dict[str, int]  # persona -> contact id (absent: signed out)


def _numbered(n: int, digits: str) -> int:
    return int(f"{digits}{n:02d}")


def _file(
    s: Session, files_dir: Path, owner_id: int, kind: AttachmentOwner, on: int, name: str
) -> Attachment:
    key = secrets.token_hex(16)
    (files_dir / key).write_bytes(b"%PDF-1.4 " + name.encode())
    row = Attachment(
        customer_id=owner_id,
        owner_type=kind,
        owner_id=on,
        name=name,
        content_type="application/pdf",
        size_bytes=9 + len(name),
        storage_key=key,
    )
    s.add(row)
    s.flush()
    return row


def _customer_rows(s: Session, files_dir: Path, owner, site, word: str, digits: str) -> list[int]:
    """A little of everything at ``site``, every text naming ``word`` and every number starting ``digits``."""
    n = itertools.count(1)
    title = word.capitalize()
    quote_ = f.quote_with(
        s,
        site,
        number=_numbered(next(n), digits),
        description=f"{title} scope",
        order_number=f"{title}-PO",
        stage=QuoteStage.OUTSTANDING,
        total_cents=12_300,
    )
    job = f.job_with(
        s,
        site,
        number=_numbered(next(n), digits),
        description=f"{title} service",
        order_number=f"{title}-JOB",
        stage=JobStage.PROGRESS,
    )
    f.job_line(s, job, f"{title} labour", 2, 5_000)
    done = f.job_with(
        s, site, number=_numbered(next(n), digits), description=f"{title} done", stage=JobStage.INVOICED
    )
    unpaid = f.invoice_with(
        s,
        site,
        number=_numbered(next(n), digits),
        description=f"{title} invoice",
        job_id=done.id,
        total_cents=44_000,
        issued_on=TODAY - timedelta(days=40),
        due_on=TODAY - timedelta(days=10),
    )
    paid = f.invoice_with(
        s,
        site,
        number=_numbered(next(n), digits),
        description=f"{title} paid",
        total_cents=22_000,
        issued_on=TODAY - timedelta(days=80),
    )
    payment = f.invoice_payment(s, owner, [(paid, 22_000)], frozen.MOMENT - timedelta(days=60))
    payment.receipt_number = f"R-{digits}"
    kind, level = AssetType(name=f"{title} pump"), ServiceLevel(name=f"{title} monthly", interval_months=1)
    s.add_all([kind, level, payment])
    s.flush()
    contract = Contract(
        customer_id=owner.id,
        number=f"{title}-C1",
        name=f"{title} contract",
        start_date=TODAY - timedelta(days=300),
        expiry_date=TODAY + timedelta(days=300),
    )
    s.add(contract)
    s.flush()
    s.add(ContractSite(contract_id=contract.id, site_id=site.id))
    asset = Asset(
        customer_id=owner.id,
        site_id=site.id,
        asset_type_id=kind.id,
        contract_id=contract.id,
        number=f"{title}-A{digits}",
        name=f"{title} pump",
        location=f"{title} plant room",
        install_date=TODAY - timedelta(days=3000),
    )
    s.add(asset)
    s.flush()
    s.add(
        AssetServiceLevel(asset_id=asset.id, service_level_id=level.id, next_due_on=TODAY + timedelta(days=7))
    )
    record = ServiceRecord(
        asset_id=asset.id,
        service_level_id=level.id,
        job_id=done.id,
        due_on=TODAY - timedelta(days=20),
        tested_on=TODAY - timedelta(days=20),
        result=TestResult.FAIL,
        technician=f"{title} Tech",
        notes=f"{title} leak",
    )
    s.add(record)
    s.flush()
    defect = Defect(
        customer_id=owner.id,
        site_id=site.id,
        asset_id=asset.id,
        service_record_id=record.id,
        found_on=TODAY - timedelta(days=20),
        severity=DefectSeverity.CRITICAL,
        description=f"{title} defect",
    )
    s.add(defect)
    card = f.saved_card(s, owner, handle=f"tok_{word}")
    recurring = f.recurring_invoice(s, site)
    recurring.name, recurring.number = f"{title} monitoring", _numbered(next(n), digits)
    s.add(recurring)
    attached = _file(s, files_dir, owner.id, AttachmentOwner.QUOTE, quote_.id, f"{word}-scope.pdf")
    published = _file(s, files_dir, owner.id, AttachmentOwner.DOCUMENT, 0, f"{word}-induction.pdf")
    document = ContractorDocument(
        customer_id=owner.id,
        site_id=site.id,
        kind=DocumentKind.SITE_INDUCTION,
        title=f"{title} induction",
        attachment_id=published.id,
    )
    s.add(document)
    s.flush()
    published.owner_id = document.id
    s.add(published)
    s.flush()
    return [
        r.id
        for r in (
            quote_,
            job,
            done,
            unpaid,
            paid,
            payment,
            kind,
            level,
            contract,
            asset,
            record,
            defect,
            card,
            recurring,
            attached,
            published,
            document,
            site,
            owner,
        )
    ]


@pytest.fixture(scope="module")
def files_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile-files")


@pytest.fixture(scope="module")
def world(committed_module, files_dir) -> World:
    with Session(committed_module, expire_on_commit=False) as s:
        f.contractor(s).portal_tier = PortalTier.ADVANCED
        mine, theirs = f.customer(s, "Koala Facilities"), f.customer(s, "Quokka Marine Trust")
        here, hidden = f.site(s, mine, "Koala House"), f.site(s, mine, "Wombat Annex")
        there = f.site(s, theirs, "Quokka Wharf")
        hidden_ids = [
            *_customer_rows(s, files_dir, mine, hidden, HIDDEN_WORD, HIDDEN_DIGITS),
            *_customer_rows(s, files_dir, theirs, there, OTHER_WORD, OTHER_DIGITS),
        ]
        ids = [*_customer_rows(s, files_dir, mine, here, "koala", "513377"), *hidden_ids]
        f.optional_item(s)
        f.script(s)
        full = f.contact(s, mine)
        limited = f.contact(s, mine, pages=[p for p in ALL_PAGES if p != "invoices"], sites=[here])
        f.contact(s, theirs).first_name = "Quokka"
        s.commit()
        return World(
            ids=sorted({*ids, full.id, limited.id}),
            hidden=sorted(set(hidden_ids)),
            personas={"full": full.id, "limited": limited.id},
        )


@pytest.fixture(autouse=True)
def _world_database(committed_module, files_dir, monkeypatch, fast_settings):
    monkeypatch.setattr(db, "engine", lambda: committed_module)
    cfg = dataclasses.replace(fast_settings, files_dir=files_dir, stripe_webhook_secret="whsec_hostile")
    monkeypatch.setattr(config, "settings", lambda: cfg)


def session_cookie(engine, world: World, persona: str) -> str:
    """A new session of the persona's contact ("" signed out)."""
    if persona not in world.personas:
        return ""
    with Session(engine) as s:
        raw = sessions.start(s, world.personas[persona])
        s.commit()
    return raw


def leaked(text: str, persona: str) -> list[str]:
    low = text.lower()
    found = [m for m in (OTHER_WORD, OTHER_DIGITS) if m in low]
    if persona == "limited":
        found += [m for m in (HIDDEN_WORD, HIDDEN_DIGITS) if m in low]
    return found


# --- what the code reads --------------------------------------------------------------------------


def source_of(*objects: Any) -> str:
    """The source of the modules behind ``objects``, and of the portal modules they use."""
    modules: dict[str, types.ModuleType] = {}
    for obj in objects:
        module = obj if isinstance(obj, types.ModuleType) else inspect.getmodule(obj)
        modules[module.__name__] = module
        for value in vars(module).values():
            used = value if isinstance(value, types.ModuleType) else inspect.getmodule(value)
            if used is not None and used.__name__.startswith("portal."):
                modules.setdefault(used.__name__, used)
    return "\n".join(inspect.getsource(m) for m in modules.values())


def keys_read(source: str) -> list[str]:
    """The query and form keys the code reads: ``params.get("start")``, ``form.get("q", "")``..."""
    return sorted(set(re.findall(r'\.get\(\s*"([A-Za-z_][A-Za-z0-9_]{0,30})"', source)))


def words_in(source: str) -> list[str]:
    """Its short lowercase string literals: the tab, list, report and kind names input is checked against."""
    return sorted(set(re.findall(r'"([a-z][a-z0-9_-]{1,24})"', source)))


# --- hostile values -------------------------------------------------------------------------------


def scalars(world: World, words: list[str]) -> st.SearchStrategy:
    ids = st.sampled_from(world.ids)
    return st.one_of(
        st.one_of(st.sampled_from(FAR_DATES), st.dates().map(date.isoformat)),
        st.one_of(ids, ids.map(str), st.sampled_from(BIG), st.sampled_from(BIG).map(str), st.integers()),
        st.one_of(st.sampled_from(AWKWARD), st.text(max_size=30), st.sampled_from(words or ["all"])),
        st.one_of(st.floats(), st.booleans(), st.none()),
    )


def values(world: World, keys: list[str], words: list[str]) -> st.SearchStrategy:
    """Any JSON value: a scalar, a list, a dict of random keys, or a form of the keys the code reads."""
    scalar = scalars(world, words)
    field = st.one_of(scalar, st.lists(scalar, max_size=2))
    return st.one_of(
        scalar,
        st.lists(scalar, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(keys or ["x"]), st.text(max_size=8)), field, max_size=6),
        st.fixed_dictionaries({k: field for k in keys}),
    )


def texts(world: World, words: list[str]) -> st.SearchStrategy:
    """What a query string or a path segment carries: text only."""
    return (
        scalars(world, words)
        .filter(lambda v: v is not None and not isinstance(v, float))
        .map(lambda v: str(v).lower() if isinstance(v, bool) else str(v))
    )


def queries(world: World, keys: list[str], words: list[str]) -> st.SearchStrategy:
    return st.one_of(
        st.fixed_dictionaries({k: texts(world, words) for k in keys}),
        st.dictionaries(
            st.one_of(st.sampled_from(keys or ["x"]), st.text(max_size=6)), texts(world, words), max_size=5
        ),
    )


# --- routes ---------------------------------------------------------------------------------------


ROUTES = {r.path: r for r in backend_routes()}
ROUTE_CASES = [
    (path, method) for path, r in ROUTES.items() for method in sorted((r.methods or {"GET"}) - {"HEAD"})
]


def _route_params() -> Iterator[Any]:
    for path, method in ROUTE_CASES:
        for persona in PERSONAS:
            yield pytest.param(path, method, persona, id=f"{method} {path} {persona}")


def _url(path: str, segments: dict[str, str], query: dict[str, str]) -> str:
    """The address, cut to what a server reads: h11 refuses a request line over ~16 KB before any route
    runs."""
    url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: quote(segments[m.group(1)][:URL_PART], safe=""), path)
    parts = [urlencode({k[:URL_PART]: v[:URL_PART]}) for k, v in query.items()]
    while parts and len(url) + len("&".join(parts)) > 16_000:
        parts.pop()
    return url + ("?" + "&".join(parts) if parts else "")


def table_keys(module: types.ModuleType) -> list[str]:
    """The keys of a route module's tables (its lists, reports, kinds): what a path segment is checked
    against."""
    return sorted(
        {
            k
            for name, v in vars(module).items()
            if isinstance(v, dict) and not name.startswith("_")
            for k in v
            if isinstance(k, str)
        }
    )


def _route_probes(path: str, keys: list[str], words: list[str], ids: list[int]) -> list[dict[str, Any]]:
    """Every path segment each known name, or (a path of ids) each id no persona may see; then each
    text probe in every query key, with each known name (or the first of those ids) in the path."""
    names = re.findall(r"\{(\w+)", path)
    alone = [dict.fromkeys(names, w) for w in words or [str(i) for i in ids]] if names else [{}]
    with_query = alone if words or not names else alone[:1]
    return [{"segments": one, "query": {}} for one in alone if one] + [
        {"segments": one, "query": dict.fromkeys(keys, v)} for one in with_query for v in TEXT_PROBES
    ]


@pytest.fixture
def client() -> Iterator[Any]:
    with reflex_client.client() as opened:  # one event loop thread for all of a case's requests
        yield opened


@pytest.mark.parametrize(("path", "method", "persona"), list(_route_params()))
def test_route_answers_hostile_requests_without_a_server_error_or_a_leak(
    request, world, committed_module, client, path, method, persona
):
    keys = keys_read(source_of(ROUTES[path].endpoint))
    module = inspect.getmodule(ROUTES[path].endpoint)
    words = words_in(inspect.getsource(module))
    names = re.findall(r"\{(\w+)", path)
    segment = st.one_of(st.sampled_from(words), st.sampled_from(world.ids).map(str), texts(world, words))
    body = st.one_of(st.binary(max_size=64), values(world, keys, words).map(lambda v: json.dumps(v).encode()))

    def send(segments: dict[str, str], query: dict[str, str], content: bytes, cookie: str) -> None:
        raw = session_cookie(committed_module, world, persona) or cookie
        url = _url(path, segments, query)
        resp = client.request(
            method,
            url,
            content=content if method == "POST" else None,
            cookies={SESSION_COOKIE: raw} if raw else None,
        )
        shown = f"{resp.headers}\n{resp.text}"
        assert resp.status_code < 500, f"{method} {url[:300]}: {resp.status_code} {resp.text[:300]}"
        assert "Traceback" not in shown and 'File "' not in shown
        assert not leaked(shown, persona), f"{method} {url[:300]} showed {leaked(shown, persona)}"

    for probe in _route_probes(path, keys, table_keys(module), world.hidden):
        send(probe["segments"], probe["query"], b"{}", "")

    @FUZZ
    @given(
        segments=st.fixed_dictionaries(dict.fromkeys(names, segment)),
        query=queries(world, keys, words),
        content=body,
        cookie=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", max_size=50),
    )
    def fuzz(segments, query, content, cookie):
        send(segments, query, content, cookie)

    fuzz()


# --- event handlers -------------------------------------------------------------------------------


def state_source(cls: type[rx.State]) -> str:
    return source_of(*(c for c in cls.__mro__ if c.__module__.startswith("portal.state.")))


@pytest.fixture(scope="module")
def _cookie_jar() -> dict[str, str]:
    return {}


@pytest.fixture
def edge_cookies(_cookie_jar, world, committed_module) -> dict[str, str]:
    """Each persona's Cookie header as Reflex gets it; no handler ends a session, so one each will do."""
    for persona in PERSONAS:
        if persona not in _cookie_jar:
            _cookie_jar[persona] = edge_cookie(session_cookie(committed_module, world, persona))
    return _cookie_jar


def _handler_params(with_arguments: bool) -> Iterator[Any]:
    for cls in STATES:
        for name, handler in portal_handlers(cls).items():
            if bool(arguments(handler)) != with_arguments:
                continue
            for persona in PERSONAS:
                yield pytest.param(cls, name, persona, id=f"{cls.__name__}.{name} {persona}")


def _check(tab: Tab, persona: str, what: str) -> None:
    shown = tab.shown()
    assert "Traceback" not in shown, what
    assert not leaked(shown, persona), f"{what} showed {leaked(shown, persona)}"


def compared_words(handler: Any) -> list[str]:
    """The words the handler compares an argument with (``in ("accept", "decline")``, ``== "all"``) or
    defaults one to: the values that lead past its first check."""
    source = inspect.getsource(handler.fn)
    compared = re.findall(r'(?:==|!=|\bin)\s*([(\[{][^)\]}]*[)\]}]|"[^"]*")', source)
    defaults = [
        p.default for p in inspect.signature(handler.fn).parameters.values() if isinstance(p.default, str)
    ]
    return sorted({*words_in(" ".join(compared)), *(d for d in defaults if d)})


def _argument_probes(handler: Any, keys: list[str], persona: str) -> list[dict[str, Any]]:
    """The full contact gets every probe: each whole-argument probe, each word the handler compares
    with (so what lies behind that check is reached on every run), each field probe in every form.
    The code a probe reaches is the same for the others, so they get the first two (is a value of the
    wrong kind refused signed out, and without a page?) and random examples."""
    args = arguments(handler)
    if persona != "full":
        return [dict.fromkeys(args, v) for v in WHOLE_PROBES[:2]]
    forms = [a for a, hint in typing.get_type_hints(handler.fn).items() if a in args and _is_form(hint)]
    return [dict.fromkeys(args, v) for v in [*WHOLE_PROBES, *compared_words(handler)]] + [
        {a: dict.fromkeys(keys, v) if a in forms else {} for a in args} for v in FIELD_PROBES if forms
    ]


def _is_form(hint: Any) -> bool:
    """An argument the screen sends as an object (a form, a progress report): its fields get probed too."""
    return hint is dict or typing.get_origin(hint) is dict


@pytest.mark.parametrize(("cls", "name", "persona"), list(_handler_params(with_arguments=True)))
def test_handler_takes_hostile_arguments_without_raising_or_leaking(
    request, world, edge_cookies, cls, name, persona
):
    args = arguments(cls.event_handlers[name])
    then = sorted(n for n, h in portal_handlers(cls).items() if not arguments(h))
    source = state_source(cls)
    keys, words = keys_read(source), words_in(source)
    cookie = edge_cookies[persona]
    path = getattr(cls, "ROUTE", "") or "/"

    def call(payload: dict[str, Any], query: dict[str, str], follow: str | None) -> None:
        tab = Tab(cookie, path, query)
        tab.run(cls, name, payload)
        if follow is not None:
            tab.run(cls, follow, {})
        _check(tab, persona, f"{cls.__name__}.{name}({str(payload)[:300]}) then {follow}")

    for payload in _argument_probes(cls.event_handlers[name], keys, persona):
        call(payload, {}, None)

    @FUZZ
    @given(
        payload=st.fixed_dictionaries(dict.fromkeys(args, values(world, keys, words))),
        query=queries(world, keys, words),
        follow=st.sampled_from([None, *then]),
    )
    def fuzz(payload, query, follow):
        call(payload, query, follow)

    fuzz()


@pytest.mark.parametrize(("cls", "name", "persona"), list(_handler_params(with_arguments=False)))
def test_handler_reads_a_hostile_address_without_raising_or_leaking(
    request, world, edge_cookies, cls, name, persona
):
    """``load`` and the other argument-less handlers read the page address, which the browser controls."""
    source = state_source(cls)
    keys, words = keys_read(source), words_in(source)
    cookie = edge_cookies[persona]
    path = getattr(cls, "ROUTE", "") or "/"

    def call(query: dict[str, str]) -> None:
        tab = Tab(cookie, path, query)
        tab.run(cls, name, {})
        _check(tab, persona, f"{cls.__name__}.{name} at ?{urlencode(query)[:300]}")

    for text in TEXT_PROBES if persona == "full" else TEXT_PROBES[:2]:
        call(dict.fromkeys(keys, text))

    @settings(FUZZ, max_examples=ADDRESS_EXAMPLES)
    @given(query=queries(world, keys, words))
    def fuzz(query):
        call(query)

    fuzz()
