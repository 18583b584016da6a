"""The AI provider: sealed credentials, hints only, the product's choice over the environment's, 1M audit."""

from __future__ import annotations

import json

import pytest

from shared.models.admin import AiProvider, BedrockConfig, BedrockContextAudit
from shared.models.base import utcnow
from shared.provider import outcomes, service
from shared.provider.views import CredentialCheck
from tests.support.accounts import AccountsStack, Person, call, create_user, register_first

KEY = "sk-ant-api03-" + "x" * 40 + "WXYZ"
ACCESS_KEY_ID = "AKIAFAKEFORTESTS1234"
SECRET_KEY = "fake/secret/for/the/tests/only/0123456789"  # not a secret: tests never reach AWS
ADMIN_ROUTES = [
    ("GET", "/api/admin/ai-provider", None),
    ("POST", "/api/setup/configure-claude", {"apiKey": KEY}),
    ("POST", "/api/setup/test-claude-key", {"apiKey": KEY}),
    ("POST", "/api/admin/bedrock/configure", {"region": "us-east-1", "useTaskRole": True}),
    ("POST", "/api/admin/bedrock/test", {}),
    ("GET", "/api/admin/bedrock/models", None),
    ("POST", "/api/admin/bedrock/switch-model", {"modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"}),
    ("POST", "/api/admin/bedrock/disable", None),
    ("POST", "/api/admin/bedrock/context-1m", {"enabled": False}),
    ("GET", "/api/admin/bedrock/context-audit", None),
]


@pytest.fixture
def admin(accounts: AccountsStack) -> Person:
    accounts.configure(ANTHROPIC_API_KEY=None, ANTHROPIC_AUTH_TOKEN=None, CLAUDE_CODE_USE_BEDROCK=None)
    return register_first()


def post(person: Person, path: str, body: object = None):  # type: ignore[no-untyped-def]
    return call("POST", path, token=person.token, **({"json_body": body} if body is not None else {}))


def configure_bedrock(admin: Person, model: str | None = "us.anthropic.claude-sonnet-4-5-20250929-v1:0") -> None:
    body = {"region": "eu-west-1", "accessKeyId": ACCESS_KEY_ID, "secretAccessKey": SECRET_KEY}
    assert post(admin, "/api/admin/bedrock/configure", body).status == 200
    if model:
        assert post(admin, "/api/admin/bedrock/switch-model", {"modelId": model}).status == 200


def test_nothing_configured_says_so(admin: Person):
    status = call("GET", "/api/admin/ai-provider", token=admin.token)

    assert status.status == 200
    assert status.json["configured"] is False
    assert status.json["provider"] == "anthropic"
    assert status.json["anthropic"] == {"keyHint": None, "keySource": None}
    assert status.json["test"]["status"] == "untested"
    assert service.active() is None


def test_every_provider_route_is_for_administrators_only(admin: Person):
    member = create_user(admin, "member")

    for method, path, body in ADMIN_ROUTES:
        reply = call(method, path, token=member.token, **({"json_body": body} if body is not None else {}))
        assert (reply.status, reply.code) == (403, "admin_only"), (method, path, reply.json)
        assert reply.json["error"]["message"]
    assert BedrockConfig.count() == 0


def test_the_key_is_sealed_and_only_its_hint_is_ever_answered(admin: Person, accounts: AccountsStack):
    reply = post(admin, "/api/setup/configure-claude", {"apiKey": f"  {KEY}  "})

    assert reply.status == 200
    assert reply.json["configured"] is True
    assert reply.json["anthropic"] == {"keyHint": "…WXYZ", "keySource": "product"}
    assert KEY not in json.dumps(reply.json)
    row = BedrockConfig.get("active")
    assert KEY.encode() not in bytes(row.anthropic_key_encrypted.ciphertext)
    assert KEY not in json.dumps(row.attribute_values, default=str)
    assert KEY not in json.dumps(call("GET", "/api/admin/ai-provider", token=admin.token).json)
    active = service.active()
    assert active is not None and (active.kind, active.source, active.api_key) == (AiProvider.ANTHROPIC, "product", KEY)
    assert KEY not in repr(active)


