"""Onboarding (workflow 4): introduce the company, research it live, complete; every step skippable and resumable.

    (no row) ──initialize──▶ profile {name, website, project_id}, research pending
    research: pending | failed | completed ──start──▶ researching ──the runner──▶ completed | failed
    skip: pending | failed ──▶ the same status, research_skipped = true
    complete: any state (even no row: a row without a name is written) ──▶ onboarding_completed = true

Administrators write; any signed-in user may read the profile; the research's stream and documents are read by
whoever may open the company's project.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from shared import jobs
from shared.accounts.domain import Principal
from shared.errors import ConflictError, NotFoundError, ServiceUnavailableError, ValidationError
from shared.jobs import store as job_store
from shared.logs import logger
from shared.models.base import utcnow
from shared.models.onboarding import CompanyProfile, ResearchStatus
from shared.onboarding import detect, documents, events, profiles, research, schemas
from shared.onboarding.schemas import CompanyIn, DetectIn
from shared.onboarding.views import (
    CompanyProfileView,
    DetectedCompany,
    OnboardingSummary,
    ResearchDocumentView,
    ResearchEvents,
)
from shared.projects import service as projects
from shared.settings import get_settings

JOB_TYPE = "onboarding.research"
POLL_SECONDS = 0.5
MAX_WAIT_SECONDS = 25.0  # API Gateway cuts a request at 29 s
# A research whose job record is not there this long after it started was never queued.
_QUEUE_GRACE = timedelta(minutes=2)
_PROJECT_NAME_ATTEMPTS = 5


def summary() -> OnboardingSummary:
    """How far onboarding has got (for GET /api/setup/status)."""
    row = profiles.read()
    introduced = row is not None and bool(row.name)
    return OnboardingSummary(
        profile_exists=introduced,
        completed=bool(row and row.onboarding_completed),
        project_id=row.project_id if row else None,
        research_status=row.research_status if row and introduced else None,
        company_name=row.name if row else None,
    )


def profile(caller: Principal) -> CompanyProfileView:
    """The company profile; 404 until the company has been introduced."""
    return _view(_heal(_introduced()))


def initialize(caller: Principal, body: CompanyIn) -> CompanyProfileView:
    """Introduce the company (again: the name and website change) and make sure it has its project."""
    name = schemas.company_name(body.name) if body.name and body.name.strip() else None
    website = schemas.website(body.website) if body.website and body.website.strip() else None
    if name is None and website is None:
        raise ValidationError("Give the company's name, its website, or both.", code="name_or_website_required")
    row = profiles.read()
    if name is None and website is not None and (row is None or not row.name):
        name = schemas.name_from_host(website)
    if row is None and profiles.create(created_by=caller.user_id, name=name, website=website):
        row = profiles.read()
    else:
        row = profiles.set_company(name=name, website=website)
    assert row is not None
    return _view(_with_project(caller, row))


def detect_company(caller: Principal, body: DetectIn) -> DetectedCompany:
    """The company a website's home page describes (name, description, origin)."""
    url = schemas.website(body.url)
    return detect.detect(url, allow_private=get_settings().is_local)


def start_research(caller: Principal, project_id: str) -> CompanyProfileView:
    """pending | failed | completed → researching, and queue the runner's job; 409 while one runs."""
    row = _company_project(project_id)
    projects.get(project_id)  # 404 when the project was deleted since
    job_id = job_store.new_job_id()
    started = {"type": "research.started", "jobId": job_id, "company": row.name, "website": row.website}
    try:
        events.append(
            started,
            expect=events.not_running(project_id),
            changes=lambda seq: [
                CompanyProfile.research_status.set(ResearchStatus.RESEARCHING.value),
                CompanyProfile.research_job_id.set(job_id),
                CompanyProfile.research_error.remove(),
                CompanyProfile.research_skipped.set(False),
                CompanyProfile.research_user_id.set(caller.user_id),
                CompanyProfile.research_cursor.set(seq - 1),
                CompanyProfile.research_started_at.set(utcnow()),
                CompanyProfile.research_finished_at.remove(),
            ],
            notify=caller.user_id,
        )
    except events.ResearchStateError as exc:
        _company_project(project_id)  # 404 if the company's project changed meanwhile
        raise ConflictError("The research is already running.", code="research_running") from exc
    try:
        payload = {"project_id": project_id, "user_id": caller.user_id}
        jobs.enqueue(JOB_TYPE, payload, job_id=job_id, owner_id=caller.user_id, group_id=f"research-{project_id}")
    except ServiceUnavailableError:
        research.fail(job_id, "The research could not be queued. Start it again in a moment.")
        raise
    return profile(caller)


