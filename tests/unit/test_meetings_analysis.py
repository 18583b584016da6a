"""The meeting prompts, the analysis parser and the notes document (shared.meetings.analysis): pure functions."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shared.files.paths import safe_relative_path
from shared.meetings.analysis import (
    MAX_TRANSCRIPT_CHARS,
    ActionItem,
    Analysis,
    AnalysisFormatError,
    Utterance,
    advice_prompt,
    analysis_prompt,
    clock,
    document_path,
    keep_end,
    keep_ends,
    parse_analysis,
    render_document,
    transcript_text,
)

pytestmark = pytest.mark.unit

STARTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ANSWER = {
    "summary": "The team planned the Q3 launch.",
    "decisions": ["Launch on 15 July"],
    "actionItems": [
        {"task": "Book the venue", "owner": "Dana", "due": "Friday"},
        {"task": "Draft the press release", "owner": None, "due": None},
    ],
    "openQuestions": ["Which budget pays for the venue?"],
}


# --- the transcript and the prompts ---------------------------------------------------------------------------------


def test_the_transcript_has_one_line_per_utterance_with_its_time_and_speaker() -> None:
    text = transcript_text(
        [
            Utterance(0, "Good  morning\neveryone.", "Dana"),
            Utterance(75_500, "Let's start."),
            Utterance(3_725_000, "   "),  # nothing heard: no line
            Utterance(3_726_000, "Last point.", " "),
        ]
    )
    assert text == "[00:00] Dana: Good morning everyone.\n[01:15] Let's start.\n[1:02:06] Last point."
    assert (clock(59_999), clock(-5)) == ("00:59", "00:00")


def test_advice_asks_about_the_transcript_so_far_briefly_with_the_question() -> None:
    prompt = advice_prompt("Launch  sync", "[00:01] Dana: We launch in July.", "  Should we   push back? ")
    assert "Meeting: Launch sync" in prompt
    assert "<transcript>\n[00:01] Dana: We launch in July.\n</transcript>" in prompt
    assert "My question: Should we push back?" in prompt
    assert prompt.rstrip().endswith("Be brief and practical.")


def test_advice_without_a_question_or_a_transcript_still_asks_something() -> None:
    prompt = advice_prompt(None, "")
    assert "Meeting: Meeting" in prompt and "(nothing has been transcribed yet)" in prompt
    assert "What should I say, ask or watch out for next?" in prompt


def test_a_long_transcript_keeps_its_end_for_advice_and_says_so() -> None:
    lines = [f"[{clock(i * 1000)}] line {i:06d} " + "x" * 60 for i in range(5_000)]
    transcript = "\n".join(lines)
    assert len(transcript) > MAX_TRANSCRIPT_CHARS
    kept, cut = keep_end(transcript)
    assert cut and len(kept) <= MAX_TRANSCRIPT_CHARS and kept.endswith(lines[-1])
    assert kept.split("\n")[0] in lines  # cut at a line start, never mid-line
    prompt = advice_prompt("Long", transcript)
    assert "Only its most recent part is shown" in prompt and lines[0] not in prompt and lines[-1] in prompt


def test_a_very_long_transcript_keeps_both_ends_for_the_analysis_and_says_so() -> None:
    lines = [f"line {i:06d} " + "y" * 60 for i in range(5_000)]
    kept, cut = keep_ends("\n".join(lines))
    assert cut and lines[0] in kept and lines[-1] in kept and lines[2_500] not in kept
    assert "the middle of the meeting is left out" in kept
    assert keep_ends("short") == ("short", False)
    assert "its middle is left out" in analysis_prompt("Long", "\n".join(lines))


def test_the_analysis_prompt_asks_for_one_json_object_of_the_agreed_shape() -> None:
    prompt = analysis_prompt("Launch", "[00:01] Dana: We launch in July.")
    assert "[00:01] Dana: We launch in July." in prompt and "```json" in prompt
    assert all(key in prompt for key in ('"summary"', '"decisions"', '"actionItems"', '"openQuestions"'))
    assert "middle is left out" not in prompt


# --- reading the analysis -------------------------------------------------------------------------------------------


def test_a_fenced_json_answer_is_read_with_its_action_items() -> None:
    answer = f"Here is the analysis.\n\n```json\n{json.dumps(ANSWER, indent=2)}\n```\nAnything else?"
    analysis = parse_analysis(answer)
    assert analysis.summary == "The team planned the Q3 launch."
    assert analysis.decisions == ("Launch on 15 July",)
    assert analysis.action_items == (
        ActionItem("Book the venue", "Dana", "Friday"),
        ActionItem("Draft the press release"),
    )
    assert analysis.open_questions == ("Which budget pays for the venue?",)
    assert analysis.to_json() == ANSWER


@pytest.mark.parametrize(
    "answer",
    [
        json.dumps(ANSWER),  # bare
        f"Sure: {json.dumps(ANSWER)} — that is all.",  # bare, with words around it
        f"```\n{json.dumps(ANSWER)}\n```",  # a fence without a language
        f"```JSON\n{json.dumps(ANSWER)}\n```",
        f"```text\nnot this {{\n```\n```json\n{json.dumps(ANSWER)}\n```",  # the json block wins
    ],
)
def test_bare_or_differently_fenced_json_is_read_too(answer: str) -> None:
    assert parse_analysis(answer).to_json() == ANSWER


def test_missing_lists_are_empty_and_snake_case_keys_are_understood() -> None:
    analysis = parse_analysis(
        '{"summary": "Short.", "action_items": ["Call Bob", {"task": "Send notes", "owner": ""}]}'
    )
    assert analysis == Analysis("Short.", (), (ActionItem("Call Bob"), ActionItem("Send notes")), ())
    assert parse_analysis('{"decisions": ["Yes"]}').summary == ""


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("I could not analyse this meeting.", "holds no JSON object"),
        ('```json\n{"summary": "cut off", \n```', "not valid JSON"),
        ('["a", "list"]', "holds no JSON object"),
        ('{"summary": "x", "decisions": "Launch in July"}', '"decisions" as text, not a list'),
        ('{"summary": "x", "decisions": [1, 2]}', '"decisions[0]" as a number, not text'),
        ('{"summary": ["x"]}', '"summary" as a list, not text'),
        ('{"summary": "x", "actionItems": [42]}', "actionItems[0] as a number"),
        ('{"summary": "x", "actionItems": [{"task": "t", "owner": {"name": "D"}}]}', '"actionItems[0].owner" as an'),
        ('{"summary": "", "decisions": []}', "was empty"),
    ],
)
def test_an_answer_that_is_not_the_analysis_is_refused_saying_why(answer: str, reason: str) -> None:
    with pytest.raises(AnalysisFormatError) as refused:
        parse_analysis(answer)
    assert reason in str(refused.value)


def test_overlong_lists_and_texts_are_capped() -> None:
    many = {"summary": "s" * 20_000, "decisions": [f"d{i}" for i in range(500)], "openQuestions": ["q" * 5_000]}
    analysis = parse_analysis(json.dumps(many))
    assert len(analysis.summary) == 8_000 and len(analysis.decisions) == 100
    assert len(analysis.open_questions[0]) == 2_000


# --- the notes document ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "path"),
    [
        ("Launch sync", "meetings/2026-03-02 Launch sync.md"),
        (None, "meetings/2026-03-02 Meeting.md"),
        ("../../etc/passwd", "meetings/2026-03-02 etc passwd.md"),
        ("Q3: plan/budget?*", "meetings/2026-03-02 Q3 plan budget.md"),
        ("\u202eevil\u200b name\x00", "meetings/2026-03-02 evil name.md"),
        ("...", "meetings/2026-03-02 Meeting.md"),
        ("Réunion d'équipe", "meetings/2026-03-02 Réunion d'équipe.md"),
        ("x" * 300, f"meetings/2026-03-02 {'x' * 80}.md"),
    ],
)
def test_the_document_path_is_a_safe_dated_name_in_the_meetings_folder(title: str | None, path: str) -> None:
    made = document_path(title, STARTED)
    assert made == path
    assert safe_relative_path(made) == made


def test_the_document_has_the_summary_decisions_a_checklist_questions_and_the_transcript() -> None:
    analysis = parse_analysis(json.dumps(ANSWER))
    document = render_document("Launch sync", STARTED, analysis, "[00:01] Dana: We launch in July.")
    assert document.startswith("# Launch sync — meeting notes\n\nDate: 2026-03-02 09:30 UTC\n")
    assert "## Summary\n\nThe team planned the Q3 launch.\n" in document
    assert "## Decisions\n\n- Launch on 15 July\n" in document
    assert "- [ ] Book the venue (owner: Dana, due: Friday)\n" in document
    assert "- [ ] Draft the press release (owner: unassigned)\n" in document
    assert "## Open questions\n\n- Which budget pays for the venue?\n" in document
    assert "## Transcript\n\n```text\n[00:01] Dana: We launch in July.\n```" in document


def test_empty_sections_say_none_and_no_transcript_means_no_transcript_section() -> None:
    document = render_document(None, STARTED, Analysis("Only a summary."))
    assert document.startswith("# Meeting — meeting notes")
    assert document.count("_None._") == 3 and "## Transcript" not in document
    fenced = render_document("T", STARTED, Analysis("S"), "[00:01] someone said ``` out loud")
    assert fenced.count("```") == 2  # a fence in the transcript cannot end the block early
