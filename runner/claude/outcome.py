"""What went wrong in a CLI run, from its `result` line (or its absence): one reading for chats and runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Failure:
    code: str  # claude_crashed, aborted, claude_auth_failed, claude_api_error, max_turns, claude_error
    message: str  # for the person: what happened and, where it helps, what to do


def failure_of(result: dict[str, Any] | None, stderr: str) -> Failure | None:
    """None when the CLI finished its work; otherwise why it did not (docs/claude-cli.md, "API errors")."""
    if result is None:
        detail = stderr.strip().splitlines()[-1:] or ["no output"]
        return Failure("claude_crashed", f"Claude stopped unexpectedly ({detail[0][:300]}).")
    if not result.get("is_error"):
        return None
    status = result.get("api_error_status")
    if result.get("terminal_reason") == "aborted_streaming":
        return Failure("aborted", "Stopped.")
    if status == 401:
        return Failure("claude_auth_failed", "Claude rejected the API key: check the AI provider settings.")
    if status:
        return Failure("claude_api_error", f"Claude's API answered {status}: {str(result.get('result'))[:300]}")
    if result.get("subtype") == "error_max_turns":
        return Failure("max_turns", "Claude stopped after its maximum number of steps.")
    return Failure("claude_error", f"Claude could not finish: {str(result.get('result'))[:300]}")
