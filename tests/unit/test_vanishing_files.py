"""A file removed between a folder's listing and its stat (a CLI's temp file renamed into place, another job's
cleanup) is simply absent: the walks of the sandbox, the workspace and the drives go on without it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from runner.drives.listing import list_local
from runner.sandbox import tree
from runner.workspace.local import scan

pytestmark = pytest.mark.unit


@pytest.fixture
def vanishing(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """`vanishing(path)`: the next listing of its folder still names it, and it is gone before anyone stats it."""
    real_scandir = os.scandir

    def arrange(path: Path) -> None:
        def scandir(target: int | str | Path) -> _Listing:
            with real_scandir(target) as entries:
                listed = list(entries)
            if any(entry.name == path.name for entry in listed) and path.exists():
                path.unlink()
            return _Listing(listed)

        monkeypatch.setattr(os, "scandir", scandir)

    return arrange


class _Listing(list[os.DirEntry[str]]):
    """What os.scandir returns, listed already: iterable, and a context manager."""

    def __enter__(self) -> _Listing:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def folder_with_a_vanishing_file(root: Path) -> tuple[Path, Path]:
    (root / "sub").mkdir(parents=True)
    kept = root / "sub" / "kept.txt"
    kept.write_text("kept")
    kept.chmod(0o600)
    gone = root / ".claude.json.tmp.123"
    gone.write_text("{}")
    return kept, gone


def test_normalize_shares_what_is_left_when_a_file_goes_during_the_walk(tmp_path: Path, vanishing) -> None:
    # Given a tree with a private file, and a temp file that is renamed away as the walk lists its folder
    kept, gone = folder_with_a_vanishing_file(tmp_path / "home")
    vanishing(gone)

    # When the tree is normalized
    fixes = tree.normalize(tmp_path / "home", os.getgid())

    # Then the walk went on: the file left is shared with the group, and the one that went is not there
    assert fixes >= 1
    assert kept.stat().st_mode & 0o060 == 0o060
    assert not gone.exists()


def test_a_workspace_scan_lists_what_is_left_when_a_file_goes_during_it(tmp_path: Path, vanishing) -> None:
    # Given a workspace whose temp file goes as its folder is listed
    _, gone = folder_with_a_vanishing_file(tmp_path / "files")
    vanishing(gone)

    # When it is scanned
    result = scan(tmp_path / "files")

    # Then the file that went is absent, not an error, and the folder was not skipped
    assert set(result.files) == {"sub/kept.txt"}
    assert result.skipped == {}


def test_a_drive_folders_listing_lists_what_is_left_when_a_file_goes_during_it(tmp_path: Path, vanishing) -> None:
    # Given a drive's local folder whose temp file goes as the folder is listed
    _, gone = folder_with_a_vanishing_file(tmp_path / "mount")
    vanishing(gone)

    # When it is listed
    listed = list_local(tmp_path / "mount")

    # Then the file that went is absent, and its folder is not called unreadable (which would hold back its sync)
    assert set(listed.files) == {"sub/kept.txt"}
    assert listed.dirs == {"sub"}
    assert listed.skipped == {}
