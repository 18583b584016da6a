"""A user's CLI transcripts of a project: kept in S3 under the user's own prefix, resumable on any runner.

    s3://<bucket>/sessions/<project id>/users/<user id>/<claude session id>.jsonl (and the CLI's folders)
        ↔ <the user's CLAUDE_CONFIG_DIR>/projects/<mangled working directory>/

Only the user's own transcripts reach the user's CLI configuration folder. Transcripts of the earlier shared
layout (`sessions/<project id>/<id>.jsonl`) move under their session's user the first time it is resumed.

The prefix has a generation, as a project's files do (the `file_trees` item `transcripts/<project id>/<user id>`),
which every change to it moves on: a warm turn's pull and push read it instead of listing the prefix.
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path

from botocore.exceptions import ClientError

from runner.sandbox import JobBox, Sandbox
from runner.workspace import SyncReport, Workspace, read_first
from shared import aws
from shared.files import generations
from shared.logs import logger
from shared.settings import Settings


def prefix(project_id: str, user_id: str) -> str:
    return f"sessions/{project_id}/users/{user_id}/"


def generation_key(project_id: str, user_id: str) -> str:
    """The `file_trees` key of the prefix's generation."""
    return generations.transcripts_key(project_id, user_id)


def user_transcripts(settings: Settings, sandbox: Sandbox, box: JobBox, seen: Future[int] | None = None) -> Workspace:
    """The sync of the box's user's transcripts of the box's project (`seen`: its generation read already)."""
    key = generation_key(box.project_id, box.user_id)

    def moved_on(report: SyncReport) -> int:
        return generations.invalidate(key)

    return Workspace(
        bucket=settings.workspace_bucket,
        prefix=prefix(box.project_id, box.user_id),
        local_root=box.transcripts,
        state_dir=sandbox.sync_state(f"transcripts-{box.project_id}-{box.user_id}"),
        on_placed=box.share_user_file,
        on_pushed=moved_on,
        generation=read_first(seen, lambda: generations.generation(key)),
    )


def adopt_legacy(settings: Settings, *, project_id: str, user_id: str, claude_session_id: str) -> bool:
    """Move a transcript of the old shared layout under its user's prefix; False when there is none."""
    s3, bucket = aws.client("s3"), settings.workspace_bucket
    source = f"sessions/{project_id}/{claude_session_id}.jsonl"
    target = prefix(project_id, user_id) + f"{claude_session_id}.jsonl"
    try:
        s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": source})
    except ClientError as exc:
        if aws.error_code(exc) not in aws.S3_MISSING:
            logger.warning("could not adopt a transcript of the shared layout", extra={"key": source})
        return False
    s3.delete_object(Bucket=bucket, Key=source)
    generations.invalidate(generation_key(project_id, user_id))
    return True


def forget_prompt_snapshot(transcript: Path) -> None:
    """Let a resumed session take this turn's system prompt.

    The CLI records the first turn's system prompt in the transcript (a `prompt_snapshot` attachment) and
    replays it on `--resume`, ignoring a new `--append-system-prompt`: a persona, guide or permission mode
    chosen later would never reach Claude. Dropping the snapshot keeps the conversation and lets the new
    prompt apply.
    """
    if not transcript.is_file():
        return
    kept = []
    for line in transcript.read_text(encoding="utf-8").splitlines(keepends=True):
        try:
            record = json.loads(line)
        except ValueError:
            kept.append(line)
            continue
        attachment = record.get("attachment") if isinstance(record, dict) else None
        is_snapshot = isinstance(attachment, dict) and attachment.get("type") == "prompt_snapshot"
        if record.get("type") == "attachment" and is_snapshot:
            continue
        kept.append(line)
    transcript.write_text("".join(kept), encoding="utf-8")
