"""A browser as the server sees it, in-process: the backend's HTTP routes, and a tab's Reflex state.

Routes are reached through the backend exactly as Reflex assembles it from ``portal.api.backend()``
(the route table first, then each wrapper), with a stand-in where Reflex's own endpoints would be.
Event handlers run the way Reflex runs them: on a state tree whose router data carries the Cookie
header as the server's edge hands it to Reflex and the page's address, through Reflex's own
``process_event`` (which converts the payload by the handler's annotations and computes the delta),
with any event a handler chains run too.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import inspect
import json
import pkgutil
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import reflex as rx
from reflex.state import State
from reflex_base.event.context import EventContext
from reflex_base.event.processor.base_state_processor import process_event
from reflex_base.utils.format import format_event_handler
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import portal.api
import portal.state
from portal.config import SESSION_COOKIE

_LOOP_THREAD = ThreadPoolExecutor(1, thread_name_prefix="reflex-events")


def backend_app(reflex_app: Any) -> Any:
    """The backend as Reflex assembles it from ``portal.api.backend()``, ``reflex_app`` standing in for
    Reflex."""
    app = reflex_app
    for layer in portal.api.backend():
        if isinstance(layer, Starlette):
            layer.mount("", app)
            app = layer
        else:
            app = layer(app)
    return app


def backend_routes() -> list[Route]:
    return [
        r
        for layer in portal.api.backend()
        if isinstance(layer, Starlette)
        for r in layer.routes
        if isinstance(r, Route)
    ]


async def no_reflex(scope, receive, send) -> None:
    await PlainTextResponse("Reflex", status_code=404)(scope, receive, send)


def client() -> TestClient:
    return TestClient(backend_app(no_reflex), base_url="http://portal.test", follow_redirects=False)


def edge_cookie(raw: str, name: str = SESSION_COOKIE) -> str:
    """The Cookie header as the server's edge hands it to Reflex's websocket, for a browser holding
    ``raw`` in the cookie ``name`` (the portal's, or the back office's ``STAFF_COOKIE``)."""
    seen: dict[bytes, bytes] = {}

    async def reflex(scope, receive, send) -> None:
        seen.update(scope["headers"])
        await no_reflex(scope, receive, send)

    TestClient(backend_app(reflex), base_url="http://portal.test").get(
        "/_event/", cookies={name: raw} if raw else None
    )
    return seen.get(b"cookie", b"").decode("latin-1")


def signed_in_tab(
    engine, path: str, *, staff_id: int | None = None, contact_id: int | None = None, **query: str
) -> Tab:
    """A tab at ``path`` (with ``query`` as its page's arguments) signed in as a staff member or a
    contact through a session made in ``engine``'s database; neither gives a signed-out tab."""
    from sqlmodel import Session

    from portal.config import STAFF_COOKIE
    from portal.services.identity import sessions

    cookie = ""
    with Session(engine) as s:
        if staff_id is not None:
            cookie = edge_cookie(sessions.start_staff(s, staff_id), STAFF_COOKIE)
        elif contact_id is not None:
            cookie = edge_cookie(sessions.start(s, contact_id))
        s.commit()
    tab = Tab(cookie, path)
    if query:
        router = dict(tab.root.router_data)
        router["query"] = query
        tab.root.router_data = tab.root._update_router_vars(router, {})
    return tab


def portal_states() -> list[type[rx.State]]:
    """Every screen's state under ``portal.state`` (mixins are parts of states, not states)."""
    for module in pkgutil.walk_packages(portal.state.__path__, prefix="portal.state."):
        importlib.import_module(module.name)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    found = {cls for cls in below(State) if cls.__module__.startswith("portal.state.") and not cls._mixin}
    return sorted(found, key=lambda c: c.get_full_name())


def portal_handlers(cls: type[rx.State]) -> dict[str, Any]:
    """The handlers the portal wrote (Reflex's own ``setvar`` and hydration are not the portal's)."""
    return {name: h for name, h in cls.event_handlers.items() if h.fn.__module__.startswith("portal.")}


def arguments(handler: Any) -> list[str]:
    return [p.name for p in list(inspect.signature(handler.fn).parameters.values())[1:]]


STATES = portal_states()
HANDLERS = {
    format_event_handler(h): (cls, name) for cls in STATES for name, h in portal_handlers(cls).items()
}


class Tab:
    """One browser tab's state tree as Reflex keeps it, and everything the handlers sent to the browser."""

    def __init__(self, cookie_header: str, path: str = "/", query: dict[str, str] | None = None):
        self.root = State(_reflex_internal_init=True, init_substates=False)
        router = {
            "token": "test-tab",
            "sid": "test-sid",
            "ip": "203.0.113.9",
            "headers": {"origin": "http://portal.test", "cookie": cookie_header},
            "pathname": path,
            "asPath": path + ("?" + urlencode(query) if query else ""),
            "query": {},
        }
        self.root.router_data = self.root._update_router_vars(router, {})
        self.sent: list[Any] = []

    def state(self, cls: type[rx.State]) -> Any:
        """The state of ``cls`` with its parents, built on first use (building every screen's is slow)."""
        node = self.root
        for name in cls.get_full_name().split(".")[1:]:
            if name not in node.substates:
                sub = next(c for c in node.get_substates() if c.get_name() == name)
                node.substates[name] = sub(
                    parent_state=node, init_substates=False, _reflex_internal_init=True
                )
            node = node.substates[name]
        return node

    async def _emit(self, _token: str, *events: Any) -> None:
        self.sent.extend(events)

    async def _emit_delta(self, _token: str, delta: Any) -> None:
        self.sent.append(delta)

    async def _run(self, cls: type[rx.State], name: str, payload: dict[str, Any], depth: int) -> None:
        chained: list[Any] = []

        async def enqueue(_token: str, *events: Any) -> None:
            chained.extend(events)

        context = EventContext(
            token="test-tab",
            state_manager=None,
            enqueue_impl=enqueue,
            emit_delta_impl=self._emit_delta,
            emit_event_impl=self._emit,
        )
        with context:
            await process_event(cls.event_handlers[name], payload, self.state(cls), self.root)
        for event in chained if depth < 3 else []:
            assert event.name in HANDLERS, f"{cls.__name__}.{name} chained {event.name}, not a portal handler"
            await self._run(*HANDLERS[event.name], dict(event.payload), depth + 1)

    def run(self, cls: type[rx.State], name: str, payload: dict[str, Any] | None = None) -> Any:
        """Send the event; the handler's state afterwards."""
        # On a thread of its own (in the whole suite Playwright already runs a loop in this one),
        # with this thread's context, where Reflex keeps its registrations.
        context = contextvars.copy_context()
        _LOOP_THREAD.submit(context.run, asyncio.run, self._run(cls, name, payload or {}, 0)).result()
        return self.state(cls)

    def shown(self) -> str:
        """Everything this tab could see: every state's vars and everything sent to the browser."""
        return json.dumps([self.root.dict(), [repr(x) for x in self.sent]], default=repr)
