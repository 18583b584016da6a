"""The runner's drive layer (runner/drives) with the real rclone: syncs against `rclone serve webdav` on 127.0.0.1.

What a mount does (pull, no-change pull, push, deletions, conflicts, read-only), how a failure reads (unreachable,
wrong password), that secrets stay out of rclone's command line, environment and errors, that rclone reads the
config we write for each kind, and that it refreshes an expired token at the configured token URL (a fake OAuth
endpoint; the drive's own API is out of reach, so the listing fails, fast). Integration (not `unit`): runs rclone.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from runner.drives import DriveConfigError, DriveError, ProcessRunner, SyncResult, probe, pull, push
from runner.drives.config import rclone_config
from runner.drives.health import classify, redact
from runner.drives.plan import Action, conflict_name, decide_pull, decide_push
from runner.drives.state import Base, Stamp
from shared.drives.access import DriveAccess, DriveKind, OAuthToken
from tests.support.webdav import WebDavServer

CONFLICT_COPY = r"report \(conflict \d{4}-\d\d-\d\d \d{4} from drive\)\.docx"


class Mount:
    """A WebDAV drive, a project folder mounted from it, and the sync state kept beside (not inside) it."""

    def __init__(self, root: Path, server: WebDavServer, *, read_only: bool = False) -> None:
        self.server, self.read_only = server, read_only
        self.drive = server.root
        self.local = root / "project" / "files" / "Reports"
        self.state = root / "state" / "drive-m1" / "state.json"
        self.work = root / "tmp"
        self.work.mkdir(exist_ok=True)
        self.access = DriveAccess(DriveKind.WEBDAV, url=server.url, username=server.username,
                                  password=server.password)  # fmt: skip

    def options(self, **overrides: Any) -> dict[str, Any]:
        return {"state_file": self.state, "work_dir": self.work, "read_only": self.read_only,
                "allow_private": True, "deadline": time.monotonic() + 60} | overrides  # fmt: skip

    def pull(self, **overrides: Any) -> SyncResult:
        return pull(self.access, "", self.local, **self.options(**overrides))

    def push(self, **overrides: Any) -> SyncResult:
        return push(self.access, "", self.local, **self.options(**overrides))


def files_under(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def later(path: Path, text: str) -> None:
    """Write `text` with a modification time clearly after the current one (drives keep whole seconds)."""
    before = path.stat().st_mtime if path.exists() else time.time()
    path.write_text(text)
    os.utime(path, (before + 5, before + 5))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[WebDavServer]:
    with WebDavServer(tmp_path / "drive") as running:
        yield running


@pytest.fixture
def mount(tmp_path: Path, server: WebDavServer) -> Mount:
    (server.root / "q3" / "north").mkdir(parents=True)
    (server.root / "q3" / "north" / "sales.csv").write_text("region,total\nnorth,10\n")
    (server.root / "q3" / "report.docx").write_text("the report")
    (server.root / "readme.md").write_text("# Reports\n")
    return Mount(tmp_path, server)


# Pull


def test_a_first_pull_brings_every_file_of_nested_folders(mount: Mount) -> None:
    result = mount.pull()

    assert files_under(mount.local) == files_under(mount.drive)
    assert result.pulled == ["q3/north/sales.csv", "q3/report.docx", "readme.md"]
    assert result.bytes_pulled == sum(len(text) for text in files_under(mount.drive).values())
    assert not result.conflicts and not result.pushed and result.duration_seconds > 0
    assert mount.state.is_file() and not mount.state.is_relative_to(mount.local)


def test_a_pull_without_changes_transfers_nothing(mount: Mount) -> None:
    mount.pull()

    result = mount.pull()

    assert not result.changed and result.bytes_pulled == 0


def test_a_pull_brings_what_changed_on_the_drive_and_removes_what_was_deleted_there(mount: Mount) -> None:
    mount.pull()
    later(mount.drive / "readme.md", "# Reports, revised\n")
    shutil.rmtree(mount.drive / "q3" / "north")

    result = mount.pull()

    assert result.pulled == ["readme.md"] and result.deleted_local == ["q3/north/sales.csv"]
    assert (mount.local / "readme.md").read_text() == "# Reports, revised\n"
    assert not (mount.local / "q3" / "north").exists()  # the folder the drive no longer has goes too


def test_a_pull_restores_a_file_deleted_here_whose_push_never_happened(mount: Mount) -> None:
    mount.pull()
    (mount.local / "readme.md").unlink()

    result = mount.pull()

    assert result.pulled == ["readme.md"] and (mount.local / "readme.md").is_file()


# Push (read-write)


def test_a_push_sends_new_changed_and_deleted_files_to_the_drive(mount: Mount) -> None:
    mount.pull()
    (mount.local / "q4").mkdir()
    (mount.local / "q4" / "plan.md").write_text("next quarter")
    later(mount.local / "readme.md", "# Reports (edited by Claude)\n")
    shutil.rmtree(mount.local / "q3" / "north")

    result = mount.push()

    assert result.pushed == ["q4/plan.md", "readme.md"]
    assert result.deleted_remote == ["q3/north/sales.csv"]
    assert files_under(mount.drive) == files_under(mount.local)
    assert not (mount.drive / "q3" / "north").exists()
    assert not mount.pull().changed and not mount.push().changed  # both sides agree, and the state knows it


def test_a_push_without_local_changes_sends_nothing_even_when_the_drive_changed(mount: Mount) -> None:
    mount.pull()
    later(mount.drive / "readme.md", "changed on the drive")

    result = mount.push()

    assert not result.changed and (mount.drive / "readme.md").read_text() == "changed on the drive"


def test_a_file_changed_on_both_sides_keeps_both_copies_and_reports_the_conflict(mount: Mount) -> None:
    mount.pull()
    later(mount.drive / "q3" / "report.docx", "a colleague's edit on the drive")
    later(mount.local / "q3" / "report.docx", "Claude's edit in the project")

    result = mount.push()

    [conflict] = result.conflicts
    assert conflict.path == "q3/report.docx" and conflict.copy is not None
    assert re.fullmatch(f"q3/{CONFLICT_COPY}", conflict.copy)
    assert "changed here and on the drive" in conflict.reason
    for side in (mount.drive, mount.local):
        assert (side / "q3" / "report.docx").read_text() == "Claude's edit in the project"
        assert (side / conflict.copy).read_text() == "a colleague's edit on the drive"
    assert not mount.pull().changed and not mount.push().changed


def test_a_pull_that_meets_an_unpushed_local_edit_keeps_ours_and_the_next_push_sends_both(mount: Mount) -> None:
    mount.pull()
    later(mount.local / "q3" / "report.docx", "ours (the push after this edit failed)")
    later(mount.drive / "q3" / "report.docx", "theirs")

    pulled = mount.pull()
    pushed = mount.push()

    [conflict] = pulled.conflicts
    assert (mount.local / "q3" / "report.docx").read_text() == "ours (the push after this edit failed)"
    assert (mount.local / str(conflict.copy)).read_text() == "theirs"
    assert sorted(pushed.pushed) == sorted(["q3/report.docx", str(conflict.copy)]) and not pushed.conflicts
    assert files_under(mount.drive) == files_under(mount.local)


def test_a_lost_state_adopts_files_that_already_match_instead_of_making_conflicts(mount: Mount) -> None:
    mount.pull()
    later(mount.local / "readme.md", "pushed once")
    mount.push()  # the drive now holds it with the upload's time, not ours: only the bytes can tell they match
    mount.state.unlink()

    pulled = mount.pull()
    pushed = mount.push()

    assert not pulled.changed and not pulled.conflicts
    assert not pushed.changed and not pushed.conflicts


def test_links_planted_in_the_mount_are_never_followed_nor_sent(mount: Mount, tmp_path: Path) -> None:
    mount.pull()
    secret = tmp_path / "outside.txt"
    secret.write_text("not for the drive")
    (mount.local / "leak.txt").symlink_to(secret)
    (mount.local / "leak-folder").symlink_to(tmp_path)

    result = mount.push()

    assert not result.changed
    assert {item.path for item in result.skipped} == {"leak.txt", "leak-folder"}
    assert "not for the drive" not in files_under(mount.drive).values()


def test_what_a_killed_sync_left_in_its_staging_folder_is_cleared_and_never_synced(mount: Mount) -> None:
    mount.pull()
    leftover = mount.local / ".drive-sync-0a1b2c3d4e5f"
    leftover.mkdir()
    (leftover / "readme.md").write_text("half a downl")

    pushed = mount.push()
    pulled = mount.pull()

    assert not pushed.changed and not pulled.changed and not leftover.exists()
    assert ".drive-sync-0a1b2c3d4e5f/readme.md" not in files_under(mount.drive)


# Read-only


def test_a_read_only_mount_never_sends_local_edits_and_the_next_pull_undoes_them(mount: Mount) -> None:
    mount.read_only = True
    mount.pull()
    later(mount.local / "readme.md", "an edit that must not reach the drive")
    (mount.local / "notes.txt").write_text("a new file")
    drive_before = files_under(mount.drive)

    pushed = mount.push()
    pulled = mount.pull()

    assert pushed.refused == ["notes.txt", "readme.md"] and not pushed.changed
    assert files_under(mount.drive) == drive_before
    assert pulled.refused == ["notes.txt", "readme.md"]
    assert files_under(mount.local) == drive_before


# Failures, health and secrets


def test_a_stopped_server_reads_as_unreachable(mount: Mount) -> None:
    mount.pull()
    mount.server.stop()

    with pytest.raises(DriveError) as caught:
        mount.pull()

    assert caught.value.problem.code == "unreachable"
    assert caught.value.problem.reason.startswith("Cannot reach 127.0.0.1:")
    assert "refused" in caught.value.problem.reason
    assert caught.value.result is not None and not caught.value.result.changed


class RecordingRunner(ProcessRunner):
    """Starts rclone as usual, keeping each command line and environment, and what the config file looked like."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[list[str], dict[str, str]]] = []
        self.configs: list[tuple[int, str]] = []

    def start(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> subprocess.Popen[bytes]:
        self.calls.append((list(argv), dict(env)))
        config = Path(argv[list(argv).index("--config") + 1])
        self.configs.append((config.stat().st_mode & 0o777, config.read_text()))
        return super().start(argv, env, cwd)


def test_a_wrong_password_reads_as_auth_failed_and_no_secret_reaches_argv_env_or_error(
    mount: Mount, tmp_path: Path
) -> None:
    runner = RecordingRunner()
    wrong = "not-the-password-42"
    mount.access = DriveAccess(DriveKind.WEBDAV, url=mount.server.url, username="alice", password=wrong)

    with pytest.raises(DriveError) as caught:
        mount.pull(runner=runner)

    assert caught.value.problem.code == "auth_failed"
    assert "401" in caught.value.problem.reason
    [(argv, env)] = runner.calls
    assert argv[:2] == ["rclone", "lsjson"] and "--contimeout" in argv and "--low-level-retries" in argv
    [(mode, text)] = runner.configs
    assert mode == 0o600 and "pass = " in text
    for secret in (wrong, text.split("pass = ")[1].split()[0]):
        assert secret not in " ".join(argv) and secret not in " ".join(env.values())
        assert secret not in str(caught.value) and secret not in caught.value.problem.reason
    assert wrong not in text  # obscured in the file too
    assert set(env) == {"PATH", "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "TMPDIR", "LC_ALL", "LANG"}
    assert list(mount.work.iterdir()) == []  # the config's folder is gone after the sync


def test_the_sync_state_may_not_live_inside_the_mount(mount: Mount) -> None:
    with pytest.raises(DriveConfigError):
        mount.pull(state_file=mount.local / ".state.json")


def test_a_drive_at_a_private_address_is_refused_outside_local_mode(mount: Mount) -> None:
    with pytest.raises(DriveConfigError, match="https"):
        mount.pull(allow_private=False)
    mount.access = DriveAccess(DriveKind.WEBDAV, url=f"https://127.0.0.1:{mount.server.port}/", password="x")
    with pytest.raises(DriveConfigError, match="private"):
        mount.pull(allow_private=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="running rclone as another uid needs root")
def test_rclone_runs_as_the_jobs_user_and_what_it_brings_belongs_to_the_projects_group(mount: Mount) -> None:
    nobody, project_group = 65534, 4242  # like runner.sandbox: a pool user, the project's group on a setgid gate
    shared = Path(tempfile.mkdtemp(prefix="drive-uid-"))
    try:
        shared.chmod(0o755)
        local, work = shared / "files", shared / "tmp"
        local.mkdir()
        os.chown(local, 0, project_group)
        local.chmod(0o2770)
        work.mkdir(mode=0o700)
        os.chown(work, nobody, nobody)
        spawn = {"user": nobody, "group": nobody, "extra_groups": [project_group], "umask": 0o007}
        options = mount.options(work_dir=work, runner=ProcessRunner(spawn))

        result = pull(mount.access, "", local, **options)

        assert result.pulled == ["q3/north/sales.csv", "q3/report.docx", "readme.md"]
        for path in local.rglob("*"):
            assert (path.stat().st_uid, path.stat().st_gid) == (nobody, project_group)
            assert path.stat().st_mode & 0o070 == (0o070 if path.is_dir() else 0o060)
        assert list(work.iterdir()) == []  # its config folder, handed to it for the sync, is gone
    finally:
        shutil.rmtree(shared)


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("couldn't list files: Unauthorized: 401 Unauthorized", "auth_failed"),
        ('oauth2: cannot fetch token: 400 Bad Request Response: {"error":"invalid_grant"}', "auth_failed"),
        ("InvalidAccessKeyId: The AWS Access Key Id you provided does not exist", "auth_failed"),
        ("couldn't list files: 403 Forbidden", "forbidden"),
        ("error listing: directory not found", "not_found"),
        ("NoSuchBucket: The specified bucket does not exist", "not_found"),
        ("failed to upload: 507 Insufficient Storage", "quota"),
        ("quotaLimitReached: Insufficient Space Available", "quota"),
        ('Get "https://dav.example.com/": dial tcp 10.0.0.1:443: i/o timeout', "timeout"),
        ('Get "https://x/": dial tcp: lookup dav.example.com on 10.0.0.2:53: no such host', "unreachable"),
        ("x509: certificate signed by unknown authority", "tls"),
        ("something nobody has seen before", "failed"),
    ],
)
def test_rclone_failures_become_a_short_reason(message: str, code: str) -> None:
    assert classify([message]).code == code


