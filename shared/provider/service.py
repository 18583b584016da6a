"""The AI provider's one row (`bedrock_config`, key "active"): the provider in use and both providers' keys.

A provider or key set in the product wins over the environment's (ANTHROPIC_API_KEY, CLAUDE_CODE_USE_BEDROCK given
to the runner). Credentials are sealed with the KMS envelope (shared.crypto) and unsealed only by `active()`,
which only the runner calls; every other function answers hints.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError

from shared import crypto
from shared.accounts import users
from shared.concurrency import then
from shared.db import Reads, condition_failed, transaction
from shared.errors import ConflictError, ValidationError
from shared.models.admin import (
    ACTIVE_CONFIG_ID,
    AiProvider,
    BedrockConfig,
    BedrockContextAudit,
    ProviderTestStatus,
)
from shared.models.base import utcnow
from shared.models.fields import SealedSecret, time_sort_key
from shared.provider.schemas import BedrockSetup
from shared.provider.views import (
    AnthropicState,
    BedrockState,
    ContextAuditEntry,
    CredentialCheck,
    KeySource,
    LastTest,
    ProviderStatus,
)
from shared.settings import Settings, get_settings

_KEY_CONTEXT = {"bedrock_config": ACTIVE_CONFIG_ID, "credential": "anthropic_api_key"}
_BEDROCK_CONTEXT = {"bedrock_config": ACTIVE_CONFIG_ID}
_TRUE = ("1", "true", "yes")


@dataclass(frozen=True, slots=True)
class ActiveProvider:
    """Where the runner sends this turn's model calls, with the credential (never logged: repr leaves it out)."""

    kind: AiProvider
    source: KeySource
    fingerprint: str  # changes whenever anything below changes: the runner keeps one upstream per fingerprint
    base_url: str = ""  # Anthropic's API (the environment's ANTHROPIC_BASE_URL, or the public one)
    api_key: str | None = field(default=None, repr=False)
    auth_token: str | None = field(default=None, repr=False)
    region: str | None = None
    access_key_id: str | None = field(default=None, repr=False)  # None on Bedrock: the default credential chain
    secret_access_key: str | None = field(default=None, repr=False)
    model_id: str | None = None
    context_1m: bool = False

    @property
    def name(self) -> str:
        return "Amazon Bedrock" if self.kind is AiProvider.BEDROCK else "Anthropic"


# -- reading ----------------------------------------------------------------------------------------------------


def _config() -> BedrockConfig | None:
    try:
        return BedrockConfig.get(ACTIVE_CONFIG_ID)
    except DoesNotExist:
        return None


def _stored_key(row: BedrockConfig | None) -> SealedSecret | None:
    return row.anthropic_key_encrypted if row is not None else None


def _bedrock_ready(row: BedrockConfig | None) -> bool:
    return row is not None and bool(row.region) and (row.credentials_encrypted is not None or row.use_task_role)


def _env_anthropic(settings: Settings) -> bool:
    return settings.model_credential_configured


def _env_bedrock(settings: Settings) -> bool:
    return settings.claude_env.get("CLAUDE_CODE_USE_BEDROCK", "").lower() in _TRUE


def _choice(
    row: BedrockConfig | None, key: SealedSecret | None, settings: Settings
) -> tuple[AiProvider, KeySource] | None:
    """Which provider the next turn uses and who set it, or None when nothing is configured."""
    if row is not None and row.provider == AiProvider.BEDROCK and _bedrock_ready(row):
        return AiProvider.BEDROCK, "product"
    if key is not None:
        return AiProvider.ANTHROPIC, "product"
    if _env_bedrock(settings):
        return AiProvider.BEDROCK, "environment"
    if _env_anthropic(settings):
        return AiProvider.ANTHROPIC, "environment"
    return None


def is_configured() -> bool:
    row = _config()
    return _choice(row, _stored_key(row), get_settings()) is not None


def active() -> ActiveProvider | None:
    """The provider for the next model call, credential unsealed; None when Claude is not configured."""
    return _active(_config())


