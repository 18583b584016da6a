"""The Files screen in real Chromium against the real local stack: a Word document dropped on the panel, posted to
S3 with a progress bar, converted by the ingest function and read as rendered Markdown (its picture included); a
text file chosen with the picker, read, edited (and a conflicting change refused), renamed and deleted; a code file
highlighted; a file over the limit refused before anything is sent; an upload cancelled on its way to storage."""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, FilePayload, JSHandle, Locator, Page, Route, expect

from tests.e2e.browser import PageProblems, watch
from tests.support.accounts_e2e import admin_session, call, seed_session
from tests.support.documents import REPORT_IMAGE_ALT, REPORT_TABLE, report_docx
from tests.support.stack import LocalStack, wait_until

pytestmark = pytest.mark.e2e

UI_TIMEOUT_MS = 10_000
INGEST_TIMEOUT_MS = 60_000  # S3's event crosses the local notification to the ingest function: a bound, not a sleep
SCREENSHOTS = os.environ.get("SPA_SCREENSHOTS")  # a folder: save what the test sees, to look at it
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Every status an upload shows and whether a progress bar appeared, recorded as the page changes.
RECORD_UPLOADS = """() => {
    window.__uploadStatuses = [];
    window.__sawProgress = false;
    new MutationObserver(() => {
        if (document.querySelector('.file-upload progress')) window.__sawProgress = true;
        for (const status of document.querySelectorAll('.file-upload-status')) {
            const text = status.textContent.trim();
            if (text && text !== window.__uploadStatuses.at(-1)) window.__uploadStatuses.push(text);
        }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""
DROPPED_FILE = """({ b64, name, type }) => {
    const bytes = Uint8Array.from(atob(b64), (char) => char.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, { type }));
    return transfer;
}"""
DROPPED_ZEROS = """({ size, name }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(size)], name, { type: 'application/octet-stream' }));
    return transfer;
}"""


@pytest.fixture
def page(browser: Browser, local_stack: LocalStack) -> Iterator[Page]:
    """A fresh browser context on the session's stack (the Files screen needs no Claude)."""
    context = browser.new_context(base_url=local_stack.base_url, viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def token(stack: LocalStack) -> str:
    return admin_session(stack).token


def open_files(page: Page, stack: LocalStack, name: str) -> dict[str, Any]:
    """Creates a project, signs the page in and picks the project on the Files screen; returns the project."""
    status, project = call(stack, "POST", "/api/projects", {"name": f"{name} {time.monotonic_ns()}"}, token(stack))
    assert status == 201, project
    seed_session(page, admin_session(stack))
    page.goto("/files")
    expect(page.get_by_role("heading", name="Files", level=1)).to_be_visible()
    page.get_by_label("Project", exact=True).select_option(label=project["name"])
    expect(page.get_by_text("No files yet — drop files here or choose them.")).to_be_visible(timeout=UI_TIMEOUT_MS)
    return dict(project)


def files_url(project: dict[str, Any], path: str = "") -> str:
    return f"/api/projects/{project['id']}/files{path}"


def panel(page: Page) -> Locator:
    return page.get_by_role("region", name="Files", exact=True)


def tree_item(page: Page, path: str) -> Locator:
    return panel(page).locator(f'.file-row-open[data-path="{path}"]')


def tree_row(page: Page, path: str) -> Locator:
    return panel(page).locator(".file-row", has=page.locator(f'.file-row-open[data-path="{path}"]'))


def upload_row(page: Page, name: str) -> Locator:
    return page.get_by_role("region", name="Uploads").locator(".file-upload").filter(has_text=name)


def viewer(page: Page) -> Locator:
    return page.locator(".file-viewer[data-path]")


def drop(page: Page, transfer: JSHandle) -> None:
    """Drags the files of `transfer` over the panel and drops them, as a person dragging from the desktop does."""
    zone = panel(page)
    for event in ("dragenter", "dragover", "drop"):
        zone.dispatch_event(event, {"dataTransfer": transfer})


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"files-{name}.png"), full_page=True)


