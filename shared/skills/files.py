"""Skill files in S3: `<project prefix>files/.claude/skills/<name>/SKILL.md` (S3 is the source of truth).

The runner reads the same file from its copy of the project's files after a pull.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from shared import aws
from shared.constants import PROJECTS_PREFIX
from shared.files import generations
from shared.models.base import utcnow
from shared.settings import get_settings

SKILLS_FOLDER = ".claude/skills/"
SKILL_FILE = "SKILL.md"
MAX_LISTED = 200  # skills shown per project; more would make the listing slow to read
_READERS = 8


@dataclass(frozen=True, slots=True)
class StoredSkill:
    name: str
    content: str
    updated_at: datetime
    size: int


def relative_path(name: str) -> str:
    """The skill's file relative to the project's files (what the runner opens)."""
    return f"{SKILLS_FOLDER}{name}/{SKILL_FILE}"


def _folder(project_prefix: str) -> str:
    return f"{project_prefix}files/{SKILLS_FOLDER}"


def _key(project_prefix: str, name: str) -> str:
    return f"{project_prefix}files/{relative_path(name)}"


def _client() -> Any:
    return aws.client("s3")


def list_names(project_prefix: str) -> list[str]:
    """Names of the folders under `.claude/skills/` that hold a SKILL.md, sorted."""
    folder, names = _folder(project_prefix), set()
    paginator = _client().get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=get_settings().workspace_bucket, Prefix=folder):
        for item in page.get("Contents", []):
            name, _, rest = item["Key"][len(folder) :].partition("/")
            if rest == SKILL_FILE:
                names.add(name)
    return sorted(names)[:MAX_LISTED]


def read(project_prefix: str, name: str) -> StoredSkill | None:
    try:
        response = _client().get_object(Bucket=get_settings().workspace_bucket, Key=_key(project_prefix, name))
    except ClientError as exc:
        if aws.error_code(exc) in aws.S3_MISSING:
            return None
        raise
    data = response["Body"].read()
    return StoredSkill(name, data.decode("utf-8", "replace"), response["LastModified"], len(data))


def read_many(project_prefix: str, names: list[str]) -> list[StoredSkill]:
    """The skills among `names` that exist, read in parallel (a listing needs every description)."""
    if not names:
        return []
    with ThreadPoolExecutor(max_workers=min(_READERS, len(names))) as pool:
        found = pool.map(lambda name: read(project_prefix, name), names)
        return [skill for skill in found if skill is not None]


def exists(project_prefix: str, name: str) -> bool:
    try:
        _client().head_object(Bucket=get_settings().workspace_bucket, Key=_key(project_prefix, name))
    except ClientError as exc:
        if aws.error_code(exc) in aws.S3_MISSING:
            return False
        raise
    return True


def write(project_prefix: str, name: str, content: str) -> StoredSkill:
    data = content.encode("utf-8")
    _client().put_object(
        Bucket=get_settings().workspace_bucket,
        Key=_key(project_prefix, name),
        Body=data,
        ContentType="text/markdown; charset=utf-8",
    )
    _files_changed(project_prefix)
    return StoredSkill(name, content, utcnow(), len(data))


def delete(project_prefix: str, name: str) -> int:
    """Delete the skill's whole folder (SKILL.md and the files beside it); returns how many objects went."""
    bucket, prefix, deleted = get_settings().workspace_bucket, f"{_folder(project_prefix)}{name}/", 0
    for page in _client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            _client().delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    if deleted:
        _files_changed(project_prefix)
    return deleted


def _files_changed(project_prefix: str) -> None:
    """SKILL.md lives among the project's files: the file tree moves on."""
    generations.invalidate(project_prefix.removeprefix(PROJECTS_PREFIX).strip("/"))
