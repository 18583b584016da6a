"""The local stack's secrets: generated once, kept private, and added to a data folder made by an older version."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from local.data_folder import local_secrets, private_folder

pytestmark = pytest.mark.unit


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_folder_gets_a_key_pair_and_a_mailbox_token(tmp_path: Path) -> None:
    secrets = local_secrets(tmp_path)

    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", secrets["aws_access_key_id"])
    assert len(secrets["aws_secret_access_key"]) == 40
    assert secrets["local_token"]
    assert mode(tmp_path / "secrets.json") == 0o600
    assert local_secrets(tmp_path) == secrets  # made once, then kept


def test_an_older_data_folder_keeps_its_secrets_and_gains_the_new_ones(tmp_path: Path) -> None:
    older = {"jwt_secret": "kept-jwt-secret", "postmark_token": "kept-postmark-token"}
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps(older))
    path.chmod(0o644)

    secrets = local_secrets(tmp_path)

    assert {name: secrets[name] for name in older} == older
    assert {"aws_access_key_id", "aws_secret_access_key", "local_token"} <= set(json.loads(path.read_text()))
    assert mode(path) == 0o600


def test_a_private_folder_is_made_or_made_private_again(tmp_path: Path) -> None:
    existing = tmp_path / "logs"
    existing.mkdir(mode=0o755)

    assert mode(private_folder(existing)) == 0o700
    assert mode(private_folder(tmp_path / "new" / "mail")) == 0o700
