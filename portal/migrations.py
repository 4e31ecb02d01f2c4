"""Run Alembic from code: the CLI, the demo and the tests share one way to build the schema."""

from __future__ import annotations

from alembic.config import Config
from sqlalchemy.engine import Connection

from alembic import command
from portal.config import ROOT


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, connection: Connection | None = None) -> None:
    cfg = alembic_config(url)
    if connection is not None:
        cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")
