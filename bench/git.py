"""Git: status and commit latency for a project of 1,000 files, through the REST API of the local stack.

A project of 1,000 small Markdown files in 10 folders (uploaded through the API, 20 files a request) gets a
repository and a first commit of everything. Then, each round: `GET /api/git/status` (clean tree), one file changed
through the files API, `POST /api/git/stage` of that file, `POST /api/git/commit`. Each call is timed alone, from the
request to the answer: the API enqueues a runner job, the runner syncs the project's files and repository from S3,
runs git, pushes the repository back, and the API answers.

    python -m bench.git
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench.stats import row

FILES = 1_000
FOLDERS = 10
PER_UPLOAD = 20  # the multipart route's limit per request
ROUNDS = 15
BUDGET_SECONDS = 300
HTTP_TIMEOUT = 60


class _Api:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.base}/api{path}", timeout=HTTP_TIMEOUT, **kwargs)
        if response.status_code == 202:
            raise RuntimeError(f"{method} {path} outlasted the API's wait (202): {response.text}")
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def timed(self, method: str, path: str, **kwargs: Any) -> tuple[float, Any]:
        started = time.perf_counter()
        body = self.call(method, path, **kwargs)
        return (time.perf_counter() - started) * 1000, body


def _upload(api: _Api, project: str) -> None:
    for folder in range(FOLDERS):
        names = [f"note-{n:04d}.md" for n in range(folder * FILES // FOLDERS, (folder + 1) * FILES // FOLDERS)]
        for start in range(0, len(names), PER_UPLOAD):
            batch = names[start : start + PER_UPLOAD]
            parts = [("files", (name, f"# {name}\n\nLine one.\n".encode(), "text/markdown")) for name in batch]
            api.call("POST", f"/files/{project}/upload-documents", files=parts, data={"folder": f"folder-{folder}"})


def run() -> dict[str, list[float]]:
    from tests.support.stack import LocalStack

    with tempfile.TemporaryDirectory() as data_dir:
        stack = LocalStack(Path(data_dir)).start()
        try:
            api = _Api(stack.base_url, stack.admin_token())
            project = api.call("POST", "/projects", json={"name": "git bench"})["id"]
            started = time.perf_counter()
            _upload(api, project)
            upload_s = time.perf_counter() - started
            init_ms, _ = api.timed("POST", "/git/init", json={"projectId": project})
            first_status_ms, status = api.timed("GET", "/git/status", params={"projectId": project})
            if len(status["files"]) < FOLDERS and not status["truncated"]:
                # untracked folders are listed whole, or file by file: either way none may be missing
                raise RuntimeError(f"the status lists too little: {status['files'][:5]}")
            stage_all_ms, _ = api.timed("POST", "/git/stage", json={"projectId": project, "all": True})
            first_commit_ms, first = api.timed(
                "POST", "/git/commit", json={"projectId": project, "message": f"All {FILES} files"}
            )
            if first["status"]["files"]:
                raise RuntimeError(f"files left after the first commit: {first['status']['files'][:5]}")

            statuses: list[float] = []
            stages: list[float] = []
            commits: list[float] = []
            deadline = time.monotonic() + BUDGET_SECONDS
            for n in range(ROUNDS + 1):  # round 0 warms up and is not counted
                if statuses and time.monotonic() > deadline:
                    break
                status_ms, status = api.timed("GET", "/git/status", params={"projectId": project})
                if status["files"]:
                    raise RuntimeError(f"the tree is not clean: {status['files'][:5]}")
                path = f"folder-{n % FOLDERS}/note-{(n * 37) % FILES:04d}.md"
                api.call("PUT", f"/projects/{project}/files/content", json={"path": path, "content": f"round {n}\n"})
                stage_ms, _ = api.timed("POST", "/git/stage", json={"projectId": project, "paths": [path]})
                commit_ms, committed = api.timed(
                    "POST", "/git/commit", json={"projectId": project, "message": f"Round {n}: {path}"}
                )
                if committed["commit"]["subject"] != f"Round {n}: {path}":
                    raise RuntimeError(f"unexpected commit: {committed['commit']}")
                if n:
                    statuses.append(status_ms)
                    stages.append(stage_ms)
                    commits.append(commit_ms)
        finally:
            stack.stop()

    print(f"Git on the local stack, a project of {FILES:,} small files in {FOLDERS} folders (REST API → runner job):")
    print(
        f"  set up: upload {upload_s:.1f} s; init {init_ms:.0f} ms; first status (all untracked) "
        f"{first_status_ms:.0f} ms; stage all {stage_all_ms:.0f} ms; first commit {first_commit_ms:.0f} ms"
    )
    print("  " + row("GET /api/git/status (clean tree)", statuses))
    print("  " + row("POST /api/git/stage (one changed file)", stages))
    print("  " + row("POST /api/git/commit (one staged file)", commits))
    return {"status": statuses, "stage": stages, "commit": commits}


if __name__ == "__main__":
    run()
