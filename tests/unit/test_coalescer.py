"""Text deltas coalesced: the first after a quiet spell at once, then at most one event per window."""

from __future__ import annotations

import pytest

from runner.claude.relay import FLUSH_CHARS, Coalescer

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_the_first_text_after_a_quiet_spell_goes_at_once(clock: Clock) -> None:
    sent: list[str] = []
    text = Coalescer(sent.append, delay=0.25, clock=clock)

    text.add("Hello")

    assert sent == ["Hello"]
    clock.now += 10
    text.add(" again")
    assert sent == ["Hello", " again"]


def test_text_within_the_window_waits_and_goes_with_the_first_text_after_it(clock: Clock) -> None:
    # Given text just sent
    sent: list[str] = []
    text = Coalescer(sent.append, delay=0.25, clock=clock)
    text.add("a")

    # When more comes within the window, then it waits, and the caller's timer knows until when
    clock.now += 0.1
    text.add("b")
    clock.now += 0.1
    text.add("c")
    assert sent == ["a"]
    assert text.due_in() == pytest.approx(0.05)

    # When the next text comes after the window, then it goes out with what waited: one event, newest included
    clock.now += 0.1
    text.add("d")
    assert sent == ["a", "bcd"]


def test_the_callers_timer_flushes_what_waits_when_no_more_text_comes(clock: Clock) -> None:
    sent: list[str] = []
    text = Coalescer(sent.append, delay=0.25, clock=clock)
    text.add("a")
    clock.now += 0.1
    text.add("b")

    clock.now += 0.2
    assert text.due_in() == 0
    text.flush()

    assert sent == ["a", "b"]
    assert text.due_in() > 60  # nothing waits


def test_a_long_text_goes_at_once_in_frames_that_fit(clock: Clock) -> None:
    sent: list[str] = []
    text = Coalescer(sent.append, delay=0.25, clock=clock)
    text.add("a")

    text.add("x" * (FLUSH_CHARS * 2 + 1))

    assert [len(chunk) for chunk in sent] == [1, FLUSH_CHARS, FLUSH_CHARS, 1]
