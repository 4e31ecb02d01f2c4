"""HTTP routes mounted on the Reflex backend (they run before Reflex's own routes)."""

from starlette.applications import Starlette

from portal.api import auth_routes, files


def backend() -> Starlette:
    return Starlette(routes=[*auth_routes.routes, *files.routes])
