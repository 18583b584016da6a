"""CLAUDE.md versions around a job (docs/rules.md): the user's rules into the box, Claude's project edits out.

    before the CLI starts   the user's active version → <CLAUDE_CONFIG_DIR>/CLAUDE.md (removed when they have none)
    after the push          the root CLAUDE.md uploaded by the push → a new project version (source "claude")

The user's configuration folder is writable by the user's jobs, so the runner (root) never follows a link there:
it opens home and .claude without following links and writes through those descriptors.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from concurrent.futures import Future

from runner.sandbox import JobBox
from runner.workspace import SyncReport
from shared.logs import logger
from shared.rules import service as rules

USER_RULES = "CLAUDE.md"  # the CLI's user memory, in CLAUDE_CONFIG_DIR
PROJECT_RULES = rules.PROJECT_FILE
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def place_user_rules(box: JobBox, read: Future[str | None] | None = None) -> str | None:
    """Give the CLI the user's active CLAUDE.md as its user memory, or none when they have none; returns it.
    `read`: that CLAUDE.md read already (`rules.active_user_rules`, started with the turn)."""
    content = rules.active_user_rules(box.user_id) if read is None else read.result()
    try:
        home = os.open(box.home, _DIRECTORY)
        try:
            config = os.open(box.claude_config.name, _DIRECTORY, dir_fd=home)
        finally:
            os.close(home)
    except OSError:
        logger.warning("the user's configuration folder is not a folder: no user rules", extra={"box": box.user_id})
        return None
    try:
        if content is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(USER_RULES, dir_fd=config)
            return None
        _write(config, content)
        box.share_user_file(box.claude_config / USER_RULES)
        return content
    finally:
        os.close(config)


def record_claude_edit(box: JobBox, pushed: SyncReport, author_id: str) -> None:
    """If the push uploaded the project's root CLAUDE.md, it becomes a version, authored by the session's user."""
    if PROJECT_RULES not in pushed.uploaded:
        return
    try:
        fd = os.open(box.files / PROJECT_RULES, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as file:
            data = file.read(rules.MAX_BYTES + 1)
        content = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        logger.warning("could not read the CLAUDE.md Claude changed", extra={"project_id": box.project_id})
        return
    try:
        rules.record_claude_edit(box.project_id, content, author_id=author_id)
    except Exception:  # the turn's outcome does not depend on it; the file itself is saved
        logger.exception("could not record Claude's CLAUDE.md change as a version")


def _write(config: int, content: str) -> None:
    """Write by a new name, then rename over CLAUDE.md: a link planted there is replaced, never followed."""
    temporary = f".{USER_RULES}.{secrets.token_hex(8)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o640, dir_fd=config)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content.encode("utf-8"))
        os.replace(temporary, USER_RULES, src_dir_fd=config, dst_dir_fd=config)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=config)
        raise
