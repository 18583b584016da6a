"""Deleting a user or a project: every domain deletes what it owns, in an order a rerun can finish.

Above every domain and below the routes. Each step is a query on a key or an index, never a scan, and each
is idempotent: a deletion interrupted half way is finished by running it again. A user is disabled first
(their tokens stop working, the last-admin rule holds) and removed last; a project's own record goes last.
"""

from __future__ import annotations

from shared import preferences, rules
from shared.accounts import api_keys, resets, users
from shared.accounts.domain import Principal
from shared.budgets import store as budgets
from shared.chat import prompts, sessions
from shared.drives import connections as drive_connections
from shared.drives import mounts as drive_mounts
from shared.files import service as files
from shared.files import uploads
from shared.git import remotes as git_remotes
from shared.integrations import store as integration_runs
from shared.jobs import store as jobs
from shared.logs import logger
from shared.meetings import store as meetings
from shared.onboarding import service as onboarding
from shared.projects import service as projects
from shared.realtime import publisher
from shared.scheduling import store as schedules
from shared.usage import events as usage


def delete_user(user_id: str) -> dict[str, int]:
    """An account and everything it owns; returns how many records of each kind went."""
    users.disable_for_removal(user_id)
    counts = sessions.delete_for_user(user_id)
    counts |= prompts.delete_for_user(user_id) | schedules.delete_for_user(user_id)
    counts["usage_events"] = usage.delete_for_user(user_id)
    counts["api_keys"] = api_keys.delete_for_user(user_id)
    counts["password_resets"] = resets.delete_for_user(user_id)
    counts["connections"] = publisher.disconnect_user(user_id)
    counts["jobs"] = jobs.delete_for_owner(user_id)
    counts["uploads"] = uploads.delete_for_user(user_id)
    counts["integration_runs"] = integration_runs.delete_for_user(user_id)
    counts["prompt_versions"] = rules.delete_for_user(user_id)
    counts["settings"] = preferences.delete_for_user(user_id)
    counts["budgets"] = budgets.delete_for_user(user_id)
    counts["meetings"] = meetings.delete_for_user(user_id)
    counts["cloud_connections"] = drive_connections.delete_for_user(user_id)
    counts["project_memberships"] = projects.delete_memberships_for_user(user_id)
    owned = projects.owned_by(user_id)
    for project_id in owned:
        delete_project(project_id)
    counts["projects"] = len(owned)
    users.remove(user_id)
    logger.info("user data deleted", extra={"user_id": user_id, "counts": counts})
    return counts


def delete_project_of(caller: Principal, project_id: str) -> None:
    """The caller deletes a project: only its owner or an administrator may."""
    delete_project(projects.deletable(caller, project_id))


def delete_project(project_id: str) -> dict[str, int]:
    """A project and all it holds: sessions, schedules and runs, mounts, rules, Git remotes, files and repository.

    Meetings linked to it are their owners': they lose the link and stay.
    """
    counts = sessions.delete_for_project(project_id)
    counts |= schedules.delete_for_project(project_id)
    counts["cloud_mounts"] = drive_mounts.delete_for_project(project_id)
    counts["meetings_unlinked"] = meetings.delete_for_project(project_id)  # the meetings stay their owners'
    counts["prompt_versions"] = rules.delete_for_project(project_id)
    counts["git_remotes"] = git_remotes.delete_for_project(project_id)
    counts["files"] = files.delete_for_project(project_id)
    counts |= onboarding.delete_for_project(project_id)  # the company's project: its research
    projects.remove(project_id)
    logger.info("project deleted", extra={"project_id": project_id, "counts": counts})
    return counts
