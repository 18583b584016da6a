"""The "schedule.run" and "skill.run" jobs: one execution from start to end, and it always ends recorded.

    execution still running? ── no ──▶ skip (a duplicate message, or the schedule was deleted)
    Claude configured? owner may still change the project? skill there and valid? ── no ──▶ failed, saying why
    in the owner's sandbox box, with a model gateway token for the run: pull the project's files
    for each step of the plan (a prompt, a skill, or a workflow's steps in order):
        run the CLI headless until its result or the job's deadline (then the group is killed: timeout)
        write the step's output; a step that did not complete stops the plan, later steps are `skipped`
    write outputs/<name>/<UTC timestamp>.md, end the box's processes, push the files
    record (shared.scheduling.running → outcome): the execution, the schedule's last run, the JSONL run log
    (the gateway records the usage of every model request as it happens)

`execute_prompt` is the spec's POST /api/cron/execute-prompt ("localhost only"). Here it is a function that
the jobs call, never a route, so nothing outside the runner can reach it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runner.claude import headless
from runner.claude.access import ModelAccess, model_access
from runner.claude.config import NOT_CONFIGURED
from runner.claude.headless import HeadlessResult, ProjectFiles
from runner.claude.rules import place_user_rules, record_claude_edit
from runner.context import JobContext
from runner.drives.project import ProjectMounts
from runner.registry import job_handler
from runner.sandbox import JobBox
from runner.workspace import WorkspaceError
from runner.workspace.local import LocalFile, UnsafePathError, local_state, safe_target
from shared.errors import ValidationError
from shared.logs import logger
from shared.provider.service import active as active_provider
from shared.scheduling import plan, running
from shared.scheduling.running import ExecutionStatus, Plan, Results, RunError, RunningExecution
from shared.settings import get_settings

INTERRUPTED = "The run was interrupted because the runner stopped. Run it again."
_STATUS = {"completed": ExecutionStatus.COMPLETED, "failed": ExecutionStatus.FAILED, "timeout": ExecutionStatus.TIMEOUT}


@dataclass(frozen=True, slots=True)
class Workplace:
    """Where a run works: its sandbox box, the project's files in it, its access to the model."""

    box: JobBox
    files: ProjectFiles
    access: ModelAccess


@dataclass(frozen=True, slots=True)
class Spent:
    """What the run's CLI processes reported spending, summed over its steps."""

    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0


@dataclass
class Run:
    """What a run has done so far; it becomes the execution's results."""

    started: float = field(default_factory=time.monotonic)
    status: ExecutionStatus = ExecutionStatus.COMPLETED
    error: str | None = None
    output_file: str | None = None
    steps: list[dict[str, Any]] | None = None
    spent: Spent = field(default_factory=Spent)

    def fail(self, error: str, status: ExecutionStatus = ExecutionStatus.FAILED) -> None:
        """The first failure is the run's outcome; later ones (a push after a timeout) do not replace it."""
        if self.error is None:
            self.status, self.error = status, error

    def add(self, result: HeadlessResult) -> None:
        self.spent = Spent(
            tokens_in=self.spent.tokens_in + result.tokens_in,
            tokens_out=self.spent.tokens_out + result.tokens_out,
            cost_usd=self.spent.cost_usd + result.cost_usd,
        )

    def results(self) -> Results:
        spent = self.spent
        return Results(
            status=self.status,
            error=self.error,
            duration_ms=int((time.monotonic() - self.started) * 1000),
            tokens_in=spent.tokens_in,
            tokens_out=spent.tokens_out,
            cost_usd=round(spent.cost_usd, 6),
            output_file=self.output_file,
            steps=self.steps,
        )


def interrupted(job: Any) -> None:
    """The runner died during the run: the execution ends as failed, and the schedule and log say so."""
    execution = running.find(str(job.payload.get("execution_id", "")))
    if execution is not None and execution.is_running:
        execution.finish(Results(ExecutionStatus.FAILED, error=INTERRUPTED))


@job_handler("schedule.run", on_interrupted=interrupted)
def schedule_run(ctx: JobContext) -> dict[str, Any]:
    return execute_prompt(ctx)


@job_handler("skill.run", on_interrupted=interrupted)
def skill_run(ctx: JobContext) -> dict[str, Any]:
    return execute_prompt(ctx)


def execute_prompt(ctx: JobContext) -> dict[str, Any]:
    """Run the job's execution and record how it ended, whatever happens on the way."""
    execution = running.find(str(ctx.job.payload.get("execution_id", "")))
    if execution is None:
        return {"skipped": "the execution no longer exists"}
    if not execution.is_running:
        return {"skipped": execution.status}
    run = Run()
    try:
        _run(ctx, execution, run)
    except Exception as exc:
        logger.exception("run failed", extra={"execution_id": execution.execution_id})
        run.fail(f"The run failed on our side ({type(exc).__name__}). Run it again.")
    finally:
        execution.finish(run.results())
    logger.info("run finished", extra={"execution_id": execution.execution_id, "status": run.status.value})
    return {"status": run.status.value, "output_file": run.output_file}


