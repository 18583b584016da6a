"""What an administrator sends during onboarding: the company's name and website, and a URL to detect it from.

website("acme.example")          → "https://acme.example"     (a URL without a scheme is taken as https)
name_from_host("https://www.acme-corp.example/about")  → "Acme Corp"
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field

from shared import net
from shared.errors import ValidationError
from shared.schema import Schema
from shared.settings import get_settings

MAX_NAME = 100  # also a project's longest name: the company's project is named after it
MAX_URL = 2048
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
# Host labels that say nothing of the company.
_NOISE_LABELS = {"www", "www2", "web", "home", "en", "m"}


class CompanyIn(Schema):
    """Screen 1: the company's name, its website, or both (the name is taken from the website's host when absent)."""

    name: Annotated[str | None, Field(max_length=MAX_NAME, examples=["Acme"])] = None
    website: Annotated[str | None, Field(max_length=MAX_URL, examples=["https://acme.example"])] = None


class DetectIn(Schema):
    """A website to read the company's name and description from."""

    url: Annotated[str, Field(min_length=1, max_length=MAX_URL, examples=["https://acme.example"])]


def company_name(value: str) -> str:
    """A company name: 1 to 100 characters, no control characters, spaces trimmed."""
    value = " ".join(value.split())
    if not value or len(value) > MAX_NAME or _CONTROL.search(value):
        raise ValidationError(
            f"A company name is 1 to {MAX_NAME} characters, without control characters.", code="invalid_name"
        )
    return value


def website(value: str) -> str:
    """An https URL with a host (http too in local mode, for pages on this machine); no credentials in it."""
    value = value.strip()
    if not value:
        raise ValidationError("The website is empty.", code="invalid_url")
    if not _SCHEME.match(value):
        value = f"https://{value}"
    return net.check_outbound_url(value, allow_private=get_settings().is_local, resolve=False)


def name_from_host(url: str) -> str:
    """A readable company name from a website's host: its first meaningful label, words capitalised."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    labels = [label for label in host.split(".") if label]
    while len(labels) > 2 and labels[0] in _NOISE_LABELS:
        labels = labels[1:]
    if len(labels) > 1 and labels[0] in _NOISE_LABELS:
        labels = labels[1:]
    label = labels[0] if labels else ""
    words = [word for word in re.split(r"[-_]+", label) if word]
    if not words or re.fullmatch(r"[0-9]+", label):
        raise ValidationError(
            "The company's name cannot be read from this website's address; give the name as well.",
            code="name_required",
        )
    return company_name(" ".join(word[:1].upper() + word[1:] for word in words))
