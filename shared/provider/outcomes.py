"""What a provider's answer means, for a person: one place for the key test and for chat's errors."""

from __future__ import annotations

import json
from dataclasses import dataclass

from shared.models.admin import AiProvider

NAMES = {AiProvider.ANTHROPIC: "Anthropic", AiProvider.BEDROCK: "Amazon Bedrock"}
WHERE_TO_FIX = "An administrator can change it in Settings → AI provider."
# Refusals an administrator fixes in the provider's settings; the others pass (throttling) or are the network's.
ADMIN_FIXES = frozenset({"invalid_key", "access_denied", "no_credit", "model_unavailable"})


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: str  # a views.Outcome
    message: str

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def for_chat(self) -> str | None:
        """What a failed turn says of this refusal, or None when the CLI's own words serve better (a 5xx)."""
        if self.outcome in ("ok", "upstream_error"):
            return None
        if self.outcome in ADMIN_FIXES:
            return f"{self.message} {WHERE_TO_FIX}"
        return self.message


def judge(provider: AiProvider, status: int | None, body: bytes = b"", *, model: str | None = None) -> Verdict:
    """The verdict on an upstream answer: `status` None means the provider could not be reached at all."""
    name = NAMES[provider]
    if status is None:
        return Verdict(
            "network",
            f"Could not reach {name}: the network or the endpoint failed. Check the runner's outbound access "
            "and try again.",
        )
    if 200 <= status < 300:
        return Verdict("ok", f"{name} answered{f' with {model}' if model else ''}: the credentials work.")
    detail = _detail(body)
    said = f" ({name} said: {detail})" if detail else ""
    if provider is AiProvider.BEDROCK:
        return _bedrock(status, detail, said, model)
    if status == 401:
        return Verdict("invalid_key", f"Anthropic refused the API key (401){said}. Check it was copied whole.")
    if status == 403:
        return Verdict("access_denied", f"Anthropic denied this key access (403){said}.")
    if status == 400 and "credit balance" in detail.lower():
        return Verdict("no_credit", f"The Anthropic account has no credit left{said}. Add credit in its Billing page.")
    if status in (429, 529):
        return Verdict("rate_limited", f"Anthropic is rate limiting or overloaded ({status}){said}. Try again shortly.")
    if status == 404:
        return Verdict("model_unavailable", f"Anthropic does not offer the model {model or ''} ({status}){said}.")
    return Verdict("upstream_error", f"Anthropic answered {status}{said}.")


def _bedrock(status: int, detail: str, said: str, model: str | None) -> Verdict:
    if status == 403 and ("security token" in detail.lower() or "signature" in detail.lower()):
        return Verdict("invalid_key", f"Amazon Bedrock refused the AWS credentials (403){said}.")
    if status in (401, 403):
        return Verdict(
            "access_denied",
            f"Amazon Bedrock denied access (403){said}. Check the IAM permissions (bedrock:InvokeModel*) and that "
            f"access to {model or 'the model'} is enabled in this region.",
        )
    if status in (404,) or (status == 400 and "model" in detail.lower()):
        return Verdict(
            "model_unavailable", f"Amazon Bedrock does not offer {model or 'this model'} here ({status}){said}."
        )
    if status in (429, 503):
        return Verdict("rate_limited", f"Amazon Bedrock is throttling requests ({status}){said}. Try again shortly.")
    return Verdict("upstream_error", f"Amazon Bedrock answered {status}{said}.")


def _detail(body: bytes) -> str:
    """The error message inside an Anthropic ({"error": {"message"}}) or AWS ({"message"}) error body."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    error = data.get("error")
    message = error.get("message") if isinstance(error, dict) else data.get("message") or data.get("Message")
    return str(message)[:300] if message else ""