def active_in(reads: Reads) -> Future[ActiveProvider | None]:
    """`active()`, its row read with others (shared.db.Reads); a key not unsealed before is unsealed (KMS) as the
    row comes in, in the batch's thread: ask for it after the batch's other reads."""
    return then(reads.get(BedrockConfig, ACTIVE_CONFIG_ID), _active)


def _active(row: BedrockConfig | None) -> ActiveProvider | None:
    settings = get_settings()
    key = _stored_key(row)
    choice = _choice(row, key, settings)
    return None if choice is None else _provider(*choice, row, key, settings)


def configured(kind: AiProvider) -> ActiveProvider | None:
    """`kind` as configured (the product's, else the environment's), whether or not it is the one in use."""
    settings = get_settings()
    row = _config()
    key = _stored_key(row)
    if kind is AiProvider.BEDROCK:
        source: KeySource | None = (
            "product" if _bedrock_ready(row) else "environment" if _env_bedrock(settings) else None
        )
    else:
        source = "product" if key is not None else "environment" if _env_anthropic(settings) else None
    return None if source is None else _provider(kind, source, row, key, settings)


def _provider(
    kind: AiProvider, source: KeySource, row: BedrockConfig | None, key: SealedSecret | None, settings: Settings
) -> ActiveProvider:
    env = settings.claude_env
    if kind is AiProvider.BEDROCK and source == "product":
        assert row is not None
        fingerprint = f"bedrock:{row.version}:{_digest(row.credentials_encrypted)}:{row.use_task_role}"
        access_key_id = secret = None
        if not row.use_task_role and row.credentials_encrypted is not None:
            keys = json.loads(_unsealed(fingerprint, row.credentials_encrypted, _BEDROCK_CONTEXT))
            access_key_id, secret = keys["access_key_id"], keys["secret_access_key"]
        return ActiveProvider(
            kind,
            source,
            fingerprint,
            region=row.region,
            access_key_id=access_key_id,
            secret_access_key=secret,
            model_id=row.active_model_id,
            context_1m=bool(row.context_1m_enabled),
        )
    if kind is AiProvider.ANTHROPIC and source == "product":
        assert key is not None
        fingerprint = f"anthropic:{_digest(key)}:{settings.upstream_base_url}"
        api_key = _unsealed(fingerprint, key, _KEY_CONTEXT)
        return ActiveProvider(kind, source, fingerprint, base_url=settings.upstream_base_url, api_key=api_key)
    environment = hashlib.sha256(json.dumps(sorted(env.items())).encode()).hexdigest()[:16]
    if kind is AiProvider.BEDROCK:
        return ActiveProvider(
            kind,
            source,
            f"env-bedrock:{environment}",
            region=env.get("AWS_REGION") or settings.region,
            model_id=env.get("ANTHROPIC_MODEL"),
        )
    return ActiveProvider(
        kind,
        source,
        f"env-anthropic:{environment}",
        base_url=settings.upstream_base_url,
        api_key=env.get("ANTHROPIC_API_KEY") or None,
        auth_token=None if env.get("ANTHROPIC_API_KEY") else env.get("ANTHROPIC_AUTH_TOKEN"),
    )


def _digest(sealed: SealedSecret | None) -> str:
    """Names one sealed value (each seal has a fresh data key and nonce), without revealing anything of it."""
    return hashlib.sha256(bytes(sealed.ciphertext)).hexdigest()[:16] if sealed is not None else "-"


# A turn reads the rows (two small GetItems) but calls KMS only when a credential changed.
_unsealed_cache: dict[str, str] = {}
_cache_lock = threading.Lock()


def _unsealed(fingerprint: str, sealed: SealedSecret, context: dict[str, str]) -> str:
    with _cache_lock:
        if fingerprint in _unsealed_cache:
            return _unsealed_cache[fingerprint]
    value = crypto.unseal(sealed, context=context)
    with _cache_lock:
        if len(_unsealed_cache) > 8:
            _unsealed_cache.clear()
        _unsealed_cache[fingerprint] = value
    return value


