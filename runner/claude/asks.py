"""Claude asking the person: permission requests and questions (AskUserQuestion), and their answers.

The CLI sends a `can_use_tool` control request and waits; the browser shows a card and the person's answer
lands in the exchange record (`answers`), which the turn polls. Whatever is not answered within the wait is
denied with a reason Claude can act on.
"""

from __future__ import annotations

import time
from typing import Any

from runner.claude.detail import permission_detail
from runner.claude.process import ClaudeProcess
from runner.claude.relay import Relay, summarise_tool

PERMISSION_WAIT_SECONDS = 5 * 60
QUESTION_TOOL = "AskUserQuestion"


class Asks:
    """The open requests of one turn: what was asked (the tool input) and when."""

    def __init__(self) -> None:
        self.pending: dict[str, tuple[dict[str, Any], float]] = {}

    def ask(self, relay: Relay, control: dict[str, Any]) -> None:
        """Show the person a can_use_tool request: a question card or a permission card with the whole detail."""
        request = control["request"]
        tool_input = request.get("input") or {}
        tool = str(request.get("tool_name"))
        self.pending[control["request_id"]] = (tool_input, time.monotonic())
        if tool == QUESTION_TOOL:
            event = {"type": "question", "turn": relay.turn, "requestId": control["request_id"]}
            relay.emit({**event, "questions": questions(tool_input)})
            return
        relay.emit(
            {
                "type": "permission.request",
                "turn": relay.turn,
                "requestId": control["request_id"],
                "toolName": tool,
                "summary": summarise_tool(tool, tool_input, relay.cwd),
                "detail": permission_detail(tool, tool_input, relay.cwd),
            }
        )

    def answer(self, process: ClaudeProcess, answers: dict[str, Any]) -> None:
        """Pass the person's answers (the exchange's `answers`) to the CLI; deny what waited too long."""
        for request_id, (tool_input, asked_at) in list(self.pending.items()):
            answer = answers.get(request_id)
            if answer is not None and "questions" in tool_input:
                replies = question_answers(tool_input, answer)
                if replies:
                    process.allow(request_id, {**tool_input, "answers": replies})
                else:
                    process.deny(request_id, "The user preferred not to answer.")
            elif answer in ("allow", True) or (isinstance(answer, dict) and answer.get("behavior") == "allow"):
                process.allow(request_id, tool_input)
            elif answer is not None:
                process.deny(request_id, "The user declined this action.")
            elif time.monotonic() - asked_at > PERMISSION_WAIT_SECONDS:
                process.deny(request_id, "Nobody answered the permission request in time.")
            else:
                continue
            del self.pending[request_id]


def questions(tool_input: dict[str, Any]) -> list[dict[str, Any]]:
    """The questions Claude asks (AskUserQuestion), trimmed to what the browser shows."""
    asked = []
    for item in (tool_input.get("questions") or [])[:10]:
        if not isinstance(item, dict):
            continue
        options = [
            {"label": str(o.get("label", ""))[:200], "description": str(o.get("description", ""))[:500]}
            for o in (item.get("options") or [])[:10]
            if isinstance(o, dict)
        ]
        asked.append(
            {
                "question": str(item.get("question", ""))[:1000],
                "header": str(item.get("header", ""))[:100],
                "options": options,
                "multiSelect": bool(item.get("multiSelect")),
            }
        )
    return asked


def question_answers(tool_input: dict[str, Any], answer: Any) -> dict[str, str] | None:
    """The person's reply as AskUserQuestion's answers ({question: chosen label(s)}); None for "deny"."""
    texts = [q.get("question", "") for q in tool_input.get("questions") or [] if isinstance(q, dict)]
    if isinstance(answer, dict):
        return {str(k): str(v) for k, v in answer.items() if k in texts}
    if isinstance(answer, str) and answer != "deny" and texts:
        return {texts[0]: answer}
    return None
