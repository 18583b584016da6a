"""The Git screen in real Chromium against a real local stack: the runner drives the real git against a bare repository
served over smart HTTP with basic auth (tests/support/git_server.py), and the real Claude CLI against the scripted fake
Messages API for the commit message. A person sees an uploaded file under Changes, stages it, reads its diff, has a
message generated, commits, sets the remote and pushes; a push the remote refuses because it moved on shows the
server's message and a Pull button, which pulls, after which the push goes through (on a phone-sized screen)."""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import watch
from tests.support.accounts_e2e import Session, admin_session, seed_session
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.git_server import GitServer
from tests.support.stack import LocalStack, wait_until

pytestmark = [pytest.mark.e2e, requires_claude]

# A Git job crosses SQS and a runner (a cold one first); a push or pull also talks to the remote: bounds, not sleeps.
GIT_TIMEOUT_MS = 90_000
HTTP_TIMEOUT = 60  # one API call (the API itself waits at most 25 s for a Git job)
JOB_TIMEOUT = 120  # a write that answered 202, until its job ends
REMOTE_USER = "alice"
SCREENSHOTS = os.environ.get("SPA_SCREENSHOTS")  # a folder: save what the test sees, to look at it
NOTES = "# Notes\n\nThe budget is approved.\nShip the report on Friday.\n"


@pytest.fixture(scope="module")
def remote_token() -> str:
    return f"s3cret-token-{secrets.token_hex(8)}"


@pytest.fixture(scope="module")
def git_server(tmp_path_factory: pytest.TempPathFactory, remote_token: str) -> Iterator[GitServer]:
    with GitServer(tmp_path_factory.mktemp("spa-git-remotes"), username=REMOTE_USER, password=remote_token) as server:
        yield server


# --- the API, for what the test sets up ------------------------------------------------------------------------------


def call(stack: LocalStack, session: Session, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = requests.request(
        method,
        f"{stack.base_url}{path}",
        headers={"Authorization": f"Bearer {session.token}"},
        timeout=HTTP_TIMEOUT,
        **kwargs,
    )
    return response.status_code, (response.json() if response.content else None)


def git_ok(stack: LocalStack, session: Session, method: str, route: str, **fields: Any) -> Any:
    """One Git write through the API; a 202 is followed to its job's end (bounded)."""
    status, body = call(stack, session, method, f"/api/git{route}", json=fields)
    if status == 202:
        job = wait_until(
            lambda: (j := call(stack, session, "GET", f"/api/git/jobs/{body['jobId']}")[1])["state"] != "running" and j,
            timeout=JOB_TIMEOUT,
            interval=0.5,
            what=f"the git {body['op']} job",
        )
        assert job["state"] == "succeeded", job
        return job["result"]
    assert status in (200, 201), f"{method} {route}: {status} {body}"
    return body


def new_project(stack: LocalStack, session: Session, name: str) -> dict[str, Any]:
    status, project = call(stack, session, "POST", "/api/projects", json={"name": f"{name} {time.monotonic_ns()}"})
    assert status == 201, project
    return dict(project)


def upload(stack: LocalStack, session: Session, project: dict[str, Any], name: str, content: str) -> None:
    """A file uploaded to the project's top folder, as the Files screen's direct upload sends it."""
    parts = [("files", (name, content.encode(), "text/markdown"))]
    status, body = call(stack, session, "POST", f"/api/files/{project['id']}/upload-documents", files=parts)
    assert status == 201, body


def pushed_project(
    stack: LocalStack, session: Session, server: GitServer, token: str, name: str, files: dict[str, str]
) -> tuple[dict[str, Any], str]:
    """A project holding `files`, committed ("Start the plan") and pushed to a new bare repository; and its name."""
    project = new_project(stack, session, name)
    for path, content in files.items():
        upload(stack, session, project, path, content)
    bare = f"plan-{secrets.token_hex(4)}.git"
    server.create(bare)
    pid = project["id"]
    git_ok(stack, session, "POST", "/init", projectId=pid)
    git_ok(
        stack, session, "PUT", "/remotes/origin", projectId=pid, url=server.url(bare), username=REMOTE_USER, token=token
    )
    git_ok(stack, session, "POST", "/stage", projectId=pid, all=True)
    git_ok(stack, session, "POST", "/commit", projectId=pid, message="Start the plan")
    git_ok(stack, session, "POST", "/push", projectId=pid)
    return project, bare


def commit_locally(stack: LocalStack, session: Session, project: dict[str, Any], path: str, content: str) -> None:
    """The project's file written (as the Files editor saves it), staged and committed as `path`."""
    status, body = call(
        stack, session, "PUT", f"/api/projects/{project['id']}/files/content", json={"path": path, "content": content}
    )
    assert status == 200, body
    git_ok(stack, session, "POST", "/stage", projectId=project["id"], paths=[path])
    git_ok(stack, session, "POST", "/commit", projectId=project["id"], message=f"Change {path}")


# --- the page ----------------------------------------------------------------------------------------------------


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"git-{name}.png"), full_page=True)


