"""Where the CLI runs and what it sees: the workspace paths, its environment and the appended system prompt."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pynamodb.exceptions import DoesNotExist

from shared.models import Guide, Persona, Session
from shared.settings import Settings

# The runner's own secrets (AWS credentials, STUDIO_*) must never reach the CLI: its Bash tool could read them.
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


@dataclass(frozen=True, slots=True)
class Paths:
    files: Path  # the project's files, the CLI's working directory
    claude_config: Path  # CLAUDE_CONFIG_DIR: the CLI's settings and session transcripts
    home: Path
    sync_state: Path  # manifests and locks of the transcript syncs

    @classmethod
    def of(cls, settings: Settings, project_id: str) -> Paths:
        root = settings.data_dir.resolve() / "runner"
        return cls(
            files=root / "workspaces" / project_id / "files",
            claude_config=root / "claude",
            home=root / "home",
            sync_state=root / "sync",
        )

    def transcripts(self) -> Path:
        """Where the CLI keeps this working directory's transcripts (every non-alphanumeric becomes '-')."""
        return self.claude_config / "projects" / re.sub(r"[^A-Za-z0-9]", "-", str(self.files))


def claude_is_configured(settings: Settings) -> bool:
    env = settings.claude_env
    return bool(
        env.get("ANTHROPIC_API_KEY") or env.get("ANTHROPIC_AUTH_TOKEN") or env.get("CLAUDE_CODE_USE_BEDROCK") == "1"
    )


def cli_environment(settings: Settings, paths: Paths, permission_mode: str = "default") -> dict[str, str]:
    env = {name: os.environ[name] for name in _PASSED_THROUGH if name in os.environ}
    if permission_mode == "bypassPermissions":
        # Allowed only when an administrator offers it; as root the CLI refuses it unless told it is sandboxed.
        env["IS_SANDBOX"] = "1"
    env.update(_DEFAULTS)
    env.update(_QUIET)
    env.update(settings.claude_env)
    env.update({"HOME": str(paths.home), "CLAUDE_CONFIG_DIR": str(paths.claude_config), "TERM": "dumb"})
    return env


def system_prompt(session: Session) -> str:
    """The persona, the applied guides, the permission mode and how to ask the user (--append-system-prompt)."""
    parts = ["You are working in a Sasha Studio project: the current directory holds the project's files."]
    if session.persona_id:
        try:
            persona = Persona.get(session.persona_id)
            parts.append(f"Persona: {persona.name}\n{persona.prompt}")
        except DoesNotExist:
            pass
    for guide_id in sorted(session.guide_ids or []):
        try:
            guide = Guide.get(guide_id)
            parts.append(f"Guide: {guide.name}\n{guide.body}")
        except DoesNotExist:
            continue
    parts.append(PERMISSION_INSTRUCTIONS.get(session.permission_mode, PERMISSION_INSTRUCTIONS["default"]))
    parts.append(QUESTION_INSTRUCTIONS)
    return "\n\n".join(parts)