def skip_research(caller: Principal, project_id: str) -> CompanyProfileView:
    """Move on without research (pending or failed stay as they are, marked skipped)."""
    _company_project(project_id)
    return _view(profiles.skip_research())


def stream(
    caller: Principal,
    project_id: str,
    *,
    after: int,
    wait: float,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ResearchEvents:
    """The research events after `after`: at once when there are some, else when they come (at most `wait` s).

    The status is read before the events: a run's end is written with its last event, so a `done` answer
    never leaves an event of the run behind.
    """
    projects.open_project(caller, project_id)
    row = _heal(_company_project(project_id))
    deadline = clock() + min(max(wait, 0.0), MAX_WAIT_SECONDS)
    while True:
        status = row.research_status
        found = events.after(project_id, after)
        if found or status != ResearchStatus.RESEARCHING.value or clock() >= deadline:
            break
        sleep(min(POLL_SECONDS, max(deadline - clock(), 0.0)))
        row = _company_project(project_id)
    done = status != ResearchStatus.RESEARCHING.value and len(found) < events.PAGE
    return ResearchEvents(events=found, cursor=int(found[-1]["seq"]) if found else after, status=status, done=done)


def research_documents(caller: Principal, project_id: str) -> list[ResearchDocumentView]:
    projects.open_project(caller, project_id)
    _company_project(project_id)
    return [ResearchDocumentView.model_validate(row) for row in documents.for_project(project_id)]


def complete(caller: Principal) -> CompanyProfileView:
    """Mark onboarding complete, whatever was skipped on the way."""
    return _view(profiles.complete(completed_by=caller.user_id))


def delete_for_project(project_id: str) -> dict[str, int]:
    """The company's project is going: its research rows go, and the profile forgets the project."""
    profiles.forget_project(project_id)
    return {
        "research_documents": documents.delete_for_project(project_id),
        "research_events": events.delete_for_project(project_id),
    }


def _introduced() -> CompanyProfile:
    row = profiles.read()
    if row is None or not row.name:
        raise NotFoundError("No company profile yet.", code="profile_not_found")
    return row


def _company_project(project_id: str) -> CompanyProfile:
    row = _introduced()
    if not row.project_id or row.project_id != project_id:
        raise NotFoundError("This is not the company's project.", code="not_company_project")
    return row


def _heal(row: CompanyProfile) -> CompanyProfile:
    """A research whose job ended without ending it (its runner stopped) is failed here, with the job's reason."""
    if row.research_status != ResearchStatus.RESEARCHING.value or not row.research_job_id:
        return row
    job = job_store.get(row.research_job_id)
    started = row.research_started_at or row.updated_at
    if job is None and utcnow() - started > _QUEUE_GRACE:
        message = "The research was never picked up by the runner. Start it again."
    elif job is not None and jobs.JobStatus(job.status).is_terminal:
        reason = f" ({job.error})" if job.error else ""
        message = f"The research stopped without finishing{reason}. Start it again."
    else:
        return row
    if research.fail(row.research_job_id, message):
        logger.warning("a research left running by its job was failed", extra={"job_id": row.research_job_id})
    return profiles.read() or row


def _with_project(caller: Principal, row: CompanyProfile) -> CompanyProfile:
    """The profile with a project that exists: the company's own, made (owned by `caller`) when missing."""
    if row.project_id and _exists(row.project_id):
        return row
    made = _new_project(caller, row.name or "Company")
    if not profiles.attach_project(made, replacing=row.project_id):
        projects.remove(made)  # another request attached one first: keep that one
    return profiles.read() or row


def _new_project(caller: Principal, company: str) -> str:
    base = company.replace("/", "-").replace("\\", "-")[: projects.MAX_NAME - 12].strip() or "Company"
    names = [base, f"{base} (company)", *(f"{base} (company {n})" for n in range(2, _PROJECT_NAME_ATTEMPTS))]
    for name in names:
        try:
            return projects.create(caller, name).project_id
        except ConflictError as exc:
            if exc.code != "project_exists":
                raise
    raise ConflictError(f"You already have projects named '{base}'; rename one and try again.", code="project_exists")


def _exists(project_id: str) -> bool:
    try:
        projects.get(project_id)
    except NotFoundError:
        return False
    return True


def _view(row: CompanyProfile) -> CompanyProfileView:
    return CompanyProfileView.model_validate(row)
