"""The job types the runner knows, with the limits the enqueuing side must also know."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class JobTypeSpec:
    name: str
    timeout_seconds: int
    max_attempts: int = 1
    # Seconds before a retryable failure is tried again (SQS visibility), doubled for each attempt.
    retry_backoff_seconds: int = 5


JOB_TYPES: dict[str, JobTypeSpec] = {
    # Answers a WebSocket ping from the runner: proves client → WS → Lambda → SQS → runner → client.
    "ping": JobTypeSpec("ping", timeout_seconds=10, max_attempts=1),
    # One chat turn: the Claude CLI in the project's workspace. Not retried: a turn half done is reported failed.
    "chat.turn": JobTypeSpec("chat.turn", timeout_seconds=15 * 60, max_attempts=1),
    # Starts a chat session's CLI process before its next message (runner/claude/warm.py); a lost one costs nothing.
    "chat.prewarm": JobTypeSpec("chat.prewarm", timeout_seconds=120, max_attempts=1),
    # Response quality signals of a finished turn, computed after it so they never slow the answer down.
    "chat.quality": JobTypeSpec("chat.quality", timeout_seconds=30, max_attempts=3),
    # Runs one slot of a schedule (the execution id is the job id); the schedule's timeout overrides this one.
    "schedule.run": JobTypeSpec("schedule.run", timeout_seconds=300, max_attempts=1),
    # Runs a skill by hand (POST /api/skills/{name}/run); the run's timeout overrides this one. Not retried: a run
    # half done (files changed, tokens spent) is reported failed, never silently repeated.
    "skill.run": JobTypeSpec("skill.run", timeout_seconds=300, max_attempts=1),
    # POSTs a finished integration run's signed callback. One attempt per run, bounded at 20 s (outbound.py);
    # 5xx, 429 and network errors are retried after 5, 10, 20 and 40 s, other answers never.
    "callback.deliver": JobTypeSpec("callback.deliver", timeout_seconds=60, max_attempts=5, retry_backoff_seconds=5),
    # Onboarding's live learning: Claude researches the company, headless, web tools allowed for this job only.
    # Not retried by the queue: a failed research is retried by the admin (POST .../research/{project_id}).
    "onboarding.research": JobTypeSpec("onboarding.research", timeout_seconds=15 * 60, max_attempts=1),
    # One minimal model call through the runner's gateway with candidate or stored credentials; the API waits.
    "provider.test": JobTypeSpec("provider.test", timeout_seconds=30, max_attempts=1),
    # One Git operation on a project's repository (docs/git.md); a project's Git jobs share a message group, so
    # they run one at a time. Not retried: a push or a merge half done is reported, never silently repeated.
    "git": JobTypeSpec("git", timeout_seconds=300, max_attempts=1),
    # Syncs one drive mount into its project with rclone (docs/drives.md); a mount's syncs share a message group.
    # Retried after 30 and 60 s when the drive did not answer; never when it refused the sign-in.
    "drive.sync": JobTypeSpec("drive.sync", timeout_seconds=20 * 60, max_attempts=3, retry_backoff_seconds=30),
    # Claude's advice on a meeting's transcript so far, streamed to its owner (docs/meetings.md). Not retried: a
    # question answered twice would stream twice; a failed one is asked again.
    "meeting.advise": JobTypeSpec("meeting.advise", timeout_seconds=3 * 60, max_attempts=1),
    # Claude's analysis of a stopped meeting, and its notes in the meeting's project. Not retried: the meeting ends
    # `error` and its owner analyzes again.
    "meeting.analyze": JobTypeSpec("meeting.analyze", timeout_seconds=10 * 60, max_attempts=1),
}


def spec_for(job_type: str) -> JobTypeSpec:
    try:
        return JOB_TYPES[job_type]
    except KeyError:
        raise ValueError(f"unknown job type {job_type!r}") from None
