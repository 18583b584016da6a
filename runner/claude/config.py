"""What the CLI sees: its environment (no credential: the model gateway holds those), its flags, its prompt."""

from __future__ import annotations

import os

from runner.claude.access import ModelAccess
from runner.sandbox import JobBox
from shared.chat import prompts
from shared.chat.records import Conversation
from shared.provider.views import AiProvider
from shared.settings import Settings

# Nothing of the runner's own environment reaches the CLI but these: its Bash tool can print whatever it has.
_PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "TZ", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS")
# Bounds the product sets unless the environment says otherwise: the CLI's defaults retry a rejected key ten
# times (minutes of a turn doing nothing) and never cut a stream that stalls after its headers.
_DEFAULTS = {"CLAUDE_CODE_MAX_RETRIES": "3", "CLAUDE_BYTE_STREAM_IDLE_TIMEOUT_MS": "120000"}
_QUIET = {
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
}

NOT_CONFIGURED = (
    "Claude is not configured yet: an administrator adds an Anthropic API key or Amazon Bedrock in "
    "Settings → AI provider (or gives the runner ANTHROPIC_API_KEY)."
)
PERMISSION_INSTRUCTIONS = {
    "default": (
        "Tools that change files or run commands need the user's approval, which they give in the Sasha Studio "
        "interface. Explain briefly what you are about to do before you ask."
    ),
    "acceptEdits": "You may create and edit files in the project without asking; commands still need approval.",
    "plan": "Plan only: describe the changes you would make, and do not modify any file or run any command.",
}
QUESTION_INSTRUCTIONS = (
    "When you need a decision from the user, ask one clear question, offer the likely choices, and wait for the "
    "answer instead of guessing; the user answers in the chat."
)


def cli_environment(
    settings: Settings, box: JobBox, access: ModelAccess, permission_mode: str = "default"
) -> dict[str, str]:
    """The CLI's whole environment: its folders, the gateway with a job token, harmless settings; no secret."""
    env = {name: os.environ[name] for name in _PASSED_THROUGH if name in os.environ}
    if permission_mode == "bypassPermissions" and not box.isolated and os.geteuid() == 0:
        # Only without the sandbox can the CLI be root, which it refuses for bypass unless told it is sandboxed.
        env["IS_SANDBOX"] = "1"
    env.update(_DEFAULTS)
    operator = settings.claude_cli_env
    if access.provider.source == "product" and access.provider.kind is AiProvider.BEDROCK:
        # The environment's model names are Anthropic's; Bedrock's ids come from the product (or the CLI's defaults).
        operator = {name: value for name, value in operator.items() if "MODEL" not in name}
    env.update(operator)
    env.update(_QUIET)
    env.update(provider_environment(access))
    env.update(
        {
            "NO_PROXY": "127.0.0.1,localhost",
            # The project's CLAUDE.md comes through --add-dir (project settings are not loaded; cli_arguments).
            "CLAUDE_CODE_ADDITIONAL_DIRECTORIES_CLAUDE_MD": "1",
            "HOME": str(box.home),
            "CLAUDE_CONFIG_DIR": str(box.claude_config),
            "TMPDIR": str(box.tmp),
            "USER": box.user_name,
            "LOGNAME": box.user_name,
            "SHELL": "/bin/bash",
            "TERM": "dumb",
        }
    )
    return env


def provider_environment(access: ModelAccess) -> dict[str, str]:
    """How the CLI reaches the model: always the gateway, with the job's token; never a real credential."""
    provider = access.provider
    if provider.kind is not AiProvider.BEDROCK:
        return {
            "ANTHROPIC_BASE_URL": access.base_url,
            "ANTHROPIC_API_KEY": access.token,  # valid only at the gateway, only for this job
        }
    env = {
        "CLAUDE_CODE_USE_BEDROCK": "1",
        "ANTHROPIC_BEDROCK_BASE_URL": access.base_url,
        # Sent as "Authorization: Bearer …" instead of a SigV4 signature: the gateway signs with the real keys.
        "AWS_BEARER_TOKEN_BEDROCK": access.token,
        "AWS_REGION": provider.region or "us-east-1",
    }
    if provider.model_id:
        # "[1m]": the CLI strips it from the path and asks for the context-1m beta in the body.
        env["ANTHROPIC_MODEL"] = provider.model_id + ("[1m]" if provider.context_1m else "")
    # Otherwise the CLI probes a dozen model ids at every start (each a billed one-token call) to find those the
    # account may use. It still sends the job token as its bearer; its unauthenticated GET /inference-profiles
    # gets a 404 from the gateway, which it ignores.
    env["CLAUDE_CODE_SKIP_BEDROCK_AUTH"] = "1"
    return env


def cli_arguments(box: JobBox) -> list[str]:
    """Flags that keep the project's settings files out (hooks, MCP servers, env, permission rules, helpers:
    anyone who can edit the project could otherwise run commands in everyone's chats) while the project's
    CLAUDE.md, skills, agents and commands still reach Claude (docs/claude-cli.md, "Settings")."""
    return [
        "--setting-sources", "user",
        "--add-dir", str(box.files),
        "--plugin-dir", str(box.plugin),
        "--strict-mcp-config",
    ]  # fmt: skip


def system_prompt(conversation: Conversation) -> str:
    """The persona, the applied guides, the permission mode and how to ask the user (--append-system-prompt)."""
    parts = ["You are working in a Sasha Studio project: the current directory holds the project's files."]
    parts.extend(prompts.instructions(conversation.persona_id, conversation.guide_ids))
    parts.append(PERMISSION_INSTRUCTIONS.get(conversation.permission_mode, PERMISSION_INSTRUCTIONS["default"]))
    parts.append(QUESTION_INSTRUCTIONS)
    return "\n\n".join(parts)
