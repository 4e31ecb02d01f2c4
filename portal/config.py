"""Settings from the environment: the one place that reads ``os.environ``.

Every setting has a safe default so that a fresh clone runs with no configuration at all
(SQLite under ``data/``, mail to the outbox table, a secret key generated on first run).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION_COOKIE = "portal_session"
# The back office's own cookie: a customer's session never opens /office, nor a staff session the portal.
STAFF_COOKIE = "portal_staff_session"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = field(default="", repr=False)
    tls: str = "none"  # none | starttls | ssl
    sender: str = "portal@localhost"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str = field(repr=False)
    public_url: str
    mail_backend: str  # outbox | smtp
    smtp: SmtpSettings
    session_idle_minutes: int
    session_absolute_hours: int
    bcrypt_rounds: int
    redis_url: str
    files_dir: Path
    upload_limit_bytes: int
    cookie_secure: bool
    payment_gateway: str = "sandbox"
    stripe_secret_key: str = field(default="", repr=False)
    stripe_webhook_secret: str = field(default="", repr=False)
    stripe_api_base: str = ""
    stripe_publishable_key: str = ""  # public by design: Stripe.js needs it in the browser
    stripe_js_url: str = "https://js.stripe.com/v3/"
    login_limit_per_ip: int = 30  # per 10 minutes
    reset_limit_per_ip: int = 10  # per hour
    # Seconds added to the wall clock: a browser-test server shares its test run's frozen clock.
    clock_shift_seconds: float = 0.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def origins(self) -> list[str]:
        """The public origin, plus its localhost/127.0.0.1 twin so either name works on one machine."""
        url = self.public_url
        twins = {url}
        for a, b in (("//localhost", "//127.0.0.1"), ("//127.0.0.1", "//localhost")):
            if a in url:
                twins.add(url.replace(a, b))
        return sorted(twins)


def _secret_key(data_dir: Path) -> str:
    """The key from the environment, else one generated once and kept beside the database."""
    if key := os.environ.get("PORTAL_SECRET_KEY", "").strip():
        return key
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load() -> Settings:
    data_dir = Path(os.environ.get("PORTAL_DATA_DIR", ROOT / "data")).resolve()
    public_url = os.environ.get("PORTAL_PUBLIC_URL", "http://localhost:3000").rstrip("/")
    return Settings(
        data_dir=data_dir,
        database_url=os.environ.get("DATABASE_URL", f"sqlite:///{data_dir / 'portal.db'}"),
        secret_key=_secret_key(data_dir),
        public_url=public_url,
        mail_backend=os.environ.get("PORTAL_MAIL_BACKEND", "outbox"),
        smtp=SmtpSettings(
            host=os.environ.get("SMTP_HOST", "localhost"),
            port=_int("SMTP_PORT", 25),
            user=os.environ.get("SMTP_USER", ""),
            password=os.environ.get("SMTP_PASSWORD", ""),
            tls=os.environ.get("SMTP_TLS", "none"),
            sender=os.environ.get("SMTP_SENDER", "portal@localhost"),
        ),
        session_idle_minutes=_int("PORTAL_SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_int("PORTAL_SESSION_ABSOLUTE_HOURS", 12),
        bcrypt_rounds=_int("PORTAL_BCRYPT_ROUNDS", 12),
        redis_url=os.environ.get("REFLEX_REDIS_URL", ""),
        files_dir=Path(os.environ.get("PORTAL_FILES_DIR", data_dir / "files")).resolve(),
        upload_limit_bytes=_int("PORTAL_UPLOAD_LIMIT_MB", 20) * 1024 * 1024,
        cookie_secure=_bool("PORTAL_COOKIE_SECURE", public_url.startswith("https://")),
        payment_gateway=os.environ.get("PORTAL_PAYMENT_GATEWAY", "sandbox"),
        stripe_secret_key=os.environ.get("PORTAL_STRIPE_SECRET_KEY", ""),
        stripe_webhook_secret=os.environ.get("PORTAL_STRIPE_WEBHOOK_SECRET", ""),
        stripe_api_base=os.environ.get("PORTAL_STRIPE_API_BASE", ""),
        stripe_publishable_key=os.environ.get("PORTAL_STRIPE_PUBLISHABLE_KEY", ""),
        stripe_js_url=os.environ.get("PORTAL_STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        login_limit_per_ip=_int("PORTAL_LOGIN_LIMIT_PER_IP", 30),
        reset_limit_per_ip=_int("PORTAL_RESET_LIMIT_PER_IP", 10),
        clock_shift_seconds=float(os.environ.get("PORTAL_CLOCK_SHIFT_SECONDS", "").strip() or 0),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load()
