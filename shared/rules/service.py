"""CLAUDE.md versions (workflow 14, docs/rules.md): read, save, history, diff and restore, for a user or a project.

The user scope is always the caller's own. A project's rules are read by whoever may open the project and saved by
whoever may change it; they are also the file CLAUDE.md at the project's root, which the runner gives the CLI. A
save of that file through the Files screen, or by Claude during a turn, becomes a version too (`record_project_file`).
"""

from __future__ import annotations

import difflib
import hashlib
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from shared.accounts import users
from shared.accounts.domain import Principal
from shared.errors import NotFoundError, PayloadTooLargeError, ValidationError
from shared.files import reading
from shared.files import service as files
from shared.kept import Kept
from shared.logs import logger
from shared.models.base import on_bind
from shared.projects import service as projects
from shared.projects.service import ProjectView
from shared.rules import store
from shared.rules.errors import VersionConflictError, VersionTakenError
from shared.rules.schemas import RestoreIn, RulesTarget, SaveIn
from shared.rules.store import PromptScope, PromptSource, PromptVersion
from shared.rules.views import DiffLine, RulesDiff, RulesDocument, SavedRules, VersionPage, VersionSummary

MAX_BYTES = 100_000
PROJECT_FILE = "CLAUDE.md"  # the project's rules: this file at the project's root
_RECORD_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Scope:
    """A scope the caller reached: its table key, and whether they may save it."""

    kind: PromptScope
    key: str
    can_edit: bool
    project: ProjectView | None = None


def reach(caller: Principal, target: RulesTarget, *, write: bool = False) -> Scope:
    """The caller's own rules, or a project's (not found without access; forbidden to save for a viewer)."""
    if target.scope is PromptScope.USER:
        return Scope(PromptScope.USER, store.scope_key(PromptScope.USER, caller.user_id), can_edit=True)
    if not target.project_id:
        raise ValidationError("'projectId' is required for the project scope.", code="project_required")
    project = projects.open_project(caller, target.project_id, write=write)
    key = store.scope_key(PromptScope.PROJECT, project.project_id)
    return Scope(PromptScope.PROJECT, key, can_edit=project.can_write, project=project)


def read(caller: Principal, target: RulesTarget) -> RulesDocument:
    """The current version; a project with no version yet shows its root CLAUDE.md file, if any, as version 0."""
    scope = reach(caller, target)
    current = store.latest(scope.key)
    document = _document(scope, current)
    if current is None and scope.project is not None:
        return document.model_copy(update={"content": _project_file(scope.project)})
    return document


def version(caller: Principal, target: RulesTarget, number: int) -> RulesDocument:
    scope = reach(caller, target)
    return _document(scope, _existing(scope, number))


def save(caller: Principal, body: SaveIn) -> SavedRules:
    """Save `content` over `baseVersion` (409 with the current one when that is stale); identical content: no-op."""
    scope = reach(caller, body, write=True)
    return _save(scope, caller.user_id, body.content, body.base_version, PromptSource.EDITOR)


def restore(caller: Principal, body: RestoreIn) -> SavedRules:
    """Make an old version's content current again, as a new version."""
    scope = reach(caller, body, write=True)
    old = _existing(scope, body.version)
    return _save(scope, caller.user_id, old.content, body.base_version, PromptSource.RESTORE)


def history(caller: Principal, target: RulesTarget, *, before: int | None, limit: int) -> VersionPage:
    scope = reach(caller, target)
    rows = store.page(scope.key, before=before, limit=limit)
    names = _names(row.author_id for row in rows)
    versions = [_summary(row, names) for row in rows]
    more = bool(rows) and len(rows) == limit and int(rows[-1].version) > 1
    return VersionPage(versions=versions, next=int(rows[-1].version) if more else None)


def diff(caller: Principal, target: RulesTarget, old: int, new: int) -> RulesDiff:
    """The changes from version `old` to version `new`: unified text and numbered lines for a side-by-side view."""
    scope = reach(caller, target)
    before, after = _existing(scope, old).content, _existing(scope, new).content
    a, b = before.splitlines(), after.splitlines()
    unified = "\n".join(difflib.unified_diff(a, b, f"version {old}", f"version {new}", lineterm=""))
    return RulesDiff.model_validate({"from": old, "to": new, "unified": unified, "lines": _lines(a, b)})


def record_project_file(project_id: str, content: str, *, author_id: str, source: PromptSource) -> bool:
    """The project's root CLAUDE.md changed outside the panel (Files screen, Claude): make it the current version.

    Returns whether a version was added (not when it already is the current content, or is too large).
    """
    key = store.scope_key(PromptScope.PROJECT, project_id)
    if len(content.encode("utf-8")) > MAX_BYTES:
        logger.warning("a CLAUDE.md too large for a version was left as a file", extra={"project_id": project_id})
        return False
    sha = _sha(content)
    for _ in range(_RECORD_ATTEMPTS):
        current = store.latest(key)
        if current is not None and current.sha256 == sha:
            return False
        try:
            store.append(key, _number(current), content=content, sha256=sha, author_id=author_id, source=source)
            return True
        except VersionTakenError:
            continue  # someone saved meanwhile: this change still becomes the newest
    logger.warning("could not record a CLAUDE.md change as a version", extra={"project_id": project_id})
    return False


