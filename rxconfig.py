"""Reflex configuration. Portal settings (database, mail, secrets) live in portal/config.py."""

import reflex as rx

from portal.config import settings

_settings = settings()


def _origins(url: str) -> list[str]:
    """The public origin, plus its localhost/127.0.0.1 twin so either name works on one machine."""
    twins = {url}
    for a, b in (("//localhost", "//127.0.0.1"), ("//127.0.0.1", "//localhost")):
        if a in url:
            twins.add(url.replace(a, b))
    return sorted(twins)


config = rx.Config(
    app_name="portal",
    frontend_port=3000,
    backend_port=8000,
    # Reflex's default CORS is "*" with credentials; only the portal's own origin may call it.
    cors_allowed_origins=_origins(_settings.public_url),
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium", scaling="100%")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
    show_built_with_reflex=False,
    telemetry_enabled=False,
    redis_url=_settings.redis_url or None,
)
