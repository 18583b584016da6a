"""The runner's sandbox: each job runs as a pool user of its own and reaches only its project and its user.

    <root>                      0711 root            (STUDIO_SANDBOX_DIR; never inside the data folder)
      state/                    0700 root            group map, sync manifests and partial downloads
      projects/<project id>/    2770 root:<project>  a gate: only jobs of that project carry its group
        files/                                       the project's files, the CLI's working directory
        plugin/                                      the project's skills, agents and commands for the CLI
      users/<user id>/          2770 root:<user>     a gate: only that user's jobs carry its group
        home/                                        HOME; home/.claude is CLAUDE_CONFIG_DIR
      slots/<n>/                0700 sasha-job-<n>   the job's own TMPDIR, emptied when the job ends

A job runs as `sasha-job-<n>` with the project's and the user's groups and umask 007; when it ends, every
process of that uid is killed (whatever it started, setsid or not), what it left in the shared temp folders
is removed, and what it wrote is made usable by the project's next job (tree.normalize).

Without root ("none", or "auto" as a normal user) nothing can switch uids: jobs run as the runner's own user
in the same folders, which is acceptable only on a single-user machine (the runner says so at start).
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.sandbox import managed, reaper, tree
from runner.sandbox.identities import GroupIds, SandboxError, Slot, SlotPool, ensure_pool_users
from shared.logs import logger
from shared.settings import Settings

JOB_UMASK = 0o007
PROCESS_LIMIT = 512  # RLIMIT_NPROC of a job uid: a fork bomb stops here, and the kill rounds converge
LEASE_TIMEOUT_SECONDS = 30.0
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
# What of a project's .claude folder the CLI may use, offered as a plugin (project settings are never loaded).
PLUGIN_PARTS = ("skills", "agents", "commands")
PLUGIN_NAME = "project"


def mangled(path: Path) -> str:
    """The CLI's folder name for a working directory: every character not in [A-Za-z0-9] becomes '-'."""
    return re.sub(r"[^A-Za-z0-9]", "-", str(path))


@dataclass
class JobBox:
    """One job's identity and folders; `Sandbox.job()` makes it and cleans up after it."""

    project_id: str
    user_id: str
    files: Path
    home: Path
    tmp: Path
    plugin: Path
    slot: Slot | None = None
    project_gid: int | None = None
    user_gid: int | None = None
    started_pids: list[int] = field(default_factory=list)

    @property
    def groups(self) -> tuple[int, ...]:
        return tuple(gid for gid in (self.project_gid, self.user_gid) if gid is not None)

    def share_project_file(self, path: Path) -> None:
        """Give a file the runner put in the project's files to the project's jobs (group read-write)."""
        _share(path, self.project_gid)

    def share_user_file(self, path: Path) -> None:
        """Give a file the runner put in the user's home to the user's jobs (group read-write)."""
        _share(path, self.user_gid)

    @property
    def claude_config(self) -> Path:
        return self.home / ".claude"

    @property
    def transcripts(self) -> Path:
        """Where the CLI keeps this working directory's transcripts (the user's own, per project)."""
        return self.claude_config / "projects" / mangled(self.files)

    @property
    def isolated(self) -> bool:
        return self.slot is not None

    @property
    def user_name(self) -> str:
        return self.slot.name if self.slot else "studio"

    def spawn_options(self) -> dict[str, Any]:
        """Keyword arguments for subprocess.Popen: the job's uid, groups and umask, its own session."""
        options: dict[str, Any] = {"start_new_session": True}
        if self.slot is not None:
            options.update(user=self.slot.uid, group=self.slot.gid, extra_groups=list(self.groups), umask=JOB_UMASK)
        return options

    def started(self, pid: int) -> None:
        """Call right after starting a process: bounds how many processes the job's uid may have."""
        self.started_pids.append(pid)
        if self.slot is not None:
            with contextlib.suppress(OSError):  # it may have exited already
                resource.prlimit(pid, resource.RLIMIT_NPROC, (PROCESS_LIMIT, PROCESS_LIMIT))

    def end_turn(self, keep: Collection[int] = ()) -> int:
        """Kill every process of the job's uid except `keep`; returns how many were killed."""
        if self.slot is None:
            return 0
        killed = reaper.kill_all(self.slot.uid, keep=keep)
        if killed:
            logger.info("ended the job's leftover processes", extra={"count": killed, "uid": self.slot.uid})
        return killed


