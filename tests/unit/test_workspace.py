"""Workspace sync against moto (in-process) and real temp folders: incremental pulls and pushes by ETag,
conflicts that never lose a local edit, unsafe keys and links, multipart transfers and the per-workspace lock."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import EndpointConnectionError

from runner.claude import transcripts
from runner.workspace import Workspace, WorkspaceBusyError, WorkspaceSyncError, read_first
from runner.workspace.local import LocalFile
from runner.workspace.manifest import Entry
from runner.workspace.plan import Action, RemoteObject, decide_pull, decide_push
from shared import aws
from shared.constants import Env
from shared.files import generations
from shared.models.files import FileTree
from shared.settings import get_settings
from tests.support.aws import moto_aws

BUCKET = "studio-workspace-test"
PREFIX = "projects/p1/files/"
MB = 1024 * 1024


class Calls:
    """The S3 operations a client sends, recorded by a botocore event hook."""

    def __init__(self, client: Any) -> None:
        self.names: list[str] = []
        client.meta.events.register("before-call.s3", self._record)

    def _record(self, model: Any, **_: Any) -> None:
        self.names.append(model.name)

    def count(self, name: str) -> int:
        return self.names.count(name)

    def clear(self) -> None:
        self.names.clear()


@pytest.fixture
def s3() -> Iterator[Any]:
    with moto_aws([]):
        client = aws.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def calls(s3: Any) -> Calls:
    return Calls(s3)


def workspace(s3: Any, root: Path, prefix: str = PREFIX, **options: Any) -> Workspace:
    return Workspace(bucket=BUCKET, prefix=prefix, local_root=root, s3=s3, **options)


def root_of(tmp_path: Path, runner: str = "runner-a", project: str = "p1") -> Path:
    return tmp_path / runner / "workspaces" / project / "files"


def put(s3: Any, relative: str, body: bytes, prefix: str = PREFIX) -> None:
    s3.put_object(Bucket=BUCKET, Key=prefix + relative, Body=body)


def remote_files(s3: Any, prefix: str = PREFIX) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {item["Key"][len(prefix) :]: s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read() for item in listed}


def local_files(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def write(root: Path, relative: str, body: bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)


PROJECT = {
    "README.md": b"# Quarterly plan\n",
    "docs/notes/plan.md": b"1. ship\n2. rest\n",
    "données/été 2025/résumé ü.txt": "déjà vu — 日本語\n".encode(),
    "empty.txt": b"",
}


def test_first_pull_downloads_every_object_with_nested_and_unicode_names(s3: Any, calls: Calls, tmp_path: Path):
    # Given a project in S3 and a runner that never saw it
    for relative, body in PROJECT.items():
        put(s3, relative, body)
    root = root_of(tmp_path)

    # When the runner pulls
    report = workspace(s3, root).pull()

    # Then every object is a local file, fetched with one GET each (the listing gives sizes: no HEAD)
    assert local_files(root) == PROJECT
    assert sorted(report.downloaded) == sorted(PROJECT)
    assert report.downloaded_bytes == sum(len(body) for body in PROJECT.values())
    assert (calls.count("GetObject"), calls.count("HeadObject")) == (len(PROJECT), 0)
    assert not report.skipped and not report.conflicts


def test_second_pull_without_changes_downloads_nothing(s3: Any, calls: Calls, tmp_path: Path):
    # Given a workspace pulled once
    for relative, body in PROJECT.items():
        put(s3, relative, body)
    synced = workspace(s3, root_of(tmp_path))
    synced.pull()
    calls.clear()

    # When it pulls again with nothing changed
    report = synced.pull()

    # Then only the listing is read
    assert calls.names == ["ListObjectsV2"]
    assert not report.changed and report.summary()["downloaded"] == 0


def test_an_object_changed_in_s3_is_downloaded_again_and_nothing_else(s3: Any, calls: Calls, tmp_path: Path):
    # Given a pulled workspace, then one object replaced in S3
    for relative, body in PROJECT.items():
        put(s3, relative, body)
    root = root_of(tmp_path)
    synced = workspace(s3, root)
    synced.pull()
    put(s3, "docs/notes/plan.md", b"1. ship sooner\n")
    calls.clear()

    # When it pulls
    report = synced.pull()

    # Then exactly that object comes down
    assert report.downloaded == ["docs/notes/plan.md"]
    assert calls.count("GetObject") == 1
    assert (root / "docs/notes/plan.md").read_bytes() == b"1. ship sooner\n"


def test_an_object_removed_from_s3_is_deleted_locally_with_its_empty_folders(s3: Any, tmp_path: Path):
    # Given a pulled workspace, then an object deleted in S3
    for relative, body in PROJECT.items():
        put(s3, relative, body)
    root = root_of(tmp_path)
    synced = workspace(s3, root)
    synced.pull()
    s3.delete_object(Bucket=BUCKET, Key=PREFIX + "docs/notes/plan.md")

    # When it pulls
    report = synced.pull()

    # Then the file and the folders it leaves empty are gone
    assert report.deleted == ["docs/notes/plan.md"]
    assert report.deleted_bytes == len(PROJECT["docs/notes/plan.md"])
    assert not (root / "docs").exists()
    assert "docs/notes/plan.md" not in local_files(root)


def test_a_file_removed_from_s3_but_edited_here_is_kept_as_a_conflict(s3: Any, tmp_path: Path):
    # Given a pulled file, deleted in S3 while it was edited here
    put(s3, "draft.md", b"v1")
    root = root_of(tmp_path)
    synced = workspace(s3, root)
    synced.pull()
    s3.delete_object(Bucket=BUCKET, Key=PREFIX + "draft.md")
    write(root, "draft.md", b"v2 with local edits")

    # When it pulls
    report = synced.pull()

    # Then the edit survives and the conflict is reported
    assert (root / "draft.md").read_bytes() == b"v2 with local edits"
    assert [conflict.path for conflict in report.conflicts] == ["draft.md"]
    assert report.deleted == []

    # And the next push brings the edited file back to S3 rather than losing it
    pushed = synced.push()
    assert pushed.uploaded == ["draft.md"] and [c.path for c in pushed.conflicts] == ["draft.md"]
    assert remote_files(s3) == {"draft.md": b"v2 with local edits"}


def test_a_file_changed_on_both_sides_keeps_both_versions(s3: Any, tmp_path: Path):
    # Given a pulled file, changed in S3 (a new upload) and here (Claude's edit)
    put(s3, "report.md", b"original")
    root = root_of(tmp_path)
    synced = workspace(s3, root)
    synced.pull()
    put(s3, "report.md", b"the user's new upload")
    write(root, "report.md", b"Claude's edit of the original")

    # When it pulls, then pushes
    pulled = synced.pull()
    kept_locally = (root / "report.md").read_bytes()
    pushed = synced.push()

    # Then the pull kept the local edit, the push kept S3's version and put the edit beside it
    assert kept_locally == b"Claude's edit of the original"
    assert [conflict.path for conflict in pulled.conflicts] == ["report.md"]
    [copy] = pushed.uploaded
    assert copy.startswith("report (conflict ") and copy.endswith(").md")
    assert remote_files(s3) == {"report.md": b"the user's new upload", copy: b"Claude's edit of the original"}

    # And the next pull brings S3's version down, after which both sides agree
    assert synced.pull().downloaded == ["report.md"]
    assert local_files(root) == remote_files(s3)


def test_push_uploads_and_deletes_exactly_what_changed_here(s3: Any, calls: Calls, tmp_path: Path):
    # Given a pulled workspace, then a changed, a deleted and two new files
    for relative, body in PROJECT.items():
        put(s3, relative, body)
    root = root_of(tmp_path)
    synced = workspace(s3, root)
    synced.pull()
    write(root, "README.md", b"# Quarterly plan, revised by Claude\n")
    (root / "docs/notes/plan.md").unlink()
    write(root, "analyses/2025/q3 résumé.md", b"## Findings\n")
    write(root, "chart.csv", b"x,y\n1,2\n")
    assert synced.changed_paths() == ["README.md", "analyses/2025/q3 résumé.md", "chart.csv", "docs/notes/plan.md"]
    calls.clear()

    # When it pushes
    report = synced.push()

    # Then exactly those are uploaded and deleted, and S3 now equals the local copy
    assert sorted(report.uploaded) == ["README.md", "analyses/2025/q3 résumé.md", "chart.csv"]
    assert report.deleted == ["docs/notes/plan.md"]
    assert (calls.count("PutObject"), calls.count("DeleteObjects")) == (3, 1)
    assert remote_files(s3) == local_files(root)
    assert synced.changed_paths() == []


def test_a_push_after_a_push_and_a_pull_after_it_transfer_nothing(s3: Any, calls: Calls, tmp_path: Path):
    # Given a workspace with new files pushed once
    root = root_of(tmp_path)
    synced = workspace(s3, root)
    for relative, body in PROJECT.items():
        write(root, relative, body)
    assert sorted(synced.push().uploaded) == sorted(PROJECT)
    calls.clear()

    # When it pushes and pulls again
    pushed, pulled = synced.push(), synced.pull()

    # Then nothing moves: the push recorded the ETags S3 gave the uploads
    assert not pushed.changed and not pulled.changed
    assert calls.names == ["ListObjectsV2", "ListObjectsV2"]


class Generation:
    """A prefix's generation as the file-tree table keeps it: every change to the prefix moves it on by one."""

    def __init__(self) -> None:
        self.value = 0

    def read(self) -> int:
        return self.value

    def move_on(self, *_: Any) -> int:
        self.value += 1
        return self.value