def test_reasons_and_redaction_never_carry_a_secret() -> None:
    text = 'refresh failed {"refresh_token":"rt-123456","access_token":"at-abcdef"} Bearer eyJhbGciOi pw=hunter22'

    cleaned = redact(text, ["hunter22"])

    for secret in ("rt-123456", "at-abcdef", "eyJhbGciOi", "hunter22"):
        assert secret not in cleaned
    assert "hunter22" not in classify(["odd failure with hunter22 in it"], secrets=["hunter22"]).reason


# The decision table (runner/drives/plan.py), row by row

OLD_R, NEW_R, OLD_L, NEW_L = (5, "2026-01-01T00:00:00Z"), (6, "2026-01-02T00:00:00Z"), (5, "100"), (6, "200")
BASE = Base(OLD_R, OLD_L)


@pytest.mark.parametrize(
    ("base", "remote", "local", "pull_action", "push_action"),
    [
        (BASE, OLD_R, OLD_L, Action.NOTHING, Action.NOTHING),
        (BASE, NEW_R, OLD_L, Action.DOWNLOAD, Action.NOTHING),
        (BASE, OLD_R, NEW_L, Action.NOTHING, Action.UPLOAD),
        (BASE, NEW_R, NEW_L, Action.COMPARE, Action.COMPARE),
        (BASE, None, OLD_L, Action.DELETE_LOCAL, Action.NOTHING),
        (BASE, None, NEW_L, Action.KEEP, Action.UPLOAD),
        (BASE, OLD_R, None, Action.DOWNLOAD, Action.DELETE_REMOTE),
        (BASE, NEW_R, None, Action.DOWNLOAD, Action.KEEP),
        (BASE, None, None, Action.FORGET, Action.FORGET),
        (None, NEW_R, None, Action.DOWNLOAD, Action.NOTHING),
        (None, None, NEW_L, Action.NOTHING, Action.UPLOAD),
        (None, NEW_R, NEW_L, Action.COMPARE, Action.COMPARE),
    ],
)
def test_each_row_of_the_read_write_table(
    base: Base | None, remote: Stamp | None, local: Stamp | None, pull_action: Action, push_action: Action
) -> None:
    assert decide_pull(base, remote, local, read_only=False).action == pull_action
    assert decide_push(base, remote, local, read_only=False).action == push_action


