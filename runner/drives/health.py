"""What went wrong with a drive, in a few words a person can act on; and secrets kept out of every message.

rclone's error lines (JSON log records and its last plain "Failed to ..." line) are matched against the table
below, first match wins; the order puts the network before the HTTP statuses, since a token refresh that cannot
connect also says "cannot fetch token".

    code          when                                                        a mount shows
    unreachable   connection refused, no such host, no route, reset           "Cannot reach <host> (...)"
    timeout       i/o timeout, deadline exceeded, our own deadline            "The drive did not answer in time."
    tls           x509, certificate                                           "... certificate was not accepted."
    quota         quota, 507, storage full                                    "The drive is full ..."
    auth_failed   401, invalid_grant/client, bad access key or signature      "The drive refused the sign-in ..."
    forbidden     403, AccessDenied, permission denied                        "The drive refused access ..."
    not_found     directory not found, 404, NoSuchBucket, itemNotFound        "The drive folder was not found ..."
    failed        anything else                                               "rclone failed: <last line>"
    misconfigured the settings cannot become a remote (DriveConfigError)      its own sentence
    busy          another sync of the mount held the lock (DriveBusyError)    its own sentence
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_REASON = 240
REDACTED = "***"


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    reason: str  # short, for a person; never holds a secret


_DIAL = re.compile(r"dial tcp:? (?:lookup )?(\[[0-9a-fA-F:.]+\](?::\d+)?|[^\s:]+(?::\d+)?)")
_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("unreachable", re.compile(r"connection refused", re.I), "the connection was refused"),
    ("unreachable", re.compile(r"no such host|server misbehaving|Temporary failure in name resolution", re.I),
     "host not found"),
    ("unreachable", re.compile(r"network is unreachable|no route to host|connection reset|broken pipe|EOF$", re.I),
     "the network path failed"),
    ("timeout", re.compile(r"i/o timeout|deadline exceeded|Client\.Timeout|handshake timeout|timed out", re.I),
     "The drive did not answer in time."),
    ("tls", re.compile(r"x509|certificate", re.I), "The drive's TLS certificate was not accepted."),
    ("quota", re.compile(r"quota|insufficient storage|\b507\b|storage is full|no space left", re.I),
     "The drive is full (its storage quota is used up)."),
    ("auth_failed", re.compile(r"\b401\b|unauthori[sz]ed|invalid_grant|invalid_client|cannot fetch token|"
                               r"couldn't fetch token|InvalidAccessKeyId|SignatureDoesNotMatch|"
                               r"InvalidToken|ExpiredToken|invalid.{0,20}token", re.I),
     "The drive refused the sign-in (401): the connection needs to be renewed."),
    ("forbidden", re.compile(r"\b403\b|forbidden|AccessDenied|permission denied", re.I),
     "The drive refused access to this folder (403)."),
    ("not_found", re.compile(r"directory not found|\b404\b|NoSuchBucket|itemNotFound|not found", re.I),
     "The drive folder was not found: it may have been moved, renamed or deleted."),
)  # fmt: skip


def classify(messages: Sequence[str], *, secrets: Iterable[str] = ()) -> Problem:
    """The problem rclone's error messages describe (the last messages weigh most: they say why it stopped)."""
    text = "\n".join(messages[-20:])
    for code, pattern, reason in _RULES:
        if pattern.search(text):
            if code == "unreachable":
                host = _host(text)
                return Problem(code, f"Cannot reach {host or 'the drive'}: {reason}.")
            return Problem(code, reason)
    last = messages[-1].strip() if messages else "no message"
    return Problem("failed", _short(f"rclone failed: {redact(last, secrets)}"))


def timed_out() -> Problem:
    return Problem("timeout", "The drive did not answer in time; the sync was stopped.")


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` without any of `secrets`, nor anything shaped like a token or a credential."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _TOKEN_FIELD.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return _AUTH_HEADER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


_TOKEN_FIELD = re.compile(
    r"""((?:access_token|refresh_token|id_token|client_secret|password|pass|secret_access_key)["']?\s*[:=]\s*["']?)"""
    r"""[^"'&\s,}]+""",
    re.I,
)
_AUTH_HEADER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}")


def _host(text: str) -> str | None:
    match = _DIAL.search(text)
    return match.group(1) if match else None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"
