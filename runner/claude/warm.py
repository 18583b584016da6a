"""Warm sessions: a chat session's CLI process kept alive between its turns, so a follow-up skips the CLI's start.

    turn     pool.session(...) → the session's warm box and process, or a new box (and, later, a new process)
             the turn uses it; at its end the box goes back to the pool (the process alive) or is closed
    prewarm  the same, with no message: the process starts while the person is still typing
    pool     at most `warm_sessions` boxes per runner, within `warm_memory_mb` of resident memory, each closed
             after `warm_idle_seconds` idle; the least recently used idle one goes first

One process model for every turn: with warm sessions off (0), a turn's box is simply closed at its end, which is
the one-process-per-turn behaviour. A box holds its sandbox slot (the job uid) and a model-gateway token for its
whole life: the token stands for nothing between turns (its grant has expired) and for the turn while one runs
(`begin_turn` rebinds it), so a kept process can reach the model only on behalf of a turn. Only the CLI process
outlives a turn: what the turn started (in the background or not) ends with it (`JobBox.end_turn(keep=...)`).

A process is reused only when nothing it was started with has changed: its `Fingerprint` covers the provider,
the persona, guides and permission mode (the system prompt), the user's and the project's CLAUDE.md, the
project's skills, agents and commands, and the CLI conversation it holds. Otherwise the turn starts a new
process (resuming the conversation) in the same box.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from runner.claude import transcripts
from runner.claude.access import ModelAccess
from runner.claude.process import ClaudeProcess
from runner.gateway import Grant, Upstream
from runner.gateway.errors import UnknownTokenError
from runner.sandbox import JobBox, Sandbox
from runner.services import Services
from runner.workspace import SyncReport, project_files
from shared.concurrency import soon
from shared.logs import logger
from shared.provider.service import ActiveProvider
from shared.settings import Settings
from shared.usage import UsageKind

REAP_EVERY_SECONDS = 5.0
CLOSE_WAIT_SECONDS = 5.0
# A grant that has already expired: the token of an idle box stands for nothing until the next turn rebinds it.
_EXPIRED = 0.0
# What of the project's files the CLI reads at start, besides CLAUDE.md (its plugin: docs/sandbox.md).
_PLUGIN_PARTS = ("skills", "agents", "commands")


@dataclass(frozen=True, slots=True)
class SessionKey:
    session_id: str
    user_id: str
    project_id: str


@dataclass
class WarmBox:
    """One session's sandbox box, its model token and (between turns) its CLI process."""

    key: SessionKey
    box: JobBox
    access: ModelAccess
    grant: Grant  # the token's grant between turns: expired, so it stands for nothing
    stack: ExitStack  # holds the box's slot lease; closing it ends the box
    process: ClaudeProcess | None = None
    fingerprint: str = ""
    conversation: str | None = None  # the CLI session id the process holds (None: a fresh one)
    last_used: float = field(default_factory=time.monotonic)
    served: int = 0  # turns its current process has answered

    # The model token

    def begin_turn(
        self, provider: ActiveProvider, upstream: Upstream, *, job_id: str, turn: int, until: float
    ) -> ModelAccess:
        """The token stands for this turn now (its job, deadline, upstream); returns the access for it."""
        assert self.access.gateway is not None
        turn_grant = replace(self.grant, job_id=job_id, turn=turn, expires_at=until, upstream=upstream)
        self.access.gateway.rebind(self.access.token, turn_grant)
        self.access = replace(self.access, provider=provider)
        return self.access

    def ask_ahead(self) -> None:
        """Have the model gateway check the user's quota and budgets now, without waiting, unless its verdict
        holds a while yet: called as the CLI is given the message, whose request takes it longer to make than the
        checks take, so the request finds them made; asked any sooner, their reads would hold up the ones the
        message waits for."""
        assert self.access.gateway is not None
        self.access.gateway.ahead(self.grant.user_id)

    def end_turn(self) -> None:
        """Wait for the turn's usage rows, then let the token stand for nothing until the next turn. The user's
        quota and budgets are asked again now that the rows are in: a follow-up soon after finds a verdict that
        counts this turn, made while no message waited for it."""
        gateway = self.access.gateway
        assert gateway is not None
        gateway.flush(token=self.access.token)
        gateway.ahead(self.grant.user_id, within=math.inf)
        with contextlib.suppress(UnknownTokenError):  # revoked already: the box is closing
            gateway.rebind(self.access.token, self.grant)

    # The process

    def ready(self, fingerprint: str, conversation: str | None) -> bool:
        """Whether the kept process can take the next message as it is (alive, started the same way)."""
        process = self.process
        return (
            process is not None
            and process.alive
            and self.fingerprint == fingerprint
            and self.conversation == conversation
        )

    def replace_process(self, process: ClaudeProcess, fingerprint: str, conversation: str | None) -> None:
        self.stop_process()
        self.process, self.fingerprint, self.conversation, self.served = process, fingerprint, conversation, 0

    def served_turn(self, conversation: str | None) -> None:
        """The process answered a turn and holds `conversation` now."""
        self.conversation = conversation or self.conversation
        self.served += 1

    def stop_process(self) -> None:
        """Close the CLI cleanly (end of input), or kill its group when it does not exit."""
        process, self.process = self.process, None
        if process is None:
            return
        process.close_input()
        if process.wait(CLOSE_WAIT_SECONDS) is None:
            process.kill()

    def keep(self) -> tuple[int, ...]:
        """The pids that outlive a turn: the CLI process alone."""
        pid = self.process.pid if self.process is not None and self.process.alive else None
        return (pid,) if pid is not None else ()

    def resident_bytes(self) -> int:
        return self.process.resident_bytes() if self.process is not None else 0

    def close(self) -> None:
        """End it all: the process, the token, the box (its slot goes back to the sandbox's pool)."""
        try:
            self.stop_process()
        finally:
            self.stack.close()  # revokes the token, waits for its usage rows, ends the box


