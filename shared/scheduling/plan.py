"""What a run does, as a plan of CLI runs, and where its output goes.

A scheduled prompt and a plain skill are one step. A workflow skill (`kind: workflow` or `agent-flow`) is its
steps in order, one CLI run each; every step's prompt carries the skill's body as shared context and names the
file that holds the previous step's output, so the chain passes through the project's files.

    outputs/<name>/<UTC timestamp>.md              the run's output (a workflow: every step, in order)
    outputs/<name>/<UTC timestamp>/01-<step>.md    a workflow step's output
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.skills.document import SkillDocument, Step

OUTPUTS_FOLDER = "outputs/"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Plan:
    label: str  # the folder under outputs/
    steps: tuple[Step, ...]
    workflow: bool
    context: str = ""  # a workflow skill's body, given to every step

    def prompt(self, index: int, previous: tuple[str, str] | None) -> str:
        """The prompt of step `index`; `previous` is (name, output file) of the step before it."""
        step = self.steps[index]
        if not self.workflow:
            return step.prompt
        parts = [self.context] if self.context.strip() else []
        parts.append(f"## Step {index + 1} of {len(self.steps)}: {step.name}\n\n{step.prompt}")
        if previous is not None:
            name, path = previous
            parts.append(f"The output of the previous step ({name}) is in the file `{path}`. Read it first.")
        return "\n\n".join(parts)


@dataclass(frozen=True, slots=True)
class Outputs:
    run_file: str
    step_folder: str

    def step_file(self, index: int, name: str) -> str:
        return f"{self.step_folder}{index + 1:02d}-{name}.md"


def for_prompt(schedule_name: str, prompt: str) -> Plan:
    return Plan(label(schedule_name), (Step("prompt", prompt),), workflow=False)


def for_skill(skill: SkillDocument) -> Plan:
    if skill.is_workflow:
        return Plan(skill.name, skill.steps, workflow=True, context=skill.body)
    return Plan(skill.name, (Step(skill.name, skill.body),), workflow=False)


def label(name: str) -> str:
    """A folder name for a schedule's outputs: 'Daily sales report' → 'daily-sales-report'."""
    return _NOT_SLUG.sub("-", name.lower()).strip("-")[:64].strip("-") or "schedule"


def outputs(plan_label: str, started: datetime, *, taken: Callable[[str], bool], unique: str) -> Outputs:
    """Where a run started at `started` writes; `unique` tells two runs of the same second apart."""
    stamp = started.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = f"{OUTPUTS_FOLDER}{plan_label}/{stamp}"
    if taken(f"{base}.md") or taken(f"{base}/"):
        base = f"{base}-{unique}"
    return Outputs(run_file=f"{base}.md", step_folder=f"{base}/")
