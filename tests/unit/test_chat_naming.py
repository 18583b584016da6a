"""A chat's title from its first exchange: short, courtesies dropped, the answer's short heading preferred."""

from __future__ import annotations

import pytest

from shared.chat.naming import MAX_CHARS, UNTITLED, first_heading, title_after_first_turn, title_for_message

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("message", "title"),
    [
        ("Summarise the notes", "Summarise the notes"),
        ("Hi! Can you please summarise the notes in report.md?", "Summarise the notes in report.md"),
        ("I want you to write a poem about cats.", "Write a poem about cats"),
        ("hello claude, could you please help me to plan a trip. Thanks", "Plan a trip"),
        ("What is the capital of France?", "What is the capital of France"),
        ("Write **notes.md** with a [link](https://example.com)", "Write notes.md with a link"),
        ("Fix it. The build fails on main since yesterday", "Fix it. The build fails on main since"),
        ("Outline the plan\nbriefly", "Outline the plan briefly"),
        ("What changed this quarter, and what should we do next?", "What changed this quarter"),
        ("Draft a reply to Anna: she asked about the renewal terms", "Draft a reply to Anna"),
        ("Compare Q1, Q2 and Q3 revenue", "Compare Q1, Q2 and Q3 revenue"),
        ("Hello!\n\nList the open invoices\n\nThanks", "List the open invoices"),
        ("I\u2019d like you to summarise the meeting", "Summarise the meeting"),
        ("I'd like to plan a trip to Lisbon", "Plan a trip to Lisbon"),
        ("turn 1", "turn 1"),
        ("hi", "hi"),
        ("   ", UNTITLED),
    ],
)
def test_a_title_is_the_gist_of_the_first_message(message: str, title: str) -> None:
    assert title_for_message(message) == title


def test_a_long_message_is_cut_at_a_word_boundary_within_eight_words_and_sixty_characters() -> None:
    message = "Please explain how the quarterly revenue numbers were computed in the finance sheet and why they differ"
    title = title_for_message(message)
    assert title == "Explain how the quarterly revenue numbers were computed"
    assert len(title.split()) <= 8 and len(title) <= MAX_CHARS
    long_words = " ".join(["internationalisation"] * 5)
    cut = title_for_message(long_words)
    assert len(cut) <= MAX_CHARS and cut == "internationalisation internationalisation"
    assert title_for_message("x" * 100) == "x" * (MAX_CHARS - 1) + "…"


def test_the_first_answers_short_heading_is_preferred() -> None:
    assert title_after_first_turn("hi, plan q3 please", "# Quarterly *plan*!\n\nFirst…") == "Quarterly plan"
    # A heading inside a code block does not count, nor one too long to be a title.
    answer = "```md\n# Not this\n```\n## " + "a very long heading " * 5 + "\n"
    assert first_heading(answer) == ("a very long heading " * 5).strip()
    assert title_after_first_turn("Make a plan for Q3", answer) == "Make a plan for Q3"
    assert title_after_first_turn("Make a plan for Q3", "No heading here.") == "Make a plan for Q3"
