"""Unit tests run with cheap bcrypt, the outbox mail backend and private files in a temp folder."""

from __future__ import annotations

import dataclasses

import pytest

from portal import config


@pytest.fixture(autouse=True)
def fast_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "test-secret")
    for name in ("PORTAL_SESSION_IDLE_MINUTES", "PORTAL_SESSION_ABSOLUTE_HOURS", "PORTAL_MAIL_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    cfg = dataclasses.replace(
        config.load(),
        bcrypt_rounds=4,
        mail_backend="outbox",
        public_url="https://portal.example.test",
        files_dir=tmp_path / "files",
    )
    monkeypatch.setattr(config, "settings", lambda: cfg)
    return cfg
