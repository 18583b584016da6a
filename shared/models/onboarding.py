"""The company profile that onboarding creates, the events of its live research, and the documents it produced."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.models.base import StudioModel, utcnow

# The installation has one company profile; creating it with attribute_not_exists(profile_id)
# makes a second "initialize" an update instead of a second company.
COMPANY_PROFILE_ID = "company"


class ResearchStatus(StrEnum):
    PENDING = "pending"
    RESEARCHING = "researching"
    COMPLETED = "completed"
    FAILED = "failed"  # research can be retried (back to researching) or skipped


class CompanyProfile(StudioModel):
    """The company the workspace belongs to, and how far onboarding has got.

    No VersionAttribute: every research event moves `research_seq` on (an optimistic counter, in the same
    transaction as the event it numbers), and every state change is an update conditional on the state before it.
    """

    class Meta:
        logical_name = "company_profiles"

    profile_id = UnicodeAttribute(hash_key=True)
    # None: onboarding was completed (or the row made) before anyone introduced the company (screen 1 skipped).
    name = UnicodeAttribute(null=True)
    website = UnicodeAttribute(null=True)
    project_id = UnicodeAttribute(null=True)  # the project research writes its files into
    research_status = UnicodeAttribute(default=ResearchStatus.PENDING.value)
    research_job_id = UnicodeAttribute(null=True)
    research_error = UnicodeAttribute(null=True)
    research_skipped = BooleanAttribute(default=False)  # the admin moved on without (successful) research
    research_user_id = UnicodeAttribute(null=True)  # who started the research: their connections get its events
    research_seq = NumberAttribute(default=0)  # the last research event's seq (never reset: seqs only increase)
    research_cursor = NumberAttribute(default=0)  # the seq just before the current run's first event
    research_started_at = UTCDateTimeAttribute(null=True)
    research_finished_at = UTCDateTimeAttribute(null=True)
    onboarding_completed = BooleanAttribute(default=False)
    completed_at = UTCDateTimeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)


class ResearchEvent(StudioModel):
    """One numbered event of the company research, kept for a while so the stream route can serve it again."""

    class Meta:
        logical_name = "research_events"

    project_id = UnicodeAttribute(hash_key=True)
    # The long-poll reads Query(project_id, seq > cursor), ascending: a range read, not a filter.
    seq = NumberAttribute(range_key=True)
    event = JSONAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)
    expires_at = TTLAttribute()


class ResearchDocument(StudioModel):
    """One document written by the company research, inline when small, in S3 otherwise."""

    class Meta:
        logical_name = "research_documents"

    profile_id = UnicodeAttribute(hash_key=True)
    doc_id = UnicodeAttribute(range_key=True)  # derived from the path: a document rewritten by a retry is one row
    title = UnicodeAttribute()
    project_id = UnicodeAttribute(null=True)
    path = UnicodeAttribute(null=True)  # relative to the project's files, e.g. research/overview.md
    size = NumberAttribute(default=0)  # bytes
    content = UnicodeAttribute(null=True)  # markdown, when it fits well inside the 400 KB item limit
    s3_key = UnicodeAttribute(null=True)  # otherwise the workspace object that holds it
    source = UnicodeAttribute(null=True)  # the URL or search the document came from
    job_id = UnicodeAttribute(null=True)  # the research run that wrote it last
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