def test_a_word_document_dropped_on_the_panel_is_converted_and_its_markdown_renders(
    page: Page, local_stack: LocalStack
):
    problems = watch(page)
    open_files(page, local_stack, "Reports")
    page.evaluate(RECORD_UPLOADS)

    # Given a Word report dragged from the desktop onto the panel
    data = base64.b64encode(report_docx()).decode()
    transfer = page.evaluate_handle(DROPPED_FILE, {"b64": data, "name": "report.docx", "type": DOCX})
    drop(page, transfer)

    # Then it is posted with a progress bar, processed, and converted to Markdown
    row = upload_row(page, "report.docx")
    expect(row).to_contain_text("converted to Markdown", timeout=INGEST_TIMEOUT_MS)
    expect(row).to_have_attribute("data-phase", "converted")
    statuses = page.evaluate("window.__uploadStatuses")
    assert page.evaluate("window.__sawProgress") or any(
        re.match(r"(uploading \d+%|processing)", s) for s in statuses
    ), statuses
    assert statuses[-1].startswith("converted to Markdown"), statuses
    # And the tree shows the document, its Markdown and the folder of its pictures
    expect(tree_item(page, "report.docx")).to_be_visible()
    expect(tree_item(page, "report.docx.md")).to_be_visible()
    expect(panel(page).locator('[data-folder="report_files"]')).to_be_visible()
    snap(page, "converted")

    # When the Markdown is opened from the upload's link
    row.get_by_role("button", name="Open report.docx.md").click()

    # Then it is rendered: headings, the table, and the picture loaded from the project into a blob: URL
    document = viewer(page).locator(".file-markdown")
    expect(document.get_by_role("heading", name="Quarterly report")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(document.get_by_role("heading", name="Highlights")).to_be_visible()
    expect(document.get_by_role("table")).to_be_visible()
    for header in REPORT_TABLE[0]:
        expect(document.get_by_role("columnheader", name=header)).to_be_visible()
    expect(document.get_by_role("cell", name="North")).to_be_visible()
    picture = document.get_by_role("img", name=REPORT_IMAGE_ALT)
    expect(picture).to_have_attribute("src", re.compile(r"^blob:"), timeout=UI_TIMEOUT_MS)
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("img => img.naturalWidth") > 0
    expect(page).to_have_url(re.compile(r"path=report\.docx\.md"))
    snap(page, "markdown")

    # And the source is one click away
    viewer(page).get_by_role("button", name="Source").click()
    expect(viewer(page).locator(".file-code")).to_contain_text("# Quarterly report")
    expect(viewer(page).get_by_role("button", name="Source")).to_have_attribute("aria-pressed", "true")

    # And the Word document itself offers its download and its Markdown version
    tree_item(page, "report.docx").click()
    expect(viewer(page).get_by_text("This file cannot be shown here.")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(viewer(page).locator(".file-binary").get_by_role("button", name="Download")).to_be_visible()
    viewer(page).get_by_role("button", name="Open the Markdown version").click()
    expect(viewer(page).get_by_role("heading", name="report.docx.md", level=2)).to_be_visible()

    assert not problems, problems.summary()


def test_a_text_file_chosen_with_the_picker_is_edited_renamed_and_deleted(page: Page, local_stack: LocalStack):
    problems = watch(page)
    project = open_files(page, local_stack, "Notes")

    # Given a text file and a Python file chosen with the file picker
    page.locator("#files-picker").set_input_files(
        [
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"First line\n"},
            {"name": "tool.py", "mimeType": "text/x-python", "buffer": b"def greet(name):\n    return name\n"},
        ]
    )
    expect(upload_row(page, "notes.txt")).to_have_attribute("data-phase", "stored", timeout=INGEST_TIMEOUT_MS)
    expect(upload_row(page, "tool.py")).to_have_attribute("data-phase", "stored", timeout=INGEST_TIMEOUT_MS)

    # Then the code file is highlighted
    tree_item(page, "tool.py").click()
    code = viewer(page).locator(".file-code")
    expect(code.locator(".hljs-keyword").first).to_have_text("def", timeout=UI_TIMEOUT_MS)
    expect(code).to_have_attribute("data-language", "python")
    snap(page, "code")

    # When the text file is opened, edited and saved
    tree_item(page, "notes.txt").click()
    expect(viewer(page).locator(".file-code")).to_have_text("First line\n", timeout=UI_TIMEOUT_MS)
    viewer(page).get_by_role("button", name="Edit").click()
    editor = page.get_by_label("Content of notes.txt")
    expect(editor).to_be_focused()
    editor.fill("First line\nSecond line\n")
    page.get_by_role("button", name="Save").click()

    # Then the new content shows, and is still there after a reload (the open file is in the URL)
    expect(viewer(page).locator(".file-code")).to_have_text("First line\nSecond line\n", timeout=UI_TIMEOUT_MS)
    expect(tree_row(page, "notes.txt")).to_contain_text("23 bytes")  # the tree has refreshed too
    page.reload()
    expect(viewer(page).locator(".file-code")).to_have_text("First line\nSecond line\n", timeout=UI_TIMEOUT_MS)

    # And a change made elsewhere since the file was opened is not overwritten by surprise
    viewer(page).get_by_role("button", name="Edit").click()
    status, saved = call(
        local_stack,
        "PUT",
        files_url(project, "/content"),
        {"path": "notes.txt", "content": "Changed elsewhere\n"},
        token(local_stack),
    )
    assert status == 200, saved
    page.get_by_label("Content of notes.txt").fill("Mine\n")
    page.get_by_role("button", name="Save").click()
    expect(viewer(page).locator(".file-conflict")).to_contain_text("notes.txt changed since you opened it")
    snap(page, "conflict")
    page.get_by_role("button", name="Reload the file").click()
    expect(viewer(page).locator(".file-code")).to_have_text("Changed elsewhere\n", timeout=UI_TIMEOUT_MS)

    # When it is renamed into a new folder
    viewer(page).get_by_role("button", name="Rename / Move").click()
    dialog = page.get_by_role("dialog", name="Rename or move notes.txt")
    dialog.get_by_label("New path").fill("archive/kept.txt")
    dialog.get_by_role("button", name="Rename / Move").click()

    # Then the tree and the open file follow it
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text="Moved notes.txt to archive/kept.txt.")).to_be_visible()
    expect(tree_item(page, "archive/kept.txt")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(tree_item(page, "notes.txt")).to_have_count(0)
    expect(viewer(page)).to_have_attribute("data-path", "archive/kept.txt")
    expect(viewer(page).locator(".file-code")).to_have_text("Changed elsewhere\n", timeout=UI_TIMEOUT_MS)

    # When a folder is made in the selected folder
    panel(page).get_by_role("button", name="New folder").click()
    dialog = page.get_by_role("dialog", name="New folder")
    expect(dialog).to_contain_text("Created in archive/.")
    dialog.get_by_label("Folder name").fill("2026")
    dialog.get_by_role("button", name="Create folder").click()
    expect(panel(page).locator('[data-folder="archive/2026"]')).to_be_visible(timeout=UI_TIMEOUT_MS)

    # And the file is deleted after confirming
    viewer(page).get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete kept.txt?")
    dialog.get_by_role("button", name="Delete file").click()
    expect(dialog).to_be_hidden()
    expect(tree_item(page, "archive/kept.txt")).to_have_count(0, timeout=UI_TIMEOUT_MS)
    expect(page.get_by_text("Pick a file to read it here.")).to_be_visible()
    status, content = call(
        local_stack, "GET", files_url(project, "/content?path=archive/kept.txt"), None, token(local_stack)
    )
    assert status == 404, content

    assert not problems.excluding((409, files_url(project, "/content"))), problems.summary()


def test_a_file_over_the_limit_is_refused_before_it_is_sent(page: Page, local_stack: LocalStack):
    problems = watch(page)
    project = open_files(page, local_stack, "Big")
    status, grant = call(
        local_stack, "POST", files_url(project, "/uploads"), {"path": "probe.bin", "size": 1}, token(local_stack)
    )
    assert status == 201, grant
    call(local_stack, "POST", files_url(project, f"/uploads/{grant['uploadId']}/cancel"), {}, token(local_stack))
    limit = grant["maxBytes"]
    status, refusal = call(
        local_stack, "POST", files_url(project, "/uploads"), {"path": "huge.bin", "size": limit + 1}, token(local_stack)
    )
    assert status == 413, refusal
    storage_requests: list[str] = []
    page.on("request", lambda r: r.url.startswith(local_stack.aws_endpoint) and storage_requests.append(r.url))

    # When a file one byte over the limit is dropped
    drop(page, page.evaluate_handle(DROPPED_ZEROS, {"size": limit + 1, "name": "huge.bin"}))

    # Then it is refused with the server's reason, and nothing was sent to storage
    row = upload_row(page, "huge.bin")
    expect(row).to_have_attribute("data-phase", "too_large", timeout=UI_TIMEOUT_MS)
    expect(row).to_contain_text(f"too large: {refusal['error']['message']}")
    assert not storage_requests, storage_requests
    snap(page, "too-large")
    expect(page.get_by_text("No files yet — drop files here or choose them.")).to_be_visible()

    assert not problems.excluding((413, files_url(project, "/uploads"))), problems.summary()


def test_an_upload_cancelled_on_its_way_to_storage_is_cancelled_on_the_server(page: Page, local_stack: LocalStack):
    problems = watch(page)
    project = open_files(page, local_stack, "Cancel")
    held: list[Route] = []
    # Storage does not answer the post while the test runs: the upload stays "uploading" until it is cancelled.

    def hold(route: Route) -> None:
        held.append(route)  # a Playwright handler must be a Python function, not a builtin method

    page.route(lambda url: url.startswith(local_stack.aws_endpoint), hold)

    # Given a file on its way to storage
    with page.expect_response(lambda r: r.url.endswith(files_url(project, "/uploads"))) as started:
        page.locator("#files-picker").set_input_files(
            {"name": "slow.txt", "mimeType": "text/plain", "buffer": b"x" * 4096}
        )
    upload_id = started.value.json()["uploadId"]
    row = upload_row(page, "slow.txt")
    expect(row).to_have_attribute("data-phase", "uploading", timeout=UI_TIMEOUT_MS)
    expect(row.get_by_role("progressbar", name="Uploading slow.txt")).to_be_visible()

    # When it is cancelled
    row.get_by_role("button", name="Cancel uploading slow.txt").click()

    # Then it says so, and the server's record is cancelled too
    expect(row).to_have_attribute("data-phase", "cancelled")
    expect(row.locator(".file-upload-status")).to_have_text("cancelled")

    def record_state() -> str | None:
        status, upload = call(local_stack, "GET", files_url(project, f"/uploads/{upload_id}"), None, token(local_stack))
        assert status == 200, upload
        return upload["state"] if upload["state"] != "pending" else None

    assert wait_until(record_state, timeout=UI_TIMEOUT_MS / 1000, what="the upload record to end") == "cancelled"
    expect(page.get_by_text("No files yet — drop files here or choose them.")).to_be_visible()

    # The aborted post is the one failed request expected
    storage = [line for line in problems.failed_requests if line.startswith(f"POST {local_stack.aws_endpoint}")]
    assert len(storage) == 1, problems.summary()
    rest = PageProblems(
        problems.console_errors,
        problems.page_errors,
        [line for line in problems.failed_requests if line not in storage],
    )
    assert not rest, rest.summary()


HOSTILE_MARKDOWN = """# Notes

<script>window.__ran = true</script>
<img src="x" onerror="window.__ran = true">

![tracker](https://tracker.invalid/pixel.png)
[click me](javascript:window.__ran=true)
[sibling](tool.svg)
"""
HOSTILE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" onload="window.__ran = true">'
    '<script>window.__ran = true</script><rect width="40" height="40" fill="teal"/></svg>'
)


