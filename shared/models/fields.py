"""Attribute types and key helpers shared by several tables."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime

from pynamodb.attributes import BinaryAttribute, MapAttribute, UnicodeAttribute

from shared.models.base import utcnow

# The separator of composite string keys ("username#alice", "user#<id>", "<ts>#<id>").
SEP = "#"


class SealedSecret(MapAttribute[str, object]):
    """An AES-256-GCM envelope: the ciphertext, its data key encrypted by KMS, and the nonce."""

    ciphertext = BinaryAttribute(legacy_encoding=False)
    encrypted_data_key = BinaryAttribute(legacy_encoding=False)
    nonce = BinaryAttribute(legacy_encoding=False)
    # The KMS key that encrypted the data key, so a key rotation can find what to re-encrypt.
    kms_key_id = UnicodeAttribute()
    algorithm = UnicodeAttribute(default="AES-256-GCM")


def normalize_key(value: str) -> str:
    """The comparison form of a username or email: NFKC, case-folded, NFKC again."""
    # casefold() can leave a string that is no longer NFKC ("\u01f0" folds to "j" + combining caron),
    # so without the second pass two spellings of one name would get different keys.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


def composite(*parts: str) -> str:
    """Join key parts with the separator: composite("user", "42") == "user#42"."""
    return SEP.join(parts)


def time_sort_key(at: datetime | None = None, unique: str | None = None) -> str:
    """A range key that sorts by time and never collides: "<ISO-8601 UTC>#<id>"."""
    moment = (at or utcnow()).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return composite(moment, unique or uuid.uuid4().hex)
