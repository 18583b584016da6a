"""The research documents' repository: one row per Markdown file the research wrote under research/.

A row's id comes from its path, so a research run again rewrites the rows of the files it rewrote (keeping
when each was first written). Small documents are kept inline; larger ones name their S3 object.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from shared.db import delete_all
from shared.files.objects import file_key
from shared.models.base import utcnow
from shared.models.onboarding import COMPANY_PROFILE_ID, ResearchDocument

# Items are capped at 400 KB: a document up to this size is copied into its row, larger ones are referenced.
INLINE_LIMIT_BYTES = 100 * 1024


def doc_id_for(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8")).hexdigest()[:32]


def record(
    *, project_id: str, path: str, title: str, content: str, job_id: str, now: datetime | None = None
) -> ResearchDocument:
    """Write (or rewrite) the row of the document at `path` in the company's project."""
    now = now or utcnow()
    size = len(content.encode("utf-8"))
    inline = size <= INLINE_LIMIT_BYTES
    row = ResearchDocument(COMPANY_PROFILE_ID, doc_id_for(path))
    row.update(
        actions=[
            ResearchDocument.title.set(title),
            ResearchDocument.project_id.set(project_id),
            ResearchDocument.path.set(path),
            ResearchDocument.size.set(size),
            ResearchDocument.content.set(content) if inline else ResearchDocument.content.remove(),
            ResearchDocument.s3_key.remove() if inline else ResearchDocument.s3_key.set(file_key(project_id, path)),
            ResearchDocument.job_id.set(job_id),
            ResearchDocument.created_at.set(ResearchDocument.created_at | now),
            ResearchDocument.updated_at.set(now),
        ]
    )
    return row


def for_project(project_id: str) -> list[ResearchDocument]:
    """The documents the research wrote into `project_id`, by path (a Query of the installation's few rows)."""
    rows = [row for row in ResearchDocument.query(COMPANY_PROFILE_ID) if row.project_id == project_id]
    return sorted(rows, key=lambda row: row.path or "")


def delete_for_project(project_id: str) -> int:
    return delete_all(ResearchDocument, for_project(project_id))