@pytest.mark.parametrize(
    ("base", "remote", "local", "pull_action", "push_action"),
    [
        (BASE, OLD_R, OLD_L, Action.NOTHING, Action.NOTHING),
        (BASE, NEW_R, OLD_L, Action.DOWNLOAD, Action.NOTHING),
        (BASE, OLD_R, NEW_L, Action.DOWNLOAD, Action.REFUSE),  # a local edit: never sent, undone by the pull
        (BASE, OLD_R, None, Action.DOWNLOAD, Action.REFUSE),
        (BASE, None, OLD_L, Action.DELETE_LOCAL, Action.NOTHING),
        (None, None, NEW_L, Action.DELETE_LOCAL, Action.REFUSE),
        (None, NEW_R, NEW_L, Action.COMPARE, Action.REFUSE),  # no record: adopt when it matches, else download
    ],
)
def test_each_row_of_the_read_only_table(
    base: Base | None, remote: Stamp | None, local: Stamp | None, pull_action: Action, push_action: Action
) -> None:
    assert decide_pull(base, remote, local, read_only=True).action == pull_action
    assert decide_push(base, remote, local, read_only=True).action == push_action


def test_a_conflict_copy_is_named_after_the_drive_and_never_takes_a_used_name() -> None:
    moment = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    first = "q3/report (conflict 2026-12-06 0930 from drive).docx"

    assert conflict_name("q3/report.docx", set(), moment) == first
    assert conflict_name("q3/report.docx", {first}, moment) == "q3/report (conflict 2026-12-06 0930 from drive 2).docx"


