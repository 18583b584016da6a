"""The company research as the runner works on it: what to ask Claude, and the writes that move a run on.

    researching (job X) ──progress / document──▶ researching ──complete──▶ completed
                        └──────────────────────────fail─────────────────▶ failed (research_error, for a person)

Every write is conditional on "job X's research is the one running" (shared.onboarding.events.running), so a
run that was replaced, or already ended by someone else (the runner stopped and the job was closed), stops
at its next write with ResearchStateError instead of overwriting a newer state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from shared.errors import NotFoundError
from shared.models.base import utcnow
from shared.models.onboarding import CompanyProfile, ResearchStatus
from shared.onboarding import documents, events, profiles
from shared.onboarding.events import ResearchStateError
from shared.projects import service as projects

__all__ = ["FOLDER", "ResearchStateError", "ResearchTask", "fail", "interrupted", "open_task", "title_of"]

FOLDER = "research"  # where the documents go, in the company's project
MAX_PROGRESS_CHARS = 2_000  # a progress event stays far below a WebSocket frame
INTERRUPTED = "The research was interrupted because the runner stopped. Start it again."
SYSTEM_PROMPT = (
    "You are working in a Sasha Studio project: the current directory holds the company's project files. This is "
    "an unattended run: nobody can answer questions or approve commands. Research the company you are given with "
    "WebSearch and WebFetch (both allowed), then write what you learned as Markdown files in the research/ folder. "
    "Only file edits inside the project and those two web tools are allowed."
)
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ResearchTask:
    """One research run: the company, its project, and who started it."""

    job_id: str
    project_id: str
    s3_prefix: str
    user_id: str
    company: str
    website: str | None

    def prompt(self) -> str:
        """What Claude is asked to do (the company's name and website are the administrator's words)."""
        about = f"the company {self.company!r}" + (f", whose website is {self.website}" if self.website else "")
        return (
            f"Research {about}. Look it up on the web (its own site first, then reliable public sources) and write "
            f"a few Markdown documents into the {FOLDER}/ folder of this project:\n"
            f"- {FOLDER}/overview.md: who they are, what they do, history, size, locations\n"
            f"- {FOLDER}/products-and-services.md: what they sell or offer, to whom, pricing where public\n"
            f"- {FOLDER}/market-and-competitors.md: their market, main competitors, how they differ\n"
            f"- {FOLDER}/customers-and-positioning.md: who their customers are, their messaging and brand voice\n"
            "Start each document with a '# Title' line, cite the pages you used as links, and say plainly when "
            "something could not be found rather than guessing. Keep each document focused and factual. When the "
            "documents are written, end with a two-sentence summary of the company."
        )

    def progress(self, fields: dict[str, Any]) -> None:
        """A research.progress event: {"text"} or {"tool", "summary"}."""
        clipped = {
            key: value[:MAX_PROGRESS_CHARS] if isinstance(value, str) else value for key, value in fields.items()
        }
        events.append({"type": "research.progress", **clipped}, expect=events.running(self.job_id))

    def document(self, path: str, content: str) -> dict[str, Any]:
        """Record a Markdown file the research wrote (its row, then a research.document event)."""
        row = documents.record(
            project_id=self.project_id, path=path, title=title_of(path, content), content=content, job_id=self.job_id
        )
        event = {"type": "research.document", "docId": row.doc_id, "title": row.title, "path": path, "size": row.size}
        return events.append(event, expect=events.running(self.job_id))

    def complete(self, count: int) -> None:
        """researching → completed, with the research.completed event."""
        events.append(
            {"type": "research.completed", "documents": count},
            expect=events.running(self.job_id),
            changes=lambda seq: [
                CompanyProfile.research_status.set(ResearchStatus.COMPLETED.value),
                CompanyProfile.research_error.remove(),
                CompanyProfile.research_finished_at.set(utcnow()),
            ],
        )


def open_task(job_id: str) -> ResearchTask | None:
    """The run of `job_id` if it is the research running now; None when it was replaced or has ended."""
    row = profiles.read()
    if row is None or not events.running(job_id).holds(row) or not row.project_id or not row.research_user_id:
        return None
    try:
        project = projects.get(row.project_id)
    except NotFoundError:
        fail(job_id, "The company's project no longer exists. Introduce the company again, then start the research.")
        return None
    return ResearchTask(
        job_id=job_id,
        project_id=project.project_id,
        s3_prefix=project.s3_prefix,
        user_id=row.research_user_id,
        company=row.name or row.website or "this company",
        website=row.website,
    )


def fail(job_id: str, message: str) -> bool:
    """researching (job `job_id`) → failed with `message`; False when that run was no longer the one running."""
    try:
        events.append(
            {"type": "research.failed", "message": message},
            expect=events.running(job_id),
            changes=lambda seq: [
                CompanyProfile.research_status.set(ResearchStatus.FAILED.value),
                CompanyProfile.research_error.set(message[:2000]),
                CompanyProfile.research_finished_at.set(utcnow()),
            ],
        )
    except ResearchStateError:
        return False
    return True


def interrupted(job_id: str) -> None:
    """The runner stopped during the run (its job was closed as failed): the research fails, saying so."""
    fail(job_id, INTERRUPTED)


def title_of(path: str, content: str) -> str:
    """The document's first '# ' heading, else its file name in words ("market-and-competitors" → "Market and …")."""
    heading = _HEADING.search(content[:20_000])
    if heading:
        return " ".join(heading.group(1).split())[:200]
    words = re.sub(r"[-_]+", " ", PurePosixPath(path).stem).strip()
    return (words[:1].upper() + words[1:])[:200] or path
