"""The company profile that onboarding creates, and the documents its research produced."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute

from shared.models.base import StudioModel, utcnow

# The installation has one company profile; creating it with attribute_not_exists(profile_id)
# makes a second "initialize" a conflict instead of a second company.
COMPANY_PROFILE_ID = "company"


class ResearchStatus(StrEnum):
    PENDING = "pending"
    RESEARCHING = "researching"
    COMPLETED = "completed"
    FAILED = "failed"  # research can be retried (back to researching) or skipped


class CompanyProfile(StudioModel):
    """The company the workspace belongs to, and how far onboarding has got."""

    class Meta:
        logical_name = "company_profiles"

    profile_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    website = UnicodeAttribute(null=True)
    project_id = UnicodeAttribute(null=True)  # the project research writes its files into
    research_status = UnicodeAttribute(default=ResearchStatus.PENDING.value)
    research_job_id = UnicodeAttribute(null=True)
    research_error = UnicodeAttribute(null=True)
    onboarding_completed = BooleanAttribute(default=False)
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    # The research job and the onboarding screens both write the profile.
    version = VersionAttribute()


class ResearchDocument(StudioModel):
    """One document written by the company research, inline when small, in S3 otherwise."""

    class Meta:
        logical_name = "research_documents"

    profile_id = UnicodeAttribute(hash_key=True)
    doc_id = UnicodeAttribute(range_key=True)
    title = UnicodeAttribute()
    content = UnicodeAttribute(null=True)  # markdown, when it fits well inside the 400 KB item limit
    s3_key = UnicodeAttribute(null=True)  # otherwise the workspace object that holds it
    source = UnicodeAttribute(null=True)  # the URL or search the document came from
    created_at = UTCDateTimeAttribute(default=utcnow)
