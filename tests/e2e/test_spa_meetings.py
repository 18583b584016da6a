"""The Meetings screen in real Chromium against a real local stack: Chromium's fake microphone plays a sentence spoken
by espeak-ng, the page cuts it into WAV segments that the local speech engine transcribes, and the real Claude CLI,
answered by the scripted fake Messages API, gives the advice and the analysis. A person starts a meeting, watches the
transcript grow with the level meter and the clock running, asks for advice, stops, has it analysed, ticks an action
item, renames and deletes it; without a microphone (on a phone) the page says why and takes typed notes instead."""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, Playwright, expect, sync_playwright

from shared.meetings.audio import decode
from shared.meetings.speech import Audio
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, watch
from tests.support.accounts_e2e import Credentials, Session, call, create_user, log_in, seed_session
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.speech import requires_espeak, say, silence, wav
from tests.support.stack import LocalStack

pytestmark = [pytest.mark.e2e, requires_claude, requires_espeak]

# The first segment leaves after 5 s and the speech engine may load its model first; an answer starts the CLI on a
# runner (a cold one first): bounds, not sleeps.
TRANSCRIPT_TIMEOUT_MS = 90_000
CLAUDE_TIMEOUT_MS = 120_000
SCREENSHOTS = os.environ.get("SPA_SCREENSHOTS")  # a folder: save what the test sees, to look at it
SPEECH = "The budget for the launch is approved."
# The recognizer mishears some synthetic speech: any of these words will do (tests/e2e/test_meetings_e2e.py).
HEARD = re.compile(r"budget|launch|approved", re.IGNORECASE)
ADVICE = ["Ask who ", "owns the finance review."]
ANALYSIS = {
    "summary": "The team approved the budget and agreed who sends it on.",
    "decisions": ["The budget is approved."],
    "actionItems": [{"task": "Send the budget to finance", "owner": "Maria", "due": "2030-05-17"}],
    "openQuestions": ["Who reviews the finance report?"],
}
MIC_DENIED = "Sasha Studio can't use your microphone: allow it in the browser's site settings, or type notes below."


# --- browsers: one whose microphone speaks, one whose microphone is refused ---------------------------------------


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    """One Playwright for the module (a second sync_playwright() cannot start inside the first)."""
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def speech_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`SPEECH` and a second of silence: Chromium plays the file over and over, as someone speaking now and then."""
    spoken = decode(say(SPEECH), "audio/wav")
    path = tmp_path_factory.mktemp("meeting-speech") / "speech.wav"
    path.write_bytes(
        wav(Audio(pcm=spoken.pcm + silence(1_000, spoken.sample_rate).pcm, sample_rate=spoken.sample_rate))
    )
    return path


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright, speech_file: Path) -> Iterator[Browser]:
    """Debian Chromium whose microphone is allowed without asking and plays `speech_file` over and over.

    Overrides conftest's `browser`, so the conftest's `page` is a page of this browser.
    """
    launched = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={speech_file}",
        ],
    )
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture
def refusing_page(playwright_driver: Playwright, stack: LocalStack) -> Iterator[Page]:
    """A phone-sized page in a Chromium that denies every permission prompt, the microphone's included."""
    launched = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[*CHROMIUM_ARGS, "--deny-permission-prompts", "--use-fake-device-for-media-stream"],
    )
    context = launched.new_context(base_url=stack.base_url, viewport={"width": 390, "height": 844})
    try:
        yield context.new_page()
    finally:
        context.close()
        launched.close()


# --- the API, for what the test sets up and checks -----------------------------------------------------------------


def new_person(stack: LocalStack, name: str) -> Session:
    """A person of their own, so their meeting list starts empty whatever ran before."""
    credentials = Credentials(f"{name}-{secrets.token_hex(3)}", f"{name} meets on {secrets.token_hex(6)}")
    create_user(stack, credentials.username, credentials.password)
    return log_in(stack, credentials)


def new_project(stack: LocalStack, session: Session, name: str) -> dict[str, Any]:
    status, project = call(
        stack, "POST", "/api/projects", {"name": f"{name} {secrets.token_hex(3)}"}, token=session.token
    )
    assert status == 201, project
    return dict(project)


