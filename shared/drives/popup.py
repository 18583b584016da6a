"""The page the OAuth callback answers: it tells the window that opened the popup how the sign-in ended, and closes.

    window.opener.postMessage({type: "drive.connected" | "drive.failed", connectionId, status, reason}, SPA origin)
    new BroadcastChannel("sasha.drives").postMessage(the same)     (same-origin windows only)

Nothing from the request reaches the page unescaped: the message is JSON with <, > and & escaped inside the script,
the text is HTML-escaped, and the Content-Security-Policy allows that one script by its SHA-256 and nothing else.
The URL held the authorization code, so no referrer leaves the page and nothing caches it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from shared.drives.oauth import Outcome
from shared.settings import get_settings

CHANNEL = "sasha.drives"  # web/src/drives/sign-in.js listens there too


@dataclass(frozen=True, slots=True)
class Page:
    html: str
    headers: dict[str, str]


def spa_origin() -> str:
    """Where the SPA runs (STUDIO_SPA_ORIGIN, else the public URL's origin): the only window told the outcome."""
    settings = get_settings()
    parts = urlsplit(settings.spa_origin or settings.public_url)
    return f"{parts.scheme}://{parts.netloc}"


def render(outcome: Outcome) -> Page:
    message = {
        "type": "drive.connected" if outcome.ok else "drive.failed",
        "connectionId": outcome.connection_id,
        "status": outcome.status,
        "reason": outcome.reason,
    }
    # A provider's page may cut the popup off from its opener (Cross-Origin-Opener-Policy): the SPA also listens on
    # a BroadcastChannel, which reaches only windows of this page's own origin.
    script = (
        f"(function(){{var message={_script_json(message)};"
        f"try{{new BroadcastChannel({_script_json(CHANNEL)}).postMessage(message);}}catch(e){{}}"
        f"if(window.opener){{window.opener.postMessage(message,{_script_json(spa_origin())});}}"
        "window.close();})();"
    )
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    text = "The drive is connected." if outcome.ok else f"The drive was not connected: {outcome.reason}"
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sasha Studio: drive sign-in</title>'
        f"</head><body><p>{html.escape(text)}</p><p>You can close this window.</p><script>{script}</script>"
        "</body></html>"
    )
    headers = {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'"
        ),
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
    }
    return Page(body, headers)


def _script_json(value: object) -> str:
    """JSON that cannot end the script element or start a comment in it, whatever the strings hold."""
    text = json.dumps(value)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text
