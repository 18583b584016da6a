"""The "drive.sync" job: one mount synced now (a person's "Sync now", a new mount, or the tick's refresh).

    mount still there? ── no ──▶ done, nothing to do
    pull the project's files from S3 into a box of the project (the runner's copy is incremental)
    the mount: the drive's changes in; a read-write mount's changes made in the Files screen out
    push the project's files to S3: the tree shows the drive's files
    the mount's health: mounted with the summary, or degraded with the reason (runner/drives/project.py)

A drive that fails leaves the mount degraded with the reason and the job done: the tick's next refresh (or a
"Sync now") tries again, and a success brings it back to mounted. A drive that refused its saved sign-in moves
its connection to `error`; the mount waits for someone to reconnect it.
"""

from __future__ import annotations

from typing import Any

from runner.claude.headless import ProjectFiles
from runner.context import JobContext
from runner.drives.project import ProjectMounts
from runner.registry import job_handler
from shared.drives import mounts
from shared.errors import NotFoundError
from shared.logs import logger
from shared.projects import service as projects
from shared.settings import get_settings

DRIVES_USER = "drives"  # the box's user: a sync runs no one's code and reads no one's home


@job_handler("drive.sync")
def sync_mount(ctx: JobContext) -> dict[str, Any]:
    mount_id, project_id = str(ctx.job.payload["mount_id"]), str(ctx.job.payload["project_id"])
    if not any(mount.mount_id == mount_id for mount in mounts.mounts_for_project(project_id)):
        return {"ok": False, "reason": "the mount was removed"}
    try:
        project = projects.get(project_id)
    except NotFoundError:
        return {"ok": False, "reason": "the project was deleted"}
    settings = get_settings()
    sandbox = ctx.services.sandbox
    with sandbox.job(project_id=project_id, user_id=ctx.job.owner_id or DRIVES_USER) as box:
        files = ProjectFiles(settings, sandbox, box, project.s3_prefix)
        files.pull()
        drive = ProjectMounts(settings, sandbox, box, only=mount_id, seconds=max(30.0, ctx.remaining() - 60.0))
        drive.before()
        drive.after()
        files.push()
    health = next((m.health_status for m in mounts.mounts_for_project(project_id) if m.mount_id == mount_id), None)
    logger.info("drive sync finished", extra={"mount_id": mount_id, "health": health})
    return {"ok": health == "mounted", "health": health}
