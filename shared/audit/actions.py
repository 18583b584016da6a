"""The audit vocabulary: every action that writes an entry, and nothing else (tests/unit/test_audit.py walks it)."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """An audited action; where each is recorded is in docs/audit.md."""

    SIGN_IN = "auth.sign_in"
    SIGN_IN_FAILED = "auth.sign_in_failed"
    LOGOUT_ALL = "auth.logout_all"
    PASSWORD_CHANGED = "auth.password_changed"  # noqa: S105  # the owner, with the current password
    PASSWORD_RESET = "auth.password_reset"  # noqa: S105  # with an emailed reset link
    USER_CREATED = "user.created"
    USER_CHANGED = "user.changed"  # email, or a password an administrator set
    USER_ROLE_CHANGED = "user.role_changed"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    USER_DELETED = "user.deleted"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    PROVIDER_CONFIGURED = "provider.configured"  # credentials stored (sealed): an Anthropic key or Bedrock's
    PROVIDER_MODEL_CHANGED = "provider.model_changed"  # the provider or model in use
    PROVIDER_CONTEXT_1M = "provider.context_1m"
    POLICY_PERMISSION_MODES = "policy.permission_modes"
    QUOTAS_CHANGED = "quotas.changed"
    BUDGETS_CHANGED = "budgets.changed"  # the organization's monthly budget, or a user's
    RULES_SAVED = "rules.saved"
    RULES_RESTORED = "rules.restored"
    DRIVE_PROVIDER_CREATED = "drive.provider_created"
    DRIVE_PROVIDER_CHANGED = "drive.provider_changed"
    DRIVE_PROVIDER_DELETED = "drive.provider_deleted"
    DRIVE_CONNECTION_CREATED = "drive.connection_created"
    DRIVE_CONNECTION_DELETED = "drive.connection_deleted"
    DRIVE_CONNECTION_AUTHORIZED = "drive.connection_authorized"
    GIT_REMOTE_SAVED = "git.remote_saved"
    GIT_REMOTE_DELETED = "git.remote_deleted"
