"""Workflow 12 and onboarding's screen 2: which AI provider Claude uses, its credentials and their tests.

Every route here is for administrators; what any signed-in user may know (is Claude configured?) is in
GET /api/setup/status.
"""

from __future__ import annotations

from fastapi import APIRouter

from shared import audit
from shared.api.deps import AdminUser, Context, CurrentUser, SessionAdmin
from shared.audit import Action, Target
from shared.onboarding import setup
from shared.onboarding.setup import SetupStatus
from shared.provider import catalog, service, testing
from shared.provider.schemas import BedrockSetup, BedrockTest, ClaudeKey, ContextChoice, KeyTest, ModelChoice
from shared.provider.views import AiProvider, BedrockModels, ContextAuditEntry, CredentialCheck, ProviderStatus

router = APIRouter(tags=["ai provider"])


@router.get("/setup/status", response_model=SetupStatus, summary="Can Claude run; does setting up remain to do")
def setup_status(caller: CurrentUser) -> SetupStatus:
    return setup.status(caller)


@router.get("/admin/ai-provider", response_model=ProviderStatus, summary="The AI provider in use, hints only")
def get_provider(caller: AdminUser) -> ProviderStatus:
    return service.status()


@router.post("/setup/configure-claude", response_model=ProviderStatus, summary="Store the Anthropic API key, sealed")
def configure_claude(body: ClaudeKey, caller: SessionAdmin, context: Context) -> ProviderStatus:
    status = service.configure_anthropic(body.api_key, by=caller.user_id)
    after = {"keyHint": status.anthropic.key_hint}
    audit.record(Action.PROVIDER_CONFIGURED, actor=caller, target=_target("anthropic"), context=context, after=after)
    return status


@router.post(
    "/setup/test-claude-key",
    response_model=CredentialCheck,
    summary="One minimal call to Anthropic through the runner's gateway, with this key or the stored one",
)
def test_claude_key(body: KeyTest, caller: SessionAdmin) -> CredentialCheck:
    return testing.run_test(AiProvider.ANTHROPIC, by=caller.user_id, candidate_key=body.api_key)


@router.post("/admin/bedrock/configure", response_model=ProviderStatus, summary="Store Bedrock credentials, sealed")
def configure_bedrock(body: BedrockSetup, caller: SessionAdmin, context: Context) -> ProviderStatus:
    status = service.configure_bedrock(body, by=caller.user_id)
    bedrock = status.bedrock
    after = {"region": bedrock.region, "accessKeyHint": bedrock.access_key_hint, "useTaskRole": bedrock.use_task_role}
    audit.record(Action.PROVIDER_CONFIGURED, actor=caller, target=_target("bedrock"), context=context, after=after)
    return status


@router.post("/admin/bedrock/test", response_model=CredentialCheck, summary="One minimal Bedrock invocation")
def test_bedrock(body: BedrockTest, caller: SessionAdmin) -> CredentialCheck:
    model_id = body.model_id or service.bedrock_model() or catalog.DEFAULT_MODELS[0].id
    return testing.run_test(AiProvider.BEDROCK, by=caller.user_id, model_id=model_id)


@router.get("/admin/bedrock/models", response_model=BedrockModels, summary="Models to offer (free text otherwise)")
def bedrock_models(caller: AdminUser) -> BedrockModels:
    return catalog.bedrock_models()


@router.post("/admin/bedrock/switch-model", response_model=ProviderStatus, summary="Use Bedrock with this model")
def switch_model(body: ModelChoice, caller: SessionAdmin, context: Context) -> ProviderStatus:
    before = service.status()
    return _model_changed(caller, context, before, service.switch_model(body.model_id, by=caller.user_id))


@router.post("/admin/bedrock/disable", response_model=ProviderStatus, summary="Switch back to the Anthropic API")
def use_anthropic(caller: SessionAdmin, context: Context) -> ProviderStatus:
    before = service.status()
    return _model_changed(caller, context, before, service.use_anthropic(by=caller.user_id))


@router.post("/admin/bedrock/context-1m", response_model=ProviderStatus, summary="Turn 1M-token context on or off")
def context_1m(body: ContextChoice, caller: SessionAdmin, context: Context) -> ProviderStatus:
    before = service.status().bedrock.context_1m_enabled
    status = service.set_context_1m(body.enabled, body.acknowledgment, by=caller.user_id)
    audit.record(
        Action.PROVIDER_CONTEXT_1M,
        actor=caller,
        target=_target("bedrock"),
        context=context,
        before={"enabled": before},
        after={"enabled": status.bedrock.context_1m_enabled, "acknowledgment": body.acknowledgment},
    )
    return status


@router.get(
    "/admin/bedrock/context-audit", response_model=list[ContextAuditEntry], summary="Who changed 1M context, when"
)
def context_audit(caller: AdminUser) -> list[ContextAuditEntry]:
    return service.context_audit()


def _target(provider: str) -> Target:
    return Target("provider", provider, {"anthropic": "Anthropic API", "bedrock": "Amazon Bedrock"}[provider])


def _model_changed(
    caller: SessionAdmin, context: Context, before: ProviderStatus, after: ProviderStatus
) -> ProviderStatus:
    """One entry for a change of the provider or model in use: which they were and are."""
    audit.record(
        Action.PROVIDER_MODEL_CHANGED,
        actor=caller,
        target=_target(after.provider),
        context=context,
        before={"provider": before.provider, "model": before.model},
        after={"provider": after.provider, "model": after.model},
    )
    return after
