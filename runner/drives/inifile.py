"""rclone's config file format: a value written so that its reader (goconfig) gives it back exactly, read back,
and rclone's "obscured" passwords.

goconfig trims a value's surrounding spaces and strips surrounding backticks or triple quotes; inside triple
quotes anything but a newline or another triple quote survives, so a value that needs it is written that way.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from runner.drives.errors import DriveConfigError

REMOTE = "drive"
# rclone's fixed key for "obscured" config values (fs/config/obscure): obfuscation against shoulder-surfing only.
_OBSCURE_KEY = bytes.fromhex("9c935b48730a554d6bfd7c63c886a92bd390198eb8128afbf4de162b8b95f638")


def render(options: dict[str, str]) -> str:
    """The remote's section, named REMOTE."""
    return f"[{REMOTE}]\n" + "".join(f"{key} = {_quoted(key, value)}\n" for key, value in options.items())


def _quoted(key: str, value: str) -> str:
    """A value as rclone's config reader (goconfig) gives it back exactly: plain, or inside triple quotes."""
    if "\n" in value or "\r" in value or "\x00" in value or '"""' in value:
        raise DriveConfigError(f"The drive's {key} holds characters an rclone config cannot carry.")
    if value == value.strip() and not value.startswith(("`", '"')) and value:
        return value
    return f'"""{value}"""'


def read_value(text: str, key: str) -> str | None:
    """The value of `key` in a config file rclone wrote (it may have quoted it), or None."""
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() == key:
            value = value.strip()
            for quote in ('"""', "`"):
                if len(value) >= 2 * len(quote) and value.startswith(quote) and value.endswith(quote):
                    return value[len(quote) : -len(quote)]
            return value
    return None


def obscure(plain: str) -> str:
    """rclone's `obscure`: AES-256-CTR under its fixed key with a random IV, IV + ciphertext in unpadded base64url."""
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(_OBSCURE_KEY), modes.CTR(iv)).encryptor()
    sealed = encryptor.update(plain.encode("utf-8")) + encryptor.finalize()
    return base64.urlsafe_b64encode(iv + sealed).rstrip(b"=").decode("ascii")
