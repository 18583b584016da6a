"""The Schedules and Skills screens in real Chromium against a local stack whose runner drives the real Claude CLI,
answered by a scripted fake Messages API: a schedule made in the editor (presets, the expression in words, the
server's preview of the next runs), Run now and the run completing in the history with its output linked to Files;
an invalid cron expression explained by the server's own words; a skill made in the form editor (and its SKILL.md),
run with a preview of its output and kept out of the schedules."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import watch
from tests.support.accounts_e2e import admin_session, call, seed_session
from tests.support.claude import requires_claude
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.stack import LocalStack

pytestmark = [
    pytest.mark.e2e,
    requires_claude,
]

RUN_TIMEOUT_MS = 90_000  # the run crosses the queue and starts the CLI: a bound, not a sleep
UI_TIMEOUT_MS = 10_000
NEVER = "0 0 1 1 *"  # due once a year: the test runs it by hand
SCREENSHOTS = os.environ.get("SPA_SCREENSHOTS")  # a folder: save what the test sees, to look at it


def create_project(stack: LocalStack, name: str) -> dict[str, Any]:
    status, project = call(stack, "POST", "/api/projects", {"name": name}, token=admin_session(stack).token)
    assert status == 201, project
    return dict(project)


def open_schedules(page: Page, stack: LocalStack) -> dict[str, Any]:
    """Creates a project, signs the page in and opens the Schedules screen; returns the project."""
    project = create_project(stack, f"Schedules {time.monotonic_ns()}")
    seed_session(page, admin_session(stack))
    page.goto("/schedules")
    expect(page.get_by_role("heading", name="Schedules", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="New schedule")).to_be_enabled()
    return project


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"schedules-{name}.png"), full_page=True)


def test_a_schedule_made_in_the_editor_runs_now_and_its_run_completes_in_the_history(
    page: Page, stack: LocalStack, api: FakeAnthropic
):
    problems = watch(page)
    api.script(Reply.text(["Three notes ", "changed today."]))
    project = open_schedules(page, stack)

    # Given the editor of a new schedule with a name, the project and a prompt
    page.get_by_role("button", name="New schedule").click()
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    page.get_by_label("Name", exact=True).fill("Morning digest")
    page.get_by_label("Project", exact=True).select_option(label=project["name"])
    page.get_by_label("Prompt", exact=True).fill("Write the digest of what changed.")
    expect(page.get_by_label("Time zone")).to_have_value(
        page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    )

    # When a preset is picked, it fills the cron field and the server's next five runs show in words
    page.get_by_role("button", name="Every weekday at 9:00").click()
    cron = page.get_by_label("Cron expression")
    expect(cron).to_have_value("0 9 * * 1-5")
    # And says when in words under the field
    expect(page.locator("#schedule-cron-words")).to_have_text("Weekdays at 9:00")
    next_runs = page.get_by_role("list", name="Next runs").get_by_role("listitem")
    expect(next_runs).to_have_count(5, timeout=UI_TIMEOUT_MS)
    expect(next_runs.first).to_contain_text(re.compile(r"· (in|tomorrow)"))
    # And typing another expression previews that one instead
    cron.fill(NEVER)
    expect(next_runs.first.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-01-01T00:00:00Z$"))
    expect(next_runs).to_have_count(5)
    expect(cron).to_have_attribute("aria-invalid", "false")
    expect(page.locator("#schedule-cron-words")).to_have_text("On the 1st of January at 0:00")
    snap(page, "editor")

    # And the schedule is created
    page.get_by_role("button", name="Create schedule").click()
    expect(page.get_by_role("status").filter(has_text="Created “Morning digest”.")).to_be_visible()
    row = page.locator("tr[data-schedule]").filter(has_text="Morning digest")
    expect(row).to_have_count(1)
    expect(row.get_by_role("switch")).to_be_checked()
    expect(row).to_contain_text(NEVER)
    expect(row).to_contain_text("Not run yet")
    history = page.get_by_role("region", name="Runs of “Morning digest”")
    expect(history).to_contain_text("No runs yet")

    # When it is run now
    history.get_by_role("button", name="Run now").click()
    started = history.get_by_role("status").filter(has_text="Started.")
    expect(started.or_(history.get_by_role("status").filter(has_text="The run completed"))).to_be_visible()

    # Then its run shows in the history and completes, with its duration, tokens, cost and output file
    run = history.locator("tr[data-execution]")
    expect(run).to_have_count(1, timeout=UI_TIMEOUT_MS)
    expect(run).to_have_attribute("data-status", "completed", timeout=RUN_TIMEOUT_MS)
    expect(run).to_contain_text("Completed")
    expect(run).to_contain_text("Run now")
    expect(run.locator(".run-output")).to_have_text(re.compile(r"^outputs/morning-digest/\d{8}T\d{6}Z\.md$"))
    # And the "Started." line has given way to the outcome
    expect(started).to_have_count(0)
    expect(history.get_by_role("status").filter(has_text="The run completed")).to_be_visible()
    # And the output is a link to the file in Files, with a preview of its first lines behind "Preview"
    output = run.locator(".run-output").inner_text()
    link = run.get_by_role("link", name=output)
    href = link.get_attribute("href") or ""
    assert urlsplit(href).path == "/files", href
    assert parse_qs(urlsplit(href).query) == {"project": [project["id"]], "path": [output]}, href
    run.get_by_text("Preview", exact=True).click()
    expect(run.locator(".run-preview")).to_contain_text("Three notes changed today.", timeout=UI_TIMEOUT_MS)
    expect(run).to_contain_text(re.compile(r"\d+(\.\d+)? m?s"))
    expect(run).to_contain_text(re.compile(r"[\d.]+K? in · [\d.]+K? out"))
    expect(run).to_contain_text(re.compile(r"\$\d+\.\d+"))
    # And the list shows the schedule's last status
    expect(row.locator(".run-status")).to_have_attribute("data-status", "completed", timeout=UI_TIMEOUT_MS)
    assert "Write the digest of what changed." in api.message_requests[-1].last_user_text
    snap(page, "history")

    # And turning it off says so
    row.get_by_role("switch").uncheck()
    expect(page.get_by_role("status").filter(has_text="“Morning digest” is off.")).to_be_visible()
    expect(row).to_contain_text("Off")

    # And a schedule's expression reads in words in the list, with the expression and its zone beside it
    body = {"projectId": project["id"], "name": "Standup notes", "prompt": "Notes.", "cron": "0 9 * * 1-5"}
    status, created = call(
        stack, "POST", "/api/schedules", {**body, "timezone": "UTC", "enabled": False}, token=admin_session(stack).token
    )
    assert status == 201, created
    page.reload()
    weekdays = page.locator("tr[data-schedule]").filter(has_text="Standup notes")
    expect(weekdays.locator(".schedule-when")).to_have_text("Weekdays at 9:00")
    expect(weekdays.locator(".schedule-when")).to_have_attribute("title", "0 9 * * 1-5 (UTC)")
    expect(weekdays.locator(".schedule-zone")).to_have_text("0 9 * * 1-5 · UTC")

    assert not problems, problems.summary()


def test_an_invalid_cron_expression_shows_the_servers_reason(page: Page, stack: LocalStack):
    problems = watch(page)
    open_schedules(page, stack)
    bad = "61 * * * *"
    token = admin_session(stack).token
    status, answer = call(
        stack, "GET", f"/api/schedules/preview?{urlencode({'cron': bad, 'timezone': 'UTC'})}", token=token
    )
    assert status == 400, answer
    reason = answer["error"]["message"]

    # Given the editor of a new schedule
    page.get_by_role("button", name="New schedule").click()
    page.get_by_label("Name", exact=True).fill("Broken")
    page.get_by_label("Prompt", exact=True).fill("Anything")
    page.get_by_label("Time zone").select_option("UTC")

    # When the cron expression cannot run
    cron = page.get_by_label("Cron expression")
    cron.fill(bad)

    # Then the server's reason shows by the field, which is marked invalid
    expect(page.locator("#schedule-cron-error")).to_have_text(reason, timeout=UI_TIMEOUT_MS)
    expect(cron).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("list", name="Next runs")).to_have_count(0)
    snap(page, "invalid")

    # And saving it anyway shows the server's refusal in the form
    page.get_by_role("button", name="Create schedule").click()
    expect(page.locator(".form-error")).not_to_be_empty(timeout=UI_TIMEOUT_MS)

    # And a valid preset clears the reason by the field and the refusal under the form
    page.get_by_role("button", name="Every hour").click()
    expect(page.get_by_role("list", name="Next runs").get_by_role("listitem")).to_have_count(5, timeout=UI_TIMEOUT_MS)
    expect(cron).to_have_attribute("aria-invalid", "false")
    expect(page.locator("#schedule-cron-error")).to_have_count(0)
    expect(page.locator(".form-error")).to_be_empty()
    expect(page.locator("#schedule-cron-words")).to_have_text("Every hour")

    rest = problems.excluding((400, "/api/schedules/preview"), (400, "/api/schedules"))
    assert not rest, rest.summary()


def test_a_workflow_skill_made_from_the_template_runs_step_by_step(page: Page, stack: LocalStack, api: FakeAnthropic):
    problems = watch(page)
    api.script(Reply.text("Three notes changed."), Reply.text("Draft digest."), Reply.text("# Weekly digest\n"))
    project = open_schedules(page, stack)
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Skills").click()
    page.get_by_label("Project", exact=True).select_option(label=project["name"])
    expect(page.get_by_text("No skills in this project yet")).to_be_visible(timeout=UI_TIMEOUT_MS)

    # Given SKILL.md that the server refuses, its reason shows by the editor
    page.get_by_role("button", name="New workflow").click()
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    page.get_by_role("button", name="Edit as SKILL.md").click()
    editor = page.get_by_label("SKILL.md")
    expect(editor).to_be_focused()
    template = editor.input_value()
    editor.fill(template.replace("description: Gather, draft and polish the weekly digest\n", ""))
    page.get_by_role("button", name="Create skill").click()
    expect(page.locator(".form-error")).to_contain_text("description", timeout=UI_TIMEOUT_MS)
    expect(editor).to_have_attribute("aria-invalid", "true")

    # When the template is saved as it was
    editor.fill(template)
    page.get_by_role("button", name="Create skill").click()

    # Then the workflow is listed with its kind
    row = page.locator("tr[data-skill='weekly-digest']")
    expect(row).to_contain_text("Workflow", timeout=UI_TIMEOUT_MS)
    expect(row).to_contain_text("3 steps")

    # And running it shows each step completing, then the output, duration and tokens
    row.get_by_role("button", name="Run").click()
    run = page.locator(".skill-run")
    expect(run).to_have_attribute("data-status", "completed", timeout=RUN_TIMEOUT_MS)
    steps = run.get_by_role("list", name="Steps").get_by_role("listitem")
    expect(steps).to_have_count(3)
    for index, name in enumerate(["gather", "draft", "polish"]):
        expect(steps.nth(index)).to_contain_text(name)
        expect(steps.nth(index)).to_have_attribute("data-status", "completed")
    expect(run.locator(".run-output-preview .run-output")).to_have_text(
        re.compile(r"^outputs/weekly-digest/[^/]+\.md$")
    )
    expect(run).to_contain_text(re.compile(r"[\d.]+K? in · [\d.]+K? out"))
    snap(page, "skill-run")

    assert not problems.excluding((400, "/api/skills/weekly-digest")), problems.summary()


def test_a_skill_made_in_the_form_runs_with_a_preview_and_is_not_listed_as_a_schedule(
    page: Page, stack: LocalStack, api: FakeAnthropic
):
    problems = watch(page)
    api.script(Reply.text("Gathered three notes."), Reply.text("Weekly report: all quiet on the wiki."))
    project = open_schedules(page, stack)
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Skills").click()
    page.get_by_label("Project", exact=True).select_option(label=project["name"])
    expect(page.get_by_text("No skills in this project yet. Press New skill for a template")).to_be_visible(
        timeout=UI_TIMEOUT_MS
    )

    # Given the form of a new skill, a name with no letter or digit is refused in plain words
    page.get_by_role("button", name="New skill").click()
    name = page.get_by_label("Name", exact=True)
    expect(name).to_be_focused()
    name.fill("!!!")
    page.get_by_role("button", name="Create skill").click()
    expect(page.locator("#skill-title-error")).to_have_text(re.compile("at least one letter or digit"))
    expect(name).to_have_attribute("aria-invalid", "true")

    # When it is named freely, described, and given two steps, the second moved first
    name.fill("Weekly Report!")
    expect(page.locator("#skill-title-error")).to_have_count(0)
    expect(page.locator(".skill-identifier")).to_have_text("weekly-report")
    page.get_by_label("Description").fill("Sum up the week")
    page.get_by_text("Steps in order").click()
    page.get_by_label("Name of step 1").fill("draft")
    page.get_by_label("Instructions for step 1").fill("Draft the report from the notes.")
    page.get_by_role("button", name="Add a step").click()
    expect(page.get_by_label("Name of step 2")).to_be_focused()
    page.get_by_label("Name of step 2").fill("gather")
    page.get_by_label("Instructions for step 2").fill("List the notes of this week.")
    page.get_by_role("button", name="Move step 2 up").click()
    expect(page.get_by_label("Name of step 1")).to_have_value("gather")
    expect(page.get_by_role("button", name="Move step 1 down")).to_be_focused()
    page.get_by_label("Background for every step").fill("The project is the company wiki.")

    # Then the raw view shows the matching SKILL.md, and an edit there shows in the form
    page.get_by_role("button", name="Edit as SKILL.md").click()
    raw = page.get_by_label("SKILL.md")
    expect(raw).to_have_value(
        "---\n"
        "name: weekly-report\n"
        "title: Weekly Report!\n"
        "description: Sum up the week\n"
        "kind: workflow\n"
        "steps:\n"
        "  - name: gather\n"
        "    prompt: List the notes of this week.\n"
        "  - name: draft\n"
        "    prompt: Draft the report from the notes.\n"
        "---\n"
        "The project is the company wiki.\n"
    )
    raw.fill(raw.input_value().replace("description: Sum up the week", "description: Sum up the week's notes"))
    raw.fill(raw.input_value().replace("steps:\n", "steps: [oops\n"))
    expect(page.locator("#skill-content-error")).to_contain_text("steps")
    expect(page.get_by_role("button", name="Back to the form")).to_be_disabled()
    raw.fill(raw.input_value().replace("steps: [oops\n", "steps:\n"))
    page.get_by_role("button", name="Back to the form").click()
    expect(page.get_by_label("Description")).to_have_value("Sum up the week's notes")
    snap(page, "skill-form")

    # And it is created under its identifier, listed under its name
    page.get_by_role("button", name="Create skill").click()
    expect(page.get_by_role("status").filter(has_text="Created “Weekly Report!”.")).to_be_visible(timeout=UI_TIMEOUT_MS)
    row = page.locator("tr[data-skill='weekly-report']")
    expect(row.locator(".skill-title")).to_have_text("Weekly Report!")
    expect(row).to_contain_text("2 steps")

    # When it runs, the panel shows the output as a link to Files and a preview of its first lines
    row.get_by_role("button", name="Run").click()
    panel = page.locator(".skill-run")
    expect(panel).to_have_attribute("data-status", "completed", timeout=RUN_TIMEOUT_MS)
    preview = panel.locator(".run-output-preview")
    expect(preview.locator(".run-preview")).to_contain_text("all quiet on the wiki", timeout=UI_TIMEOUT_MS)
    output = preview.locator(".run-output").inner_text()
    assert output.startswith("outputs/weekly-report/"), output
    snap(page, "skill-run-preview")
    preview.get_by_role("link", name=output).click()
    expect(page).to_have_url(re.compile(r"/files\?" + re.escape(urlencode({"project": project["id"], "path": output}))))

    # And on the Schedules screen it is not a schedule: it is listed apart, as runs, removed with fitting words
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Schedules").click()
    expect(page.get_by_role("heading", name="Skills you ran by hand")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(page.locator("tr[data-schedule]").filter(has_text="weekly-report")).to_have_count(0)
    runs = page.locator("tr[data-skill-runs]").filter(has_text="weekly-report")
    expect(runs.locator(".run-status")).to_have_attribute("data-status", "completed")
    runs.get_by_role("button", name="Remove the runs of weekly-report").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("The skill itself stays")
    dialog.get_by_role("button", name="Remove from the list").click()
    expect(
        page.get_by_role("status").filter(has_text="Removed the runs of “weekly-report” from the list.")
    ).to_be_visible()
    expect(runs).to_have_count(0)

    assert not problems, problems.summary()


def test_a_project_chosen_while_anothers_skills_load_shows_its_own_skills(page: Page, stack: LocalStack):
    problems = watch(page)
    create_project(stack, f"A first project {time.monotonic_ns()}")  # listed by name: shown before the other
    chosen = open_schedules(page, stack)
    held: list[Any] = []

    def hold_other_projects(route: Any) -> None:
        asked = parse_qs(urlsplit(route.request.url).query).get("projectId", [""])[0]
        if asked == chosen["id"]:
            route.continue_()
        else:
            held.append(route)  # answered below, after the chosen project's own answer

    page.route(re.compile(r"/api/skills\?"), hold_other_projects)
    # Given the Skills screen, loading the skills of the project it shows first
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Skills").click()
    expect(page.get_by_text("Loading skills…")).to_be_visible(timeout=UI_TIMEOUT_MS)
    # When another project is chosen and its skills come first
    page.get_by_label("Project", exact=True).select_option(label=chosen["name"])
    empty = page.get_by_text("No skills in this project yet. Press New skill for a template")
    expect(empty).to_be_visible(timeout=UI_TIMEOUT_MS)
    assert held, "the first project's skills were never asked for"
    # Then the first project's answer, coming last, does not take the chosen project's place
    with page.expect_response(re.compile(r"/api/skills\?")):
        for route in held:
            route.continue_()
    expect(page.get_by_text("Loading skills…")).to_have_count(0)
    expect(empty).to_be_visible()
    expect(page.get_by_label("Project", exact=True)).to_have_value(chosen["id"])
    assert not problems, problems.summary()
