"""What Claude did and asked during a turn, kept as the turn's `activity` so a reopened chat shows it.

It watches the events the turn publishes (the same the browser sees live) and keeps a compact record of each:
a tool call with its outcome (done, error, or denied: its permission was), a permission request (or one a rule of
the session allowed), a question, a notice, with `at`: how many characters of the
answer's text came before it, so the history can place it inside the answer as it happened. The person's
decisions are joined from the turn's answers when the turn ends; shared.chat.records.bounded bounds the record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TEXT_LIMIT = 300
Emit = Callable[[dict[str, Any]], object]


class TurnActivity:
    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []
        self._tools: dict[str, dict[str, Any]] = {}
        self._chars = 0  # of the answer's text streamed so far: where in it each entry happened (`at`)

    def watching(self, emit: Emit) -> Emit:
        """`emit`, seeing each event on its way."""

        def emit_and_keep(event: dict[str, Any]) -> None:
            self.see(event)
            emit(event)

        return emit_and_keep

    def see(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "text.delta":
            self._chars += len(str(event.get("text") or ""))
        elif kind == "tool.use":
            entry = {"kind": "tool", "id": event.get("toolUseId"), "name": event.get("name"),
                     "summary": _clip(event.get("summary")), "state": "running", "at": self._chars}  # fmt: skip
            self._entries.append(entry)
            if entry["id"]:
                self._tools[str(entry["id"])] = entry
        elif kind == "tool.result":
            tool = self._tools.get(str(event.get("toolUseId")))
            if tool is not None:
                failed = "denied" if event.get("denied") else "error"
                tool["state"] = failed if event.get("isError") else "done"
                tool["result"] = _clip(event.get("summary"))
        elif kind == "permission.request":
            self._entries.append({"kind": "permission", "id": event.get("requestId"), "tool": event.get("toolName"),
                                  "summary": _clip(event.get("summary")), "at": self._chars})  # fmt: skip
        elif kind == "permission.granted":  # allowed by a rule of the session, without asking
            self._entries.append({"kind": "permission", "id": event.get("requestId"), "tool": event.get("toolName"),
                                  "summary": _clip(event.get("summary")), "decision": "rule",
                                  "rule": _clip(event.get("rule")), "at": self._chars})  # fmt: skip
        elif kind == "question":
            texts = [_clip(q.get("question")) for q in event.get("questions") or [] if isinstance(q, dict)]
            self._entries.append({"kind": "question", "id": event.get("requestId"), "questions": texts,
                                  "at": self._chars})  # fmt: skip
        elif kind == "notice":
            self._entries.append({"kind": "notice", "message": _clip(event.get("message")), "at": self._chars})

    @property
    def asked(self) -> bool:
        """Whether the turn asked the person anything (then its answers are worth reading)."""
        return any(entry["kind"] in ("permission", "question") for entry in self._entries)

    def entries(self, answers: dict[str, Any]) -> list[dict[str, Any]]:
        """The record, with each request's answer (a permission unanswered was denied when the turn moved on):
        `decision` allow, allowSession, deny, rule (a session's rule allowed it), or none: nobody answered."""
        for entry in self._entries:
            if entry["kind"] == "permission" and entry.get("decision") != "rule":
                entry["decision"] = decision(answers.get(str(entry["id"])))
            elif entry["kind"] == "question":
                entry["answer"] = answers.get(str(entry["id"]))
        return [{key: value for key, value in entry.items() if value is not None} for entry in self._entries]


def decision(answer: Any) -> str | None:
    """A permission's answer as the history says it (the exchange's `answers` hold what chat.answer sent)."""
    if isinstance(answer, dict) and answer.get("behavior") == "allow":
        return "allowSession" if answer.get("scope") == "session" else "allow"
    if answer in ("allow", True):
        return "allow"
    return "deny" if answer is not None else None


def _clip(value: Any) -> str:
    text = str(value or "")
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"