# The config rclone reads, per kind


def dump(access: DriveAccess, work: Path, remote_path: str = "") -> dict[str, str]:
    with rclone_config(access, remote_path, work, allow_private=True) as config:
        assert config.path.stat().st_mode & 0o777 == 0o600
        assert config.folder.stat().st_mode & 0o777 == 0o700
        out = subprocess.run(["rclone", "--config", str(config.path), "config", "dump"],
                             capture_output=True, check=True, timeout=30, env={"PATH": os.environ["PATH"]})  # fmt: skip
    assert not config.folder.exists()
    return json.loads(out.stdout)["drive"]


TOKEN = OAuthToken("access-1", "refresh-1", "2026-01-01T00:00:00Z")


def test_onedrive_is_written_as_rclone_reads_it(tmp_path: Path) -> None:
    token = OAuthToken("access-1", "refresh-1", "2026-01-01T00:00:00+00:00")  # the domain's isoformat()
    access = DriveAccess(DriveKind.ONEDRIVE, client_id="cid", client_secret='s"e c#r;e`t ', token=token,
                         drive_id="b!drive", tenant_id="contoso.onmicrosoft.com",
                         extra={"drive_type": "business"})  # fmt: skip

    section = dump(access, tmp_path)

    assert section["type"] == "onedrive" and section["drive_type"] == "business"
    assert section["client_id"] == "cid" and section["client_secret"] == 's"e c#r;e`t '  # exactly, spaces and all
    assert section["drive_id"] == "b!drive"
    assert section["token_url"] == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    assert json.loads(section["token"]) == {"access_token": "access-1", "token_type": "Bearer",
                                            "refresh_token": "refresh-1", "expiry": "2026-01-01T00:00:00Z"}  # fmt: skip


