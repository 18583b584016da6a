"""The data folder's secrets and modes: what the stack writes there is its user's alone.

Other users of the machine, the Claude CLI's job uids among them, must read none of it: the folder is 0700, and
the files the stack writes at its top (secrets.json, stack.json, stack.lock, logs) are 0600, set again at every
start for a folder made by an older version.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from pathlib import Path
from typing import BinaryIO, Literal

PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700


def _access_key_id() -> str:
    """Shaped like an IAM user's key id: AKIA and 16 uppercase letters or digits."""
    return "AKIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))


# Each secret and how it is made; a data folder from an older version gains the ones it lacks.
_SECRETS = {
    "jwt_secret": lambda: secrets.token_urlsafe(48),
    "postmark_token": lambda: secrets.token_urlsafe(48),
    # The key pair every request to the local AWS endpoint and the @connections API must be signed with.
    "aws_access_key_id": _access_key_id,
    "aws_secret_access_key": lambda: secrets.token_urlsafe(30),  # 40 characters, like an AWS secret key
    # What a reader of the local mailbox (GET /_local/mail) presents in X-Studio-Local-Token.
    "local_token": lambda: secrets.token_urlsafe(32),
}


def local_secrets(data_dir: Path) -> dict[str, str]:
    """Random secrets kept in the data folder (never in the repository), made on first start."""
    path = data_dir / "secrets.json"
    values = json.loads(path.read_text()) if path.exists() else {}
    missing = {name: make() for name, make in _SECRETS.items() if name not in values}
    if missing:
        write_private(path, json.dumps({**values, **missing}))
    else:
        path.chmod(PRIVATE_FILE)
    return {name: str(value) for name, value in {**values, **missing}.items()}


def write_private(path: Path, text: str) -> None:
    """Replace a file at once (a crash leaves the old one or the new one) with one only its owner can read."""
    partial = path.with_name(f".{path.name}.partial")
    with open_private(partial) as handle:
        handle.write(text.encode())
    os.replace(partial, path)


def open_private(path: Path, mode: Literal["wb", "ab"] = "wb") -> BinaryIO:
    """Open a file only its owner can read, from its first byte (a chmod after writing would leave a window)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_FILE)
    os.fchmod(descriptor, PRIVATE_FILE)  # the mode given to os.open applies to a new file only
    return os.fdopen(descriptor, mode)


def private_folder(path: Path) -> Path:
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    path.chmod(PRIVATE_FOLDER)
    return path
