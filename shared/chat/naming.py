"""A chat's title, derived from its first exchange: a few words that say what it is about (pure functions).

    at creation        the first message: its first sentence, courtesies dropped ("Hi, can you please …")
    first turn ends    the answer's first Markdown heading when it is short, else the same as at creation

A title is at most MAX_WORDS words and MAX_CHARS characters, cut at a word boundary, without trailing punctuation.
No model request is made for it: the words are already there.
"""

from __future__ import annotations

import re

MAX_CHARS = 60
MAX_WORDS = 8
MIN_WORDS = 3  # a first sentence shorter than this says too little: the title reads on into the message
UNTITLED = "New chat"

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"[*_`~]+|^\s*(?:[>#]+|[-+*]|\d+[.)])\s+", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")  # a sentence, or a paragraph
_CLAUSE_BREAKS = ",;:\u2013\u2014"
_TRAILING = re.compile(r"[\s.,;:!?\u2026\u2013\u2014-]+$")
_COURTESY = re.compile(
    r"^(?:"
    r"(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))(?:\s+(?:there|claude|sasha|all|team))?"
    r"|(?:can|could|would|will)\s+you(?:\s+please)?"
    r"|please|kindly|thanks|thank you"
    r"|i(?:\s+(?:want|need|would like)|[\u0027\u2019]d like)\s+(?:you\s+)?to"
    r"|help me(?:\s+to)?"
    r"|(?:ok|okay|so)"
    r")\b[\s,.!:;\u2013\u2014-]*",
    re.IGNORECASE,
)


def title_for_message(message: str) -> str:
    """The title of a chat whose first message is `message` (before any answer)."""
    text = _plain(message)
    pieces = [p for p in (_strip_courtesy(piece) for piece in _SENTENCE_END.split(text)) if p]
    if not pieces:
        return _shortened(" ".join(text.split())) or UNTITLED
    first = pieces[0]
    if len(first.split()) < MIN_WORDS and len(pieces) > 1:
        first = " ".join([first, *pieces[1:]])
    return _shortened(first) or UNTITLED


def title_after_first_turn(message: str, answer: str) -> str:
    """The title once the first answer is in: its first heading when short (1 to MAX_WORDS words), else the
    message's title."""
    heading = _plain(first_heading(answer) or "")
    if heading and len(heading.split()) <= MAX_WORDS and len(heading) <= MAX_CHARS:
        return _shortened(heading) or title_for_message(message)
    return title_for_message(message)


def first_heading(markdown: str) -> str | None:
    """The text of the first ATX heading (`# …`) outside code blocks, or None."""
    fenced = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := _HEADING.match(line)):
            return match.group(1)
    return None


def _plain(text: str) -> str:
    """Markdown reduced to its words: links to their text, emphasis, quotes, list markers and code marks removed."""
    return _MARKS.sub("", _LINK.sub(r"\1", text)).strip()


def _strip_courtesy(text: str) -> str:
    """`text` without the greetings and requests it opens with, capitalised when something was removed."""
    text = " ".join(text.split())
    stripped = text
    while (match := _COURTESY.match(stripped)) and match.end() > 0:
        stripped = stripped[match.end() :]
    if stripped != text and stripped:
        stripped = stripped[0].upper() + stripped[1:]
    return stripped


def _shortened(text: str) -> str:
    """At most MAX_WORDS words and MAX_CHARS characters, cut at a word boundary, no trailing punctuation.

    A cut text ends at its last clause break (a comma, a colon, a dash) when that keeps MIN_WORDS words or more:
    "What changed this quarter, and what should we do next?" is "What changed this quarter".
    """
    every = text.split()
    words = every[:MAX_WORDS]
    while len(words) > 1 and len(" ".join(words)) > MAX_CHARS:
        words.pop()
    if len(words) < len(every):
        breaks = [n for n, word in enumerate(words, 1) if n >= MIN_WORDS and word[-1] in _CLAUSE_BREAKS]
        if breaks and breaks[-1] < len(words):
            words = words[: breaks[-1]]
    title = " ".join(words)
    if len(title) > MAX_CHARS:  # one word longer than a title
        title = title[: MAX_CHARS - 1] + "…"
    return _TRAILING.sub("", title) if not title.endswith("…") else title
