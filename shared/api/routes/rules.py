"""CLAUDE.md versions (docs/rules.md): the caller's own rules and a project's, their history, diffs and restore."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from shared import audit
from shared.api.deps import Context, CurrentUser
from shared.audit import Action
from shared.rules import service
from shared.rules.schemas import PromptScope, RestoreIn, RulesTarget, SaveIn
from shared.rules.views import RulesDiff, RulesDocument, SavedRules, VersionPage

router = APIRouter(prefix="/rules/claude-md", tags=["rules"])


def _target(
    scope: Annotated[PromptScope, Query(description="user (your own) or project")],
    project_id: Annotated[str | None, Query(alias="projectId", min_length=1, max_length=64)] = None,
) -> RulesTarget:
    return RulesTarget(scope=scope, project_id=project_id)


Target = Annotated[RulesTarget, Depends(_target)]
Version = Annotated[int, Query(ge=1)]


@router.get("", response_model=RulesDocument, summary="The current CLAUDE.md of your own rules or a project's")
def read(target: Target, caller: CurrentUser) -> RulesDocument:
    return service.read(caller, target)


@router.put(
    "",
    response_model=SavedRules,
    summary="Save a new version (409 with the current one when baseVersion is stale; identical content: no-op)",
)
def save(body: SaveIn, caller: CurrentUser, context: Context) -> SavedRules:
    return _audited(Action.RULES_SAVED, caller, context, service.save(caller, body), base=body.base_version)


@router.get("/versions", response_model=VersionPage, summary="The history, newest first, a page at a time")
def history(
    target: Target,
    caller: CurrentUser,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> VersionPage:
    return service.history(caller, target, before=before, limit=limit)


@router.get("/versions/{version}", response_model=RulesDocument, summary="One version's content")
def read_version(version: Annotated[int, Path(ge=1)], target: Target, caller: CurrentUser) -> RulesDocument:
    return service.version(caller, target, version)


@router.get("/diff", response_model=RulesDiff, summary="What changed between two versions")
def diff(
    target: Target,
    caller: CurrentUser,
    old: Annotated[int, Query(alias="from", ge=1)],
    new: Annotated[int, Query(alias="to", ge=1)],
) -> RulesDiff:
    return service.diff(caller, target, old, new)


@router.post("/restore", response_model=SavedRules, summary="Save an old version again, as the newest")
def restore(body: RestoreIn, caller: CurrentUser, context: Context) -> SavedRules:
    saved = service.restore(caller, body)
    return _audited(Action.RULES_RESTORED, caller, context, saved, base=body.base_version, restored=body.version)


def _audited(
    action: Action, caller: CurrentUser, context: Context, saved: SavedRules, *, base: int, restored: int | None = None
) -> SavedRules:
    """A new version is an audit entry (its number and hash, never its text); an identical save made none."""
    if saved.changed:
        owner = saved.project_id or caller.user_id
        target = audit.Target("rules", owner, f"CLAUDE.md of the {saved.scope}")
        after = {"version": saved.version, "sha256": saved.sha256, "source": saved.source}
        after |= {"restoredFrom": restored} if restored else {}
        audit.record(action, actor=caller, target=target, context=context, before={"version": base}, after=after)
    return saved