def open_git(page: Page, project: dict[str, Any]) -> None:
    """Opens Git from the navigation and picks the project."""
    page.goto("/chat")
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Git").click()
    expect(page.get_by_role("heading", name="Git", level=1)).to_be_visible()
    page.get_by_label("Project", exact=True).select_option(label=project["name"])
    expect(page).to_have_url(re.compile(rf"/git\?project={project['id']}$"))


def group(page: Page, name: str) -> Locator:
    """The list of files under the "Staged" or "Changes" heading."""
    return page.get_by_role("list", name=re.compile(rf"^{name}"))


def file_row(page: Page, name: str, path: str) -> Locator:
    return group(page, name).locator(f'.git-file[data-path="{path}"]')


def flash(page: Page) -> Locator:
    return page.locator(".git-top > .flash")


def test_a_person_sees_the_change_generates_a_message_commits_and_pushes(
    page: Page, stack: LocalStack, api: FakeAnthropic, git_server: GitServer, remote_token: str
) -> None:
    # Given a project holding an uploaded file, an empty bare repository on a Git server, and a signed-in owner
    problems = watch(page)
    admin = admin_session(stack)
    project = new_project(stack, admin, "Git notes")
    upload(stack, admin, project, "notes.md", NOTES)
    bare = f"notes-{secrets.token_hex(4)}.git"
    git_server.create(bare)
    seed_session(page, admin)
    page.set_viewport_size({"width": 1400, "height": 900})

    # When they open Git, the project has no repository: they initialize it
    open_git(page, project)
    expect(page.get_by_role("heading", name="This project has no repository yet")).to_be_visible(timeout=GIT_TIMEOUT_MS)
    page.get_by_role("button", name="Initialize repository").click()

    # Then the uploaded file is under Changes, untracked, and nothing is staged
    row = file_row(page, "Changes", "notes.md")
    expect(row).to_be_visible(timeout=GIT_TIMEOUT_MS)
    expect(row.locator(".git-badge")).to_have_text("Untracked")
    expect(page.get_by_text("Nothing staged yet")).to_be_visible()
    expect(page.get_by_role("button", name="Commit", exact=True)).to_be_disabled()
    expect(page.locator("#git-commit-reason")).to_have_text("Stage the changes to commit first.")

    # When they stage it, then it moves to Staged as added, and its diff shows the lines it adds
    row.get_by_role("button", name="Stage notes.md").click()
    staged = file_row(page, "Staged", "notes.md")
    expect(staged).to_be_visible(timeout=GIT_TIMEOUT_MS)
    expect(staged.locator(".git-badge")).to_have_text("Added")
    expect(file_row(page, "Changes", "notes.md")).to_have_count(0)
    staged.locator(".git-file-open").click()
    diff = page.get_by_role("region", name="notes.md")
    expect(diff).to_have_attribute("data-staged", "true")
    expect(diff.locator('tr[data-kind="insert"]').filter(has_text="The budget is approved.")).to_be_visible(
        timeout=GIT_TIMEOUT_MS
    )
    expect(diff.locator('tr[data-kind="delete"]')).to_have_count(0)
    snap(page, "staged")

    # When they ask Claude for a message, then the box holds what the model wrote
    api.script(Reply.text("Add the notes"))
    page.get_by_role("button", name="Generate").click()
    message = page.get_by_label("Commit message")
    expect(message).to_have_value(re.compile(r"^\s*Add the notes\s*$"), timeout=GIT_TIMEOUT_MS)
    expect(page.locator("#git-commit-reason")).to_have_text("")

    # When they commit, then the commit is confirmed with its short sha and heads the history
    page.get_by_role("button", name="Commit", exact=True).click()
    confirmation = page.locator(".git-commit .flash")
    expect(confirmation).to_contain_text("Add the notes", timeout=GIT_TIMEOUT_MS)
    short_sha = confirmation.locator(".git-sha").inner_text()
    assert re.fullmatch(r"[0-9a-f]{7,12}", short_sha), short_sha
    expect(page.get_by_text("No changes: the files are as in the last commit.")).to_be_visible()
    history = page.get_by_role("list", name="History")
    expect(history.locator(".git-commit-row").first).to_contain_text("Add the notes")
    expect(history.locator(".git-commit-row").first).to_contain_text(short_sha)
    expect(message).to_have_value("")

    # When they add the remote with its token, then only the token's last characters are shown
    page.get_by_role("button", name="Add remote").click()
    dialog = page.get_by_role("dialog", name="Add a remote")
    dialog.get_by_label("Repository URL").fill(git_server.url(bare))
    dialog.get_by_label("User name").fill(REMOTE_USER)
    dialog.get_by_label("Access token").fill(remote_token)
    dialog.get_by_role("button", name="Save remote").click()
    expect(dialog).to_have_count(0, timeout=GIT_TIMEOUT_MS)
    remote = page.locator('.git-remote[data-remote="origin"]')
    expect(remote).to_contain_text(git_server.url(bare), timeout=GIT_TIMEOUT_MS)
    expect(remote).to_contain_text(f"{REMOTE_USER} · access token ending …{remote_token[-4:]}")
    assert remote_token not in page.content()

    # When they push, then the screen says so and the branch is level with the remote
    page.get_by_role("button", name="Push", exact=True).click()
    expect(flash(page)).to_have_text("Pushed main to origin.", timeout=GIT_TIMEOUT_MS)
    expect(page.locator("#git-sync-summary")).to_contain_text("Up to date with origin/main.")
    snap(page, "pushed")

    # Then the commit reached the remote, by the signed-in person, with the file
    log = git_server.log(bare, fmt="%h %an %s")
    assert len(log) == 1, log
    sha, author, subject = log[0].split(" ", 2)
    assert (author, subject) == (admin.user["username"], "Add the notes"), log
    assert short_sha.startswith(sha) or sha.startswith(short_sha), (short_sha, log)
    assert git_server.read(bare, "notes.md") == NOTES
    assert not problems, problems.summary()


