"""A run in the runner's hands: what it runs, whether its owner still may, its progress and its end.

The runner (runner/jobs/executions.py) holds a `RunningExecution`; the execution's row stays in here, so
every write keeps the repository's conditions (still running, at the version read). How a run ends is
recorded by `finish` (shared/scheduling/outcome.py: the execution, the schedule's last run, the run log).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.accounts import users
from shared.accounts.domain import Principal
from shared.errors import NotFoundError, PermissionDeniedError, StudioError, ValidationError
from shared.models.base import utcnow
from shared.models.schedules import Execution, ExecutionStatus, ScheduleKind
from shared.models.usage import UsageKind
from shared.projects import service as projects
from shared.projects.views import ProjectView
from shared.scheduling import executions, outcome, plan, store
from shared.scheduling.executions import Results
from shared.scheduling.plan import Plan
from shared.skills import document, files

__all__ = ["ExecutionStatus", "Plan", "Results", "RunError", "RunningExecution", "find", "skill_path", "skill_plan"]


class RunError(StudioError):
    """A run cannot go ahead (its skill is gone, its owner lost access); the message is recorded as its error."""

    status = 422
    code = "run_refused"


class RunningExecution:
    """An execution as the runner works on it: what to run, and the writes that move it on."""

    def __init__(self, row: Execution) -> None:
        self._row = row

    @property
    def execution_id(self) -> str:
        return str(self._row.execution_id)

    @property
    def user_id(self) -> str:
        return str(self._row.user_id)

    @property
    def status(self) -> str:
        return str(self._row.status)

    @property
    def is_running(self) -> bool:
        return self._row.status == executions.RUNNING

    @property
    def is_skill(self) -> bool:
        return self._row.kind == ScheduleKind.SKILL.value

    @property
    def skill_name(self) -> str:
        return self._row.skill_name or ""

    @property
    def usage_kind(self) -> str:
        """How the model gateway books the run's requests."""
        return (UsageKind.SKILL if self.is_skill else UsageKind.SCHEDULED_PROMPT).value

    def owner_project(self) -> ProjectView:
        """The run's project, if its owner's account is active and may still change it; else a RunError."""
        account = users.get(self._row.user_id)
        if account is None or not account.is_active:
            raise RunError("The run's owner no longer has an active account, so it did not run.")
        try:
            return projects.open_project(Principal(account, via="schedule"), self._row.project_id or "", write=True)
        except NotFoundError:
            raise RunError("The project no longer exists, or the run's owner no longer has access to it.") from None
        except PermissionDeniedError:
            raise RunError("The run's owner can no longer change this project, so it did not run.") from None

    def prompt_plan(self) -> Plan:
        """A scheduled prompt's plan: one step, its outputs named after the schedule."""
        schedule = store.get(self._row.schedule_id or "")
        return plan.for_prompt(schedule.name if schedule else "schedule", self._row.prompt or "")

    def record_steps(self, steps: list[dict[str, Any]]) -> bool:
        """A workflow's progress; False when the execution is no longer running."""
        return executions.record_steps(self._row, steps)

    def finish(self, results: Results, *, now: datetime | None = None) -> bool:
        """Record how the run ended; False when it had already ended (timed out, or interrupted)."""
        return outcome.record(self._row, results, now=now or utcnow())


def find(execution_id: str) -> RunningExecution | None:
    """The execution a job names; None when it no longer exists (its schedule was deleted)."""
    row = executions.get(execution_id)
    return RunningExecution(row) if row is not None else None


def skill_path(name: str) -> str:
    """Where the skill `name` is in the project's files; a ValidationError if `name` cannot name a skill."""
    return files.relative_path(document.check_name(name))


def skill_plan(name: str, content: str) -> Plan:
    """The plan of the skill `name` whose SKILL.md holds `content`; a RunError says why it cannot run."""
    try:
        return plan.for_skill(document.parse(content, name=name))
    except ValidationError as exc:
        raise RunError(f"The skill '{name}' cannot run: {exc.message}") from None
