"""The Reflex app: every page registered by the shell, plus the HTTP routes."""

from __future__ import annotations

import reflex as rx
from reflex.utils.prerequisites import get_states_dir

import portal.pages  # noqa: F401  (registers every page)
from portal.api import backend
from portal.background import autopay_forever, deliver_mail_forever
from portal.components.shell import NOT_FOUND, REGISTRY
from portal.config import settings
from portal.state import failures


def _keep_private(folder) -> None:
    """The state store and the data folder (database, secret key, files) open to this user only:
    Reflex writes state files readable by every local user, and a folder of 0700 hides them all."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)


for _private in (get_states_dir().absolute(), settings().data_dir):
    _keep_private(_private)

app = rx.App(
    stylesheets=["/portal.css"],
    # Mounts Stripe's hosted card element when the contractor takes cards through Stripe; idle otherwise.
    head_components=[rx.el.script(src="/stripe_card.js", defer=True)],
    api_transformer=backend(),
    backend_exception_handler=failures.answer,
)

app.register_lifespan_task(deliver_mail_forever)
app.register_lifespan_task(autopay_forever)

for spec in (*REGISTRY, NOT_FOUND):
    app.add_page(spec.component, route=spec.route, title=spec.title, on_load=spec.on_load or None)

app.add_page(rx.fragment, route="/", title="Customer Portal", on_load=rx.redirect("/dashboard", replace=True))