def counted(s3: Any, root: Path, generation: Generation) -> Workspace:
    return workspace(s3, root, generation=generation.read, on_pushed=generation.move_on)


def test_while_the_generation_stays_a_pull_and_a_push_list_nothing_yet_move_what_changed_here(
    s3: Any, calls: Calls, tmp_path: Path
):
    # Given a workspace pulled once at a generation nobody has moved since
    for relative, body in PROJECT.items():
        put(s3, relative, body)
    root, generation = root_of(tmp_path), Generation()
    synced = counted(s3, root, generation)
    synced.pull()
    calls.clear()

    # When it pulls again, Claude edits and deletes a file, and it pushes
    pulled = synced.pull()
    write(root, "README.md", b"# Revised\n")
    (root / "empty.txt").unlink()
    pushed = synced.push()

    # Then neither listed the prefix, and the push still uploaded and deleted exactly what changed here
    assert not pulled.changed
    assert calls.count("ListObjectsV2") == 0
    assert (pushed.uploaded, pushed.deleted) == (["README.md"], ["empty.txt"])
    assert remote_files(s3) == local_files(root)

    # And since its push was the only change, the next pull lists nothing either
    calls.clear()
    assert not synced.pull().changed and calls.count("ListObjectsV2") == 0


def test_a_generation_moved_on_by_someone_else_makes_the_next_sync_list_and_bring_the_change(
    s3: Any, calls: Calls, tmp_path: Path
):
    # Given a workspace in step with its generation
    put(s3, "plan.md", b"v1")
    root, generation = root_of(tmp_path), Generation()
    synced = counted(s3, root, generation)
    synced.pull()

    # When the user uploads a new version (which moves the generation on) and the runner pulls
    put(s3, "plan.md", b"v2")
    generation.move_on()
    calls.clear()
    pulled = synced.pull()

    # Then the pull listed and brought it down
    assert calls.count("ListObjectsV2") == 1 and pulled.downloaded == ["plan.md"]
    assert (root / "plan.md").read_bytes() == b"v2"

    # And a push that races another change (the generation moves on by two) is not trusted next time
    write(root, "notes.md", b"by Claude")
    put(s3, "upload.txt", b"by the user")
    generation.move_on()
    synced.push()
    calls.clear()
    assert synced.pull().downloaded == ["upload.txt"] and calls.count("ListObjectsV2") == 1