def status() -> ProviderStatus:
    settings = get_settings()
    row = _config()
    key = _stored_key(row)
    choice = _choice(row, key, settings)
    provider = choice[0] if choice else AiProvider(row.provider if row else AiProvider.ANTHROPIC)
    env_key = settings.claude_env.get("ANTHROPIC_API_KEY") or settings.claude_env.get("ANTHROPIC_AUTH_TOKEN")
    if row is not None and key is not None:
        anthropic = AnthropicState(key_hint=_hint(row.anthropic_key_hint), key_source="product")
    elif env_key:
        anthropic = AnthropicState(key_hint=_hint(env_key[-4:]), key_source="environment")
    else:
        anthropic = AnthropicState()
    bedrock = BedrockState(
        region=row.region if row else None,
        access_key_hint=_hint(row.access_key_hint) if row else None,
        use_task_role=bool(row and row.use_task_role),
        model_id=row.active_model_id if row else None,
        context_1m_enabled=bool(row and row.context_1m_enabled),
        task_role_available=not settings.is_local,
    )
    if provider is AiProvider.BEDROCK:
        model = (row.active_model_id if row and choice and choice[1] == "product" else None) or settings.claude_env.get(
            "ANTHROPIC_MODEL"
        )
    else:
        model = settings.claude_env.get("ANTHROPIC_MODEL")
    return ProviderStatus(
        provider=provider.value,
        configured=choice is not None,
        source=choice[1] if choice else None,
        model=model,
        anthropic=anthropic,
        bedrock=bedrock,
        test=LastTest.model_validate(
            {
                "status": row.test_status if row else ProviderTestStatus.UNTESTED.value,
                "message": row.test_message if row else None,
                "tested_at": row.tested_at if row else None,
                "provider": row.test_provider if row else None,
            }
        ),
        updated_at=row.updated_at if row else None,
        updated_by=row.updated_by if row else None,
    )


def _hint(last_four: str | None) -> str | None:
    return f"…{last_four}" if last_four else None


def stored_credentials_for_test(kind: AiProvider) -> bool:
    """Whether there is something to test for `kind` without a candidate key."""
    settings = get_settings()
    if kind is AiProvider.BEDROCK:
        return _bedrock_ready(_config()) or _env_bedrock(settings)
    return _stored_key(_config()) is not None or _env_anthropic(settings)


def bedrock_model() -> str | None:
    row = _config()
    return row.active_model_id if row else None


def bedrock_keys() -> tuple[str, str, str] | None:
    """The stored Bedrock region, access key id and secret (for listing models), or None without stored keys."""
    row = _config()
    if row is None or not row.region or row.credentials_encrypted is None or row.use_task_role:
        return None
    keys = json.loads(
        _unsealed(f"keys:{_digest(row.credentials_encrypted)}", row.credentials_encrypted, _BEDROCK_CONTEXT)
    )
    return row.region, keys["access_key_id"], keys["secret_access_key"]


# -- writing ----------------------------------------------------------------------------------------------------


def configure_anthropic(api_key: str, *, by: str) -> ProviderStatus:
    """Store the organisation's Anthropic key, sealed; afterwards only its last four characters are shown."""
    sealed = crypto.seal(api_key, context=_KEY_CONTEXT)

    def apply(row: BedrockConfig) -> None:
        row.anthropic_key_encrypted = sealed
        row.anthropic_key_hint = api_key[-4:]
        _untested(row, AiProvider.ANTHROPIC)

    _change(by, apply)
    return status()


def configure_bedrock(setup: BedrockSetup, *, by: str) -> ProviderStatus:
    if setup.use_task_role and get_settings().is_local:
        raise ValidationError(
            "The runner's task role exists only in the cloud; give an access key id and secret access key.",
            code="task_role_unavailable",
        )
    sealed = None
    if not setup.use_task_role:
        assert setup.access_key_id and setup.secret_access_key
        keys = {"access_key_id": setup.access_key_id, "secret_access_key": setup.secret_access_key}
        sealed = crypto.seal(json.dumps(keys), context=_BEDROCK_CONTEXT)

    def apply(row: BedrockConfig) -> None:
        row.region = setup.region
        row.use_task_role = setup.use_task_role
        row.credentials_encrypted = sealed
        row.access_key_hint = setup.access_key_id[-4:] if setup.access_key_id else None
        _untested(row, AiProvider.BEDROCK)

    _change(by, apply)
    return status()


