"""A project's file tree, cached per generation.

Every change to a project's files adds one to its generation (`invalidate`), always after the change is in
S3. `read` takes the generation first, then serves the tree cached at that generation or lists the project's
prefix and caches the result: a change during a rebuild has already moved the generation on, so the tree
built from the older listing can never be served as current.

Caches, nearest first: this process's memory (a warm Lambda, the runner), then one gzip'd JSON object per
project in S3 (`cache/trees/<project_id>.json.gz`, tagged with its generation). The generations themselves are
`shared.files.generations`' (`invalidate` is named here too, for the callers that change files).
"""

from __future__ import annotations

import gzip
import json
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from shared import aws
from shared.constants import TREE_CACHE_PREFIX
from shared.files import generations
from shared.files.generations import invalidate
from shared.files.objects import files_prefix
from shared.files.views import Tree
from shared.logs import logger
from shared.settings import get_settings

__all__ = ["Tree", "build", "cache_key", "forget", "invalidate", "read", "reset_memory"]

_MEMORY_SLOTS = 32
_GENERATION_KEY = "generation"


class _Memory:
    """The last trees this process built or fetched, by project (least recently used goes first)."""

    def __init__(self, slots: int) -> None:
        self._slots = slots
        self._trees: OrderedDict[str, Tree] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, project_id: str, generation: int) -> Tree | None:
        with self._lock:
            tree = self._trees.get(project_id)
            if tree is None or tree.generation != generation:
                return None
            self._trees.move_to_end(project_id)
            return tree

    def put(self, tree: Tree) -> None:
        with self._lock:
            self._trees[tree.project_id] = tree
            self._trees.move_to_end(tree.project_id)
            while len(self._trees) > self._slots:
                self._trees.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._trees.clear()


_memory = _Memory(_MEMORY_SLOTS)


def cache_key(project_id: str) -> str:
    return f"{TREE_CACHE_PREFIX}{project_id}.json.gz"


def read(project_id: str, *, s3: Any = None) -> Tree:
    """The project's current tree, from the nearest cache that holds its generation."""
    s3 = s3 or aws.client("s3")
    current = generations.generation(project_id)
    tree = _memory.get(project_id, current)
    if tree is not None:
        return tree.model_copy(update={"source": "memory"})
    tree = _fetch_cached(s3, project_id, current)
    if tree is None:
        tree = build(project_id, current, s3=s3)
        _store_cached(s3, tree)
    _memory.put(tree)
    return tree


def build(project_id: str, at_generation: int, *, s3: Any = None) -> Tree:
    """List the project's files and nest them: folders first, then files, each by name."""
    s3 = s3 or aws.client("s3")
    prefix = files_prefix(project_id)
    root = _folder("", "")
    folders: dict[str, dict[str, Any]] = {"": root}
    file_count = total_bytes = 0
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=get_settings().workspace_bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            relative = item["Key"][len(prefix) :]
            if not relative:
                continue
            if relative.endswith("/"):  # a folder placeholder
                _ensure_folder(folders, relative[:-1])
                continue
            parent_path, _, name = relative.rpartition("/")
            parent = _ensure_folder(folders, parent_path)
            size = int(item.get("Size", 0))
            parent["children"].append(
                {"type": "file", "name": name, "path": relative, "size": size, "modifiedAt": _iso(item["LastModified"])}
            )
            file_count += 1
            total_bytes += size
    _sort(root)
    return Tree(
        project_id=project_id,
        generation=at_generation,
        file_count=file_count,
        total_bytes=total_bytes,
        root=root,
        source="listing",
    )


def forget(project_id: str, *, s3: Any = None) -> None:
    """Drop the project's cached tree and generation (the project is being deleted)."""
    s3 = s3 or aws.client("s3")
    s3.delete_object(Bucket=get_settings().workspace_bucket, Key=cache_key(project_id))
    generations.forget(project_id)


def reset_memory() -> None:
    """Forget this process's cached trees (tests, benchmarks of a cold read)."""
    _memory.clear()


def _folder(name: str, path: str) -> dict[str, Any]:
    return {"type": "folder", "name": name, "path": path, "children": []}


def _ensure_folder(folders: dict[str, dict[str, Any]], path: str) -> dict[str, Any]:
    folder = folders.get(path)
    if folder is None:
        parent_path, _, name = path.rpartition("/")
        folder = _folder(name, path)
        _ensure_folder(folders, parent_path)["children"].append(folder)
        folders[path] = folder
    return folder


def _sort(folder: dict[str, Any]) -> None:
    folder["children"].sort(key=lambda child: (child["type"] != "folder", child["name"].casefold(), child["name"]))
    for child in folder["children"]:
        if child["type"] == "folder":
            _sort(child)


def _fetch_cached(s3: Any, project_id: str, current: int) -> Tree | None:
    try:
        cached = s3.get_object(Bucket=get_settings().workspace_bucket, Key=cache_key(project_id))
    except ClientError as exc:
        if aws.error_code(exc) not in aws.S3_MISSING:
            logger.warning("the cached file tree could not be read", extra={"project_id": project_id})
        return None
    if cached.get("Metadata", {}).get(_GENERATION_KEY) != str(current):
        return None
    try:
        body = json.loads(gzip.decompress(cached["Body"].read()))
        return Tree.model_validate({**body, "projectId": project_id, "generation": current, "source": "s3"})
    except (OSError, ValueError, KeyError):
        logger.warning("the cached file tree is damaged; rebuilding", extra={"project_id": project_id})
        return None


def _store_cached(s3: Any, tree: Tree) -> None:
    body = {"root": tree.root, "fileCount": tree.file_count, "totalBytes": tree.total_bytes}
    try:
        s3.put_object(
            Bucket=get_settings().workspace_bucket,
            Key=cache_key(tree.project_id),
            Body=gzip.compress(json.dumps(body, separators=(",", ":")).encode(), compresslevel=5),
            ContentType="application/json",
            ContentEncoding="gzip",
            Metadata={_GENERATION_KEY: str(tree.generation)},
        )
    except ClientError:  # the tree is still correct; the next read rebuilds it
        logger.warning("the file tree could not be cached", extra={"project_id": tree.project_id})


def _iso(value: datetime | str) -> str:
    return value if isinstance(value, str) else value.isoformat().replace("+00:00", "Z")
