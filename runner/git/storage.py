"""A project's repository and files on this runner for one Git job: S3 first, S3 again after a change.

    repo = ProjectRepository(settings, sandbox, project_id, s3_prefix)
    with repo.open(write=True, files=True) as (work_tree, git_dir):   # files and repository pulled from S3
        ...                                                           # git with GIT_DIR=git_dir, GIT_WORK_TREE=…
    # on the way out (also after a failure: a merge stopped on conflicts is a state to keep) the repository is
    # pushed, and the files when the operation may have changed them

Git jobs of one project never overlap (one FIFO message group), so the repository's S3 copy has one writer at
a time. A local copy holding changes that never reached S3 (a job killed between its git command and its
push) is dropped before the pull: S3 is the truth, and what that job did is reported as not done.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runner.sandbox import Sandbox
from runner.workspace import Workspace, WorkspaceBusyError, project_files
from runner.workspace.lock import file_lock
from shared.git.errors import GitError
from shared.logs import logger
from shared.settings import Settings

# The queue already runs a project's Git jobs one at a time; this lock holds on one runner whatever the queue does.
LOCK_WAIT_SECONDS = 60.0


class ProjectRepository:
    def __init__(self, settings: Settings, sandbox: Sandbox, project_id: str, s3_prefix: str) -> None:
        self.settings, self.sandbox = settings, sandbox
        self.project_id, self.s3_prefix = project_id, s3_prefix
        self.git_dir = sandbox.git_dir(project_id)
        self.home = sandbox.state / "git-home"  # an empty HOME: no user configuration reaches git

    @contextmanager
    def open(self, *, write: bool, files: bool = False, wait: float = LOCK_WAIT_SECONDS) -> Iterator[tuple[Path, Path]]:
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = self.sandbox.sync_state(f"git-{self.project_id}.lock")
        try:
            with file_lock(lock, timeout=wait), self._opened(write, files) as place:
                yield place
        except WorkspaceBusyError:
            raise GitError("git_busy", "Another Git operation of this project is still running; try again.") from None

    @contextmanager
    def _opened(self, write: bool, files_change: bool) -> Iterator[tuple[Path, Path]]:
        with self.sandbox.project_tree(self.project_id, changes=files_change) as tree:
            files = project_files(
                bucket=self.settings.workspace_bucket,
                project_id=self.project_id,
                s3_prefix=self.s3_prefix,
                local_root=tree.files,
                state_dir=self.sandbox.sync_state(f"files-{self.project_id}"),
                on_placed=tree.share,
            )
            repository = Workspace(
                bucket=self.settings.workspace_bucket,
                prefix=f"{self.s3_prefix}git/",
                local_root=self.git_dir,
                state_dir=self.sandbox.sync_state(f"git-{self.project_id}"),
            )
            self._drop_unsaved(repository)
            repository.pull()
            files.pull()
            try:
                yield tree.files, self.git_dir
            finally:
                if files_change:
                    files.push()
                if write:
                    repository.push()

    def _drop_unsaved(self, repository: Workspace) -> None:
        if not self.git_dir.is_dir():
            self.git_dir.mkdir(mode=0o700, parents=True)
            return
        unsaved = repository.changed_paths()
        if unsaved:
            logger.warning(
                "dropping a repository copy that never reached S3",
                extra={"project_id": self.project_id, "paths": len(unsaved)},
            )
            shutil.rmtree(self.git_dir)
            self.git_dir.mkdir(mode=0o700)
