"""The provider test: one minimal model call through the runner's own gateway, as the CLI would make it.

The API enqueues it and waits (shared.provider.testing): the verdict says whether the key or the Bedrock
credentials work, and if not, why. The call costs a token or two and is recorded as usage like any other.
"""

from __future__ import annotations

import hashlib
import http.client
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from runner.claude.access import model_access
from runner.context import JobContext
from runner.gateway import UPSTREAM_UNREACHABLE
from runner.registry import job_handler
from shared.provider import outcomes, service, testing
from shared.provider.service import ActiveProvider
from shared.provider.views import AiProvider, CredentialCheck
from shared.settings import get_settings
from shared.usage import UsageKind

ANTHROPIC_TEST_MODEL = "claude-haiku-4-5"
REQUEST_TIMEOUT_SECONDS = 20.0
PROMPT = [{"role": "user", "content": "Reply with OK."}]


@job_handler("provider.test")
def test_provider(ctx: JobContext) -> dict[str, Any]:
    payload = ctx.job.payload
    kind = AiProvider(payload["provider"])
    provider = _provider(kind, payload)
    if provider is None:
        verdict = outcomes.Verdict("upstream_error", "There is nothing to test: no credentials are configured.")
        return _result(kind, verdict, None, None)
    model = payload.get("model_id") or provider.model_id or _default_model(kind)
    with model_access(
        ctx.services,
        ctx.job,
        provider,
        user_id=ctx.job.owner_id or "system",
        project_id=None,
        kind=UsageKind.PROVIDER_TEST.value,
        remaining_seconds=ctx.remaining(),
    ) as access:
        status, body = _call(access.base_url, access.token, kind, model)
        unreachable = (
            access.gateway is not None and access.gateway.upstream_status(access.token) == UPSTREAM_UNREACHABLE
        )
        if status == 502 and unreachable:
            status = None  # the gateway could not reach the provider at all
    verdict = outcomes.judge(kind, status, body, model=model)
    return _result(kind, verdict, model, status)


def _provider(kind: AiProvider, payload: dict[str, Any]) -> ActiveProvider | None:
    if payload.get("candidate"):
        key = testing.unseal_from_job(payload["candidate"])
        # The runner keeps one upstream per fingerprint: each candidate key needs its own.
        fingerprint = "candidate:" + hashlib.sha256(key.encode()).hexdigest()[:16]
        return ActiveProvider(kind, "product", fingerprint, base_url=get_settings().upstream_base_url, api_key=key)
    return service.configured(kind)  # the product's, else the environment's, in use or not


def _default_model(kind: AiProvider) -> str:
    if kind is AiProvider.BEDROCK:
        return service.bedrock_model() or "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    return get_settings().claude_env.get("ANTHROPIC_MODEL") or ANTHROPIC_TEST_MODEL


def _call(base_url: str, token: str, kind: AiProvider, model: str) -> tuple[int | None, bytes]:
    """POST the smallest request the provider answers, to the gateway, with the job's token as the CLI sends it."""
    if kind is AiProvider.BEDROCK:
        path = f"/model/{quote(model, safe='')}/invoke"
        body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1, "messages": PROMPT}
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    else:
        path = "/v1/messages"
        body = {"model": model, "max_tokens": 1, "messages": PROMPT}
        headers = {"x-api-key": token, "anthropic-version": "2023-06-01", "content-type": "application/json"}
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("POST", path, body=json.dumps(body).encode(), headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read(64 * 1024)
    except OSError:
        return None, b""
    finally:
        connection.close()


def _result(kind: AiProvider, verdict: outcomes.Verdict, model: str | None, status: int | None) -> dict[str, Any]:
    result = CredentialCheck.model_validate(
        {
            "ok": verdict.ok,
            "outcome": verdict.outcome,
            "message": verdict.message,
            "provider": kind.value,
            "model": model,
            "status": status,
            "tested_at": datetime.now(UTC),
        }
    )
    return result.model_dump(mode="json")