def _run(ctx: JobContext, execution: RunningExecution, run: Run) -> None:
    settings = get_settings()
    provider = active_provider()
    if provider is None:
        run.fail(NOT_CONFIGURED)
        return
    try:
        project = execution.owner_project()
    except RunError as exc:
        run.fail(exc.message)
        return
    sandbox = ctx.services.sandbox
    with (
        sandbox.job(project_id=project.project_id, user_id=execution.user_id) as box,
        model_access(
            ctx.services,
            ctx.job,
            provider,
            user_id=execution.user_id,
            project_id=project.project_id,
            kind=execution.usage_kind,
            remaining_seconds=ctx.remaining(),
            execution_id=execution.execution_id,
        ) as access,
    ):
        files = ProjectFiles(settings, sandbox, box, project.s3_prefix)
        try:
            files.pull()
        except WorkspaceError as exc:
            run.fail(f"The project's files could not be brought to the runner: {exc}")
            return
        drives = ProjectMounts(settings, sandbox, box)
        drives.before()  # the project's drive folders as the drives have them now (docs/drives.md)
        try:
            place_user_rules(box)  # the owner's active CLAUDE.md (docs/rules.md)
            _steps(ctx, Workplace(box, files, access), _plan(execution, files.root), execution, run)
        except RunError as exc:
            run.fail(exc.message)
        finally:
            box.end_turn()  # whatever a step started in the background ends with the run
            drives.after()
            try:
                record_claude_edit(box, files.push(), execution.user_id)
            except WorkspaceError as exc:
                run.fail(f"The run's files could not be saved to the project: {exc}")


def _plan(execution: RunningExecution, root: Path) -> Plan:
    """The run's plan; a skill is read from the pulled files, so a skill deleted or broken since is refused."""
    if not execution.is_skill:
        return execution.prompt_plan()
    name = execution.skill_name
    try:
        path = safe_target(root, running.skill_path(name))
    except (ValidationError, UnsafePathError):
        raise RunError(f"'{name}' is not a skill name.") from None
    if not isinstance(local_state(path), LocalFile):  # a link or a folder is not a skill either
        raise RunError(f"The skill '{name}' no longer exists in this project.")
    return running.skill_plan(name, path.read_text(encoding="utf-8", errors="replace"))


def _steps(ctx: JobContext, place: Workplace, todo: Plan, execution: RunningExecution, run: Run) -> None:
    """Run the plan's steps in order; the first that does not complete stops it."""
    settings, started_at, root = get_settings(), datetime.now(UTC), place.files.root
    out = plan.outputs(
        todo.label, started_at, taken=lambda path: (root / path).exists(), unique=execution.execution_id[:8]
    )
    steps = [_step_record(step.name) for step in todo.steps] if todo.workflow else None
    run.steps = steps  # the same list, updated in place: whatever stops the loop, the steps so far are recorded
    texts: list[str] = []
    written: str | None = None
    previous: tuple[str, str] | None = None
    for index, step in enumerate(todo.steps):
        if steps is not None:
            steps[index]["status"] = "running"
            execution.record_steps(steps)
        prompt = todo.prompt(index, previous)
        result = headless.run_prompt(
            settings, place.box, place.access, prompt, deadline=ctx.deadline, cancelled=ctx.cancelled
        )
        run.add(result)
        texts.append(result.text)
        path = out.step_file(index, step.name) if todo.workflow else out.run_file
        written = _write(root, path, result.text) if result.status == "completed" or result.text else None
        error = _error(ctx, result)
        if steps is not None:
            steps[index].update(status=result.status, output_file=written, error=error, duration_ms=result.duration_ms)
        if error is not None:
            run.fail(_run_error(todo, index, error), _STATUS[result.status])
            for later in (steps or [])[index + 1 :]:
                later["status"] = "skipped"
            break
        previous = (step.name, path)
    run.output_file = _write(root, out.run_file, _report(todo, steps, texts, started_at)) if steps else written


def _error(ctx: JobContext, result: HeadlessResult) -> str | None:
    if result.status == "completed":
        return None
    if result.status == "timeout":
        return f"The run took longer than its timeout of {int(ctx.job.timeout_seconds)} s and was stopped."
    return result.error or "The run did not complete."


def _run_error(todo: Plan, index: int, error: str) -> str:
    if not todo.workflow:
        return error
    later = len(todo.steps) - index - 1
    skipped = f" The {later} later step(s) were skipped." if later else ""
    return f"Step {index + 1} of {len(todo.steps)} ({todo.steps[index].name}) did not complete: {error}{skipped}"


def _step_record(name: str) -> dict[str, Any]:
    return {"name": name, "status": "pending", "output_file": None, "error": None, "duration_ms": None}


def _write(root: Path, relative: str, text: str) -> str:
    target = safe_target(root, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text if text.endswith("\n") or not text else text + "\n", encoding="utf-8")
    return relative


def _report(todo: Plan, steps: list[dict[str, Any]], texts: list[str], started_at: datetime) -> str:
    """A workflow run's output file: every step in order, with its status and output."""
    lines = [f"# {todo.label}: workflow run of {started_at:%Y-%m-%d %H:%M:%S} UTC", ""]
    for index, step in enumerate(steps):
        lines += [f"## Step {index + 1} of {len(steps)}: {step['name']} ({step['status']})", ""]
        if index < len(texts) and texts[index].strip():
            lines += [texts[index].strip(), ""]
        if step.get("error"):
            lines += [f"Error: {step['error']}", ""]
    return "\n".join(lines)
