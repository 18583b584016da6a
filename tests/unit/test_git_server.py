"""The test Git server (tests/support/git_server.py) against the plain git CLI: clone, push, auth, hooks, gzip.

Integration (not `unit`): it starts git processes and a server on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.git_server import GitError, GitServer

TIMEOUT = 60


@pytest.fixture
def server(tmp_path: Path) -> Iterator[GitServer]:
    with GitServer(tmp_path / "remotes") as started:
        started.create("team.git")
        yield started


def git(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(cwd or Path.cwd()),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "LANG": "C",
    }
    identity = ["-c", "user.name=Tess Tester", "-c", "user.email=tess@example.com"]
    done = subprocess.run(
        ["git", *identity, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def header(server: GitServer, password: str | None = None) -> list[str]:
    return ["-c", f"http.extraHeader=Authorization: {server.authorization(password=password)}"]


def test_a_clone_commit_and_push_reach_the_bare_repository(server: GitServer, tmp_path: Path) -> None:
    # Given an empty repository on the server
    work = tmp_path / "work"

    # When the git CLI clones it with the credentials, commits and pushes
    git(*header(server), "clone", server.url("team.git"), str(work))
    (work / "notes.md").write_text("# Notes\n")
    git("add", "notes.md", cwd=work)
    git("commit", "-m", "First notes", cwd=work)
    git(*header(server), "push", "origin", "HEAD:main", cwd=work)

    # Then the bare repository has the commit on main, by its author, and every request was authorized
    assert server.log("team.git") == [
        f"{git('rev-parse', 'HEAD', cwd=work).stdout.strip()} Tess Tester <tess@example.com> First notes"
    ]
    assert server.read("team.git", "notes.md") == "# Notes\n"
    assert server.requests and all(request.authorized for request in server.requests)
    assert any(r.method == "POST" and r.path.endswith("/git-receive-pack") for r in server.requests)


def test_credentials_in_the_url_work_too_and_someone_elses_commit_is_fetched(server: GitServer, tmp_path: Path) -> None:
    # Given a commit someone else pushed
    sha = server.commit("team.git", {"theirs.md": "from them\n"}, "Their change")

    # When the CLI clones with the credentials in the URL (in this test only)
    url = server.url("team.git").replace("http://", f"http://{server.username}:{server.password}@")
    git("clone", url, str(tmp_path / "copy"))

    # Then the clone holds their commit and file
    assert git("rev-parse", "HEAD", cwd=tmp_path / "copy").stdout.strip() == sha
    assert (tmp_path / "copy" / "theirs.md").read_text() == "from them\n"
    assert server.log("team.git", fmt="%an %s") == ["Someone Else Their change"]


def test_wrong_or_missing_credentials_are_answered_401_with_basic(server: GitServer, tmp_path: Path) -> None:
    refs = f"{server.url('team.git')}/info/refs?service=git-upload-pack"

    missing = requests.get(refs, timeout=TIMEOUT)
    wrong = requests.get(refs, headers={"Authorization": server.authorization(password="nope")}, timeout=TIMEOUT)
    right = requests.get(refs, headers={"Authorization": server.authorization()}, timeout=TIMEOUT)

    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert missing.headers["WWW-Authenticate"].startswith("Basic")
    assert right.headers["Content-Type"] == "application/x-git-upload-pack-advertisement"
    assert [r.authorized for r in server.requests] == [False, False, True]

    refused = git(*header(server, password="wrong"), "clone", server.url("team.git"), str(tmp_path / "x"), check=False)
    assert refused.returncode != 0
    # (refused with a header, git asks for a username; refused with URL credentials, it says so)
    assert "could not read Username" in refused.stderr
    url = server.url("team.git").replace("http://", f"http://{server.username}:wrong@")
    refused = git("clone", url, str(tmp_path / "y"), check=False)
    assert refused.returncode != 0 and "Authentication failed" in refused.stderr


def test_a_pre_receive_hook_refuses_pushes_with_its_message(server: GitServer, tmp_path: Path) -> None:
    # Given a repository whose hook refuses pushes
    server.commit("team.git", {"a.md": "a\n"})
    server.reject_pushes("team.git", "policy: no pushes on Fridays")
    work = tmp_path / "work"
    git(*header(server), "clone", server.url("team.git"), str(work))
    (work / "b.md").write_text("b\n")
    git("add", "b.md", cwd=work)
    git("commit", "-m", "Friday work", cwd=work)

    # When the CLI pushes
    pushed = git(*header(server), "push", "origin", "HEAD:main", cwd=work, check=False)

    # Then the push fails with the hook's message, and the remote is unchanged
    assert pushed.returncode != 0
    assert "policy: no pushes on Fridays" in pushed.stderr
    assert "pre-receive hook declined" in pushed.stderr
    assert len(server.log("team.git")) == 1
    with pytest.raises(GitError, match="pre-receive hook declined"):
        server.commit("team.git", {"c.md": "c\n"})

    # And once the hook is gone the same push goes through
    server.accept_pushes("team.git")
    git(*header(server), "push", "origin", "HEAD:main", cwd=work)
    assert len(server.log("team.git")) == 2


def test_a_large_push_is_sent_chunked_and_arrives_whole(server: GitServer, tmp_path: Path) -> None:
    # Given a commit with 3 MB of incompressible data (more than git's 1 MB post buffer: a chunked POST)
    work = tmp_path / "work"
    git(*header(server), "clone", server.url("team.git"), str(work))
    data = os.urandom(3 * 1024 * 1024)
    (work / "big.bin").write_bytes(data)
    git("add", "big.bin", cwd=work)
    git("commit", "-m", "Big", cwd=work)

    # When it is pushed
    git(*header(server), "push", "origin", "HEAD:main", cwd=work)

    # Then the remote has it byte for byte
    blob = subprocess.run(
        ["git", "--git-dir", str(server.path("team.git")), "cat-file", "blob", "main:big.bin"],
        capture_output=True,
        timeout=TIMEOUT,
        check=True,
    ).stdout
    assert blob == data
    git("--git-dir", str(server.path("team.git")), "fsck", "--strict")


def test_a_gzip_request_body_is_inflated_by_the_backend(server: GitServer) -> None:
    # Given a commit on the server and an upload-pack request (protocol v0) for it, gzip-compressed as git sends
    sha = server.commit("team.git", {"a.md": "a\n"})
    want = f"want {sha} ofs-delta\n"
    body = f"{len(want) + 4:04x}{want}0000" + "0009done\n"

    # When it is posted with Content-Encoding: gzip
    answer = requests.post(
        f"{server.url('team.git')}/git-upload-pack",
        data=gzip.compress(body.encode()),
        headers={
            "Authorization": server.authorization(),
            "Content-Type": "application/x-git-upload-pack-request",
            "Content-Encoding": "gzip",
        },
        timeout=TIMEOUT,
    )

    # Then the backend answers with a pack
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "application/x-git-upload-pack-result"
    assert b"PACK" in answer.content


def test_an_unknown_repository_is_404(server: GitServer) -> None:
    answer = requests.get(
        f"{server.url('missing.git')}/info/refs?service=git-upload-pack",
        headers={"Authorization": server.authorization()},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 404