def test_a_conflict_left_by_a_pull_keeps_the_workspace_listing_until_it_is_settled(s3: Any, tmp_path: Path):
    # Given a file changed on both sides, with the generation moved on by the upload
    put(s3, "report.md", b"original")
    root, generation = root_of(tmp_path), Generation()
    synced = counted(s3, root, generation)
    synced.pull()
    put(s3, "report.md", b"the user's new upload")
    generation.move_on()
    write(root, "report.md", b"Claude's edit")

    # When it pulls (a conflict: the local edit is kept) and then pushes
    pulled = synced.pull()
    pushed = synced.push()

    # Then the push still sees S3's version and keeps both, as without generations
    assert [conflict.path for conflict in pulled.conflicts] == ["report.md"]
    [copy] = pushed.uploaded
    assert remote_files(s3) == {"report.md": b"the user's new upload", copy: b"Claude's edit"}
    assert synced.pull().downloaded == ["report.md"]
    assert local_files(root) == remote_files(s3)


UNSAFE_KEYS = ["../x", "/abs", "a\\b", "a/../../b", "nul\x00"]


def test_unsafe_keys_are_skipped_and_nothing_lands_outside_the_workspace(s3: Any, tmp_path: Path):
    # Given objects whose relative keys try to climb out, are absolute, or carry a backslash or a NUL
    for relative in UNSAFE_KEYS:
        put(s3, relative, b"escape attempt")
    put(s3, "ok.txt", b"fine")
    root = root_of(tmp_path)

    # When the runner pulls
    report = workspace(s3, root).pull()

    # Then only the safe object is written, and every unsafe one is reported
    assert report.downloaded == ["ok.txt"]
    assert sorted(skipped.path for skipped in report.skipped) == sorted(UNSAFE_KEYS)
    written = [path for path in tmp_path.rglob("*") if path.is_file() and ".sync" not in path.parts]
    assert written == [root / "ok.txt"]


