"""What a process keeps of what it read (shared/kept.py): bounded, each entry for as long as its reader allows."""

from __future__ import annotations

import pytest

from shared.kept import MISSING, Kept

pytestmark = pytest.mark.unit


def test_an_entry_is_kept_until_it_is_older_than_its_reader_allows() -> None:
    now = [100.0]
    kept = Kept[str, str](entries=10, clock=lambda: now[0])
    kept.put("a", "first")

    now[0] += 4.9
    assert kept.get("a", within=5.0) == "first"
    assert kept.get("a") == "first"  # with no limit, as long as it is there
    now[0] += 0.1
    assert kept.get("a", within=5.0) is None
    assert kept.get("a", within=0.0) is None


def test_a_kept_none_is_told_from_an_entry_that_is_not_there() -> None:
    kept = Kept[str, str | None](entries=10)
    kept.put("gone", None)

    assert kept.get("gone", MISSING) is None
    assert kept.get("never", MISSING) is MISSING


def test_a_full_map_starts_over_and_entries_can_be_dropped() -> None:
    kept = Kept[int, int](entries=3)
    for key in range(3):
        kept.put(key, key)
    kept.pop(1)
    kept.pop(7)  # not there: nothing to do
    assert [kept.get(key) for key in range(3)] == [0, None, 2]

    kept.put(3, 3)
    kept.put(4, 4)  # the fourth entry: the map was full, and starts over
    assert [kept.get(key) for key in range(5)] == [None, None, None, None, 4]
    kept.clear()
    assert kept.get(4) is None
