"""Security headers on every HTTP response, pages included.

``Referrer-Policy`` matters most for links: invite and reset links carry their token in the URL,
and a page must never hand that URL to another site.

``Content-Security-Policy``: a page may only run the portal's own scripts and talk to the portal,
so injected markup cannot load or run anything. In ``reflex run --env prod --single-port`` the
built pages are served by a route Reflex mounts *inside* the app this wrapper wraps, so pages,
downloads and API answers all pass through here. The page policy, and why each allowance is there:

- ``default-src 'none'``: nothing the portal does not name below (no workers, media, manifests).
- ``script-src 'self'`` plus one ``'sha256-…'`` per inline script of the page being served. The
  prerendered HTML carries React Router's and Reflex's bootstrap scripts inline (colour mode,
  scroll restoration, the route context, React's streaming ``$RC`` calls); they differ by page and
  by build, so the wrapper reads each HTML response and hashes its inline scripts rather than
  keeping a list or allowing ``'unsafe-inline'``. An injected inline script or ``on…=`` attribute
  has no hash and does not run.
- ``'unsafe-eval'`` in ``script-src``: Reflex 0.10.1 runs every browser action a backend event
  handler returns through ``eval`` in ``.web/utils/state.js``: ``rx.call_script`` (its code and
  its callback), and ``rx.call_function`` / ``rx.run_script`` (from the backend the function
  arrives as a string), so also everything built on them: ``rx.toast.*`` (returned by the quotes,
  jobs, invoices, assets, request, payment and manage-payments handlers), ``rx.scroll_to``, the
  login/logout hand-over to the cookie routes (``state.session.leave_for``), the PPM filters
  written into the address bar, Cancel on the request form, and the Stripe card step (Stripe.js
  asked for a PaymentMethod through ``rx.call_script`` with a callback). Checked in Chromium with it
  removed: every page, Plotly's charts, pop-ups and the live form checks ran without a violation;
  only those backend-returned actions need it. Dropping it needs them replaced by state the page
  renders (a toast is the most common).
- ``style-src 'self' 'unsafe-inline'``: Emotion (every ``rx.*`` style prop) inserts ``<style>``
  elements as components mount, and Radix and Plotly set ``style=""`` attributes at run time;
  neither can carry a hash or nonce in Reflex 0.10.1. Styles cannot run code.
- ``img-src 'self' data:``: the logo and favicon; Plotly probes every chart's browser with a tiny
  ``data:`` WebP and shows a heatmap (PPM, Monthly Report) as a ``data:`` PNG drawn on a canvas.
  No ``blob:``: nothing the portal shows needs it.
- ``font-src 'self'``: the theme's fonts are ``local()`` only; nothing is fetched from elsewhere.
- ``connect-src 'self'`` plus the ``ws:``/``wss:`` origin of ``PORTAL_PUBLIC_URL``: the event
  websocket and the ping. ``'self'`` covers ``ws:`` only in CSP level 3 browsers.
- ``frame-src 'none'``, ``object-src 'none'``, ``base-uri 'none'``, ``form-action 'self'``,
  ``frame-ancestors 'none'`` (the header form of ``X-Frame-Options: DENY``).
- With ``PORTAL_PAYMENT_GATEWAY=stripe`` only: Stripe.js from the origin of ``stripe_js_url`` (and
  ``https://*.js.stripe.com``, which Stripe documents for its own script), its frames from there and
  ``https://hooks.stripe.com``, and its calls to ``https://api.stripe.com`` (and to the origin of
  ``PORTAL_STRIPE_API_BASE`` when one is set, as with the test stand-in).

Anything that is not an HTML page (CSV, PDF, JSON, files) gets ``default-src 'none'``: a download
never runs anything; Chromium's PDF viewer still shows a PDF under it.

To hash a page the wrapper must read it, so requests reach Reflex accepting only encodings Python
can undo (gzip, deflate; Reflex precompresses pages with gzip) and never brotli or zstd.

A ``304 Not Modified`` carries no policy: the browser keeps the cached page's headers, and a 304 has
no body to hash, so a policy on it could only replace the page's hashes with none.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import zlib
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal import config

HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
CSP = b"content-security-policy"

DOWNLOAD_POLICY = (
    "default-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

STRIPE_API = "https://api.stripe.com"
STRIPE_HOOKS = "https://hooks.stripe.com"
STRIPE_JS = "https://js.stripe.com"

# Encodings this wrapper can undo to hash a page; Reflex precompresses with gzip by default.
_READABLE = {"gzip", "x-gzip", "deflate", "identity"}
_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SRC = re.compile(rb"\bsrc\s*=", re.IGNORECASE)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _socket_origin(public_url: str) -> str:
    parts = urlsplit(public_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}" if parts.netloc else ""


def page_policy(cfg: config.Settings, script_hashes: Iterable[str] = ()) -> str:
    """The policy of an HTML page whose inline scripts have these base64 SHA-256 digests."""
    scripts = ["'self'", *(f"'sha256-{h}'" for h in script_hashes), "'unsafe-eval'"]
    connect = ["'self'", _socket_origin(cfg.public_url)]
    frames: list[str] = []
    if cfg.payment_gateway == "stripe":
        js = _origin(cfg.stripe_js_url) or STRIPE_JS
        stripe_own = [js, f"https://*.{STRIPE_JS.removeprefix('https://')}"] if js == STRIPE_JS else [js]
        scripts += stripe_own
        frames += [*stripe_own, STRIPE_HOOKS]
        connect += [STRIPE_API, _origin(cfg.stripe_api_base)]
    directives = {
        "default-src": ["'none'"],
        "script-src": scripts,
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": connect,
        "frame-src": frames or ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(
        f"{name} {' '.join(dict.fromkeys(v for v in values if v))}" for name, values in directives.items()
    )


@lru_cache(maxsize=256)
def inline_script_hashes(html: bytes, encoding: str = "") -> tuple[str, ...]:
    """Base64 SHA-256 of each inline script's text, as CSP hashes it (the bytes between the tags)."""
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        html = gzip.decompress(html)
    elif encoding == "deflate":
        html = zlib.decompress(html)
    elif encoding not in ("", "identity"):
        return ()
    found = (body for attrs, body in _SCRIPT.findall(html) if not _SRC.search(attrs))
    return tuple(
        dict.fromkeys(base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") for body in found)
    )


def _readable_encodings(scope: Scope) -> Scope:
    """The request as if it accepted only encodings this wrapper can read back (gzip, deflate)."""
    headers = scope.get("headers") or []
    changed = []
    for name, value in headers:
        if name.lower() == b"accept-encoding":
            kept = [
                t
                for t in value.split(b",")
                if t.split(b";")[0].strip().lower().decode("latin-1") in _READABLE
            ]
            value = b",".join(kept)
        changed.append((name, value))
    return {**scope, "headers": changed}


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((v for k, v in headers if k.lower() == name), b"")


def _with(message: Message, extra: list[tuple[bytes, bytes]]) -> Message:
    headers = list(message.get("headers", []))
    present = {name.lower() for name, _ in headers}
    return {**message, "headers": [*headers, *((k, v) for k, v in extra if k not in present)]}


def security_headers(app: ASGIApp) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        held: Message | None = None
        chunks: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal held
            kind = message["type"]
            if kind == "http.response.start":
                headers = message.get("headers", [])
                if message["status"] == 304:
                    await send(_with(message, HEADERS))
                elif _header(headers, b"content-type").lower().startswith(b"text/html"):
                    held = message  # its policy names the page's inline scripts: wait for the body
                else:
                    await send(_with(message, [*HEADERS, (CSP, DOWNLOAD_POLICY.encode())]))
                return
            if held is None:
                await send(message)
                return
            if kind == "http.response.pathsend":
                chunks.append(await anyio.Path(message["path"]).read_bytes())
            elif kind == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
            else:
                await send(message)
                return
            body = b"".join(chunks)
            encoding = _header(held.get("headers", []), b"content-encoding").decode("latin-1")
            policy = page_policy(config.settings(), inline_script_hashes(body, encoding))
            start, held = held, None
            await send(_with(start, [*HEADERS, (CSP, policy.encode())]))
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await app(_readable_encodings(scope), receive, send_with_headers)

    return wrapped
