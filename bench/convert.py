"""Document conversion, as the ingest function and the upload route run it (shared/files/convert.py).

The document is tests/support/documents.long_docx: about 50 pages of headings, paragraphs, bulleted and numbered
lists, and a table every five pages. The first conversion in a fresh process also imports the parsers (what a
Lambda cold start pays once) and is reported on its own; the warm samples after it are bounded by count and time.
"""

from __future__ import annotations

import io
import time
import zipfile

from bench.stats import row
from shared.files.convert import Conversion, convert
from tests.support.documents import long_docx

PAGES = 50
RUNS = 7
BUDGET_SECONDS = 60.0


def timed_conversions(name: str, data: bytes, runs: int, budget_seconds: float) -> tuple[Conversion, list[float]]:
    """Convert `runs` times, or fewer when the budget is spent (always at least once); times in ms."""
    samples: list[float] = []
    started = time.perf_counter()
    conversion = None
    while len(samples) < runs and (not samples or time.perf_counter() - started < budget_seconds):
        began = time.perf_counter()
        conversion = convert(name, data)
        samples.append((time.perf_counter() - began) * 1000)
    assert conversion is not None
    return conversion, samples


def word_pages(data: bytes) -> int:
    """Pages as the document spells them: its explicit page breaks plus one."""
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    return body.count(b'w:type="page"') + 1


def run(pages: int = PAGES, runs: int = RUNS, budget_seconds: float = BUDGET_SECONDS) -> dict[str, list[float]]:
    document = long_docx(pages)

    _, first = timed_conversions("review.docx", document, 1, budget_seconds)
    conversion, warm = timed_conversions("review.docx", document, runs, budget_seconds)

    markdown = conversion.markdown
    tables = sum(1 for line in markdown.splitlines() if line.startswith("| ---"))
    print(f"Converting a long Word document to Markdown (at most {runs} warm runs or {budget_seconds:.0f} s):")
    print(
        f"  Word: {len(document) / 1024:.0f} KB, {word_pages(document)} pages -> Markdown "
        f"{len(markdown.encode()) / 1024:.0f} KB, {len(markdown.splitlines()):,} lines, {tables} tables"
    )
    print("  " + row("docx, first in this process (imports parsers)", first))
    print("  " + row("docx -> Markdown (mammoth + markdownify)", warm))
    return {"first": first, "warm": warm}


if __name__ == "__main__":
    run()
