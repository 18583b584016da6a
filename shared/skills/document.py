"""SKILL.md: YAML front matter, then markdown. Parsed and validated here, with reasons a person can act on.

    ---
    name: weekly-report                 # required: the skill's folder name
    description: Summarise the week     # required
    kind: workflow                      # optional: "workflow" or "agent-flow" make it a multi-step plan
    steps:                              # workflows only: run in order, one CLI run each
      - name: gather
        prompt: List what changed this week.
      - name: write
        prompt: Write the report from that list.
    ---
    Markdown: the prompt of a plain skill; for a workflow, context given to every step.

Other front matter keys (allowed-tools, license, ...) are kept and shown, not interpreted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from shared.errors import ValidationError

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MAX_SKILL_BYTES = 64 * 1024
MAX_DESCRIPTION_CHARS = 1024
MAX_STEPS = 20
MAX_STEP_PROMPT_CHARS = 24_000
WORKFLOW_KINDS = ("workflow", "agent-flow")
_FENCE = "---"


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    prompt: str


@dataclass(frozen=True, slots=True)
class SkillDocument:
    name: str
    description: str
    kind: str | None  # None for a plain skill, else one of WORKFLOW_KINDS
    steps: tuple[Step, ...]
    body: str
    front_matter: dict[str, Any]  # JSON-safe

    @property
    def is_workflow(self) -> bool:
        return self.kind in WORKFLOW_KINDS


def check_name(name: str) -> str:
    """`name` unchanged if it can name a skill (and its folder), else a ValidationError."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValidationError(
            f"{name!r} is not a skill name: use 1 to 64 lower-case letters, digits and '-', "
            "starting with a letter or digit (for example 'weekly-report').",
            code="invalid_skill_name",
        )
    return name


def parse(content: str, *, name: str) -> SkillDocument:
    """The skill `name` described by `content`, or a ValidationError that says what to fix."""
    check_name(name)
    if len(content.encode("utf-8", "surrogatepass")) > MAX_SKILL_BYTES:
        raise _invalid(f"SKILL.md is larger than {MAX_SKILL_BYTES // 1024} KB.")
    header, body = _split(content)
    meta = _load_yaml(header)
    declared = meta.get("name")
    if declared is None:
        raise _invalid(f"The front matter needs 'name: {name}'.")
    if declared != name:
        raise _invalid(f"The front matter says 'name: {declared}', but the skill's folder is '{name}'.")
    description = meta.get("description")
    if not isinstance(description, str) or not description.strip():
        raise _invalid("The front matter needs a 'description' (one line saying what the skill does).")
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise _invalid(f"The description is longer than {MAX_DESCRIPTION_CHARS} characters.")
    kind = _kind(meta.get("kind"))
    steps = _steps(meta.get("steps"), workflow=kind is not None)
    body = body.strip("\n")
    if kind is None and not body.strip():
        raise _invalid("The skill has no instructions after its front matter: that text is the prompt Claude runs.")
    return SkillDocument(name, description.strip(), kind, steps, body, _json_safe(meta))


def _invalid(reason: str) -> ValidationError:
    return ValidationError(reason, code="invalid_skill")


def _split(content: str) -> tuple[str, str]:
    """(front matter, body): the front matter sits between a first line '---' and the next '---' line."""
    lines = content.removeprefix("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].rstrip() != _FENCE:
        raise _invalid("SKILL.md must start with YAML front matter: a line '---', the fields, then '---' again.")
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() in (_FENCE, "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    raise _invalid("The front matter is not closed: add a line '---' after its fields.")


def _load_yaml(text: str) -> dict[str, Any]:
    import yaml  # lazy for cold starts: ~17 ms the API Lambda pays only once a SKILL.md is parsed

    try:
        # Aliases could expand a small file into a huge structure ("billion laughs"): front matter never needs them.
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
            raise _invalid("The front matter uses YAML aliases (*name); write the values out instead.")
        meta = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""  # +2: 0-based, and the opening '---'
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _invalid(f"The front matter is not valid YAML{where}: {problem}.") from exc
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise _invalid("The front matter must be YAML fields ('key: value' lines), not a list or a single value.")
    return meta


def _kind(value: Any) -> str | None:
    if value is None:
        return None
    if value not in WORKFLOW_KINDS:
        raise _invalid(
            f"'kind: {value}' is not known; leave it out for a plain skill, or use 'workflow' or 'agent-flow'."
        )
    return str(value)


def _steps(value: Any, *, workflow: bool) -> tuple[Step, ...]:
    if not workflow:
        if value is not None:
            raise _invalid("'steps' only apply to workflows: add 'kind: workflow' or remove the steps.")
        return ()
    if not isinstance(value, list) or not value:
        raise _invalid("A workflow needs 'steps': a list of items with a 'name' and a 'prompt'.")
    if len(value) > MAX_STEPS:
        raise _invalid(f"A workflow has at most {MAX_STEPS} steps, not {len(value)}.")
    steps: list[Step] = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise _invalid(f"Step {number} must be an item with a 'name' and a 'prompt'.")
        name, prompt = item.get("name"), item.get("prompt")
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise _invalid(
                f"Step {number} needs a 'name' of lower-case letters, digits and '-' (it names its output file)."
            )
        if any(step.name == name for step in steps):
            raise _invalid(f"Two steps are named '{name}'; step names must differ.")
        if not isinstance(prompt, str) or not prompt.strip():
            raise _invalid(f"Step {number} ('{name}') needs a 'prompt': what Claude should do in this step.")
        if len(prompt) > MAX_STEP_PROMPT_CHARS:
            raise _invalid(f"The prompt of step '{name}' is longer than {MAX_STEP_PROMPT_CHARS:,} characters.")
        steps.append(Step(name, prompt.strip()))
    return tuple(steps)


def _json_safe(meta: dict[str, Any]) -> dict[str, Any]:
    """YAML dates and other scalars become strings, so the front matter can be sent as JSON."""
    return dict(json.loads(json.dumps(meta, default=str)))
