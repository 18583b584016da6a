"""Claude asking the person: permission requests and questions (AskUserQuestion), and their answers.

The CLI sends a `can_use_tool` control request and waits; the browser shows a card and the person's answer
lands in the exchange record (`answers`), which the turn polls. Whatever is not answered within the wait is
denied with a reason Claude can act on. A request the session's rules allow ("Allow for this session",
runner/claude/allow.py) is allowed at once and shown as `permission.granted`; an answer "allow for this session"
adds its rule to the session, for the rest of the turn and its later turns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from runner.claude.allow import allowed_by, rule_for
from runner.claude.detail import permission_detail
from runner.claude.process import ClaudeProcess
from runner.claude.relay import Relay, summarise_tool

PERMISSION_WAIT_SECONDS = 5 * 60
QUESTION_TOOL = "AskUserQuestion"


class Asks:
    """The open requests of one turn: what was asked (the tool, its input) and when; and the session's rules.

    `rules` are the session's "Allow for this session" rules (none in plan mode, where every change is asked);
    `remember(rule)` stores a new one with the session.
    """

    def __init__(
        self,
        rules: Iterable[str] = (),
        *,
        offer_session: bool = True,
        remember: Callable[[str], object] | None = None,
    ) -> None:
        self.pending: dict[str, tuple[str, dict[str, Any], float]] = {}
        self.rules = set(rules) if offer_session else set()
        self.offer_session, self.remember = offer_session, remember
        self.pending_tools: dict[str, str] = {}  # the tool call (tool_use_id) of each open permission request
        self.denied: set[str] = set()  # the tool calls the person or the wait denied (their result says "Denied")

    def ask(self, relay: Relay, control: dict[str, Any], process: ClaudeProcess | None = None) -> None:
        """Show the person a can_use_tool request (a question card, or a permission card with the whole detail), or
        allow it at once when the session's rules do."""
        request = control["request"]
        tool_input = request.get("input") or {}
        tool = str(request.get("tool_name"))
        request_id = control["request_id"]
        event = {"turn": relay.turn, "requestId": request_id}
        if tool == QUESTION_TOOL:
            self.pending[request_id] = (tool, tool_input, time.monotonic())
            relay.emit({"type": "question", **event, "questions": questions(tool_input)})
            return
        summary = summarise_tool(tool, tool_input, relay.cwd)
        rule = allowed_by(self.rules, tool, tool_input)
        if rule is not None and process is not None:
            process.allow(request_id, tool_input)
            relay.emit({"type": "permission.granted", **event, "toolName": tool, "summary": summary, "rule": rule})
            return
        self.pending[request_id] = (tool, tool_input, time.monotonic())
        if request.get("tool_use_id"):
            self.pending_tools[request_id] = str(request["tool_use_id"])
        offer = rule_for(tool, tool_input) if self.offer_session else None
        relay.emit(
            {
                "type": "permission.request",
                **event,
                "toolName": tool,
                "summary": summary,
                "detail": permission_detail(tool, tool_input, relay.cwd),
                **({"sessionRule": offer} if offer else {}),
            }
        )

    def answer(self, process: ClaudeProcess, answers: dict[str, Any]) -> None:
        """Pass the person's answers (the exchange's `answers`) to the CLI; deny what waited too long."""
        for request_id, (tool, tool_input, asked_at) in list(self.pending.items()):
            answer = answers.get(request_id)
            if answer is not None and tool == QUESTION_TOOL:
                replies = question_answers(tool_input, answer)
                if replies:
                    process.allow(request_id, {**tool_input, "answers": replies})
                else:
                    process.deny(request_id, "The user preferred not to answer.")
            elif answer in ("allow", True) or (isinstance(answer, dict) and answer.get("behavior") == "allow"):
                process.allow(request_id, tool_input)
                if isinstance(answer, dict) and answer.get("scope") == "session":
                    self._for_session(tool, tool_input)
            elif answer is not None:
                process.deny(request_id, "The user declined this action.")
                self._denied(request_id)
            elif time.monotonic() - asked_at > PERMISSION_WAIT_SECONDS:
                process.deny(request_id, "Nobody answered the permission request in time.")
                self._denied(request_id)
            else:
                continue
            del self.pending[request_id]
            self.pending_tools.pop(request_id, None)

    def _denied(self, request_id: str) -> None:
        tool_use = self.pending_tools.get(request_id)
        if tool_use:
            self.denied.add(tool_use)

    def _for_session(self, tool: str, tool_input: dict[str, Any]) -> None:
        """The person allowed this request for the session: its rule applies from now on, and is kept."""
        rule = rule_for(tool, tool_input) if self.offer_session else None
        if rule is None or rule in self.rules:
            return
        self.rules.add(rule)
        if self.remember is not None:
            self.remember(rule)


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