def test_a_push_the_remote_refuses_shows_its_message_and_pull_brings_the_branch_level(
    page: Page, stack: LocalStack, git_server: GitServer, remote_token: str
) -> None:
    # Given a project pushed to its remote, a newer commit someone else pushed, and a local commit of its own
    problems = watch(page)
    admin = admin_session(stack)
    project, bare = pushed_project(stack, admin, git_server, remote_token, "Git moved on", {"plan.md": "# Plan\n"})
    theirs = git_server.commit(bare, {"theirs.md": "Someone else's page\n"}, "Their page")
    commit_locally(stack, admin, project, "mine.md", "My page\n")

    # When they open Git on a phone and push
    page.set_viewport_size({"width": 390, "height": 844})
    seed_session(page, admin)
    open_git(page, project)
    push = page.get_by_role("button", name="Push", exact=True)
    expect(push).to_be_enabled(timeout=GIT_TIMEOUT_MS)
    push.click()

    # Then the server's message shows, with a Pull button
    alert = page.locator('.git-problem[data-code="push_rejected"]')
    expect(alert).to_be_visible(timeout=GIT_TIMEOUT_MS)
    expect(alert).to_contain_text("The push did not go through")
    expect(alert).to_contain_text(re.compile(r"pull", re.IGNORECASE))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the screen scrolls sideways on a phone"
    snap(page, "push-rejected")

    # When they pull from there, then the remote's commit is merged and the push goes through
    alert.get_by_role("button", name="Pull").click()
    expect(flash(page)).to_have_text(re.compile(r"^Pulled"), timeout=GIT_TIMEOUT_MS)
    expect(alert).to_have_count(0)
    push.click()
    expect(flash(page)).to_have_text("Pushed main to origin.", timeout=GIT_TIMEOUT_MS)

    # Then the remote holds both sides' commits
    subjects = git_server.log(bare, fmt="%s")
    assert {"Start the plan", "Their page", "Change mine.md"} <= set(subjects), subjects
    assert theirs in git_server.log(bare, fmt="%H"), subjects
    assert git_server.read(bare, "mine.md") == "My page\n"
    assert not problems.excluding((409, "/api/git/push")), problems.summary()