@dataclass(frozen=True)
class Seen:
    """The generations of a box's two folders, read already (the turn reads them when its job starts), for the
    pull; None: the pull reads its own."""

    files: Future[int] | None = None
    transcripts: Future[int] | None = None


class Workplace:
    """A box's project files and the user's transcripts of the project: pulled before a turn, pushed after it."""

    def __init__(
        self, settings: Settings, sandbox: Sandbox, box: JobBox, s3_prefix: str, seen: Seen | None = None
    ) -> None:
        seen = seen or Seen()
        self.files = project_files(
            bucket=settings.workspace_bucket,
            project_id=box.project_id,
            s3_prefix=s3_prefix,
            local_root=box.files,
            state_dir=sandbox.sync_state(f"files-{box.project_id}"),
            on_placed=box.share_project_file,
            seen=seen.files,
        )
        self.transcripts = transcripts.user_transcripts(settings, sandbox, box, seen.transcripts)

    def pull(self, warm: WarmBox) -> None:
        """Bring both down (at once: they are folders apart); a kept process whose conversation went on elsewhere
        meanwhile is closed."""
        files = soon(self.files.pull)
        try:
            report = self.transcripts.pull()
        finally:
            files.result()
        if warm.conversation is not None:
            mine = f"{warm.conversation}.jsonl"
            if mine in report.downloaded or mine in report.deleted:
                warm.stop_process()

    def push(self) -> SyncReport:
        """Push both; returns the files' report."""
        pushed = self.files.push()
        self.transcripts.push()
        return pushed


class WarmPool:
    """The runner's warm boxes, by session; safe to use from every job thread."""

    def __init__(self, settings: Settings, open_box: Callable[[SessionKey, ActiveProvider], WarmBox]) -> None:
        self.limit = max(settings.warm_sessions, 0)
        self.memory_budget = settings.warm_memory_mb * 1024 * 1024
        self.idle_seconds = float(settings.warm_idle_seconds)
        self._open_box = open_box
        self._idle: OrderedDict[SessionKey, WarmBox] = OrderedDict()  # least recently used first
        self._busy: set[SessionKey] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._reaper: threading.Thread | None = None
        self.evictions = 0

    @contextmanager
    def session(self, key: SessionKey, provider: ActiveProvider) -> Iterator[WarmBox]:
        """The session's box for one turn (or a prewarm): kept afterwards if its process is alive, else closed.

        A turn of a session already in use here (a prewarm racing its first turn) gets a box of its own, which
        is closed after it.
        """
        with self._lock:
            warm = self._idle.pop(key, None)
            shared = key in self._busy
            if not shared:
                self._busy.add(key)
        if warm is None:
            warm = self._open_box(key, provider)
        try:
            yield warm
        except BaseException:
            self._release(key, shared)
            warm.close()
            raise
        self._release(key, shared)
        if shared or not self._keeps(warm):
            warm.close()
            return
        warm.last_used = time.monotonic()
        with self._lock:
            if key in self._idle or key in self._busy:  # another box of the session came back meanwhile
                kept = False
            else:
                self._idle[key] = warm
                kept = True
        if not kept:
            warm.close()
        self._enforce_limits()
        self._start_reaper()

    def holds(self, key: SessionKey) -> bool:
        """Whether the session has a warm process here (idle or in a turn)."""
        with self._lock:
            return key in self._busy or (key in self._idle and self._idle[key].process is not None)

    def sizes(self) -> tuple[int, int]:
        """How many boxes are idle here, and their processes' resident memory in bytes."""
        with self._lock:
            idle = list(self._idle.values())
        return len(idle), sum(warm.resident_bytes() for warm in idle)

    def close(self) -> None:
        """Close every idle box now, and any box a turn gives back from now on."""
        self._stopping.set()
        with self._lock:
            idle, self._idle = list(self._idle.values()), OrderedDict()
        for warm in idle:
            _close_quietly(warm)

    def reap(self, now: float | None = None) -> int:
        """Close the boxes idle longer than the idle timeout (and those whose process died); returns how many."""
        now = time.monotonic() if now is None else now
        with self._lock:
            stale = [
                key
                for key, warm in self._idle.items()
                if now - warm.last_used >= self.idle_seconds or warm.process is None or not warm.process.alive
            ]
            closing = [self._idle.pop(key) for key in stale]
        for warm in closing:
            _close_quietly(warm)
        return len(closing)

    def _keeps(self, warm: WarmBox) -> bool:
        return self.limit > 0 and not self._stopping.is_set() and warm.process is not None and warm.process.alive

    def _release(self, key: SessionKey, shared: bool) -> None:
        if not shared:
            with self._lock:
                self._busy.discard(key)

    def _enforce_limits(self) -> None:
        """Close the least recently used idle boxes while there are too many or they hold too much memory."""
        while True:
            with self._lock:
                if not self._idle:
                    return
                over_count = len(self._idle) > self.limit
                resident = sum(warm.resident_bytes() for warm in self._idle.values())
                if not over_count and resident <= self.memory_budget:
                    return
                _, warm = self._idle.popitem(last=False)
                self.evictions += 1
            logger.info(
                "closing the least recently used warm session",
                extra={"session_id": warm.key.session_id, "idle": len(self._idle), "resident_bytes": resident},
            )
            _close_quietly(warm)

    def _start_reaper(self) -> None:
        with self._lock:
            if self._reaper is not None:
                return
            self._reaper = threading.Thread(target=self._reap_loop, name="warm-reaper", daemon=True)
        self._reaper.start()

    def _reap_loop(self) -> None:
        while not self._stopping.wait(min(REAP_EVERY_SECONDS, self.idle_seconds / 2)):
            try:
                self.reap()
                self._enforce_limits()  # an idle process's memory may grow after it was kept
            except Exception:
                logger.exception("could not close idle warm sessions")