def meeting_in_url(page: Page) -> str:
    match = re.search(r"[?&]meeting=([^&]+)", page.url)
    assert match, page.url
    return match.group(1)


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"meetings-{name}.png"), full_page=True)


def transcript(page: Page) -> Locator:
    return page.get_by_role("log", name=re.compile(r"^Transcript"))


def listed(page: Page, title: str) -> Locator:
    """The meeting's button in the list (its title, date and status)."""
    return page.get_by_role("navigation", name="Meetings").get_by_role(
        "button", name=re.compile(f"^{re.escape(title)}")
    )


# --- tests -------------------------------------------------------------------------------------------------------


def test_a_person_records_a_meeting_asks_for_advice_and_gets_its_action_items(
    page: Page, stack: LocalStack, api: FakeAnthropic
) -> None:
    # Given a person with a project and no meetings yet, on the Meetings screen
    problems = watch(page)
    person = new_person(stack, "mira")
    project = new_project(stack, person, "Budget")
    seed_session(page, person)
    page.goto("/meetings")
    expect(page.get_by_role("heading", name="Meetings", level=1)).to_be_visible()
    expect(page.get_by_text("No meetings yet — start one to get a live transcript")).to_be_visible()

    # When they start a meeting with a title in the project (the fake microphone speaks, allowed without asking)
    page.get_by_label("Title").fill("Budget review")
    page.get_by_label(re.compile(r"^Project")).select_option(label=project["name"])
    page.get_by_role("button", name="Start meeting").click()

    # Then it records: the meeting is open (and in the URL and the list), the meter moves and the clock runs
    expect(page.get_by_role("heading", name="Budget review", level=2)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/meetings\?meeting=[^&]+$"))
    meeting_id = meeting_in_url(page)
    expect(page.locator(".meeting-live")).to_have_text("Recording")
    meter = page.get_by_role("meter", name="Microphone level")
    expect(meter).to_have_attribute("aria-valuenow", re.compile(r"^[1-9]\d*$"), timeout=15_000)
    expect(page.locator(".meeting-elapsed time")).to_have_text(re.compile(r"^0:(0[1-9]|[1-5]\d)$"), timeout=5_000)
    expect(listed(page, "Budget review")).to_contain_text("Recording")

    # And what the microphone hears appears in the transcript, segment after segment
    expect(transcript(page)).to_contain_text(HEARD, timeout=TRANSCRIPT_TIMEOUT_MS)
    snap(page, "recording")

    # When they ask for advice with a question, then Claude's answer streams into the advice panel
    api.script(Reply.text(ADVICE, delay=[0, 0.5]))
    page.get_by_label(re.compile(r"^Question")).fill("What should I ask next?")
    page.get_by_role("button", name="Advise now").click()
    advice = page.locator(".meeting-advice-item").first
    expect(advice).to_contain_text("What should I ask next?")
    expect(advice).to_contain_text("Ask who owns the finance review.", timeout=CLAUDE_TIMEOUT_MS)
    expect(advice).to_have_attribute("data-status", "done", timeout=CLAUDE_TIMEOUT_MS)

    # When they stop, then the last audio is sent, the meeting is stopped and can be analysed
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.locator(".meeting-meta .meeting-badge")).to_have_text("Stopped", timeout=30_000)
    expect(meter).to_have_count(0)
    expect(transcript(page)).to_contain_text(HEARD)
    status, stopped = call(stack, "GET", f"/api/meetings/{meeting_id}", token=person.token)
    assert (status, stopped["status"]) == (200, "idle"), stopped
    assert stopped["stoppedAt"], stopped

    # When they analyse it (Claude answers with the analysis), then the analysis shows with its action items
    api.script(Reply.text(json.dumps(ANALYSIS)))
    page.get_by_role("button", name="Analyze", exact=True).click()
    item = page.get_by_role("checkbox", name=re.compile(r"^Send the budget to finance"))
    expect(item).to_be_visible(timeout=CLAUDE_TIMEOUT_MS)
    analysis = page.get_by_role("region", name="Analysis")
    expect(analysis).to_contain_text("The team approved the budget")
    expect(analysis.locator(".meeting-decisions")).to_contain_text("The budget is approved.")
    expect(analysis.locator(".meeting-action-owner")).to_have_text("Maria")
    expect(analysis.locator(".meeting-action-due")).to_contain_text("due")
    expect(analysis.locator(".meeting-questions")).to_contain_text("Who reviews the finance report?")
    expect(page.locator(".meeting-meta .meeting-badge")).to_have_text("Analyzed")
    status, analysed = call(stack, "GET", f"/api/meetings/{meeting_id}", token=person.token)
    assert (status, analysed["status"]) == (200, "complete"), analysed
    if analysed["analysis"].get("documentPath"):
        link = analysis.get_by_role("link", name="Open the document in Files")
        expect(link).to_have_attribute("href", re.compile(rf"^/files\?project={project['id']}&path="))
    snap(page, "analysis")

    # When they tick the action item and reload, then the meeting comes back from the URL with the item ticked
    item.check()
    page.reload()
    expect(page.get_by_role("heading", name="Budget review", level=2)).to_be_visible()
    expect(page.get_by_role("checkbox", name=re.compile(r"^Send the budget to finance"))).to_be_checked()

    # When they rename it in the list (Enter saves), then the list and the open meeting say the new title
    meetings = page.get_by_role("navigation", name="Meetings")
    meetings.get_by_role("button", name="Rename “Budget review”").click()
    field = meetings.get_by_label("New title for “Budget review”")
    field.fill("Budget review, final")
    field.press("Enter")
    expect(listed(page, "Budget review, final")).to_be_visible()
    expect(page.get_by_role("heading", name="Budget review, final", level=2)).to_be_visible()

    # When they delete it after confirming, then the list is empty again and the start form shows
    meetings.get_by_role("button", name="Delete “Budget review, final”").click()
    dialog = page.get_by_role("dialog", name="Delete “Budget review, final”?")
    dialog.get_by_role("button", name="Delete meeting").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_text("No meetings yet — start one to get a live transcript")).to_be_visible()
    expect(page.get_by_role("heading", name="Start a meeting")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/meetings$"))
    status, _ = call(stack, "GET", f"/api/meetings/{meeting_id}", token=person.token)
    assert status == 404
    assert not problems, problems.summary()


def test_without_a_microphone_the_page_says_why_and_takes_typed_notes(refusing_page: Page, stack: LocalStack) -> None:
    # Given a person on a phone whose browser refuses the microphone
    page = refusing_page
    problems = watch(page)
    person = new_person(stack, "theo")
    seed_session(page, person)
    page.goto("/meetings")

    # When they start a meeting (with the keyboard: Enter in the title)
    title = page.get_by_label("Title")
    title.fill("Stand-up")
    title.press("Enter")

    # Then the page says why it cannot record and offers a field for notes instead, with no level meter
    expect(page.get_by_role("heading", name="Stand-up", level=2)).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text=MIC_DENIED)).to_be_visible()
    expect(page.get_by_role("meter")).to_have_count(0)
    expect(page.locator(".meeting-live")).to_have_text("Taking notes")
    note = page.get_by_label("Type a note")
    expect(note).to_be_visible()

    # When they type a note and press Enter, then it appears in the transcript and the field is ready for the next
    note.fill("We agreed to move the launch review to Thursday")
    note.press("Enter")
    expect(transcript(page)).to_contain_text("We agreed to move the launch review to Thursday", timeout=30_000)
    expect(note).to_have_value("")
    expect(note).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the screen scrolls sideways on a phone"
    snap(page, "typed-notes")

    # When they stop, then the meeting is stopped with the note kept, and the (folded) list holds it
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.locator(".meeting-meta .meeting-badge")).to_have_text("Stopped", timeout=30_000)
    expect(transcript(page)).to_contain_text("We agreed to move the launch review to Thursday")
    toggle = page.get_by_role("button", name="Show", exact=True)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(listed(page, "Stand-up")).to_contain_text("Stopped")
    assert not problems, problems.summary()
