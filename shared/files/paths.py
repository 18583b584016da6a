"""Relative paths inside a project: one check, shared by every way a file can arrive (the spec's safePath).

A path is refused, never repaired: a name that only looks harmless after decoding or normalisation is
exactly what a traversal attempt looks like, so the check runs on the path as given, on every
percent-decoding of it, and on the NFKC normalisation of each.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

from shared.errors import ValidationError

# S3 keys are at most 1,024 bytes; the project prefix takes some of that.
MAX_PATH_BYTES = 900
# The folders at a project's top that the product writes itself (skills, schedule run logs, git), never the person.
MANAGED_FOLDERS = frozenset({".claude", ".sasha", ".git"})
# "%252e" decodes to "%2e", then to "."; more rounds than this is itself suspicious.
_MAX_DECODINGS = 3
# Characters that make a name read differently from what it is: bidirectional overrides and isolates,
# zero-width characters, the byte-order mark. (Unicode category Cf covers them; a few are named for the message.)
_FORMAT_CATEGORY = "Cf"
_BAD_SEGMENT = "A file or folder name can't be empty, '.' or '..'."
# Slashes and backslashes in disguise that NFKC leaves alone (division and fraction slash, big solidus, ...).
_SEPARATOR_LOOKALIKES = frozenset("\u2215\u2044\u29f8\u2571\u29f5\u2216\u29f9\u2572")


def safe_relative_path(path: str) -> str:
    """`path` unchanged if it is a clean relative path inside a project, else a ValidationError saying why."""
    if not isinstance(path, str) or not path:
        raise _invalid("The file path is empty.")
    if len(path.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        raise _invalid(f"The file path is longer than {MAX_PATH_BYTES} bytes.")
    _check_form(path, path)
    for variant in _variants(path):
        if variant != path:
            _check_form(variant, path, disguised=True)
    return path


def safe_folder(path: str) -> str:
    """A folder path: "" is the project's root, otherwise a safe relative path (a trailing '/' is dropped)."""
    path = path.strip()
    if path in ("", "/"):
        return ""
    return safe_relative_path(path[:-1] if path.endswith("/") else path)


def safe_segment(name: str) -> str:
    """`name` unchanged if it is one safe path segment (a project id, a file name)."""
    if "/" in name:
        raise _invalid(f"{name!r} must be a single name, without '/'.")
    return safe_relative_path(name)


def _variants(path: str) -> list[str]:
    """The path's percent-decodings (up to a few rounds) and the NFKC form of each."""
    decoded = [path]
    for _ in range(_MAX_DECODINGS):
        try:
            once = unquote(decoded[-1], errors="strict") if "%" in decoded[-1] else decoded[-1]
        except UnicodeDecodeError as exc:
            raise _invalid("The file path has percent-encoded bytes that are not UTF-8 (an overlong '.'?).") from exc
        if once == decoded[-1]:
            break
        decoded.append(once)
    else:
        if "%" in decoded[-1] and unquote(decoded[-1]) != decoded[-1]:
            raise _invalid("The file path is percent-encoded too many times.")
    variants: list[str] = []
    for form in decoded:
        variants.extend((form, unicodedata.normalize("NFKC", form)))
    return variants


def _check_form(form: str, original: str, *, disguised: bool = False) -> None:
    """One spelling of the path: the rules every spelling must pass."""
    how = " once decoded or normalised" if disguised else ""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in form):
        raise _invalid("A file or folder name can't contain control characters (such as a tab or a line break).")
    if any(unicodedata.category(char) == _FORMAT_CATEGORY for char in form):
        raise _invalid("A file or folder name can't contain invisible or text-direction characters.")
    if any(0xD800 <= ord(char) <= 0xDFFF for char in form):
        raise _invalid("The file path is not valid UTF-8.")
    if any(char in _SEPARATOR_LOOKALIKES for char in form):
        raise _invalid("A file or folder name can't contain a character that looks like '/' or '\\'.")
    if "\\" in form:
        raise _invalid(f"A file or folder name can't contain a backslash{how}: use '/' between folders.")
    if form.startswith("/"):
        raise _invalid(f"A path can't start with '/'{how}: give it from the project's top folder (reports/q1.docx).")
    if disguised and form.count("/") != original.count("/"):
        raise _invalid("The file path hides a '/' in an encoded or look-alike character.")
    for segment in form.split("/"):
        if segment in ("", ".", ".."):
            raise _invalid(_BAD_SEGMENT)


def managed_folder(path: str) -> str | None:
    """The folder Sasha Studio manages that holds `path` (".claude", ".sasha", ".git" at the top), or None.

    Skills, schedule run logs and the git repository live there and are written by the product's own code; the
    Files routes refuse to delete, rename or move them (or anything into them), so a person cannot break them by
    accident. Compared case-insensitively, as a case-insensitive disk would.
    """
    top = path.strip().strip("/").split("/", 1)[0]
    return top if top.casefold() in MANAGED_FOLDERS else None


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_path")
