"""What never enters the audit log: secrets by the name of their field, and strings that look like credentials.

    redact({"email": "a@b.c", "password": "hunter2"})   -> {"email": "a@b.c", "password": "[redacted]"}
    redact({"url": "https://bob:pw@git.example.com/x"}) -> {"url": "https://[redacted]@git.example.com/x"}
    redact_text("sk_0a1b_s3cr3t...")                     -> "[redacted]"

A field is secret when a word of its name (camelCase, snake_case or kebab-case) is one of SECRET_WORDS and none is
one of HARMLESS_WORDS: `clientSecret`, `api_key`, `newPassword` and `token` go; `tokensPerDay`, `keyHint`,
`accessKeyId` and `hasClientSecret` stay. The callers pass small summaries, never request bodies; this is the net
under them, so it errs towards hiding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "key",
        "apikey",
        "credential",
        "credentials",
        "authorization",
        "cookie",
        "verifier",
        "code",
        "signature",
    }
)
# A word that makes the field about a secret, not the secret: its id, a hint, whether there is one, a count.
HARMLESS_WORDS = frozenset(
    {"id", "ids", "hint", "has", "is", "source", "scope", "version", "count", "configured", "type", "kind"}
)
MAX_TEXT = 512  # a longer string is cut: an entry stays small
MAX_DEPTH = 4

_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_CREDENTIAL_LIKE = re.compile(
    r"""
      \bsk[_-][A-Za-z0-9_-]{16,}        # our API keys (sk_<id>_<secret>), Anthropic's (sk-ant-...)
    | \b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}   # GitHub tokens
    | \bgithub_pat_[A-Za-z0-9_]{20,}
    | \bglpat-[A-Za-z0-9_-]{20,}        # GitLab
    | \bxox[abprs]-[A-Za-z0-9-]{10,}    # Slack
    | \b(?:AKIA|ASIA)[0-9A-Z]{16}\b     # AWS access key ids
    | \beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*   # a JWT
    | \bBearer\s+\S+
    | (?<![A-Za-z0-9+/_=-])(?=[A-Za-z0-9+/_=-]*[0-9])(?=[A-Za-z0-9+/_=-]*[a-z])(?=[A-Za-z0-9+/_=-]*[A-Z])
      [A-Za-z0-9+/_=-]{32,}            # a long run of upper and lower case letters and digits: a key of unknown
                                        # make (model ids, hex ids and hashes are one case, and stay)
    """,
    re.VERBOSE,
)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")


def is_secret_field(name: str) -> bool:
    words = {word.lower() for word in _WORDS.findall(name)}
    return bool(words & SECRET_WORDS) and not words & HARMLESS_WORDS


def redact_text(text: str) -> str:
    """The string without anything that looks like a credential, cut to MAX_TEXT characters."""
    text = _URL_USERINFO.sub(rf"\1{REDACTED}@", text)
    return _CREDENTIAL_LIKE.sub(REDACTED, text)[:MAX_TEXT]


def redact(value: Any, depth: int = 0) -> Any:
    """A JSON-able copy of `value` with secret fields' values replaced and credential-like strings hidden."""
    if depth > MAX_DEPTH:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if is_secret_field(str(key)) and item is not None else redact(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item, depth + 1) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(str(value))