def test_the_products_key_wins_over_the_environments(admin: Person, accounts: AccountsStack):
    accounts.configure(ANTHROPIC_API_KEY="sk-ant-from-the-environment-1111")
    environment = service.active()
    assert environment is not None and (environment.source, environment.api_key) == (
        "environment",
        "sk-ant-from-the-environment-1111",
    )
    assert call("GET", "/api/admin/ai-provider", token=admin.token).json["anthropic"] == {
        "keyHint": "…1111",
        "keySource": "environment",
    }

    post(admin, "/api/setup/configure-claude", {"apiKey": KEY})

    active = service.active()
    assert active is not None and (active.source, active.api_key) == ("product", KEY)


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("/api/setup/configure-claude", {"apiKey": ""}, "apiKey"),
        ("/api/setup/configure-claude", {"apiKey": "sk-ant with spaces inside"}, "apiKey"),
        ("/api/setup/configure-claude", {}, "apiKey"),
        ("/api/admin/bedrock/configure", {"region": "moon-base-1", "useTaskRole": False}, "region"),
        ("/api/admin/bedrock/configure", {"region": "us-east-1", "accessKeyId": ACCESS_KEY_ID}, "secret"),
        (
            "/api/admin/bedrock/configure",
            {"region": "us-east-1", "accessKeyId": ACCESS_KEY_ID, "secretAccessKey": SECRET_KEY, "useTaskRole": True},
            "either",
        ),
        ("/api/admin/bedrock/switch-model", {"modelId": "no spaces allowed"}, "modelId"),
        ("/api/admin/bedrock/context-1m", {"enabled": True}, "acknowledge"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(admin: Person, path: str, body: object, words: str):
    reply = post(admin, path, body)

    assert reply.status in (400, 422), reply.json
    assert words.lower() in json.dumps(reply.json).lower()
    assert BedrockConfig.count() == 0


def test_the_task_role_is_refused_outside_the_cloud(admin: Person):
    reply = post(admin, "/api/admin/bedrock/configure", {"region": "us-east-1", "useTaskRole": True})

    assert (reply.status, reply.code) == (400, "task_role_unavailable")
    assert "cloud" in reply.json["error"]["message"]


def test_bedrock_needs_credentials_before_a_model_and_then_wins(admin: Person):
    early = post(admin, "/api/admin/bedrock/switch-model", {"modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"})
    assert (early.status, early.code) == (400, "not_ready")
    post(admin, "/api/setup/configure-claude", {"apiKey": KEY})

    configure_bedrock(admin)

    status = call("GET", "/api/admin/ai-provider", token=admin.token).json
    assert (status["provider"], status["source"], status["model"]) == (
        "bedrock",
        "product",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    )
    assert status["bedrock"]["accessKeyHint"] == "…1234"
    assert SECRET_KEY not in json.dumps(status) and ACCESS_KEY_ID not in json.dumps(status)
    active = service.active()
    assert active is not None
    assert (active.kind, active.region, active.access_key_id, active.secret_access_key) == (
        AiProvider.BEDROCK,
        "eu-west-1",
        ACCESS_KEY_ID,
        SECRET_KEY,
    )
    row = BedrockConfig.get("active")
    assert SECRET_KEY.encode() not in bytes(row.credentials_encrypted.ciphertext)


def test_switching_back_to_anthropic_needs_a_key_and_takes_effect_at_once(admin: Person, accounts: AccountsStack):
    configure_bedrock(admin)
    refused = post(admin, "/api/admin/bedrock/disable")
    assert (refused.status, refused.code) == (400, "not_ready")
    post(admin, "/api/setup/configure-claude", {"apiKey": KEY})

    back = post(admin, "/api/admin/bedrock/disable")

    assert back.status == 200 and back.json["provider"] == "anthropic"
    active = service.active()
    assert active is not None and active.kind is AiProvider.ANTHROPIC
    # The Bedrock setup stays, for switching again later.
    assert back.json["bedrock"]["region"] == "eu-west-1"


def test_1m_context_needs_an_acknowledgement_and_is_audited(admin: Person):
    configure_bedrock(admin)
    words = "I understand that prompts over 200K tokens cost more and need Bedrock's 1M-context support."

    on = post(admin, "/api/admin/bedrock/context-1m", {"enabled": True, "acknowledgment": words})
    off = post(admin, "/api/admin/bedrock/context-1m", {"enabled": False})

    assert on.status == 200 and on.json["bedrock"]["context1mEnabled"] is True
    assert off.status == 200 and off.json["bedrock"]["context1mEnabled"] is False
    rows = list(BedrockContextAudit.query("active"))
    assert [(row.user_id, row.enabled, row.acknowledgment) for row in rows] == [
        (admin.id, True, words),
        (admin.id, False, None),
    ]
    audit = call("GET", "/api/admin/bedrock/context-audit", token=admin.token).json
    assert [(entry["username"], entry["enabled"]) for entry in audit] == [("admin", False), ("admin", True)]


def test_1m_context_is_active_for_the_next_turn(admin: Person):
    configure_bedrock(admin)
    post(admin, "/api/admin/bedrock/context-1m", {"enabled": True, "acknowledgment": "I acknowledge the cost."})

    active = service.active()

    assert active is not None and active.context_1m is True


def test_a_stored_configurations_test_is_kept_for_settings(admin: Person):
    post(admin, "/api/setup/configure-claude", {"apiKey": KEY})
    result = CredentialCheck(
        ok=False, outcome="invalid_key", message="Anthropic refused the API key (401).", provider="anthropic",
        tested_at=utcnow(),
    )  # fmt: skip

    service.record_test(result, by=admin.id)

    test = call("GET", "/api/admin/ai-provider", token=admin.token).json["test"]
    assert (test["status"], test["provider"], test["message"]) == ("failed", "anthropic", result.message)
    assert test["testedAt"]
    post(admin, "/api/setup/configure-claude", {"apiKey": KEY})  # a new key has not been tested yet
    assert call("GET", "/api/admin/ai-provider", token=admin.token).json["test"]["status"] == "untested"


def test_a_model_list_without_stored_keys_is_the_known_one(admin: Person):
    reply = call("GET", "/api/admin/bedrock/models", token=admin.token)

    assert reply.status == 200 and reply.json["source"] == "default"
    assert any(model["id"].startswith("us.anthropic.") for model in reply.json["models"])


@pytest.mark.unit
@pytest.mark.parametrize(
    ("provider", "status", "body", "outcome"),
    [
        (AiProvider.ANTHROPIC, 200, b"{}", "ok"),
        (AiProvider.ANTHROPIC, 401, b'{"type":"error","error":{"message":"invalid x-api-key"}}', "invalid_key"),
        (
            AiProvider.ANTHROPIC,
            400,
            b'{"error":{"message":"Your credit balance is too low to access the Anthropic API."}}',
            "no_credit",
        ),
        (AiProvider.ANTHROPIC, 429, b"{}", "rate_limited"),
        (AiProvider.ANTHROPIC, None, b"", "network"),
        (
            AiProvider.BEDROCK,
            403,
            b'{"message":"The security token included in the request is invalid."}',
            "invalid_key",
        ),
        (AiProvider.BEDROCK, 403, b'{"message":"You don\'t have access to the model"}', "access_denied"),
        (AiProvider.BEDROCK, 429, b'{"message":"Too many requests"}', "rate_limited"),
        (AiProvider.BEDROCK, 404, b'{"message":"Model not found"}', "model_unavailable"),
        (AiProvider.BEDROCK, None, b"", "network"),
    ],
)
def test_a_providers_answer_is_judged_in_words(provider: AiProvider, status: int | None, body: bytes, outcome: str):
    verdict = outcomes.judge(provider, status, body, model="m")

    assert verdict.outcome == outcome
    assert outcomes.NAMES[provider] in verdict.message


@pytest.mark.unit
def test_chat_names_refusals_an_administrator_can_fix_and_leaves_server_errors_to_the_cli():
    wrong_key = outcomes.judge(AiProvider.ANTHROPIC, 401)
    throttled = outcomes.judge(AiProvider.BEDROCK, 429)
    broken = outcomes.judge(AiProvider.ANTHROPIC, 500)

    assert wrong_key.for_chat() == f"{wrong_key.message} {outcomes.WHERE_TO_FIX}"
    assert throttled.for_chat() == throttled.message and "Amazon Bedrock" in throttled.message
    assert broken.for_chat() is None
