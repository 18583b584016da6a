"""What a permission card shows beyond its summary: the whole command, path, content or edit of each kind of tool,
cut to a bound that keeps the permission.request event small whatever the model writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runner.claude.detail import DETAIL_LIMIT_BYTES, permission_detail
from runner.claude.relay import summarise_tool
from shared.realtime.events import encode

pytestmark = pytest.mark.unit

CWD = Path("/srv/work/proj")
EVENT_LIMIT_BYTES = 16 * 1024


def json_bytes(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def permission_event(tool_name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    """The event as the chat job sends it, with the detail."""
    return {
        "type": "permission.request",
        "turn": 12,
        "requestId": "6f1c3a2e-9d4b-4c55-8e0b-1f2a3b4c5d6e",
        "toolName": tool_name,
        "summary": summarise_tool(tool_name, tool_input, CWD),
        "detail": permission_detail(tool_name, tool_input, CWD),
    }


# Bash


def test_a_short_command_comes_whole_with_its_description_and_options() -> None:
    # Given a command with a description, a timeout and a background flag
    tool_input = {
        "command": "npm ci &&\n  npm test -- --watch=false",
        "description": "Install and run the tests",
        "timeout": 120000,
        "run_in_background": True,
    }

    # When the card's detail is built, then everything comes as given
    assert permission_detail("Bash", tool_input, CWD) == {
        "command": "npm ci &&\n  npm test -- --watch=false",
        "truncated": False,
        "description": "Install and run the tests",
        "timeout": 120000,
        "runInBackground": True,
    }


def test_a_long_multi_line_command_comes_far_beyond_the_summary_and_says_when_it_is_cut() -> None:
    # Given a command of 600 lines, 20,300 characters
    command = "\n".join(f"echo step {n:03} && rm -rf build/{n:03}" for n in range(600))
    assert len(command) > 20_000

    # When the detail is built
    detail = permission_detail("Bash", {"command": command}, CWD)

    # Then it holds the first 8,000 characters unchanged (newlines and all), flagged as cut, with the full length
    assert detail["command"] == command[: len(detail["command"])]
    assert 7_500 <= len(detail["command"]) <= 8_000
    assert detail["truncated"] is True
    assert detail["length"] == len(command)
    assert "description" not in detail and "timeout" not in detail and "runInBackground" not in detail
    # And the summary stays the one line other events use
    assert summarise_tool("Bash", {"command": command}, CWD).startswith("Bash: echo step 000 && rm -rf build/000 echo")


def test_a_command_just_over_the_summary_length_is_whole() -> None:
    command = 'for f in *.log; do\n  gzip "$f"\ndone\n' + "x" * 300
    detail = permission_detail("Bash", {"command": command}, CWD)
    assert detail == {"command": command, "truncated": False}


def test_a_command_in_multi_byte_text_is_cut_by_its_bytes_at_a_character_boundary() -> None:
    # Given 8,000 characters of emoji and Chinese (4 and 3 bytes each in UTF-8)
    command = "echo '" + "数据🚀" * 2_666 + "'"

    # When the detail is built
    detail = permission_detail("Bash", {"command": command}, CWD)

    # Then it is a prefix of whole characters, cut so its JSON stays within 10,000 bytes
    shown = detail["command"]
    assert command.startswith(shown)
    assert detail["truncated"] is True and detail["length"] == len(command)
    assert 9_900 <= json_bytes(shown) - 2 <= 10_000
    shown.encode("utf-8")  # no split surrogate


def test_a_command_that_is_not_text_gives_an_empty_command() -> None:
    assert permission_detail("Bash", {"command": ["rm", "-rf", "/"], "timeout": True}, CWD) == {
        "command": "",
        "truncated": False,
    }


# Write


def test_a_write_inside_the_project_shows_its_relative_path_size_lines_and_whole_content() -> None:
    # Given a file of three lines with multi-byte text
    content = "# Café\n\nNaïve résumé 🚀\n"

    # When the detail is built for an absolute path inside cwd
    detail = permission_detail("Write", {"file_path": f"{CWD}/docs/notes.md", "content": content}, CWD)

    # Then the path is relative, the size is in UTF-8 bytes and the preview is the whole content
    assert detail == {
        "path": "docs/notes.md",
        "bytes": len(content.encode()),
        "lines": 3,
        "preview": content,
        "truncated": False,
    }
    assert detail["bytes"] == 30


@pytest.mark.parametrize(
    ("file_path", "shown"),
    [
        ("/etc/cron.d/job", "/etc/cron.d/job"),  # outside: absolute
        (f"{CWD}/../../../etc/passwd", "/etc/passwd"),  # climbs out: normalised, absolute
        (f"{CWD}-other/notes.md", f"{CWD}-other/notes.md"),  # a sibling that shares the prefix is outside
        ("notes/../todo.md", "todo.md"),  # relative to cwd
        ("../secrets.env", "/srv/work/secrets.env"),
    ],
)
def test_a_write_outside_the_project_shows_the_absolute_path(file_path: str, shown: str) -> None:
    assert permission_detail("Write", {"file_path": file_path, "content": ""}, CWD)["path"] == shown


@pytest.mark.parametrize(("content", "lines"), [("", 0), ("one", 1), ("one\n", 1), ("one\ntwo", 2), ("\n\n", 2)])
def test_a_write_counts_its_lines(content: str, lines: int) -> None:
    assert permission_detail("Write", {"file_path": "a.txt", "content": content}, CWD)["lines"] == lines


def test_a_long_write_previews_its_first_eight_thousand_characters() -> None:
    # Given 1,000 lines of content
    content = "".join(f"line {n:04} of the generated report\n" for n in range(1_000))

    # When the detail is built
    detail = permission_detail("Write", {"file_path": f"{CWD}/report.txt", "content": content}, CWD)

    # Then the preview is its start, flagged as cut, while size and lines describe the whole file
    assert detail["preview"] == content[:8_000]
    assert detail["truncated"] is True
    assert detail["bytes"] == len(content)
    assert detail["lines"] == 1_000


def test_a_very_long_path_keeps_both_ends() -> None:
    file_path = f"{CWD}/" + "deep/" * 400 + "secret.txt"
    shown = permission_detail("Write", {"file_path": file_path, "content": "x"}, CWD)["path"]
    assert len(shown) <= 1_001
    assert shown.startswith("deep/deep/") and shown.endswith("/deep/secret.txt") and "…" in shown


# Edits


def test_an_edit_shows_its_old_and_new_text() -> None:
    tool_input = {
        "file_path": f"{CWD}/app.py",
        "old_string": "DEBUG = True",
        "new_string": "DEBUG = False",
        "replace_all": True,
    }
    assert permission_detail("Edit", tool_input, CWD) == {
        "path": "app.py",
        "editCount": 1,
        "edits": [{"old": "DEBUG = True", "new": "DEBUG = False", "replaceAll": True, "truncated": False}],
    }


def test_a_long_edit_is_cut_on_each_side_by_characters_or_bytes() -> None:
    # Given accented old text (2 bytes a character) and plain new text, 5,000 and 9,000 characters
    old, new = "é" * 5_000, "new line\n" * 1_000

    # When the detail is built
    [edit] = permission_detail("Edit", {"file_path": "a.py", "old_string": old, "new_string": new}, CWD)["edits"]

    # Then each side gets 3,000 characters within 3,750 bytes of JSON: the accented text is cut by its bytes
    assert edit["old"] == "é" * 1_875
    assert edit["new"] == new[:3_000]
    assert edit["truncated"] is True and edit["replaceAll"] is False


def test_a_multi_edit_counts_every_edit_and_shows_the_first_ten_sharing_the_bound() -> None:
    # Given twelve edits of 1,000 characters on each side
    edits = [{"old_string": f"{n}" * 1_000, "new_string": f"{n + 1}" * 1_000} for n in range(12)]

    # When the detail is built
    detail = permission_detail("MultiEdit", {"file_path": "/tmp/out.txt", "edits": edits}, CWD)

    # Then all twelve are counted, ten are shown, each side cut to 300 characters
    assert detail["path"] == "/tmp/out.txt"
    assert detail["editCount"] == 12
    assert len(detail["edits"]) == 10
    assert all(len(e["old"]) == 300 and len(e["new"]) == 300 and e["truncated"] for e in detail["edits"])
    assert detail["edits"][3]["old"].startswith("333")


def test_a_notebook_edit_shows_the_new_cell_without_old_text() -> None:
    tool_input = {
        "notebook_path": f"{CWD}/analysis.ipynb",
        "cell_id": "cell-7",
        "new_source": "df.describe()",
        "cell_type": "code",
        "edit_mode": "replace",
    }
    assert permission_detail("NotebookEdit", tool_input, CWD) == {
        "path": "analysis.ipynb",
        "editCount": 1,
        "edits": [{"new": "df.describe()", "replaceAll": False, "truncated": False}],
        "cellId": "cell-7",
        "cellType": "code",
        "editMode": "replace",
    }


# Web and look-ups


def test_a_fetch_shows_its_url_and_prompt_and_a_search_its_query() -> None:
    fetch = {"url": "https://example.com/a?b=c", "prompt": "Summarise the page"}
    assert permission_detail("WebFetch", fetch, CWD) == {"url": fetch["url"], "prompt": "Summarise the page"}
    assert permission_detail("WebSearch", {"query": "preact htm"}, CWD) == {"query": "preact htm"}


def test_a_long_prompt_is_cut_with_an_ellipsis() -> None:
    detail = permission_detail("WebFetch", {"url": "https://example.com", "prompt": "p" * 5_000}, CWD)
    assert detail["prompt"] == "p" * 1_000 + "…"


@pytest.mark.parametrize(
    ("name", "tool_input", "expected"),
    [
        ("Read", {"file_path": "/home/me/.ssh/id_rsa"}, {"path": "/home/me/.ssh/id_rsa"}),
        ("Glob", {"pattern": "**/*.py", "path": f"{CWD}/src"}, {"path": "src", "pattern": "**/*.py"}),
        ("Grep", {"pattern": "TODO|FIXME"}, {"pattern": "TODO|FIXME"}),
    ],
)
def test_a_look_up_shows_its_path_and_pattern(name: str, tool_input: dict[str, Any], expected: dict[str, Any]) -> None:
    assert permission_detail(name, tool_input, CWD) == expected


# Anything else


def test_another_tool_shows_its_input_as_json() -> None:
    tool_input = {"channel": "#ops", "text": "Déploiement terminé"}
    detail = permission_detail("mcp__slack__post_message", tool_input, CWD)
    assert detail == {"input": json.dumps(tool_input, ensure_ascii=False, indent=2), "truncated": False}


def test_another_tool_with_a_large_input_is_cut() -> None:
    detail = permission_detail("mcp__db__insert", {"rows": [{"id": n} for n in range(2_000)]}, CWD)
    assert len(detail["input"]) == 4_000 and detail["truncated"] is True


# Bounds


NASTY = '"\\\x01\n🚀数' * 5_000  # characters that cost the most bytes of JSON: escapes, controls, 4-byte UTF-8
WORST_CASES = [
    ("Bash", {"command": NASTY, "description": NASTY, "timeout": 600000, "run_in_background": False}),
    ("Write", {"file_path": "/" + NASTY, "content": NASTY}),
    ("Edit", {"file_path": NASTY, "old_string": NASTY, "new_string": NASTY, "replace_all": True}),
    ("MultiEdit", {"file_path": NASTY, "edits": [{"old_string": NASTY, "new_string": NASTY}] * 50}),
    ("NotebookEdit", {"notebook_path": NASTY, "new_source": NASTY, "cell_id": NASTY, "edit_mode": NASTY}),
    ("WebFetch", {"url": NASTY, "prompt": NASTY}),
    ("WebSearch", {"query": NASTY}),
    ("Grep", {"pattern": NASTY, "path": NASTY}),
    ("mcp__x__y", {"a": NASTY, "b": [NASTY] * 3}),
]


@pytest.mark.parametrize(("name", "tool_input"), WORST_CASES, ids=[name for name, _ in WORST_CASES])
def test_the_detail_stays_within_its_bound_whatever_the_input(name: str, tool_input: dict[str, Any]) -> None:
    assert json_bytes(permission_detail(name, tool_input, CWD)) <= DETAIL_LIMIT_BYTES


# Tools with a path are left out: summarise_tool does not bound the path it puts in the summary.
EVENT_CASES = [case for case in WORST_CASES if not {"file_path", "notebook_path", "path"} & case[1].keys()]


@pytest.mark.parametrize(("name", "tool_input"), EVENT_CASES, ids=[name for name, _ in EVENT_CASES])
def test_the_whole_event_stays_well_under_sixteen_kilobytes(name: str, tool_input: dict[str, Any]) -> None:
    assert len(encode(permission_event(name, tool_input))) < EVENT_LIMIT_BYTES