@pytest.mark.parametrize("drive_type", ["personal", "business", "documentLibrary"])
def test_a_onedrive_has_the_type_graph_named_whatever_its_tenant(tmp_path: Path, drive_type: str) -> None:
    access = DriveAccess(DriveKind.ONEDRIVE, client_id="cid", token=TOKEN, drive_id="b!mine",
                         tenant_id="contoso.onmicrosoft.com", extra={"drive_type": drive_type})  # fmt: skip
    assert dump(access, tmp_path)["drive_type"] == drive_type


def test_sharepoint_is_a_document_library_with_the_tenants_addresses(tmp_path: Path) -> None:
    access = DriveAccess(DriveKind.SHAREPOINT, client_id="cid", client_secret="sec", token=TOKEN, drive_id="b!lib",
                         tenant_id="0c7d-tenant", token_url="https://login.example.com/t/token",
                         extra={"drive_type": "documentLibrary"})  # fmt: skip

    section = dump(access, tmp_path)

    assert section["type"] == "onedrive" and section["drive_type"] == "documentLibrary"
    assert section["auth_url"] == "https://login.microsoftonline.com/0c7d-tenant/oauth2/v2.0/authorize"
    assert section["token_url"] == "https://login.example.com/t/token"  # the configured one wins


def test_a_google_shared_drive_is_written_as_rclone_reads_it(tmp_path: Path) -> None:
    extra = {"scope": "drive.readonly", "bearer_token_command": "x"}
    access = DriveAccess(DriveKind.GDRIVE, client_id="cid.apps.googleusercontent.com", client_secret="gsec",
                         token=TOKEN, drive_id="0ABCteam", extra=extra)  # fmt: skip

    section = dump(access, tmp_path)

    assert section["type"] == "drive" and section["team_drive"] == "0ABCteam"
    assert section["scope"] == "drive.readonly" and section["client_secret"] == "gsec"
    assert "bearer_token_command" not in section  # extra settings pass only from a short, checked list