def _close_quietly(warm: WarmBox) -> None:
    try:
        warm.close()
    except Exception:
        logger.exception("could not close a warm session", extra={"session_id": warm.key.session_id})


def opener(services: Services) -> Callable[[SessionKey, ActiveProvider], WarmBox]:
    """How the pool opens a session's box: a sandbox slot for the user in the project, and a token of its own."""

    def open_box(key: SessionKey, provider: ActiveProvider) -> WarmBox:
        stack = ExitStack()
        try:
            box = stack.enter_context(services.sandbox.job(project_id=key.project_id, user_id=key.user_id))
            gateway = services.gateway
            grant = Grant(
                user_id=key.user_id,
                project_id=key.project_id,
                session_id=key.session_id,
                job_id="",
                kind=UsageKind.CHAT.value,
                expires_at=_EXPIRED,
                upstream=services.upstream(provider),
            )
            token = gateway.issue(grant)
        except BaseException:
            stack.close()
            raise
        stack.callback(gateway.flush, token=token)
        stack.callback(gateway.revoke, token)
        return WarmBox(key, box, ModelAccess(gateway.base_url, token, provider, gateway), grant, stack)

    return open_box


def warm_pool(services: Services) -> WarmPool:
    """The runner's pool (one per Services: the runner's life)."""
    return services.resource("warm-pool", lambda: WarmPool(services.settings, opener(services)))


def fingerprint(provider: ActiveProvider, system_prompt: str, user_rules: str | None, box: JobBox) -> str:
    """What a CLI process was started with and reads only at start; equal fingerprints: the process may be reused."""
    digest = hashlib.sha256()
    for part in (provider.fingerprint, system_prompt, user_rules or ""):
        digest.update(part.encode())
        digest.update(b"\0")
    _digest_file(digest, box.files / "CLAUDE.md")
    claude = box.files / ".claude"
    for part in _PLUGIN_PARTS:
        for path in sorted(_walk(claude / part)):
            with contextlib.suppress(OSError):
                stat = path.lstat()
                digest.update(f"{path.relative_to(claude)}:{stat.st_size}:{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _digest_file(digest: hashlib._Hash, path: Path) -> None:
    try:  # never following a link a job may have put there
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        digest.update(b"-\0")
        return
    with os.fdopen(fd, "rb") as file:
        digest.update(file.read(1024 * 1024))
    digest.update(b"\0")


def _walk(root: Path, limit: int = 2000) -> Iterator[Path]:
    """The files under `root` (not following links), at most `limit` of them."""
    if not root.is_dir() or root.is_symlink():
        return
    count = 0
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if not (Path(folder) / name).is_symlink()]
        for name in files:
            count += 1
            if count > limit:
                return
            yield Path(folder) / name
