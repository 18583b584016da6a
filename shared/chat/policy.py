"""What administrators allow in chat: the permission modes users may pick for their sessions."""

from __future__ import annotations

from typing import Any

from shared import preferences
from shared.errors import ValidationError
from shared.models.chat import PermissionMode
from shared.schema import Schema

PERMISSION_MODES_SETTING = "chat.permission_modes"
# Without an administrator's choice users may ask before acting, accept edits, or only plan. Acting without asking
# (bypassPermissions) is never a default: only an administrator can allow it.
DEFAULT_MODES = (PermissionMode.DEFAULT.value, PermissionMode.ACCEPT_EDITS.value, PermissionMode.PLAN.value)
ALL_MODES = (*DEFAULT_MODES, PermissionMode.BYPASS_PERMISSIONS.value)


class ChatPolicy(Schema):
    """The permission modes users may pick (GET and PUT /api/admin/settings/chat)."""

    allowed_permission_modes: list[str]


def allowed_modes() -> list[str]:
    value = preferences.get(preferences.GLOBAL_SCOPE, PERMISSION_MODES_SETTING)
    if value is None:
        return list(DEFAULT_MODES)
    return [mode for mode in ALL_MODES if mode in value]


def set_allowed_modes(modes: Any, updated_by: str) -> list[str]:
    if not isinstance(modes, list) or not modes or not all(isinstance(mode, str) for mode in modes):
        raise ValidationError("Give at least one permission mode.", code="invalid_request")
    unknown = sorted(set(modes) - set(ALL_MODES))
    if unknown:
        raise ValidationError(
            f"Unknown permission mode(s): {', '.join(unknown)}. Known: {', '.join(ALL_MODES)}.", code="invalid_request"
        )
    if PermissionMode.DEFAULT.value not in modes:
        raise ValidationError("The 'default' mode (ask before acting) cannot be turned off.", code="invalid_request")
    chosen = [mode for mode in ALL_MODES if mode in modes]
    preferences.put(preferences.GLOBAL_SCOPE, PERMISSION_MODES_SETTING, chosen, updated_by=updated_by)
    return chosen