def switch_model(model_id: str, *, by: str) -> ProviderStatus:
    """Use Bedrock with `model_id` from the next turn of every session on."""
    if not _bedrock_ready(_config()):
        raise ValidationError("Configure Bedrock (region and credentials) before choosing a model.", code="not_ready")

    def apply(row: BedrockConfig) -> None:
        row.provider = AiProvider.BEDROCK.value
        row.active_model_id = model_id

    _change(by, apply)
    return status()


def use_anthropic(*, by: str) -> ProviderStatus:
    """Switch back to the Anthropic API (the stored key, else the environment's) from the next turn on."""
    if _stored_key(_config()) is None and not _env_anthropic(get_settings()):
        raise ValidationError("Add an Anthropic API key before switching back to Anthropic.", code="not_ready")

    def apply(row: BedrockConfig) -> None:
        row.provider = AiProvider.ANTHROPIC.value

    _change(by, apply)
    return status()


def set_context_1m(enabled: bool, acknowledgment: str | None, *, by: str) -> ProviderStatus:
    """Turn 1M-token context on or off; the change and what was acknowledged are audited in the same write."""
    row = _config()
    if enabled and not _bedrock_ready(row):
        raise ValidationError("1M-token context is a Bedrock option: configure Bedrock first.", code="not_ready")
    if row is None:
        row = BedrockConfig(ACTIVE_CONFIG_ID)
    row.context_1m_enabled = enabled
    row.updated_by, row.updated_at = by, utcnow()
    audit = BedrockContextAudit(
        ACTIVE_CONFIG_ID,
        time_sort_key(),
        user_id=by,
        enabled=enabled,
        acknowledgment=acknowledgment if enabled else None,
    )
    try:
        with transaction() as tx:
            tx.save(row)
            tx.save(audit, condition=BedrockContextAudit.sk.does_not_exist())
    except TransactWriteError as exc:
        raise _stale() from exc
    return status()


def context_audit(limit: int = 100) -> list[ContextAuditEntry]:
    rows = BedrockContextAudit.query(ACTIVE_CONFIG_ID, scan_index_forward=False, limit=limit)
    names: dict[str, str | None] = {}
    entries = []
    for row in rows:
        if row.user_id not in names:
            account = users.get(row.user_id)
            names[row.user_id] = account.username if account else None
        entries.append(ContextAuditEntry.model_validate(row).model_copy(update={"username": names[row.user_id]}))
    return entries


def record_test(result: CredentialCheck, *, by: str) -> None:
    """Keep the result of a test of the stored configuration, for Settings to show."""

    def apply(row: BedrockConfig) -> None:
        row.test_status = (ProviderTestStatus.PASSED if result.ok else ProviderTestStatus.FAILED).value
        row.test_provider = result.provider
        row.test_message = result.message
        row.tested_at = result.tested_at

    _change(by, apply, touch=False)


def _untested(row: BedrockConfig, provider: AiProvider) -> None:
    row.test_status = ProviderTestStatus.UNTESTED.value
    row.test_provider = provider.value
    row.test_message = None
    row.tested_at = None


def _change(by: str, apply: Callable[[BedrockConfig], None], *, touch: bool = True) -> None:
    """Create or update the row with `apply(row)`; a concurrent change makes this one a conflict, not a loss."""
    row = _config() or BedrockConfig(ACTIVE_CONFIG_ID)
    apply(row)
    if touch:
        row.updated_by, row.updated_at = by, utcnow()
    try:
        row.save()  # conditional on the version it was read at (VersionAttribute)
    except (PutError, UpdateError) as exc:
        if condition_failed(exc):
            raise _stale() from exc
        raise


def _stale() -> ConflictError:
    return ConflictError("The AI provider was changed by someone else just now; reload and try again.")
