"""Files: a 50 MB presigned upload end to end on the local stack, and the file tree of 10,000 files.

Upload: the API presigns, the file is posted to the local S3 (which checks the signed policy), S3's event
reaches the ingest function, which moves the file into the project; "end to end" stops when the upload's
record says stored. Tree: moto in-process, 10,000 files in 100 folders; cold is a listing (after a change
moved the generation on), then the S3-cached copy (a new process, say), then this process's memory.

    python -m bench.files
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from bench.stats import row, summary

MB = 1024 * 1024
UPLOAD_BYTES = 50 * MB
UPLOAD_RUNS = 5
UPLOAD_BUDGET_SECONDS = 240
TREE_FILES = 10_000
TREE_FOLDERS = 100
TREE_RUNS = {"cold": 5, "s3": 15, "memory": 100}
TREE_BUDGET_SECONDS = 120


def _timed(call: Callable[[], object], runs: int, budget: float) -> list[float]:
    results: list[float] = []
    deadline = time.monotonic() + budget
    for _ in range(runs):
        if results and time.monotonic() > deadline:
            break
        started = time.perf_counter()
        call()
        results.append((time.perf_counter() - started) * 1000)
    return results


# --- upload ---------------------------------------------------------------------------------------------------------


def _upload_once(base: str, headers: dict[str, str], project: str, data: bytes, index: int) -> tuple[float, float]:
    """(seconds to post to S3, seconds until the record is stored), from the presign request on."""
    started = time.perf_counter()
    presign = requests.post(
        f"{base}/api/projects/{project}/files/uploads",
        json={"path": f"bench/upload-{index}.bin", "size": len(data)},
        headers=headers,
        timeout=30,
    )
    presign.raise_for_status()
    upload = presign.json()
    posted = requests.post(upload["url"], data=upload["fields"], files={"file": ("upload.bin", data)}, timeout=300)
    posted.raise_for_status()
    post_done = time.perf_counter()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = requests.get(
            f"{base}/api/projects/{project}/files/uploads/{upload['uploadId']}", headers=headers, timeout=30
        ).json()
        if state["state"] != "pending":
            break
        time.sleep(0.02)
    if state["state"] != "stored":
        raise RuntimeError(f"the upload ended {state['state']}: {state.get('reason')}")
    return post_done - started, time.perf_counter() - started


def run_upload() -> dict[str, list[float]]:
    from tests.support.stack import LocalStack

    data = bytes(range(256)) * (UPLOAD_BYTES // 256)
    with tempfile.TemporaryDirectory() as data_dir:
        stack = LocalStack(Path(data_dir)).start()
        try:
            headers = {"Authorization": f"Bearer {stack.admin_token()}"}
            project = requests.post(
                f"{stack.base_url}/api/projects", json={"name": "bench"}, headers=headers, timeout=30
            ).json()["id"]
            _upload_once(stack.base_url, headers, project, data[:MB], 0)  # warm: clients, connections
            posts, totals = [], []
            deadline = time.monotonic() + UPLOAD_BUDGET_SECONDS
            for index in range(1, UPLOAD_RUNS + 1):
                if posts and time.monotonic() > deadline:
                    break
                post, total = _upload_once(stack.base_url, headers, project, data, index)
                posts.append(post)
                totals.append(total)
        finally:
            stack.stop()
    size_mb = UPLOAD_BYTES / MB
    post_rates = [size_mb / seconds for seconds in posts]
    total_rates = [size_mb / seconds for seconds in totals]
    print(f"Presigned upload of {size_mb:.0f} MB on the local stack (presign → POST to S3 → ingest → stored):")
    print("  " + row("presign + POST to S3", [s * 1000 for s in posts]))
    print("  " + row("end to end (until the upload is stored)", [s * 1000 for s in totals]))
    print("  " + row("throughput, POST", post_rates, unit="MB/s"))
    print("  " + row("throughput, end to end", total_rates, unit="MB/s"))
    return {"post_mb_s": post_rates, "end_to_end_mb_s": total_rates}


# --- tree -----------------------------------------------------------------------------------------------------------


def run_tree() -> dict[str, list[float]]:
    from shared import aws
    from shared.files import tree
    from shared.models.files import FileTree
    from tests.support.aws import moto_aws

    project = "b" * 32
    with moto_aws([FileTree]) as settings:
        s3 = aws.client("s3")
        s3.create_bucket(Bucket=settings.workspace_bucket)
        for index in range(TREE_FILES):
            folder = f"folder-{index % TREE_FOLDERS:03d}"
            s3.put_object(
                Bucket=settings.workspace_bucket,
                Key=f"projects/{project}/files/{folder}/document-{index:05d}.md",
                Body=b"x" * (index % 97),
            )
        tree.invalidate(project)

        def cold() -> Any:
            tree.invalidate(project)  # a change: every cached copy is stale
            tree.reset_memory()
            built = tree.read(project)
            assert built.source == "listing" and built.file_count == TREE_FILES
            return built

        def from_s3() -> Any:
            tree.reset_memory()
            found = tree.read(project)
            assert found.source == "s3"
            return found

        def from_memory() -> Any:
            found = tree.read(project)
            assert found.source == "memory"
            return found

        cold_ms = _timed(cold, TREE_RUNS["cold"], TREE_BUDGET_SECONDS)
        s3_ms = _timed(from_s3, TREE_RUNS["s3"], TREE_BUDGET_SECONDS)
        memory_ms = _timed(from_memory, TREE_RUNS["memory"], TREE_BUDGET_SECONDS)
    cold_median = summary(cold_ms)["median"]
    print(f"File tree of {TREE_FILES:,} files in {TREE_FOLDERS} folders (moto in-process):")
    print("  " + row("cold: list the prefix, nest, cache", cold_ms))
    print("  " + row("cached in S3 (another process)", s3_ms))
    print("  " + row("cached in this process's memory", memory_ms))
    print(
        f"  ratios (medians, same run): cold / S3-cached {cold_median / summary(s3_ms)['median']:.1f}x, "
        f"cold / memory {cold_median / summary(memory_ms)['median']:.0f}x"
    )
    return {"cold": cold_ms, "s3": s3_ms, "memory": memory_ms}


def run() -> dict[str, dict[str, list[float]]]:
    results = {"tree": run_tree()}
    print()
    results["upload"] = run_upload()
    return results


if __name__ == "__main__":
    run()
