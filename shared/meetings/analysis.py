"""What Claude is asked about a meeting, how its analysis is read back, and the notes document made of it.

    advice:   the transcript so far (its end, if long) + the person's question  ──▶ plain text, streamed
    analysis: the whole transcript (head and tail, if very long)  ──▶ one JSON object in a ```json block
              ──parse_analysis──▶ Analysis (or AnalysisFormatError: the analysis fails, saying why)
              ──render_document──▶ meetings/<YYYY-MM-DD> <title>.md in the meeting's project

Pure: no I/O, so every rule here is a unit test away.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.files.paths import safe_relative_path

FOLDER = "meetings"  # where the notes go, in the meeting's project
MAX_TRANSCRIPT_CHARS = 200_000  # of transcript in a prompt (~50k tokens); more is cut, and the prompt says so
MAX_QUESTION_CHARS = 2_000
MAX_ITEMS = 100  # per list of the analysis: it is stored on the meeting's row (DynamoDB items are at most 400 KB)
MAX_ITEM_CHARS = 2_000
MAX_SUMMARY_CHARS = 8_000
MAX_TITLE_CHARS = 80  # of the title in the document's file name
UNTITLED = "Meeting"

ADVICE_SYSTEM_PROMPT = (
    "You are a meeting assistant in Sasha Studio, advising one participant while the meeting is still going on. "
    "You get the transcript so far (speech recognition: expect misheard words) and, perhaps, their question. "
    "Be brief and practical: a few short bullet points or sentences they can use right now. Do not use tools."
)
ANALYSIS_SYSTEM_PROMPT = (
    "You are a meeting assistant in Sasha Studio. You read a meeting's transcript (speech recognition: expect "
    "misheard words) and answer with exactly one JSON object in a ```json fenced block, nothing else. Do not use "
    "tools."
)
ANALYSIS_SHAPE = (
    '{"summary": "a few sentences", "decisions": ["..."], '
    '"actionItems": [{"task": "...", "owner": "name or null", "due": "date or null"}], "openQuestions": ["..."]}'
)


class AnalysisFormatError(ValueError):
    """Claude's answer is not the analysis asked for; the message says what is wrong, for a person."""


@dataclass(frozen=True, slots=True)
class Utterance:
    """One transcribed stretch of the meeting: when it started (ms from the meeting's start), who, what."""

    start_ms: int
    text: str
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class ActionItem:
    task: str
    owner: str | None = None
    due: str | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    summary: str
    decisions: tuple[str, ...] = ()
    action_items: tuple[ActionItem, ...] = ()
    open_questions: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The stored and answered form (camelCase, as the API speaks)."""
        return {
            "summary": self.summary,
            "decisions": list(self.decisions),
            "actionItems": [{"task": i.task, "owner": i.owner, "due": i.due} for i in self.action_items],
            "openQuestions": list(self.open_questions),
        }


# --- the transcript -------------------------------------------------------------------------------------------------


def clock(ms: int) -> str:
    """Minutes and seconds ("12:05"), with hours when there are any ("1:02:05")."""
    minutes, seconds = divmod(max(int(ms), 0) // 1000, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def transcript_text(utterances: Iterable[Utterance]) -> str:
    """One line per utterance: "[03:12] Speaker: text" ("[03:12] text" when nobody is named)."""
    lines = []
    for said in utterances:
        text = " ".join(said.text.split())
        if text:
            who = f"{said.speaker.strip()}: " if said.speaker and said.speaker.strip() else ""
            lines.append(f"[{clock(said.start_ms)}] {who}{text}")
    return "\n".join(lines)


def keep_end(transcript: str, limit: int = MAX_TRANSCRIPT_CHARS) -> tuple[str, bool]:
    """The transcript's last `limit` characters from a line start (advice is about what was said last); cut?"""
    if len(transcript) <= limit:
        return transcript, False
    tail = transcript[-limit:]
    newline = tail.find("\n")
    return (tail[newline + 1 :] if 0 <= newline < len(tail) - 1 else tail), True


