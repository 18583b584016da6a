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
LOG_WINDOW = 2000  # log items (single events or batches) searched for the turn's, newest first
LOG_PAGE = 20  # items read at a time: a turn's batches are usually in the first page


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text[:2000]))


def is_correction(prompt: str) -> bool:
    return bool(_CORRECTION.search(prompt))


def record(session_id: str, turn: int) -> dict[str, Any]:
    """Compute and store the turn's signals; mark the previous turn corrected when this prompt corrects it."""
    exchange = RawExchange.get(session_id, turn, consistent_read=True)
    latency, tools, tool_errors = _from_log(session_id, turn)
    signal = QualitySignal(
        session_id,
        turn,
        user_id=exchange.user_id,
        latency_ms=latency,
        duration_ms=exchange.duration_ms,
        tool_calls=tools,
        tool_errors=tool_errors,
        refusal=is_refusal(exchange.response_text or ""),
        truncated=exchange.status != ExchangeStatus.COMPLETED,
    )
    signal.save()
    if turn > 1 and is_correction(exchange.request_text):
        with contextlib.suppress(DoesNotExist):
            QualitySignal.get(session_id, turn - 1).update(actions=[QualitySignal.user_correction.set(True)])
    return {"latency_ms": latency, "tool_calls": tools, "refusal": signal.refusal, "truncated": signal.truncated}


def _from_log(session_id: str, turn: int) -> tuple[int | None, int, int]:
    """Milliseconds from turn start to the first text, tools run and tools failed, from the event log.

    Read from the newest end back to the turn's start: a turn's runner events all come after the previous turn's.
    """
    started = first_text = None
    tools = errors = 0
    for record in SessionEvent.query(session_id, scan_index_forward=False, limit=LOG_WINDOW, page_size=LOG_PAGE):
        for event, at in reversed(list(zip(record.events or (), record.published_at or (), strict=False))):
            number = event.get("turn")
            if isinstance(number, int) and number < turn:
                return _latency(started, first_text), tools, errors
            if number != turn:
                continue
            kind = event.get("type")
            if kind == "turn.started":
                started = at
            elif kind == "text.delta":
                first_text = at
            elif kind == "tool.use":
                tools += 1
            elif kind == "tool.result" and event.get("isError") and not event.get("denied"):  # a denial is no fault
                errors += 1
        if started is not None:
            break
    return _latency(started, first_text), tools, errors


def _latency(started: int | None, first_text: int | None) -> int | None:
    return first_text - started if started is not None and first_text is not None else None
