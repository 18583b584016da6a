"""The company profile's repository: one row for the installation, every change a named conditional write.

    (no row) ──initialize / complete──▶ row ──initialize──▶ name, website, project_id set (again: updated)

The research states move in shared.onboarding.events (each transition in one transaction with the event
that announces it); skipping and completing are here. A row without a name is what completing onboarding
before introducing the company leaves behind: the company is "not introduced yet", onboarding is done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from shared.db import condition_failed
from shared.errors import ConflictError
from shared.models.base import utcnow
from shared.models.onboarding import COMPANY_PROFILE_ID, CompanyProfile, ResearchStatus

SKIPPABLE = (ResearchStatus.PENDING.value, ResearchStatus.FAILED.value)


# Named conditions: the state each write starts from.
def _no_profile_yet() -> Any:
    return CompanyProfile.profile_id.does_not_exist()


def _profile_exists() -> Any:
    return CompanyProfile.profile_id.exists()


def _project_unset_or(stale: str | None) -> Any:
    unset = CompanyProfile.project_id.does_not_exist()
    return unset if stale is None else unset | (CompanyProfile.project_id == stale)


def _research_skippable() -> Any:
    return CompanyProfile.research_status.is_in(*SKIPPABLE)


def read() -> CompanyProfile | None:
    """The installation's profile row (strongly consistent), None before onboarding wrote anything."""
    try:
        return CompanyProfile.get(COMPANY_PROFILE_ID, consistent_read=True)
    except DoesNotExist:
        return None


def create(*, created_by: str, name: str | None = None, website: str | None = None) -> bool:
    """Write the row if there is none; False when another request wrote it first."""
    now = utcnow()
    row = CompanyProfile(
        COMPANY_PROFILE_ID, name=name, website=website, created_by=created_by, created_at=now, updated_at=now
    )
    try:
        row.save(condition=_no_profile_yet())
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def set_company(*, name: str | None, website: str | None) -> CompanyProfile:
    """Set the name and website given (None keeps the stored value); the last writer wins, field by field."""
    actions: list[Any] = [CompanyProfile.updated_at.set(utcnow())]
    if name is not None:
        actions.append(CompanyProfile.name.set(name))
    if website is not None:
        actions.append(CompanyProfile.website.set(website))
    row = CompanyProfile(COMPANY_PROFILE_ID)
    row.update(actions=actions, condition=_profile_exists())
    return row


def attach_project(project_id: str, *, replacing: str | None) -> bool:
    """Make `project_id` the company's project unless another one was attached meanwhile (False then)."""
    try:
        CompanyProfile(COMPANY_PROFILE_ID).update(
            actions=[CompanyProfile.project_id.set(project_id), CompanyProfile.updated_at.set(utcnow())],
            condition=_project_unset_or(replacing),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def forget_project(project_id: str) -> bool:
    """The company's project is being deleted: the profile no longer names it (False if it named another)."""
    try:
        CompanyProfile(COMPANY_PROFILE_ID).update(
            actions=[CompanyProfile.project_id.remove(), CompanyProfile.updated_at.set(utcnow())],
            condition=CompanyProfile.project_id == project_id,
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def skip_research() -> CompanyProfile:
    """pending | failed → the same status, marked skipped; 409 while research runs or after it completed."""
    row = CompanyProfile(COMPANY_PROFILE_ID)
    try:
        row.update(
            actions=[CompanyProfile.research_skipped.set(True), CompanyProfile.updated_at.set(utcnow())],
            condition=_research_skippable(),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        current = read()
        status = current.research_status if current else None
        if status == ResearchStatus.RESEARCHING.value:
            raise ConflictError(
                "The research is running; let it finish, or complete onboarding and it finishes in the background.",
                code="research_running",
            ) from exc
        raise ConflictError("The research has already completed.", code="research_completed") from exc
    return row


def complete(*, completed_by: str, now: datetime | None = None) -> CompanyProfile:
    """Mark onboarding complete, writing a row without a name first if the company was never introduced."""
    now = now or utcnow()
    create(created_by=completed_by)
    row = CompanyProfile(COMPANY_PROFILE_ID)
    row.update(
        actions=[
            CompanyProfile.onboarding_completed.set(True),
            CompanyProfile.completed_at.set(CompanyProfile.completed_at | now),  # the first completion's time
            CompanyProfile.updated_at.set(now),
        ],
        condition=_profile_exists(),
    )
    return row
