"""What the web app asks first: can Claude run, and has the installation been set up (GET /api/setup/status)."""

from __future__ import annotations

from typing import Literal

from shared.accounts.domain import Principal
from shared.onboarding.service import summary
from shared.onboarding.views import OnboardingSummary
from shared.provider import service as provider
from shared.schema import View


class SetupStatus(View):
    configured: bool  # whether chat, skills and schedules can reach Claude now
    provider: Literal["anthropic", "bedrock"]
    is_admin: bool
    onboarding: OnboardingSummary
    needs_onboarding: bool  # an administrator whose installation has not finished (or skipped) onboarding


def status(caller: Principal) -> SetupStatus:
    state = provider.status()
    onboarding = summary()
    is_admin = caller.account.is_admin
    return SetupStatus(
        configured=state.configured,
        provider=state.provider,
        is_admin=is_admin,
        onboarding=onboarding,
        needs_onboarding=is_admin and not onboarding.completed,
    )
