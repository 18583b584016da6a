"""What the API shows of onboarding: the company profile, a detected company, the research stream and documents.

    CompanyProfileView.model_validate(profile_row)     # every field read from the row's attribute of that name
    ResearchDocumentView.model_validate(document_row)  # id from doc_id

Routes declare them as response models; `OnboardingSummary` is what other domains (the setup status) read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, Field

from shared.schema import Schema, View


class CompanyProfileView(View):
    """The company the workspace belongs to, and how far onboarding has got."""

    name: str | None = Field(description="null when onboarding was completed without introducing the company")
    website: str | None
    project_id: str | None = Field(description="The company's project: research writes its files there")
    research_status: str = Field(description="pending, researching, completed or failed")
    research_job_id: str | None
    research_error: str | None = Field(description="Why the last research failed, for a person")
    research_skipped: bool = Field(description="The admin moved on without (successful) research")
    research_cursor: int = Field(
        description="The seq just before the current (or last) research run's first event: pass it as ?after="
    )
    research_started_at: datetime | None
    research_finished_at: datetime | None
    onboarding_completed: bool
    completed_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime


class DetectedCompany(Schema):
    """What a company's home page says about it."""

    name: str
    description: str | None
    website: str = Field(description="The site's origin, after redirects (e.g. https://www.acme.example)")


class ResearchEvents(Schema):
    """One answer of the research stream's long-poll."""

    events: list[dict[str, Any]] = Field(description="Research events after the cursor, in seq order")
    cursor: int = Field(description="The seq of the last event returned (the cursor sent when none)")
    status: str = Field(description="The research status when the answer was made")
    done: bool = Field(description="The research is not running and every event up to its end was returned")


class ResearchDocumentView(View):
    """A document the company research wrote into the company's project."""

    id: str = Field(validation_alias=AliasChoices("doc_id", "id"))
    title: str
    path: str | None = Field(description="Relative to the project's files (GET /api/projects/{id}/files/content)")
    size: int = Field(description="Bytes")
    source: str | None
    created_at: datetime
    updated_at: datetime


class OnboardingSummary(View):
    """How far onboarding has got, for the setup status of the whole installation."""

    profile_exists: bool = Field(description="The company has been introduced (it has a name)")
    completed: bool
    project_id: str | None
    research_status: str | None = Field(description="null until the company is introduced")
    company_name: str | None
