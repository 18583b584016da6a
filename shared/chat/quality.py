"""Response quality signals of a chat turn, computed after it finished (the runner's chat.quality job).

Per turn: time to the first token, duration, tool calls and tool errors, whether the answer reads as a
refusal, whether it was cut short (aborted, failed, or stopped at a limit), and — once the next prompt
arrives — whether that prompt reads as a correction of this answer. The `quality_signals` table is this module's.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from pynamodb.exceptions import DoesNotExist

from shared.models.chat import ExchangeStatus, RawExchange, SessionEvent
from shared.models.usage import QualitySignal

_REFUSAL = re.compile(r"\b(I can(?:'|no)t help with|I(?:'m| am) (?:not able|unable) to|I won't)\b", re.IGNORECASE)
_CORRECTION = re.compile(
    r"^\s*(no\b|nope\b|wrong\b|that'?s (?:not|wrong|incorrect)|not what I|actually\b|you (?:missed|forgot)|"
    r"try again|that is (?:not|wrong))",
    re.IGNORECASE,
)
LOG_WINDOW = 2000  # the newest events of the session that are searched for the turn's


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text[:2000]))


def is_correction(prompt: str) -> bool:
    return bool(_CORRECTION.search(prompt))


def record(session_id: str, turn: int) -> dict[str, Any]:
    """Compute and store the turn's signals; mark the previous turn corrected when this prompt corrects it."""
    exchange = RawExchange.get(session_id, turn, consistent_read=True)
    latency, tools = _timings(session_id, turn)
    signal = QualitySignal(
        session_id,
        turn,
        user_id=exchange.user_id,
        latency_ms=latency,
        duration_ms=exchange.duration_ms,
        tool_calls=tools,
        tool_errors=_tool_errors(session_id, turn),
        refusal=is_refusal(exchange.response_text or ""),
        truncated=exchange.status != ExchangeStatus.COMPLETED,
    )
    signal.save()
    if turn > 1 and is_correction(exchange.request_text):
        with contextlib.suppress(DoesNotExist):
            QualitySignal.get(session_id, turn - 1).update(actions=[QualitySignal.user_correction.set(True)])
    return {"latency_ms": latency, "tool_calls": tools, "refusal": signal.refusal, "truncated": signal.truncated}


def _timings(session_id: str, turn: int) -> tuple[int | None, int]:
    """Milliseconds from turn start to the first text, and how many tools ran (from the event log)."""
    started = first_text = None
    tools = 0
    for record in SessionEvent.query(session_id, scan_index_forward=False, limit=LOG_WINDOW):
        event = record.event
        if event.get("turn") != turn:
            continue
        if event.get("type") == "turn.started":
            started = record.created_at
        elif event.get("type") == "text.delta":
            first_text = record.created_at
        elif event.get("type") == "tool.use":
            tools += 1
    latency = int((first_text - started).total_seconds() * 1000) if started and first_text else None
    return latency, tools


def _tool_errors(session_id: str, turn: int) -> int:
    return sum(
        1
        for record in SessionEvent.query(session_id, scan_index_forward=False, limit=LOG_WINDOW)
        if record.event.get("turn") == turn
        and record.event.get("type") == "tool.result"
        and record.event.get("isError")
    )
