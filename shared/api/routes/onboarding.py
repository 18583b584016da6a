"""Workflow 4, onboarding: the company profile, its live research, and completion (docs/onboarding.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from shared.api.deps import AdminUser, CurrentUser, SessionAdmin
from shared.api.openapi import error_answer
from shared.onboarding import service
from shared.onboarding.schemas import CompanyIn, DetectIn
from shared.onboarding.views import CompanyProfileView, DetectedCompany, ResearchDocumentView, ResearchEvents

router = APIRouter(prefix="/profile", tags=["onboarding"])
ProjectId = Annotated[str, Path(max_length=64, description="The company's project (projectId of the profile)")]
RESEARCH = "/organization/research/{project_id}"


@router.get("/organization", response_model=CompanyProfileView, summary="The company profile (404 until introduced)")
def get_profile(caller: CurrentUser) -> CompanyProfileView:
    return service.profile(caller)


@router.post(
    "/organization/initialize",
    response_model=CompanyProfileView,
    status_code=201,
    summary="Introduce the company (name and/or website); makes its project; again: updates them",
)
def initialize(body: CompanyIn, caller: SessionAdmin) -> CompanyProfileView:
    return service.initialize(caller, body)


@router.post(
    "/organization/detect",
    response_model=DetectedCompany,
    responses={
        422: error_answer("The page is not a web page, or has no title to read (no_title, not_a_web_page)"),
        502: error_answer("The site did not answer, or answered with an error (site_unreachable)"),
    },
    summary="Read a company's name and description from its website (5 s, 512 KB at most)",
)
def detect(body: DetectIn, caller: AdminUser) -> DetectedCompany:
    return service.detect_company(caller, body)


@router.post(
    RESEARCH, response_model=CompanyProfileView, status_code=202, summary="Start (or retry) the company research"
)
def start_research(project_id: ProjectId, caller: SessionAdmin) -> CompanyProfileView:
    return service.start_research(caller, project_id)


@router.post(f"{RESEARCH}/skip", response_model=CompanyProfileView, summary="Move on without the research")
def skip_research(project_id: ProjectId, caller: SessionAdmin) -> CompanyProfileView:
    return service.skip_research(caller, project_id)


@router.get(
    f"{RESEARCH}/stream",
    response_model=ResearchEvents,
    summary="Research events after a cursor: at once when there are some, else long-polled up to `wait` seconds",
)
def research_stream(
    project_id: ProjectId,
    caller: CurrentUser,
    after: Annotated[int, Query(ge=0, le=2**53, description="The last seq you hold (0: from the start)")] = 0,
    wait: Annotated[float, Query(ge=0, le=service.MAX_WAIT_SECONDS, description="Seconds to wait for events")] = 20,
) -> ResearchEvents:
    return service.stream(caller, project_id, after=after, wait=wait)


@router.get(
    f"{RESEARCH}/documents",
    response_model=list[ResearchDocumentView],
    summary="The documents the research wrote into the company's project",
)
def research_documents(project_id: ProjectId, caller: CurrentUser) -> list[ResearchDocumentView]:
    return service.research_documents(caller, project_id)


@router.post("/onboarding/complete", response_model=CompanyProfileView, summary="Mark onboarding complete")
def complete(caller: SessionAdmin) -> CompanyProfileView:
    return service.complete(caller)
