"""When the local AWS server snapshots its state (local/persistence.py): in a quiet moment after a change, and
never later than `interval` after it, however busy the server; a snapshot that fails is tried again."""

from __future__ import annotations

from pathlib import Path

import pytest

from local import persistence
from local.persistence import QUIET_SECONDS, Persistence
from tests.support.stack import wait_until


class Clock:
    """time.monotonic, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(persistence, "time", clock)
    return clock


def test_nothing_changed_is_never_due(tmp_path: Path, clock: Clock) -> None:
    state = Persistence(tmp_path)
    clock.now += 10
    assert not state._due()
    assert state.snapshot() is False


def test_a_change_waits_for_a_quiet_moment(tmp_path: Path, clock: Clock) -> None:
    state = Persistence(tmp_path, interval=0.5)
    with state.gate.request():
        state.mark_dirty("dynamodb")
        clock.now += 0.2
        assert not state._due()  # a request is running
    assert not state._due()  # it has only just ended
    clock.now += QUIET_SECONDS + 0.001
    assert state._due()
    assert state.snapshot() is True
    assert state.saved_generation == state.generation == 1
    assert not state._due()


def test_a_busy_server_still_saves_a_change_once_it_is_interval_old(tmp_path: Path, clock: Clock) -> None:
    state = Persistence(tmp_path, interval=0.5)
    state.mark_dirty("sqs")
    step = 2**-5  # a request every 0.031 s: never quiet for long enough (exact in binary, so 16 steps are 0.5 s)
    assert step < QUIET_SECONDS
    for _ in range(15):
        with state.gate.request():
            clock.now += step
            assert not state._due()
    with state.gate.request():
        clock.now += step
        assert state._due()  # the change is 0.5 s old: the snapshot waits for this request, and no longer


def test_later_changes_do_not_push_the_deadline_back(tmp_path: Path, clock: Clock) -> None:
    state = Persistence(tmp_path, interval=0.5)
    state.mark_dirty("dynamodb")
    with state.gate.request():
        clock.now += 0.25
        state.mark_dirty("dynamodb")
        clock.now += 0.125
        assert not state._due()
        clock.now += 0.125
        assert state._due()  # 0.5 s after the first change


def test_a_snapshot_that_fails_is_tried_again(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    state = Persistence(tmp_path, interval=0.5)
    state.mark_dirty("kms")
    monkeypatch.setattr(state, "_save", lambda dirty, generation: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        state.snapshot()
    assert state._dirty == {"kms"}  # kept for the next round
    assert state._due()
    monkeypatch.undo()
    monkeypatch.setattr(persistence, "time", clock)
    assert state.snapshot() is True
    assert state.saved_generation == 1


def test_the_loop_saves_a_change_made_between_requests(tmp_path: Path) -> None:
    state = Persistence(tmp_path, interval=0.5)
    state.start()
    try:
        with state.gate.request():
            state.mark_dirty("dynamodb")
        wait_until(lambda: state.saved_generation == 1, timeout=10, what="the snapshot")
        assert (tmp_path / "manifest.json").exists()
    finally:
        state.stop()
