"""The Bedrock models an administrator can pick: Bedrock's own list where it answers, a known list otherwise."""

from __future__ import annotations

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.logs import logger
from shared.provider import service
from shared.provider.views import BedrockModel, BedrockModels
from shared.settings import get_settings

# Cross-region inference profiles of current Anthropic models (any other id can be typed in).
DEFAULT_MODELS = (
    BedrockModel(id="us.anthropic.claude-sonnet-4-5-20250929-v1:0", name="Claude Sonnet 4.5"),
    BedrockModel(id="us.anthropic.claude-opus-4-1-20250805-v1:0", name="Claude Opus 4.1"),
    BedrockModel(id="us.anthropic.claude-haiku-4-5-20251001-v1:0", name="Claude Haiku 4.5"),
    BedrockModel(id="us.anthropic.claude-sonnet-4-20250514-v1:0", name="Claude Sonnet 4"),
)
_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 1})


def bedrock_models() -> BedrockModels:
    keys = service.bedrock_keys()
    if keys is None:
        return BedrockModels(
            models=list(DEFAULT_MODELS),
            source="default",
            message="Bedrock's model list needs stored access keys; pick a model below or type its id.",
        )
    region, access_key_id, secret = keys
    settings = get_settings()
    if settings.is_local and not settings.bedrock_endpoint:
        # Locally the customer's keys would reach the real AWS; only an explicit endpoint is asked.
        return BedrockModels(models=list(DEFAULT_MODELS), source="default")
    # A session of its own: these are the customer's keys, not the product's AWS account (or the local stack's).
    client = botocore.session.get_session().create_client(
        "bedrock",
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret,
        endpoint_url=settings.bedrock_endpoint,
        config=_CONFIG,
    )
    try:
        answer = client.list_foundation_models(byProvider="anthropic", byOutputModality="TEXT")
    except (BotoCoreError, ClientError) as exc:
        logger.info("Bedrock's model list is not reachable", extra={"error": type(exc).__name__})
        return BedrockModels(
            models=list(DEFAULT_MODELS),
            source="default",
            message=f"Bedrock's model list could not be read ({type(exc).__name__}); pick a model or type its id.",
        )
    models = [
        BedrockModel(id=summary["modelId"], name=summary.get("modelName") or summary["modelId"])
        for summary in answer.get("modelSummaries", [])
        if "ON_DEMAND" in summary.get("inferenceTypesSupported", ["ON_DEMAND"])
    ]
    return BedrockModels(models=models or list(DEFAULT_MODELS), source="bedrock" if models else "default")