def test_s3_puts_the_bucket_in_the_remote_path_and_never_creates_it(tmp_path: Path) -> None:
    access = DriveAccess(DriveKind.S3, endpoint="https://s3.example.com", region="eu-west-1", bucket="team-data",
                         access_key_id="AKIAEXAMPLE", secret_access_key="wJalr/K7MDENG+bPxRfi")  # fmt: skip

    section = dump(access, tmp_path)
    with rclone_config(access, "/shared/q3/", tmp_path, allow_private=True) as config:
        root = config.root

    assert section == {"type": "s3", "provider": "Other", "env_auth": "false", "access_key_id": "AKIAEXAMPLE",
                       "secret_access_key": "wJalr/K7MDENG+bPxRfi", "endpoint": "https://s3.example.com",
                       "region": "eu-west-1", "no_check_bucket": "true"}  # fmt: skip
    assert root == "drive:team-data/shared/q3"


def test_a_webdav_password_is_obscured_the_way_rclone_reveals_it(tmp_path: Path) -> None:
    access = DriveAccess(DriveKind.WEBDAV, url="https://dav.example.com/remote.php/dav", username="bob",
                         password="pä ss\"wörd`")  # fmt: skip

    section = dump(access, tmp_path)
    # "--": an obscured value is base64url, so one in 32 starts with "-" and would read as a flag
    revealed = subprocess.run(["rclone", "reveal", "--", section["pass"]], capture_output=True, check=True, timeout=30,
                              env={"PATH": os.environ["PATH"]})  # fmt: skip

    assert section["vendor"] == "other" and section["user"] == "bob" and section["pass"] != access.password
    assert revealed.stdout.decode().rstrip("\n") == 'pä ss"wörd`'