def test_documents_and_images_run_no_script_and_fetch_nothing_from_elsewhere(page: Page, local_stack: LocalStack):
    problems = watch(page)
    project = open_files(page, local_stack, "Hostile")
    for path, content in (("notes.md", HOSTILE_MARKDOWN), ("tool.svg", HOSTILE_SVG)):
        status, saved = call(
            local_stack, "PUT", files_url(project, "/content"), {"path": path, "content": content}, token(local_stack)
        )
        assert status == 200, saved
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    elsewhere: list[str] = []
    page.on("request", lambda r: "127.0.0.1" not in r.url and not r.url.startswith("blob:") and elsewhere.append(r.url))
    page.get_by_role("button", name="Refresh the files").click()

    # When the Markdown is opened
    tree_item(page, "notes.md").click()
    document = viewer(page).locator(".file-markdown")
    expect(document.get_by_role("heading", name="Notes")).to_be_visible(timeout=UI_TIMEOUT_MS)

    # Then its markup shows as text, the outside image is only a link, and nothing ran
    expect(document).to_contain_text("<script>window.__ran = true</script>")
    expect(document.locator("script, img[onerror], [onerror]")).to_have_count(0)
    expect(document.get_by_role("link", name="tracker")).to_have_attribute("href", "https://tracker.invalid/pixel.png")
    expect(document.get_by_text("click me")).not_to_have_attribute("href", re.compile("javascript"))
    # And a relative link opens the project file it names, in place
    document.get_by_role("link", name="sibling").click()
    expect(viewer(page)).to_have_attribute("data-path", "tool.svg")

    # And an SVG is shown only as an image (from a data: URL, which no tab opens as a page of the app), so its
    # script does not run either
    image = viewer(page).get_by_role("img", name="tool.svg")
    expect(image).to_have_attribute("src", re.compile(r"^data:image/svg\+xml;base64,"), timeout=UI_TIMEOUT_MS)
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") == 40
    assert page.evaluate("window.__ran === undefined")
    assert not dialogs, dialogs
    assert not elsewhere, elsewhere
    assert not problems, problems.summary()


