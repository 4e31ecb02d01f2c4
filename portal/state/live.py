"""A screen that reloads by itself when the back office changes something of its customer.

A list or the dashboard mixes :class:`LiveState` in, sets ``_live_customer`` when its loader's scope
check passes, implements ``_live_reload`` (its own loader, through the same scope checks as any
event) and ends its page load with ``return self._follow()``.

Why the loop is started from the page's load: Reflex 0.10 cancels a client's unfinished page-load
chain when the client navigates elsewhere or disconnects (``on_load_internal`` supersedes), and the
background event chained from the load belongs to that chain, so leaving the page ends the loop.
Three more bounds keep a forgotten loop from living on: a newer loop of the same client and screen
closes the older one (``services/live.py`` keys feeds by client and state), the loop stops when the
state's page is no longer the one it followed, and it ends after ``FOLLOW_SECONDS`` whatever happens.

While nothing changes the loop waits on an in-memory event: no database, no state lock.
"""

from __future__ import annotations

import asyncio

import reflex as rx
from reflex.istate.proxy import StateProxy

from portal.core.principal import CustomerContact
from portal.services import live


class LiveState(rx.State, mixin=True):
    _live_customer: int = 0
    _live_path: str = ""

    def _live_reload(self) -> bool:
        """Load the screen again under its scope; False when it may no longer be shown (stop)."""
        raise NotImplementedError

    def _live_for(self, scope: object) -> None:
        """Follow the customer of a contact's scope; a staff member's screens (the office lists
        share the list state) follow no one customer, so they stay still."""
        self._live_customer = scope.customer_id if isinstance(scope, CustomerContact) else 0

    def _live_key(self) -> str:
        return f"{self.router.session.client_token}:{self.get_full_name()}"

    def _follow(self) -> rx.event.EventHandler | None:
        """The background event that keeps this screen live, for the page load to return; nothing
        when the loader refused the screen (it sets ``_live_customer`` when its scope check passes)."""
        if not self._live_customer:
            return None
        self._live_path = self.router.url.path.rstrip("/")
        return type(self).follow

    @rx.event(background=True)
    async def follow(self):
        if not isinstance(self, StateProxy):
            # Reflex runs a background event on a proxy of the state; a caller that awaits the
            # handler itself (the in-process test client) would wait here for hours.
            return
        async with self:
            customer, path, key = self._live_customer, self._live_path, self._live_key()
        if not customer:  # a forged call before any page load: nothing to follow
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + live.FOLLOW_SECONDS
        async with live.following(key, customer) as feed:
            while (left := deadline - loop.time()) > 0:
                if not await live.WATCHER.changed(feed, left):
                    if feed.closed:
                        return
                    continue
                async with self:
                    if self.router.url.path.rstrip("/") != path or self._live_customer != customer:
                        return
                    if not self._live_reload():
                        return
