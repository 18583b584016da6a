"""Installation-wide configuration: the AI provider (Bedrock), its 1M-context audit, and settings."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from shared.models.base import StudioModel, utcnow
from shared.models.fields import SealedSecret, composite

# bedrock_config has exactly one row, under this key.
ACTIVE_CONFIG_ID = "active"
GLOBAL_SCOPE = "global"


class AiProvider(StrEnum):
    ANTHROPIC = "anthropic"
    BEDROCK = "bedrock"


class ProviderTestStatus(StrEnum):
    UNTESTED = "untested"
    PASSED = "passed"
    FAILED = "failed"


def user_scope(user_id: str) -> str:
    """The settings scope of one user: "user#<id>"."""
    return composite("user", user_id)


class BedrockConfig(StudioModel):
    """The single row (config_id "active") that says which provider and model Claude uses, with their credentials.

    Both providers' credentials live here, sealed, so the runner reads this one row and no other settings."""

    class Meta:
        logical_name = "bedrock_config"

    config_id = UnicodeAttribute(hash_key=True, default=ACTIVE_CONFIG_ID)
    provider = UnicodeAttribute(default=AiProvider.ANTHROPIC.value)
    anthropic_key_encrypted = SealedSecret(null=True)  # the organisation's Anthropic API key
    anthropic_key_hint = UnicodeAttribute(null=True)  # its last four characters
    region = UnicodeAttribute(null=True)
    # Both the access key id and the secret key, as JSON in one envelope; the hint is for display.
    credentials_encrypted = SealedSecret(null=True)
    access_key_hint = UnicodeAttribute(null=True)  # the last four characters of the access key id
    # In the cloud Bedrock may be called with the runner's task role instead: no stored secret at all.
    use_task_role = BooleanAttribute(default=False)
    active_model_id = UnicodeAttribute(null=True)
    context_1m_enabled = BooleanAttribute(default=False)
    # The last test of the stored configuration (POST /api/setup/test-claude-key, /api/admin/bedrock/test).
    test_status = UnicodeAttribute(default=ProviderTestStatus.UNTESTED.value)
    test_provider = UnicodeAttribute(null=True)
    test_message = UnicodeAttribute(null=True)
    tested_at = UTCDateTimeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    # Admins edit it from several browsers; a stale form must not undo a newer switch.
    version = VersionAttribute()


class BedrockContextAudit(StudioModel):
    """Who turned 1M-token context on or off, when, and what they acknowledged (kept after user deletion)."""

    class Meta:
        logical_name = "bedrock_context_audit"

    config_id = UnicodeAttribute(hash_key=True, default=ACTIVE_CONFIG_ID)
    sk = UnicodeAttribute(range_key=True)  # time_sort_key(): "<ISO-8601 UTC>#<id>"
    user_id = UnicodeAttribute()
    enabled = BooleanAttribute()
    acknowledgment = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)


class Setting(StudioModel):
    """One named setting in a scope ("global" or "user#<id>"); secrets go in `secret`, never in `value`."""

    class Meta:
        logical_name = "settings"

    scope = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)
    value = JSONAttribute(null=True)
    secret = SealedSecret(null=True)  # a secret setting, sealed (the AI provider's keys live in bedrock_config)
    updated_by = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)