def test_a_pull_never_writes_through_a_linked_folder(s3: Any, tmp_path: Path):
    # Given a folder in the workspace that is a link to somewhere else, and a key below it
    outside = tmp_path / "outside"
    outside.mkdir()
    root = root_of(tmp_path)
    root.mkdir(parents=True)
    (root / "link").symlink_to(outside, target_is_directory=True)
    put(s3, "link/evil.txt", b"escape attempt")

    # When the runner pulls
    report = workspace(s3, root).pull()

    # Then the key is skipped and nothing is written where the link points
    assert [skipped.path for skipped in report.skipped] == ["link/evil.txt"]
    assert list(outside.iterdir()) == []


def test_links_and_unsafe_names_in_the_workspace_are_not_uploaded(s3: Any, tmp_path: Path):
    # Given links to outside files and folders, a file whose name has a backslash, and one ordinary file
    root = root_of(tmp_path)
    write(root, "notes.md", b"mine")
    (root / "hostname").symlink_to("/etc/hostname")
    (root / "etc").symlink_to("/etc", target_is_directory=True)
    (root / "inner").symlink_to(root / "notes.md")
    write(root, "a\\b.txt", b"backslash")

    # When the runner pushes
    report = workspace(s3, root).push()

    # Then only the ordinary file is uploaded; each of the others is skipped with a reason
    assert remote_files(s3) == {"notes.md": b"mine"}
    reasons = {skipped.path: skipped.reason for skipped in report.skipped}
    assert set(reasons) == {"hostname", "etc", "inner", "a\\b.txt"}
    assert "outside the workspace" in reasons["hostname"] and "outside the workspace" in reasons["etc"]