def record_claude_edit(project_id: str, content: str, *, author_id: str) -> bool:
    """Claude changed the project's root CLAUDE.md during a turn of `author_id`'s (the runner, after its push)."""
    return record_project_file(project_id, content, author_id=author_id, source=PromptSource.CLAUDE)


def file_saved(project: ProjectView, path: str, content: str, author_id: str) -> None:
    """A person saved a file through the Files screen: the project's root CLAUDE.md becomes a version."""
    if path == PROJECT_FILE:
        record_project_file(project.project_id, content, author_id=author_id, source=PromptSource.FILES)


def active_user_rules(user_id: str, generation: Future[int] | None = None) -> str | None:
    """The user's current CLAUDE.md content for the runner (None when they have none, or it is empty).

    With its `generation` read already (file_trees "rules/user#<id>", which every version moves on in the write
    that saves it: shared.rules.store), the versions are read only when it moved since this process last read
    them: a warm turn makes one query fewer."""
    if generation is None:
        return _latest_user_rules(user_id)
    now = generation.result()
    kept = _KEPT.get(user_id)
    if kept is not None and kept[0] == now:
        return kept[1]
    content = _latest_user_rules(user_id)  # read after the generation: never older than the one it is kept with
    _KEPT.put(user_id, (now, content))
    return content


_KEPT = Kept[str, tuple[int, str | None]](entries=1_000)  # user → (generation, content) as last read here
on_bind(_KEPT.clear)


def _latest_user_rules(user_id: str) -> str | None:
    current = store.latest(store.scope_key(PromptScope.USER, user_id))
    return current.content if current is not None and current.content else None


def _save(scope: Scope, author_id: str, content: str, base: int, source: PromptSource) -> SavedRules:
    size = len(content.encode("utf-8"))
    if size > MAX_BYTES:
        raise PayloadTooLargeError(
            f"CLAUDE.md may hold at most {MAX_BYTES:,} bytes (UTF-8); this one has {size:,}. Shorten it, or move "
            "long reference material into other files and point to them.",
            code="too_large",
        )
    current = store.latest(scope.key)
    if _number(current) != base:
        raise VersionConflictError(_wire(_document(scope, current)))
    sha = _sha(content)
    if current is not None and current.sha256 == sha:
        return SavedRules(**dict(_document(scope, current)), changed=False)
    try:
        row = store.append(scope.key, base, content=content, sha256=sha, author_id=author_id, source=source)
    except VersionTakenError as exc:
        raise VersionConflictError(_wire(_document(scope, store.latest(scope.key)))) from exc
    if scope.project is not None:
        # The file the Files screen shows and the runner gives the CLI; no author: this is no Files-screen save.
        files.save_text(scope.project, PROJECT_FILE, content)
    return SavedRules(**dict(_document(scope, row)), changed=True)


def _project_file(project: ProjectView) -> str:
    """The text of a root CLAUDE.md written before versions existed ("" when there is none, or it is not text)."""
    try:
        found = reading.read_content(project, PROJECT_FILE)
    except NotFoundError:
        return ""
    if found.binary or found.truncated:
        return ""
    return found.content or ""


def _existing(scope: Scope, number: int) -> PromptVersion:
    row = store.find(scope.key, number)
    if row is None:
        raise NotFoundError(f"There is no version {number} of these rules.", code="version_not_found")
    return row


def _document(scope: Scope, row: PromptVersion | None) -> RulesDocument:
    project_id = scope.project.project_id if scope.project else None
    common: dict[str, Any] = {
        "scope": scope.kind.value,
        "project_id": project_id,
        "can_edit": scope.can_edit,
        "max_bytes": MAX_BYTES,
    }
    if row is None:
        return RulesDocument(
            **common, version=0, content="", sha256=None, author_id=None, author_name=None, created_at=None,
            source=None,
        )  # fmt: skip
    return RulesDocument(
        **common,
        version=int(row.version),
        content=row.content,
        sha256=row.sha256,
        author_id=row.author_id,
        author_name=_names([row.author_id]).get(row.author_id),
        created_at=row.created_at,
        source=row.source,
    )


def _summary(row: PromptVersion, names: dict[str, str | None]) -> VersionSummary:
    return VersionSummary(
        version=int(row.version),
        sha256=row.sha256,
        author_id=row.author_id,
        author_name=names.get(row.author_id),
        created_at=row.created_at,
        is_active=bool(row.is_active),
        bytes=int(row.size) if row.size is not None else len(row.content.encode("utf-8")),
        source=row.source,
    )


def _lines(a: list[str], b: list[str]) -> list[DiffLine]:
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pairs = zip(range(i1, i2), range(j1, j2), strict=True)
            lines += [DiffLine(kind="equal", old=i + 1, new=j + 1, text=a[i]) for i, j in pairs]
            continue
        lines += [DiffLine(kind="delete", old=i + 1, new=None, text=a[i]) for i in range(i1, i2)]
        lines += [DiffLine(kind="insert", old=None, new=j + 1, text=b[j]) for j in range(j1, j2)]
    return lines


def _names(user_ids: Any) -> dict[str, str | None]:
    """Authors' usernames (None for an account since deleted)."""
    names: dict[str, str | None] = {}
    for user_id in set(user_ids):
        account = users.get(user_id)
        names[user_id] = account.username if account else None
    return names


def _wire(document: RulesDocument) -> dict[str, Any]:
    return document.model_dump(mode="json", by_alias=True)


def _number(row: PromptVersion | None) -> int:
    return int(row.version) if row is not None else 0


def _sha(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