def keep_ends(transcript: str, limit: int = MAX_TRANSCRIPT_CHARS) -> tuple[str, bool]:
    """The transcript whole, or its first and last halves of `limit` with a marker between (the middle cut); cut?"""
    if len(transcript) <= limit:
        return transcript, False
    half = limit // 2
    head = transcript[:half].rsplit("\n", 1)[0]
    tail, _ = keep_end(transcript, half)
    return f"{head}\n[… the middle of the meeting is left out: the transcript is too long …]\n{tail}", True


# --- the prompts ----------------------------------------------------------------------------------------------------


def advice_prompt(title: str | None, transcript: str, question: str | None = None) -> str:
    """What Claude is asked for advice now: the transcript so far and the person's question, if any."""
    text, cut = keep_end(transcript)
    said = text or "(nothing has been transcribed yet)"
    cut_note = " Only its most recent part is shown: the meeting is long." if cut else ""
    ask = " ".join((question or "").split())[:MAX_QUESTION_CHARS]
    request = (
        f"My question: {ask}"
        if ask
        else "What should I say, ask or watch out for next? Point out anything unclear, missed or risky."
    )
    return (
        f"Meeting: {_title(title)}\n"
        f"The transcript so far, one line per utterance as [minutes:seconds] speaker: words.{cut_note}\n\n"
        f"<transcript>\n{said}\n</transcript>\n\n"
        f"{request}\nBe brief and practical."
    )


def analysis_prompt(title: str | None, transcript: str) -> str:
    """What Claude is asked once the meeting is over: one JSON object of the agreed shape."""
    text, cut = keep_ends(transcript)
    cut_note = " It is very long: its middle is left out, as marked." if cut else ""
    return (
        f"Meeting: {_title(title)}\n"
        f"The transcript, one line per utterance as [minutes:seconds] speaker: words.{cut_note}\n\n"
        f"<transcript>\n{text or '(nothing was transcribed)'}\n</transcript>\n\n"
        "Analyse the meeting. Answer with exactly one JSON object in a ```json fenced block, of this shape:\n"
        f"{ANALYSIS_SHAPE}\n"
        "summary: what the meeting was about and where it ended, in a few sentences. decisions: what was agreed. "
        "actionItems: who does what by when (owner and due are null when the transcript does not say). "
        "openQuestions: what was raised but not settled. Use empty lists when there is nothing to list; do not "
        "invent names or dates."
    )


def _title(title: str | None) -> str:
    return " ".join((title or "").split()) or UNTITLED