def test_a_20_mb_file_round_trips_in_multipart_transfers(s3: Any, calls: Calls, tmp_path: Path):
    # Given a 20 MB file and transfers that go multipart above 5 MB (S3's smallest part)
    config = TransferConfig(
        multipart_threshold=5 * MB, multipart_chunksize=5 * MB, max_concurrency=4, preferred_transfer_client="classic"
    )
    body = os.urandom(20 * MB)
    runner_a, runner_b = root_of(tmp_path, "runner-a"), root_of(tmp_path, "runner-b")
    write(runner_a, "media/recording.bin", body)

    # When one runner pushes it and another pulls it
    pushed = workspace(s3, runner_a, transfer_config=config).push()
    calls.clear()
    pulled = workspace(s3, runner_b, transfer_config=config).pull()

    # Then it went up in four parts and came down in ranged GETs, byte for byte, with no partial file left
    head = s3.head_object(Bucket=BUCKET, Key=PREFIX + "media/recording.bin")
    assert head["ETag"].endswith('-4"') and pushed.uploaded_bytes == 20 * MB
    assert calls.count("GetObject") == 4 and pulled.downloaded_bytes == 20 * MB
    received = (runner_b / "media/recording.bin").read_bytes()
    assert hashlib.sha256(received).digest() == hashlib.sha256(body).digest()
    assert list((runner_b.parent / ".sync" / "tmp" / "files").iterdir()) == []


def test_a_failed_download_leaves_no_half_file_and_is_fetched_next_time(s3: Any, tmp_path: Path):
    # Given three objects, one of which cannot be fetched (a network fault, provoked by a hook)
    for relative in ("a.txt", "broken.bin", "c.txt"):
        put(s3, relative, relative.encode() * 1000)
    failing = threading.Event()
    failing.set()

    def break_one(params: dict[str, Any], **_: Any) -> None:
        if failing.is_set() and params["Key"].endswith("broken.bin"):
            raise EndpointConnectionError(endpoint_url="https://s3.invalid")

    s3.meta.events.register("before-parameter-build.s3.GetObject", break_one)
    root = root_of(tmp_path)
    synced = workspace(s3, root)

    # When it pulls
    with pytest.raises(WorkspaceSyncError) as raised:
        synced.pull()

    # Then the others arrived and were recorded, and no trace of the broken one is in the workspace
    assert sorted(local_files(root)) == ["a.txt", "c.txt"]
    assert raised.value.report is not None and sorted(raised.value.report.downloaded) == ["a.txt", "c.txt"]
    assert list((root.parent / ".sync" / "tmp" / "files").iterdir()) == []

    # And once the network is back, the next pull fetches only what is missing
    failing.clear()
    assert synced.pull().downloaded == ["broken.bin"]


def test_a_lost_manifest_adopts_identical_files_instead_of_downloading_them(s3: Any, calls: Calls, tmp_path: Path):
    # Given a pulled workspace whose manifest was lost
    for relative, body in PROJECT.items():
        put(s3, relative, body)
    root = root_of(tmp_path)
    workspace(s3, root).pull()
    (root.parent / ".sync" / "files.json").unlink()
    calls.clear()

    # When it pulls again
    report = workspace(s3, root).pull()

    # Then the files are recognised by content: no download, no conflict
    assert calls.count("GetObject") == 0
    assert not report.changed and not report.conflicts