ENTITY_TOO_LARGE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>EntityTooLarge</Code>'
    "<Message>Your proposed upload exceeds the maximum allowed size</Message></Error>"
)


def test_a_post_that_storage_refuses_as_too_large_is_reported_and_cancelled(page: Page, local_stack: LocalStack):
    problems = watch(page)
    project = open_files(page, local_stack, "Refused")

    # Given storage that refuses the post as S3 does when the policy's content-length-range is exceeded
    def refuse(route: Route) -> None:
        headers = {"Content-Type": "application/xml", "Access-Control-Allow-Origin": "*"}
        route.fulfill(status=400, headers=headers, body=ENTITY_TOO_LARGE)

    page.route(lambda url: url.startswith(local_stack.aws_endpoint), refuse)

    # When a file is chosen
    with page.expect_response(lambda r: r.url.endswith(files_url(project, "/uploads"))) as started:
        page.locator("#files-picker").set_input_files({"name": "grown.txt", "mimeType": "text/plain", "buffer": b"x"})
    upload_id = started.value.json()["uploadId"]

    # Then S3's reason shows, and the upload record is cancelled with it
    row = upload_row(page, "grown.txt")
    expect(row).to_have_attribute("data-phase", "too_large", timeout=UI_TIMEOUT_MS)
    expect(row).to_contain_text("too large: Your proposed upload exceeds the maximum allowed size")

    def record() -> dict[str, Any] | None:
        status, upload = call(local_stack, "GET", files_url(project, f"/uploads/{upload_id}"), None, token(local_stack))
        assert status == 200, upload
        return upload if upload["state"] != "pending" else None

    ended = wait_until(record, timeout=UI_TIMEOUT_MS / 1000, what="the upload record to end")
    assert ended["state"] == "cancelled", ended
    assert "EntityTooLarge" in (ended["reason"] or ""), ended

    assert not problems.excluding((400, local_stack.aws_endpoint)), problems.summary()


