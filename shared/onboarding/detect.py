"""Company auto-detection: read a home page the server must not trust, and take its name and description.

    check the URL (shared.net: https, no credentials), resolve its host, refuse private and link-local addresses,
    connect to the checked address (a DNS answer cannot change in between), GET with a 5 s cap on the whole
    exchange and at most 512 KB read; a redirect (at most 3) is checked the same way before it is followed
    name: og:site_name, else og:title, else <title> (its first part: "Acme | Home" → "Acme")
    description: <meta name="description">, else og:description

Local mode (tests, a developer's machine) may read pages on this machine; the cloud never.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from shared import net
from shared.errors import StudioError, ValidationError
from shared.onboarding.views import DetectedCompany

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

TIMEOUT_SECONDS = 5.0
MAX_BYTES = 512 * 1024
MAX_REDIRECTS = 3
MAX_DESCRIPTION = 500
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# A bar, hyphen, en or em dash, colon or bullet between spaces separates a title's parts.
_TITLE_SEPARATORS = re.compile("\\s+[|\\-\u2013\u2014:\u00b7\u2022]\\s+")
USER_AGENT = "SashaStudio-CompanyDetect/1.0 (+onboarding)"


class SiteUnreachableError(StudioError):
    """The website did not answer with a page (DNS, connection, TLS, timeout, an HTTP error)."""

    status = 502
    code = "site_unreachable"


class NothingDetectedError(StudioError):
    """The page was read but says nothing usable about the company."""

    status = 422
    code = "nothing_detected"


@dataclass(frozen=True, slots=True)
class Page:
    url: str  # after redirects
    content_type: str
    charset: str | None
    body: bytes


def detect(url: str, *, allow_private: bool) -> DetectedCompany:
    """The company a website's home page describes, or an error that says what went wrong."""
    page = fetch(url, allow_private=allow_private)
    if not page.content_type.startswith(_HTML_TYPES):
        raise NothingDetectedError(
            f"{_host(page.url)} answered with {page.content_type or 'something'} rather than a web page; "
            "enter the company's name yourself.",
            code="not_a_web_page",
        )
    name, description = read_page(page.body, page.charset)
    if not name:
        raise NothingDetectedError(
            f"No title found on {_host(page.url)}: enter the company's name yourself.", code="no_title"
        )
    origin = urlsplit(page.url)
    return DetectedCompany(name=name, description=description, website=f"{origin.scheme}://{origin.netloc}")


def read_page(body: bytes, charset: str | None = None) -> tuple[str | None, str | None]:
    """(name, description) from an HTML page; None for what it does not say."""
    from bs4 import BeautifulSoup  # cold start: ~50 ms, paid only when a page is detected

    soup = BeautifulSoup(body, "html.parser", from_encoding=charset)
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    name = _meta(soup, "property", "og:site_name") or _meta(soup, "property", "og:title") or _first_part(title)
    description = _meta(soup, "name", "description") or _meta(soup, "property", "og:description")
    return _clean(name, 100), _clean(description, MAX_DESCRIPTION)


def fetch(url: str, *, allow_private: bool) -> Page:
    """GET `url` (following a few checked redirects) within the time and size caps."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    for _ in range(MAX_REDIRECTS + 1):
        status, headers, body = _get(url, allow_private=allow_private, deadline=deadline)
        location = headers.get("location")
        if status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        if not 200 <= status < 300:
            raise SiteUnreachableError(f"Could not read {_host(url)}: it answered HTTP {status}.")
        content_type, _, parameters = headers.get("content-type", "").partition(";")
        charset = re.search(r"charset=\"?([A-Za-z0-9._:-]+)", parameters)
        return Page(url, content_type.strip().lower(), charset.group(1) if charset else None, body)
    raise SiteUnreachableError(f"Could not read {_host(url)}: it redirects too many times.")


def _get(url: str, *, allow_private: bool, deadline: float) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(net.check_outbound_url(url, allow_private=allow_private, resolve=False))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:  # a port out of range
        raise ValidationError(f"The URL is not valid ({exc}).", code="invalid_url") from exc
    host = str(parts.hostname)
    try:
        addresses = net.resolve_public(host, port, allow_private=allow_private)
    except net.UnresolvableHostError as exc:
        raise SiteUnreachableError(f"Could not reach {host}: the name does not resolve.") from exc
    except net.PrivateAddressError as exc:
        raise ValidationError(
            f"{host} points at a private, loopback or link-local address, which the server will not call.",
            code="invalid_url",
        ) from exc
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise SiteUnreachableError(f"Could not reach {host}: no answer within {TIMEOUT_SECONDS:.0f} seconds.")
    connection = net.PinnedConnection(parts.scheme, host, port, addresses=addresses, timeout=remaining)
    watchdog = threading.Timer(remaining, net.cut, args=(connection,))  # a server that dribbles is cut at the cap
    watchdog.start()
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", target, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"})
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        body = response.read(MAX_BYTES) if 200 <= response.status < 300 else b""
        return response.status, headers, body
    except (OSError, http.client.HTTPException) as exc:
        late = time.monotonic() >= deadline
        reason = f"no answer within {TIMEOUT_SECONDS:.0f} seconds" if late else _reason(exc)
        raise SiteUnreachableError(f"Could not reach {host}: {reason}.") from exc
    finally:
        watchdog.cancel()
        connection.close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError):
        return "its TLS certificate could not be verified" if "CERTIFICATE" in str(exc).upper() else "TLS failed"
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"no answer within {TIMEOUT_SECONDS:.0f} seconds"
    return f"{type(exc).__name__}"


def _meta(soup: BeautifulSoup, attribute: str, value: str) -> str | None:
    tag = soup.find("meta", attrs={attribute: value})
    content = tag.get("content") if tag is not None else None
    return content if isinstance(content, str) and content.strip() else None


def _first_part(title: str) -> str | None:
    parts = [part for part in _TITLE_SEPARATORS.split(title) if part.strip()]
    return parts[0] if parts else None


def _clean(value: str | None, limit: int) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    return (value if len(value) <= limit else value[: limit - 1] + "…") or None


def _host(url: str) -> str:
    return urlsplit(url).hostname or url