def test_two_syncs_of_one_workspace_run_one_after_the_other(s3: Any, tmp_path: Path):
    # Given a pull held inside its first download
    for relative, body in PROJECT.items():
        put(s3, relative, body)
    root = root_of(tmp_path)
    other_client = boto3.session.Session().client("s3", region_name="us-east-1")
    order: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def hold_first(model: Any, **_: Any) -> None:
        order.append(f"first {model.name}")
        if model.name == "GetObject" and not inside.is_set():
            inside.set()
            assert release.wait(10)

    s3.meta.events.register("before-call.s3", hold_first)
    other_client.meta.events.register("before-call.s3", lambda model, **_: order.append(f"second {model.name}"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(workspace(s3, root).pull)
        assert inside.wait(10)

        # When other jobs sync the same folder meanwhile
        with pytest.raises(WorkspaceBusyError):
            workspace(other_client, root, lock_timeout=0.2).pull()
        second = pool.submit(workspace(other_client, root, lock_timeout=10).pull)
        release.set()
        first_report, second_report = first.result(timeout=10), second.result(timeout=10)

    # Then the impatient one gave up, the patient one started after the first finished, and found nothing to do
    last_first = max(index for index, name in enumerate(order) if name.startswith("first"))
    assert all(name.startswith("first") for name in order[: last_first + 1])
    assert sorted(first_report.downloaded) == sorted(PROJECT)
    assert second_report.downloaded == [] and order[-1] == "second ListObjectsV2"


def test_syncs_of_different_workspaces_do_not_wait_for_each_other(s3: Any, tmp_path: Path):
    # Given a pull of project p1 held inside its download
    put(s3, "a.txt", b"p1")
    put(s3, "b.txt", b"p2", prefix="projects/p2/files/")
    inside, release = threading.Event(), threading.Event()

    def hold(params: dict[str, Any], **_: Any) -> None:
        if params["Key"].startswith(PREFIX):
            inside.set()
            assert release.wait(10)

    s3.meta.events.register("before-parameter-build.s3.GetObject", hold)
    with ThreadPoolExecutor(max_workers=1) as pool:
        held = pool.submit(workspace(s3, root_of(tmp_path, project="p1")).pull)
        assert inside.wait(10)

        # When project p2 is pulled on the same runner meanwhile
        other = workspace(s3, root_of(tmp_path, project="p2"), prefix="projects/p2/files/", lock_timeout=0.2).pull()
        release.set()

        # Then it did not wait for p1's lock
        assert other.downloaded == ["b.txt"]
        assert held.result(timeout=10).downloaded == ["a.txt"]


def test_claude_transcripts_sync_like_any_other_prefix(s3: Any, tmp_path: Path):
    # Given a CLI session transcript on one runner; the sync state is kept away from the CLI's projects folder
    prefix = "sessions/p1/"
    config_a, config_b = tmp_path / "runner-a" / "claude", tmp_path / "runner-b" / "claude"
    session_dir = "projects/-data-workspaces-p1-files"
    transcript = b'{"type":"user","message":"hello"}\n'
    write(config_a / session_dir, "0b6f-session.jsonl", transcript)

    def transcripts(config: Path) -> Workspace:
        state = config.parent / "sync-state" / "sessions-p1"
        return workspace(s3, config / session_dir, prefix=prefix, state_dir=state)

    # When runner A pushes after its turn and runner B pulls before the next one
    transcripts(config_a).push()
    transcripts(config_b).pull()

    # Then runner B can resume the session, and no sync state sits among the CLI's project folders
    assert local_files(config_b / session_dir) == {"0b6f-session.jsonl": transcript}
    assert remote_files(s3, prefix) == {"0b6f-session.jsonl": transcript}
    assert sorted(path.name for path in (config_b / "projects").iterdir()) == ["-data-workspaces-p1-files"]


def test_a_wiped_folder_is_restored_by_the_next_pull_and_never_pushed_as_deletions(s3: Any, tmp_path: Path):
    # Given a pulled workspace whose local folder was wiped and recreated empty (a cleaned cache)
    for relative, body in PROJECT.items():
        put(s3, relative, body)
    root = root_of(tmp_path)
    synced = workspace(s3, root)
    synced.pull()
    shutil.rmtree(root)
    root.mkdir()

    # When the next job pulls, then pushes
    pulled, pushed = synced.pull(), synced.push()

    # Then every file came back and S3 lost nothing
    assert sorted(pulled.downloaded) == sorted(PROJECT)
    assert pushed.deleted == [] and remote_files(s3) == PROJECT


def test_a_push_refuses_to_treat_a_vanished_folder_as_deleting_every_file(s3: Any, tmp_path: Path):
    # Given a pulled workspace whose local folder was then wiped
    put(s3, "keep.md", b"precious")
    root = root_of(tmp_path)
    synced = workspace(s3, root)
    synced.pull()
    (root / "keep.md").unlink()
    root.rmdir()

    # When it pushes, then S3 keeps the file
    with pytest.raises(WorkspaceSyncError):
        synced.push()
    assert remote_files(s3) == {"keep.md": b"precious"}


BASE = Entry(etag='"e1"', size=3, mtime_ns=1)
SAME = LocalFile(size=3, mtime_ns=1)
EDITED = LocalFile(size=4, mtime_ns=2)
UNCHANGED_REMOTE = RemoteObject("k", '"e1"', 3)
CHANGED_REMOTE = RemoteObject("k", '"e2"', 5)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("base", "remote", "local", "pull", "push"),
    [
        (BASE, UNCHANGED_REMOTE, SAME, Action.NOTHING, Action.NOTHING),
        (BASE, CHANGED_REMOTE, SAME, Action.DOWNLOAD, Action.NOTHING),
        (BASE, UNCHANGED_REMOTE, EDITED, Action.NOTHING, Action.UPLOAD),
        (BASE, CHANGED_REMOTE, EDITED, Action.COMPARE, Action.COMPARE),
        (BASE, None, SAME, Action.DELETE_LOCAL, Action.NOTHING),
        (BASE, None, EDITED, Action.CONFLICT, Action.UPLOAD),
        (BASE, UNCHANGED_REMOTE, None, Action.DOWNLOAD, Action.DELETE_REMOTE),
        (BASE, CHANGED_REMOTE, None, Action.DOWNLOAD, Action.CONFLICT),
        (BASE, None, None, Action.FORGET, Action.FORGET),
        (None, CHANGED_REMOTE, None, Action.DOWNLOAD, Action.NOTHING),
        (None, CHANGED_REMOTE, EDITED, Action.COMPARE, Action.COMPARE),
        (None, None, EDITED, Action.NOTHING, Action.UPLOAD),
    ],
)
def test_the_three_way_decision_table(base: Any, remote: Any, local: Any, pull: Action, push: Action):
    # Given the last sync, S3 and the disk; when each direction decides; then it does what the table says
    assert decide_pull(base, remote, local).action is pull
    assert decide_push(base, remote, local).action is push


def test_adopting_a_transcript_of_the_old_layout_moves_its_prefix_generation_on(tmp_path: Path):
    # Given a user's transcripts prefix whose generation a runner is in step with, and a transcript of the old layout
    with moto_aws([FileTree], **{Env.WORKSPACE_BUCKET: BUCKET}):
        s3 = aws.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="sessions/p1/claude-1.jsonl", Body=b'{"type":"user"}\n')
        key = transcripts.generation_key("p1", "u1")
        before = generations.generation(key)

        # When a turn resumes it and adopts it under the user's prefix
        adopted = transcripts.adopt_legacy(get_settings(), project_id="p1", user_id="u1", claude_session_id="claude-1")

        # Then it moved, and the generation says so: the next pull lists the prefix and brings it down
        assert adopted and generations.generation(key) == before + 1
        assert remote_files(s3, transcripts.prefix("p1", "u1")) == {"claude-1.jsonl": b'{"type":"user"}\n'}


