"""Reflex configuration. Portal settings (database, mail, secrets) live in portal/config.py."""

import reflex as rx

from portal.config import settings

_settings = settings()


config = rx.Config(
    app_name="portal",
    frontend_port=3000,
    backend_port=8000,
    # Reflex's default CORS is "*" with credentials; only the portal's own origin may call it.
    cors_allowed_origins=_settings.origins,
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
