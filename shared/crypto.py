"""Envelope encryption of secrets at rest: a KMS data key per secret, AES-256-GCM on the value."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared import aws
from shared.models.fields import SealedSecret
from shared.settings import get_settings

NONCE_BYTES = 12


def seal(plaintext: str, *, context: dict[str, str] | None = None) -> SealedSecret:
    """Encrypt `plaintext` under a fresh data key; `context` binds the ciphertext to its owner."""
    settings = get_settings()
    key = aws.client("kms").generate_data_key(
        KeyId=settings.kms_key_id, KeySpec="AES_256", EncryptionContext=context or {}
    )
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key["Plaintext"]).encrypt(nonce, plaintext.encode(), _aad(context))
    return SealedSecret(
        ciphertext=ciphertext,
        encrypted_data_key=key["CiphertextBlob"],
        nonce=nonce,
        kms_key_id=str(key["KeyId"]),
    )


def unseal(sealed: SealedSecret, *, context: dict[str, str] | None = None) -> str:
    data_key = aws.client("kms").decrypt(
        CiphertextBlob=bytes(sealed.encrypted_data_key), EncryptionContext=context or {}
    )["Plaintext"]
    return AESGCM(data_key).decrypt(bytes(sealed.nonce), bytes(sealed.ciphertext), _aad(context)).decode()


def _aad(context: dict[str, str] | None) -> bytes:
    return "&".join(f"{key}={value}" for key, value in sorted((context or {}).items())).encode()