# --- reading the analysis back --------------------------------------------------------------------------------------

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[ \t]*\r?\n(.*?)```", re.DOTALL)


def parse_analysis(answer: str) -> Analysis:
    """The analysis in Claude's answer: a ```json block (or any fenced block, or bare JSON); missing lists are empty."""
    data = _json_object(answer)
    summary = _text(data.get("summary"), "summary", allow_none=True) or ""
    decisions = _strings(data, "decisions")
    questions = _strings(data, "openQuestions", "open_questions")
    items = _list(data, "actionItems", "action_items")
    actions = tuple(item for index, raw in enumerate(items) if (item := _action(raw, index)) is not None)
    if not (summary or decisions or actions or questions):
        raise AnalysisFormatError("Claude's analysis was empty: no summary, decisions, action items or questions.")
    return Analysis(summary[:MAX_SUMMARY_CHARS], decisions, actions[:MAX_ITEMS], questions)


def _json_object(answer: str) -> dict[str, Any]:
    fenced = [(language.lower(), body) for language, body in _FENCE.findall(answer)]
    candidates = [body for language, body in fenced if language == "json"]
    candidates += [body for language, body in fenced if language != "json"] + [answer]
    problem = "Claude's answer holds no JSON object."
    for candidate in candidates:
        start = candidate.find("{")
        if start < 0:
            continue
        try:
            value, _ = json.JSONDecoder().raw_decode(candidate[start:])
        except ValueError as exc:
            problem = f"Claude's answer is not valid JSON ({exc})."
            continue
        if isinstance(value, dict):
            return value
    raise AnalysisFormatError(problem)


def _list(data: dict[str, Any], *names: str) -> list[Any]:
    for name in names:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, list):
            raise AnalysisFormatError(f'Claude\'s analysis has "{names[0]}" as {_kind(value)}, not a list.')
        return value
    return []


def _strings(data: dict[str, Any], *names: str) -> tuple[str, ...]:
    found = [_text(value, f"{names[0]}[{index}]") for index, value in enumerate(_list(data, *names))]
    return tuple(text[:MAX_ITEM_CHARS] for text in found if text)[:MAX_ITEMS]


def _action(raw: Any, index: int) -> ActionItem | None:
    where = f"actionItems[{index}]"
    if isinstance(raw, str):  # a bare task: nobody named, no date
        task = " ".join(raw.split())
        return ActionItem(task[:MAX_ITEM_CHARS]) if task else None
    if not isinstance(raw, dict):
        raise AnalysisFormatError(f"Claude's analysis has {where} as {_kind(raw)}, not an object with a task.")
    task = _text(raw.get("task"), f"{where}.task", allow_none=True)
    if not task:
        return None
    owner = _text(raw.get("owner"), f"{where}.owner", allow_none=True) or None
    due = _text(raw.get("due"), f"{where}.due", allow_none=True) or None
    return ActionItem(task[:MAX_ITEM_CHARS], owner and owner[:200], due and due[:200])


def _text(value: Any, where: str, *, allow_none: bool = False) -> str:
    if value is None and allow_none:
        return ""
    if not isinstance(value, str):
        raise AnalysisFormatError(f'Claude\'s analysis has "{where}" as {_kind(value)}, not text.')
    text = value.strip()
    return "" if text.lower() in ("null", "none", "n/a", "-") else text


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


# --- the notes document ---------------------------------------------------------------------------------------------

_UNSAFE_IN_NAME = re.compile(r"[^\w \-.,()&'+]+")


def document_path(title: str | None, started_at: datetime) -> str:
    """meetings/<YYYY-MM-DD> <title>.md, the title reduced to plain word characters, spaces and light punctuation."""
    name = unicodedata.normalize("NFKC", _title(title))
    name = _UNSAFE_IN_NAME.sub(" ", name)
    name = " ".join(name.split()).strip(" .")[:MAX_TITLE_CHARS].rstrip(" .") or UNTITLED
    return safe_relative_path(f"{FOLDER}/{started_at:%Y-%m-%d} {name}.md")  # safe by making; checked all the same


def render_document(title: str | None, started_at: datetime, analysis: Analysis, transcript: str = "") -> str:
    """The meeting notes in Markdown: summary, decisions, action items as a checklist, open questions, transcript."""
    lines = [f"# {_one_line(_title(title))} — meeting notes", "", f"Date: {started_at:%Y-%m-%d %H:%M} UTC", ""]
    lines += ["## Summary", "", analysis.summary or "_No summary._", ""]
    lines += _section("Decisions", [f"- {_one_line(d)}" for d in analysis.decisions])
    lines += _section("Action items", [_checkbox(item) for item in analysis.action_items])
    lines += _section("Open questions", [f"- {_one_line(q)}" for q in analysis.open_questions])
    if transcript.strip():
        lines += ["## Transcript", "", "```text", transcript.replace("```", "'''"), "```", ""]
    return "\n".join(lines)


def _section(heading: str, items: list[str]) -> list[str]:
    return [f"## {heading}", "", *(items or ["_None._"]), ""]


def _checkbox(item: ActionItem) -> str:
    details = [f"owner: {_one_line(item.owner)}" if item.owner else "owner: unassigned"]
    if item.due:
        details.append(f"due: {_one_line(item.due)}")
    return f"- [ ] {_one_line(item.task)} ({', '.join(details)})"


def _one_line(text: str) -> str:
    return " ".join(text.split())