def test_a_onedrive_without_its_drive_id_says_so_before_rclone_runs(tmp_path: Path) -> None:
    access = DriveAccess(DriveKind.ONEDRIVE, client_id="cid", token=TOKEN)

    with pytest.raises(DriveConfigError, match="drive_id") as caught:
        probe(access, "", work_dir=tmp_path, allow_private=True)

    assert caught.value.problem.code == "misconfigured" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", ["../up", "a/../b", "a\nb"])
def test_a_folder_on_the_drive_must_be_a_plain_path(tmp_path: Path, path: str) -> None:
    with (
        pytest.raises(DriveConfigError),
        rclone_config(DriveAccess(DriveKind.WEBDAV, url="https://x/"), path, tmp_path),
    ):
        pass


# Token refresh at the configured token URL


class TokenEndpoint:
    """A fake OAuth token endpoint on 127.0.0.1 that records each request and hands out a fresh token."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                basic = self.headers.get("Authorization", "")
                if basic.startswith("Basic "):  # Go's oauth2 sends the client id and secret this way first
                    client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                    form |= {"client_id": form.get("client_id", client_id), "client_secret": secret}
                endpoint.requests.append({"path": self.path, **form})
                body = json.dumps({"access_token": "fresh-access", "token_type": "Bearer",
                                   "refresh_token": "rotated-refresh", "expires_in": 3600}).encode()  # fmt: skip
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/oauth2/token"

    def __enter__(self) -> TokenEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.mark.parametrize("kind", [DriveKind.ONEDRIVE, DriveKind.GDRIVE])
def test_an_expired_token_is_refreshed_at_the_configured_token_url(tmp_path: Path, kind: DriveKind) -> None:
    expired = OAuthToken("old-access", "refresh-1", "2020-01-01T00:00:00Z")
    with TokenEndpoint() as endpoint:
        drive_id = "b!drive" if kind is DriveKind.ONEDRIVE else None
        access = DriveAccess(kind, client_id="client-7", client_secret="client-secret-7", token=expired,
                             token_url=endpoint.url, drive_id=drive_id)  # fmt: skip

        with pytest.raises(DriveError) as caught:  # the drive's API itself is out of reach from here
            probe(access, "", work_dir=tmp_path, allow_private=True, deadline=time.monotonic() + 30)

    [request] = endpoint.requests
    assert request["path"] == "/oauth2/token" and request["grant_type"] == "refresh_token"
    assert request["refresh_token"] == "refresh-1" and request["client_id"] == "client-7"
    assert caught.value.problem.code in ("unreachable", "auth_failed", "timeout")
    assert "client-secret-7" not in str(caught.value) and "fresh-access" not in str(caught.value)
    assert caught.value.result is not None and caught.value.result.refreshed_token is not None
    refreshed = caught.value.result.refreshed_token
    assert (refreshed.access_token, refreshed.refresh_token) == ("fresh-access", "rotated-refresh")
    assert refreshed.expires_at is not None and refreshed.expires_at.endswith("Z")
