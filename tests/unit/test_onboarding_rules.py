"""Onboarding's pure rules: names and websites, page reading, document titles, the research prompt, and how the
research's progress is narrated (a few events a minute, not one per token)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runner.jobs import research as job
from shared.errors import ValidationError
from shared.onboarding import schemas
from shared.onboarding.detect import read_page
from shared.onboarding.research import ResearchTask, title_of

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://acme.example", "Acme"),
        ("https://www.acme-corp.example/about", "Acme Corp"),
        ("https://shop.big_box.co.uk", "Shop"),
        ("https://www.en.globex.example", "Globex"),
        ("http://localhost:8080", "Localhost"),
    ],
)
def test_a_company_is_named_from_its_host(url: str, name: str) -> None:
    assert schemas.name_from_host(url) == name


def test_an_address_without_a_name_asks_for_one() -> None:
    with pytest.raises(ValidationError) as refused:
        schemas.name_from_host("https://203.0.113.7")
    assert refused.value.code == "name_required"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("acme.example", "https://acme.example"),
        ("  https://acme.example/about  ", "https://acme.example/about"),
        ("HTTPS://acme.example", "HTTPS://acme.example"),
    ],
)
def test_a_website_is_an_https_url(given: str, kept: str) -> None:
    assert schemas.website(given) == kept


@pytest.mark.parametrize("bad", ["", "ftp://acme.example", "https://", "https://u:p@acme.example", "x" * 2100])
def test_other_websites_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        schemas.website(bad)


def test_a_page_is_read_in_order_of_trust() -> None:
    both = b'<title>Home - Acme</title><meta property="og:title" content="Acme Inc.">'
    described = b'<title>Acme</title><meta property="og:description" content="We make &amp; sell anvils.">'
    assert read_page(both) == ("Acme Inc.", None)
    assert read_page(described) == ("Acme", "We make & sell anvils.")
    assert read_page(b"<p>no head at all</p>") == (None, None)
    assert read_page(b"<title>  </title>") == (None, None)


@pytest.mark.parametrize(
    ("path", "content", "title"),
    [
        ("research/overview.md", "Intro line\n\n# Acme  overview #\n\nText", "Acme overview"),
        ("research/market-and-competitors.md", "No heading here", "Market and competitors"),
        ("research/deep/products_services.md", "## Only a second-level heading", "Products services"),
    ],
)
def test_a_document_is_titled_by_its_heading_or_its_name(path: str, content: str, title: str) -> None:
    assert title_of(path, content) == title


def test_the_prompt_names_the_company_its_site_and_the_folder() -> None:
    task = ResearchTask("j", "p", "projects/p/", "u", "Acme", "https://acme.example")
    prompt = task.prompt()
    assert "'Acme'" in prompt and "https://acme.example" in prompt
    assert "research/overview.md" in prompt and "research/products-and-services.md" in prompt
    assert "website" not in ResearchTask("j", "p", "projects/p/", "u", "Acme", None).prompt()


class Recorder:
    """Stands in for the research task: records what progress would be sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def progress(self, fields: dict[str, Any]) -> None:
        self.sent.append(fields)


def test_progress_gathers_text_and_sends_each_tool_call(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a narrator (time frozen, so only size and tool calls flush)
    monkeypatch.setattr(job.time, "monotonic", lambda: 100.0)
    recorder = Recorder()
    narrator = job.Narrator(recorder)  # type: ignore[arg-type]
    # When text streams in small pieces, then a tool is called, then a long paragraph streams
    for piece in ["I will ", "look at ", "their site."]:
        narrator.relay({"type": "text.delta", "text": piece})
    narrator.relay({"type": "tool.use", "name": "WebFetch", "summary": "WebFetch https://acme.example"})
    narrator.relay({"type": "tool.result", "isError": False, "summary": "…"})
    for _ in range(40):
        narrator.relay({"type": "text.delta", "text": "Acme makes anvils. "})
    narrator.relay({"type": "text.delta", "text": "And rockets"})
    narrator.flush()
    # Then the small pieces went out as one text, the tool call as itself, the paragraph at a sentence end
    assert recorder.sent[:2] == [
        {"text": "I will look at their site."},
        {"tool": "WebFetch", "summary": "WebFetch https://acme.example"},
    ]
    texts = [sent["text"] for sent in recorder.sent[2:]]
    assert len(texts) == 2 and texts[0].endswith("anvils.") and texts[1].endswith("And rockets")
    assert "".join(texts).count("Acme makes anvils.") == 40


def test_progress_text_waits_at_most_a_few_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    monkeypatch.setattr(job.time, "monotonic", lambda: now[0])
    recorder = Recorder()
    narrator = job.Narrator(recorder)  # type: ignore[arg-type]
    narrator.relay({"type": "text.delta", "text": "Searching"})
    narrator.tick()
    assert recorder.sent == []
    now[0] += job.PROGRESS_SECONDS
    narrator.tick()
    assert recorder.sent == [{"text": "Searching"}]


def test_only_markdown_files_under_research_count(tmp_path: Path) -> None:
    (tmp_path / "research" / "deep").mkdir(parents=True)
    (tmp_path / "research" / "overview.md").write_text("# Overview\n")
    (tmp_path / "research" / "deep" / "notes.MD").write_text("# Notes\n")
    (tmp_path / "research" / "data.csv").write_text("a,b\n")
    (tmp_path / "notes.md").write_text("# elsewhere\n")
    (tmp_path / "research" / "link.md").symlink_to(tmp_path / "notes.md")
    found = job.markdown_files(tmp_path)
    assert sorted(found) == ["research/deep/notes.MD", "research/overview.md"]


def test_a_research_folder_that_is_a_link_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.md").write_text("# Secret\n")
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "research").symlink_to(tmp_path / "elsewhere")
    assert job.markdown_files(tmp_path / "project") == {}