def test_a_generation_read_when_the_job_began_serves_its_pull_and_the_push_reads_anew(
    s3: Any, calls: Calls, tmp_path: Path
):
    # Given a workspace in step with its generation, and that generation read again as a turn's job begins
    put(s3, "plan.md", b"v1")
    root, generation = root_of(tmp_path), Generation()
    counted(s3, root, generation).pull()
    seen: Future[int] = Future()
    seen.set_result(generation.read())
    asked: list[int] = []

    def read() -> int:
        asked.append(generation.value)
        return generation.read()

    synced = workspace(s3, root, generation=read_first(seen, read), on_pushed=generation.move_on)

    # When the turn pulls, then it lists nothing and reads nothing more: it stands as of the generation it was given
    calls.clear()
    assert not synced.pull().changed
    assert calls.count("ListObjectsV2") == 0 and asked == []

    # And when someone uploads meanwhile, the push reads the generation anew, lists, and keeps both changes
    put(s3, "upload.txt", b"by the user")
    generation.move_on()
    write(root, "notes.md", b"by Claude")
    pushed = synced.push()
    assert asked == [1] and calls.count("ListObjectsV2") == 1
    assert pushed.uploaded == ["notes.md"]
    assert sorted(remote_files(s3)) == ["notes.md", "plan.md", "upload.txt"]