def flash(page: Page) -> Locator:
    return page.locator(".files-flash")


def put_text(stack: LocalStack, project: dict[str, Any], path: str, content: str) -> None:
    status, saved = call(stack, "PUT", files_url(project, "/content"), {"path": path, "content": content}, token(stack))
    assert status == 200, saved


LONG_NAME = "minutes-of-the-quarterly-planning-meeting-with-the-regional-sales-and-marketing-teams-final-v3.txt"


def test_hidden_and_managed_folders_long_names_and_links_to_a_file(page: Page, local_stack: LocalStack):
    problems = watch(page)
    project = open_files(page, local_stack, "Hidden")
    # Given a project with a skill and a schedule's run log (what Sasha Studio writes itself) and the person's files
    put_text(local_stack, project, ".claude/skills/weekly/SKILL.md", "---\nname: weekly\n---\nSummarise the week.\n")
    put_text(local_stack, project, ".sasha/schedules/s1.jsonl", "{}\n")
    put_text(local_stack, project, f"reports/2026/{LONG_NAME}", "Agreed: a new plan.\n")
    page.get_by_role("button", name="Refresh the files").click()

    # Then the hidden folders are not shown, and a toggle says how many there are
    expect(panel(page).locator('[data-folder="reports"]')).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(panel(page).locator('[data-folder=".claude"]')).to_have_count(0)
    toggle = panel(page).get_by_label(re.compile(r"^Show hidden files"))
    expect(toggle).not_to_be_checked()
    expect(panel(page).locator(".file-hidden-toggle")).to_have_text("Show hidden files (2)")

    # When they are shown, they are there, but offer no Delete or Rename
    toggle.check()
    claude = panel(page).locator('[data-folder=".claude"] > .file-row')
    expect(claude).to_be_visible()
    expect(panel(page).locator('[data-folder=".sasha"]')).to_be_visible()
    expect(claude.get_by_role("button", name=re.compile("^(Delete|Rename)"))).to_have_count(0)
    expect(claude).to_contain_text("Managed by Sasha Studio")
    snap(page, "hidden-shown")
    # and the choice is remembered after a reload
    page.reload()
    expect(panel(page).locator('[data-folder=".claude"]')).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(panel(page).get_by_label(re.compile(r"^Show hidden files"))).to_be_checked()
    # and the API refuses to delete it, in words
    status, refusal = call(local_stack, "DELETE", files_url(project, "?path=.claude"), None, token(local_stack))
    assert status == 403, refusal
    assert refusal["error"]["message"] == "This folder is managed by Sasha Studio and can't be deleted."
    panel(page).get_by_label(re.compile(r"^Show hidden files")).uncheck()
    expect(panel(page).locator('[data-folder=".claude"]')).to_have_count(0)

    # When a link to a file deep in a folder is opened
    path = f"reports/2026/{LONG_NAME}"
    page.goto(f"/files?project={project['id']}&path={quote(path)}")

    # Then the viewer shows it, the tree is opened down to it, and its long name is whole in the titles
    expect(viewer(page)).to_have_attribute("data-path", path, timeout=UI_TIMEOUT_MS)
    expect(viewer(page).locator(".file-code")).to_have_text("Agreed: a new plan.\n", timeout=UI_TIMEOUT_MS)
    expect(viewer(page).locator("#file-viewer-title")).to_have_attribute("title", path)
    expect(viewer(page).locator("#file-viewer-title")).to_have_text(LONG_NAME)
    name = tree_item(page, path).locator(".file-name")
    expect(name).to_be_visible()
    expect(name).to_have_attribute("title", path)
    expect(page.get_by_label("Project", exact=True)).to_have_value(project["id"])
    # and the size and date are not covered by the row's buttons, even while it is hovered
    for width, height in ((1400, 900), (390, 844)):  # a desktop, and a phone (where the actions always show)
        page.set_viewport_size({"width": width, "height": height})
        tree_row(page, path).hover()
        meta = tree_row(page, path).locator(".file-row-meta").bounding_box()
        actions = tree_row(page, path).locator(".file-row-actions").bounding_box()
        assert meta and actions and meta["x"] + meta["width"] <= actions["x"], (width, meta, actions)
        snap(page, f"deep-link-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})

    # And a link to a file that is gone says so
    page.goto(f"/files?project={project['id']}&path=reports/gone.txt")
    expect(viewer(page).get_by_role("alert")).to_contain_text("This file no longer exists.", timeout=UI_TIMEOUT_MS)
    viewer(page).get_by_role("button", name="Close").click()
    expect(page.get_by_text("Pick a file to read it here.")).to_be_visible()
    # and so does a link into a project that is not there (nothing is looked for in another project)
    page.goto("/files?project=no-such-project&path=reports/a.txt")
    expect(flash(page)).to_have_text("The project in that link no longer exists, or you are not a member of it.")
    expect(page.get_by_text("Pick a file to read it here.")).to_be_visible()

    assert not problems.excluding((404, files_url(project, "/content"))), problems.summary()


def test_the_upload_message_turns_into_its_result_and_ctrl_s_saves_in_the_editor(page: Page, local_stack: LocalStack):
    problems = watch(page)
    project = open_files(page, local_stack, "Saving")
    expect(panel(page).get_by_label("Upload to")).to_have_value("")

    # When two files are chosen
    chosen: list[FilePayload] = [
        {"name": "a.txt", "mimeType": "text/plain", "buffer": b"alpha\n"},
        {"name": "b.txt", "mimeType": "text/plain", "buffer": b"beta\n"},
    ]
    page.locator("#files-picker").set_input_files(chosen)
    # Then the message says where they go, turns into the result once both are stored, and clears itself
    expect(flash(page)).to_have_text(re.compile(r"Uploading 2 files to the top folder…|2 files uploaded"))
    expect(flash(page)).to_have_text("2 files uploaded to the top folder.", timeout=INGEST_TIMEOUT_MS)
    expect(upload_row(page, "a.txt")).to_have_attribute("data-phase", "stored")
    expect(flash(page)).to_be_empty(timeout=UI_TIMEOUT_MS)

    # And a selected folder becomes the upload target, and says so
    put_text(local_stack, project, "reports/keep.txt", "x")
    page.get_by_role("button", name="Refresh the files").click()
    panel(page).locator('[data-folder="reports"] .file-row-open').click()
    expect(panel(page).get_by_label("Upload to")).to_have_value("reports")

    # When a text file is edited and Ctrl+S is pressed
    tree_item(page, "a.txt").click()
    expect(viewer(page).locator(".file-code")).to_have_text("alpha\n", timeout=UI_TIMEOUT_MS)
    viewer(page).get_by_role("button", name="Edit").click()
    editor = page.get_by_label("Content of a.txt")
    editor.fill("alpha\ngamma\n")
    downloads: list[str] = []
    page.on("download", lambda d: downloads.append(d.suggested_filename))
    editor.press("Control+s")

    # Then it is saved, "Saved" shows, and the editor stays open
    expect(viewer(page).locator(".file-editor-state")).to_have_text("Saved", timeout=UI_TIMEOUT_MS)
    expect(editor).to_be_visible()
    status, content = call(local_stack, "GET", files_url(project, "/content?path=a.txt"), None, token(local_stack))
    assert (status, content["content"]) == (200, "alpha\ngamma\n"), content
    # and typing again makes it unsaved, and a second Ctrl+S saves over the first (the new version is the base)
    editor.press("End")
    editor.type("delta\n")
    expect(viewer(page).locator(".file-editor-state")).to_have_text("")
    editor.press("Control+s")
    expect(viewer(page).locator(".file-editor-state")).to_have_text("Saved", timeout=UI_TIMEOUT_MS)
    status, content = call(local_stack, "GET", files_url(project, "/content?path=a.txt"), None, token(local_stack))
    assert content["content"] == "alpha\ngamma\ndelta\n", content
    viewer(page).get_by_role("button", name="Close").click()
    expect(viewer(page).locator(".file-code")).to_have_text("alpha\ngamma\ndelta\n")
    assert not downloads, downloads

    assert not problems, problems.summary()
