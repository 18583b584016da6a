"""The web app's SKILL.md form model (web/src/skills/document.js), run by Node: what the form writes is the YAML the
server reads (checked with the server's own parser), what it reads back is what it wrote, and what it cannot read
is said, not lost."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

import pytest

from shared.skills import document
from tests.support.stack import ROOT

DOCUMENT = ROOT / "web" / "src" / "skills" / "document.js"
# Reads {"serialize": [doc...], "parse": [text...], "identify": [title...]} from stdin; prints what each gives.
HARNESS = f"""
import {{ readFileSync }} from 'node:fs';
import {{ identifierFor, parse, serialize }} from '{DOCUMENT.as_uri()}';
const input = JSON.parse(readFileSync(0, 'utf8'));
console.log(JSON.stringify({{
  serialized: input.serialize.map(serialize),
  parsed: input.parse.map(parse),
  identifiers: input.identify.map(identifierFor),
}}));
"""

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")


def run(
    *, serialize: Sequence[dict[str, Any]] = (), parse: Sequence[str] = (), identify: Sequence[str] = ()
) -> dict[str, Any]:
    node = shutil.which("node") or "node"
    command = [node, "--input-type=module", "-e", HARNESS]
    stdin = json.dumps({"serialize": list(serialize), "parse": list(parse), "identify": list(identify)})
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout))


def doc(**fields: Any) -> dict[str, Any]:
    base = {"name": "weekly-report", "title": "", "description": "Sum up", "kind": "skill", "steps": []}
    return {**base, "body": "Write it.\n", "extra": "", **fields}


TRICKY = [
    "Weekly Report!",
    "yes",
    "42",
    "Notes: what changed",
    "#hashtag",
    'Say "hello"',
    "- a dash",
    "trailing space ",
    "Café & co",
    "it's fine",
]


def test_what_the_form_writes_is_read_by_the_server_as_the_form_meant() -> None:
    docs = [doc(title=text, description=text) for text in TRICKY] + [
        doc(
            kind="workflow",
            steps=[
                {"name": "Gather notes", "prompt": "List them.\nAll of them: old and new."},
                {"name": "", "prompt": "no"},
            ],
            extra="allowed-tools: Read, Write\nlicense: MIT",
        )
    ]
    texts = run(serialize=docs)["serialized"]

    for text, expected in zip(texts, docs, strict=True):
        parsed = document.parse(text, name="weekly-report")
        assert parsed.front_matter.get("title") == (expected["title"] or None)
        assert parsed.description == expected["description"].strip()  # the server trims it
    workflow = document.parse(texts[-1], name="weekly-report")
    assert [(step.name, step.prompt) for step in workflow.steps] == [
        ("gather-notes", "List them.\nAll of them: old and new."),
        ("step-2", "no"),
    ]
    assert workflow.front_matter["allowed-tools"] == "Read, Write" and workflow.front_matter["license"] == "MIT"
    assert workflow.body == "Write it."
    # And the form reads back what it wrote
    again = run(parse=texts)["parsed"]
    for read, expected in zip(again, docs, strict=True):
        assert read["doc"]["title"] == (expected["title"] or expected["name"])
        assert read["doc"]["description"] == expected["description"]
        assert read["doc"]["body"] == expected["body"]
    assert [step["prompt"] for step in again[-1]["doc"]["steps"]] == ["List them.\nAll of them: old and new.", "no"]


def test_what_people_write_by_hand_is_read_and_what_the_form_cannot_show_is_said() -> None:
    by_hand = (
        "---\n"
        "name: digest  # the folder\n"
        "description: >\n  Gather and\n  draft\n"
        "kind: workflow\n"
        "steps:\n"
        "- name: gather\n"
        "  prompt: |\n    Line one\n    Line two\n"
        "- name: draft\n"
        "  prompt: 'It''s the draft'\n"
        "metadata:\n  owner: ops\n"
        "---\n"
        "Context.\n"
    )
    answers = run(parse=[by_hand, "---\nname: x\nsteps: [a, b]\n---\n", "no front matter"])["parsed"]

    read = answers[0]["doc"]
    assert read["name"] == "digest" and read["description"] == "Gather and draft\n"
    assert read["steps"] == [
        {"name": "gather", "prompt": "Line one\nLine two\n"},
        {"name": "draft", "prompt": "It's the draft"},
    ]
    assert read["extra"] == "metadata:\n  owner: ops" and read["body"] == "Context.\n"
    assert "steps" in answers[1]["error"] and "still edit" in answers[1]["error"]
    assert "---" in answers[2]["error"]


def test_a_display_name_gives_an_identifier_unless_it_has_no_letter_or_digit() -> None:
    names = ["Weekly Report!", "  Café  Crème  ", "Q3 — plan", "Отчёт", "!!!", "", "a" * 80]
    identifiers = run(identify=names)["identifiers"]

    assert identifiers[:3] == ["weekly-report", "cafe-creme", "q3-plan"]
    assert identifiers[3].startswith("skill-") and document.NAME_PATTERN.fullmatch(identifiers[3])
    assert identifiers[4:6] == [None, None]
    assert identifiers[6] == "a" * 64
