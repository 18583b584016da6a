"""Drives: how long a mount's pull takes for 1,000 small files, from the real `rclone serve webdav` on 127.0.0.1.

A drive folder of 1,000 small Markdown files in 10 folders (written before the server starts, which then caches
its listings like a real server rather than re-reading the disk on every request). Each run pulls it into an
empty project folder with no sync state (the first pull: both sides listed, one batched `rclone copy` into a
staging folder, files moved into place, the state written), then pulls again with nothing changed (two listings,
no transfer). Timed from the call to the result, through runner.drives.pull as a job calls it (rclone as the
runner's own user, no sandbox uid).

rclone paces its WebDAV requests (at least 10 ms apart per remote, not configurable in 1.60), so a first pull of
N files cannot take less than about N times 10 ms; a no-change pull costs a listing per folder.

    .venv/bin/python -m bench.drives
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from bench.stats import row
from runner.drives import pull
from shared.drives.access import DriveAccess, DriveKind
from tests.support.webdav import WebDavServer

FILES = 1_000
FOLDERS = 10
RUNS = 5


def run() -> dict[str, list[float]]:
    firsts: list[float] = []
    unchanged: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        drive = Path(scratch) / "drive"
        for n in range(FILES):
            folder = drive / f"folder-{n % FOLDERS}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"note-{n:04d}.md").write_text(f"# Note {n}\n\nLine one.\n")
        with WebDavServer(drive, dir_cache_time="10m") as server:
            access = DriveAccess(DriveKind.WEBDAV, url=server.url, username=server.username, password=server.password)
            for run_index in range(RUNS):
                first_ms, again_ms = _one_run(access, Path(scratch) / f"run-{run_index}")
                firsts.append(first_ms)
                unchanged.append(again_ms)

    print(f"Drives: pull of {FILES:,} small files in {FOLDERS} folders from rclone serve webdav (127.0.0.1):")
    print("  " + row("first pull (empty folder, no state)", firsts))
    print("  " + row("pull with nothing changed", unchanged))
    return {"first_pull": firsts, "unchanged_pull": unchanged}


def _one_run(access: DriveAccess, base: Path) -> tuple[float, float]:
    local, work, state = base / "files" / "Drive", base / "tmp", base / "state" / "drive.json"
    work.mkdir(parents=True)
    started = time.perf_counter()
    first = pull(access, "", local, state_file=state, work_dir=work, allow_private=True)
    first_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    again = pull(access, "", local, state_file=state, work_dir=work, allow_private=True)
    again_ms = (time.perf_counter() - started) * 1000
    if len(first.pulled) != FILES or again.changed:
        raise RuntimeError(f"unexpected pulls: {len(first.pulled)} files, then {again.summary()}")
    shutil.rmtree(base)
    return first_ms, again_ms


if __name__ == "__main__":
    run()