@dataclass(frozen=True)
class ProjectTree:
    """A project's files as the runner itself works on them (`Sandbox.project_tree`)."""

    files: Path
    gid: int | None  # the project's group, None without the sandbox

    def share(self, path: Path) -> None:
        """Give a file the runner put in the project's files to the project's jobs (group read-write)."""
        _share(path, self.gid)


class Sandbox:
    """Opened once per runner: the pool of job users, the folder tree, Claude's managed settings."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.sandbox_root
        self.isolated = _wants_isolation(settings)
        self.state = self.root / "state"
        self._pool: SlotPool | None = None
        self._groups: GroupIds | None = None
        if self.isolated:
            os.umask(JOB_UMASK)  # what the runner writes into the workspaces stays usable by the jobs' group
            tree.ensure_traversable(self.root.parent)
            tree.ensure_private(self.root, 0o711)
            tree.ensure_private(self.state, 0o700)
            for part in ("projects", "users", "slots"):
                tree.ensure_private(self.root / part, 0o711)
            slots = ensure_pool_users(settings.sandbox_pool_size)
            self._pool = SlotPool(len(slots))
            for slot in slots:  # a runner that was killed may have left jobs' processes and files behind
                shutil.rmtree(self.root / "slots" / str(slot.index), ignore_errors=True)
                with self._pool.idle(slot.index) as unheld:
                    if unheld is not None:  # else another runner of this machine has a job as that user now
                        _end_leftovers(unheld)
            self._groups = GroupIds(self.state / "groups.json")
            managed.install()
            logger.info("sandbox ready", extra={"root": str(self.root), "slots": len(slots)})
        else:
            for folder in (self.root, self.state):
                folder.mkdir(parents=True, exist_ok=True)
                folder.chmod(0o700)
            logger.warning(
                "the runner is not root: Claude's commands run as the runner's own user, without a sandbox. "
                "Fine on a single-user machine; run the runner as root (or in its container) for anyone else.",
                extra={"root": str(self.root)},
            )

    def project_files(self, project_id: str) -> Path:
        return self.root / "projects" / _checked(project_id) / "files"

    def git_dir(self, project_id: str) -> Path:
        """Where the project's repository lives on this runner: root only, outside anything a job can reach."""
        return self.state / "git" / _checked(project_id)

    @contextmanager
    def project_tree(self, project_id: str, *, changes: bool = True) -> Iterator[ProjectTree]:
        """The project's files for the runner's own work on them (Git), no job user; shared with its jobs after.

        `changes=False`: the work only reads them (what a pull places is shared file by file), no walk after.
        """
        gate = self.root / "projects" / _checked(project_id)
        if self._pool is None:
            (gate / "files").mkdir(parents=True, exist_ok=True)
            gate.chmod(0o700)
            yield ProjectTree(gate / "files", None)
            return
        gid = self.group_of("project", project_id)
        assert gid is not None
        if self._gate(gate, gid, ("files",)):
            tree.normalize(gate / "files", gid)
        try:
            yield ProjectTree(gate / "files", gid)
        finally:
            if changes:
                tree.normalize(gate / "files", gid)

    def sync_state(self, name: str) -> Path:
        """A root-only folder for one sync's manifest, lock and partial downloads (same disk as the files)."""
        return self.state / "sync" / name

    def group_of(self, kind: str, key: str) -> int | None:
        return self._groups.of(kind, key) if self._groups is not None else None

    @contextmanager
    def job(self, *, project_id: str, user_id: str, timeout: float = LEASE_TIMEOUT_SECONDS) -> Iterator[JobBox]:
        """A job's box: its folders ready, its pool user leased; on exit its processes and temp files gone."""
        project_gate = self.root / "projects" / _checked(project_id)
        user_gate = self.root / "users" / _checked(user_id)
        if self._pool is None:
            box = self._unisolated(project_gate, user_gate, project_id, user_id)
            yield box
            return
        project_gid, user_gid = self.group_of("project", project_id), self.group_of("user", user_id)
        assert project_gid is not None and user_gid is not None
        if self._gate(project_gate, project_gid, ("files",)):
            tree.normalize(project_gate / "files", project_gid)  # a new gate, or one whose group changed
        self._gate(user_gate, user_gid, ("home", "home/.claude"))
        tree.normalize(user_gate / "home", user_gid)  # small; a job that crashed may have left files 0600
        plugin = self._plugin(project_gate)
        with self._pool.lease(timeout) as slot:
            _end_leftovers(slot)  # of a runner of the machine that died holding it
            tmp = self.root / "slots" / str(slot.index) / "tmp"
            shutil.rmtree(tmp.parent, ignore_errors=True)
            tree.ensure_private(tmp.parent, 0o700, uid=slot.uid, gid=slot.gid)
            tree.ensure_private(tmp, 0o700, uid=slot.uid, gid=slot.gid)
            box = JobBox(
                project_id, user_id, project_gate / "files", user_gate / "home", tmp, plugin,
                slot=slot, project_gid=project_gid, user_gid=user_gid,
            )  # fmt: skip
            try:
                yield box
            finally:
                self._clean_up(box, project_gid, user_gid)

    def settle(self, box: JobBox) -> None:
        """Between two turns of a box that is kept (a warm session): what the turn wrote is made usable by the
        project's and the user's other jobs, as at the end of a job."""
        if box.project_gid is not None:
            tree.normalize(box.files, box.project_gid)
        if box.user_gid is not None:
            tree.normalize(box.home, box.user_gid)

    def _clean_up(self, box: JobBox, project_gid: int, user_gid: int) -> None:
        assert box.slot is not None
        box.end_turn()
        reaper.remove_temp_files(box.slot.uid)
        shutil.rmtree(box.tmp.parent, ignore_errors=True)
        tree.normalize(box.files, project_gid)
        tree.normalize(box.home, user_gid)

    @staticmethod
    def _gate(gate: Path, gid: int, inner: tuple[str, ...]) -> bool:
        """Make the gate and the folders inside it; True when its tree needs normalizing (new or regrouped)."""
        changed = tree.ensure_gate(gate, gid)
        for name in inner:
            folder = gate / name
            if changed or not folder.is_dir():
                tree.ensure_private(folder, tree.GATE_MODE, uid=0, gid=gid)
        return changed

    def _plugin(self, project_gate: Path) -> Path:
        """The project's .claude/{skills,agents,commands}, offered to the CLI as a read-only plugin."""
        plugin = project_gate / "plugin"
        manifest = plugin / ".claude-plugin" / "plugin.json"
        if not manifest.exists():
            manifest.parent.mkdir(parents=True, exist_ok=True)
            manifest.write_text(f'{{"name": "{PLUGIN_NAME}", "version": "1.0.0"}}\n')
        for part in PLUGIN_PARTS:
            link = plugin / part
            if not link.is_symlink():
                with contextlib.suppress(FileExistsError):  # another job of the project made it meanwhile
                    link.symlink_to(Path("..") / "files" / ".claude" / part)
        for path in (plugin, manifest.parent):
            path.chmod(0o2750)  # root writes it; the project's jobs may only read it
        manifest.chmod(0o640)
        return plugin

    def _unisolated(self, project_gate: Path, user_gate: Path, project_id: str, user_id: str) -> JobBox:
        for folder in (project_gate / "files", user_gate / "home" / ".claude"):
            folder.mkdir(parents=True, exist_ok=True)
        for folder in (project_gate, user_gate):
            folder.chmod(0o700)
        tmp = user_gate / "tmp"
        tmp.mkdir(exist_ok=True)
        return JobBox(project_id, user_id, project_gate / "files", user_gate / "home", tmp, self._plugin(project_gate))


def _end_leftovers(slot: Slot) -> None:
    """What a job of a dead runner left as this user, before a new job runs as it: its processes, its temp files."""
    reaper.kill_all(slot.uid)
    reaper.remove_temp_files(slot.uid)


def _share(path: Path, gid: int | None) -> None:
    if gid is None:
        return
    # By descriptor, never following a link: a job of the same project may be running and swap the path.
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        os.fchown(fd, -1, gid)
        os.fchmod(fd, 0o660)
    finally:
        os.close(fd)


def _checked(identifier: str) -> str:
    if not _SAFE_ID.match(identifier):
        raise SandboxError(f"{identifier!r} cannot name a sandbox folder")
    return identifier


def _wants_isolation(settings: Settings) -> bool:
    is_root = os.geteuid() == 0
    if settings.sandbox == "uid" and not is_root:
        raise SandboxError("STUDIO_SANDBOX=uid needs the runner to run as root (it runs each job as a pool user)")
    return settings.sandbox == "uid" or (settings.sandbox == "auto" and is_root)
