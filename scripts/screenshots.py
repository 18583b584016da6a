"""Screenshots of every screen of the SPA, at desktop (1400x900) and phone (390x844) sizes, for docs/spa.md.

Starts a local stack the way the browser tests do (its runner drives the real Claude CLI against the scripted fake
Messages API), seeds a realistic project (tests/support/tour.py: files, a skill, a schedule, a meeting, a chat with
an answer and a tool call), signs in and saves docs/screens/<screen>-desktop.png and -phone.png (the viewport only).

    .venv/bin/python -m scripts.screenshots [--out docs/screens] [--only chat,files] [--dark]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python scripts/screenshots.py`
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, Page, ViewportSize  # noqa: E402
from playwright.sync_api import Error as PlaywrightError  # noqa: E402

from tests.e2e.browser import chromium  # noqa: E402
from tests.support.accounts_e2e import seed_session  # noqa: E402
from tests.support.claude import CLAUDE, claude_stack  # noqa: E402
from tests.support.fake_anthropic import FakeAnthropic  # noqa: E402
from tests.support.stack import LocalStack  # noqa: E402
from tests.support.tour import (  # noqa: E402
    DESKTOP,
    PHONE,
    SIGNED_IN_SCREENS,
    Scheme,
    Seeded,
    chat_with_answer,
    seed,
    settle,
    visit,
)

SIZES: dict[str, ViewportSize] = {"desktop": DESKTOP, "phone": PHONE}


def shoot(page: Page, out: Path, name: str, size: str) -> Path:
    # The caret of a focused field blinks: hide it, so two runs give the same picture.
    path = out / f"{name}-{size}.png"
    page.screenshot(path=str(path), caret="hide", animations="disabled")
    return path


def tour(
    browser: Browser, stack: LocalStack, seeded: Seeded, out: Path, *, wanted: set[str], scheme: Scheme
) -> tuple[list[Path], list[str]]:
    """Saves each wanted screen at each size; returns the files saved and the screens that could not be shown."""
    saved: list[Path] = []
    failed: list[str] = []
    for size, viewport in SIZES.items():
        context = browser.new_context(
            base_url=stack.base_url,
            viewport=viewport,
            color_scheme=scheme,
            reduced_motion="reduce",
        )
        try:
            page = context.new_page()
            if not wanted or "sign-in" in wanted:
                page.goto("/sign-in")
                settle(page)
                saved.append(shoot(page, out, "sign-in", size))
            seed_session(page, seeded.session)
            for screen in SIGNED_IN_SCREENS:
                if wanted and screen.name not in wanted:
                    continue
                try:
                    visit(page, screen, seeded)
                except (AssertionError, PlaywrightError) as problem:  # one screen's trouble spoils only its picture
                    failed.append(f"{screen.name}-{size}: {str(problem).splitlines()[0]}")
                    continue
                page.evaluate("() => document.activeElement?.blur()")  # no focus ring left from navigating
                saved.append(shoot(page, out, screen.name, size))
                print(f"  {screen.name}-{size}", flush=True)
        finally:
            context.close()
    return saved, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens", help="where the PNGs go")
    parser.add_argument("--only", default="", help="comma-separated screen names (default: all)")
    parser.add_argument("--dark", action="store_true", help="the dark colour scheme")
    args = parser.parse_args(argv)
    if not CLAUDE.exists():
        print(f"The pinned Claude CLI is missing ({CLAUDE}): run `make deps-runner` first.", file=sys.stderr)
        return 1
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="screenshots-") as data, FakeAnthropic() as api:
        print("Starting a local stack…", flush=True)
        with claude_stack(api, Path(data)) as stack, chromium() as browser:
            seeded = seed(stack)
            context = browser.new_context(base_url=stack.base_url, viewport=SIZES["desktop"])
            try:
                page = context.new_page()
                seed_session(page, seeded.session)
                print("Asking the first question in Chat…", flush=True)
                chat_with_answer(page, api, seeded)
            finally:
                context.close()
            saved, failed = tour(browser, stack, seeded, out, wanted=wanted, scheme="dark" if args.dark else "light")
    largest = max((path.stat().st_size for path in saved), default=0)
    took = time.monotonic() - started
    print(f"Saved {len(saved)} screenshots to {out} in {took:.0f} s (the largest is {largest // 1024} KB).")
    for line in failed:
        print(f"Not saved: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