def test_a_pull_that_stops_on_conflicts_lists_them_and_the_merge_can_be_aborted(
    page: Page, stack: LocalStack, git_server: GitServer, remote_token: str
) -> None:
    # Given a pushed project whose plan.md both someone else (pushed) and the person (committed) changed
    problems = watch(page)
    admin = admin_session(stack)
    project, bare = pushed_project(stack, admin, git_server, remote_token, "Git conflict", {"plan.md": "# Plan\n"})
    git_server.commit(bare, {"plan.md": "# Plan\nTheir line.\n"}, "Their plan")
    commit_locally(stack, admin, project, "plan.md", "# Plan\nMy line.\n")
    seed_session(page, admin)
    open_git(page, project)

    # When they pull
    pull = page.get_by_role("button", name="Pull", exact=True)
    expect(pull).to_be_enabled(timeout=GIT_TIMEOUT_MS)
    pull.click()

    # Then the server's message shows and the conflict view lists the file, whose diff holds both sides
    alert = page.locator('.git-problem[data-code="merge_conflict"]')
    expect(alert).to_be_visible(timeout=GIT_TIMEOUT_MS)
    conflicts = page.get_by_role("region", name="Merge conflicts")
    expect(conflicts).to_be_visible(timeout=GIT_TIMEOUT_MS)
    conflicts.get_by_role("button", name=re.compile(r"^plan\.md")).click()
    diff = page.get_by_role("region", name="plan.md")
    expect(diff).to_contain_text("This file has conflicts", timeout=GIT_TIMEOUT_MS)
    expect(diff.locator(".git-diff")).to_contain_text("My line.")
    expect(diff.locator(".git-diff")).to_contain_text("Their line.")
    expect(page.get_by_role("button", name="Commit", exact=True)).to_be_disabled()
    expect(page.locator("#git-commit-reason")).to_have_text(
        "Resolve the conflicts first: edit the files, then stage them."
    )
    snap(page, "conflicts")

    # When they abort the merge, it asks first; confirmed, the conflict view goes and the file is as before the pull
    conflicts.get_by_role("button", name="Abort merge").click()
    dialog = page.get_by_role("dialog", name="Abort the merge?")
    dialog.get_by_role("button", name="Abort merge").click()
    expect(dialog).to_have_count(0, timeout=GIT_TIMEOUT_MS)
    expect(flash(page)).to_have_text(re.compile(r"^Aborted the merge"), timeout=GIT_TIMEOUT_MS)
    expect(conflicts).to_have_count(0)
    expect(page.get_by_text("No changes: the files are as in the last commit.")).to_be_visible()
    status, content = call(
        stack, admin, "GET", f"/api/projects/{project['id']}/files/content", params={"path": "plan.md"}
    )
    assert (status, content["content"]) == (200, "# Plan\nMy line.\n"), content
    assert not problems.excluding((409, "/api/git/pull")), problems.summary()
