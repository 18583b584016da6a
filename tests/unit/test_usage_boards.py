"""The boards of the costliest sessions (shared/usage/boards.py) and how top.py combines those of several periods:
pure decisions, with a dictionary standing in for the session items."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from shared.usage import boards, top
from shared.usage.aggregates import Item
from shared.usage.boards import Board, offered
from shared.usage.layout import Amounts

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def small_boards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boards, "SIZE", 3)


def test_a_session_enters_rises_and_never_falls() -> None:
    board = Board()
    for session_id, cost in (("a", 1.0), ("b", 3.0), ("c", 2.0)):
        changed = offered(board, session_id, cost)
        assert changed is not None
        board = changed

    assert board.ranking == (("b", 3.0), ("c", 2.0), ("a", 1.0))
    assert (board.full, board.floor, board.revision) == (True, 1.0, 3)
    assert offered(board, "b", 2.5) is None  # a late, lower offer changes nothing
    assert offered(board, "d", 1.0) is None  # not above the last of a full board
    raised = offered(board, "a", 4.0)
    assert raised is not None and raised.ranking == (("a", 4.0), ("b", 3.0), ("c", 2.0))
    pushed = offered(board, "d", 1.5)
    assert pushed is not None and pushed.ranking == (("b", 3.0), ("c", 2.0), ("d", 1.5))


def test_a_board_that_is_not_full_holds_every_session_and_its_floor_is_zero() -> None:
    board = offered(Board(), "a", 1.0)

    assert board is not None and (board.full, board.floor) == (False, 0.0)


@pytest.mark.parametrize("seed", range(40))
def test_the_boards_of_several_periods_give_the_exact_top_or_say_they_cannot(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given sessions with costs in some of 6 periods, each period's board its top 3, and the session items
    rng = random.Random(seed)
    periods = [f"2025-01-{day:02d}" for day in range(1, 7)]
    items: dict[tuple[str, str], Item] = {}
    for n in range(rng.randrange(1, 12)):
        session_id = f"s{n:02d}"
        for period in rng.sample(periods, rng.randrange(1, 4)):
            cost = rng.randrange(1, 50) / 100
            items[(period, session_id)] = Item(period, session_id, Amounts(tokens_in=n, cost_usd=cost), user_id="u")
    held = {period: _board_of(period, items) for period in periods}
    fetched: list[int] = []

    def sessions(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        fetched.append(len(keys))
        return {key: items[key] for key in keys if key in items}

    monkeypatch.setattr(top.aggregates, "sessions", sessions)
    limit = rng.randrange(1, 4)

    # When the top is asked of the boards
    ranked = top._from_boards(held, limit)

    # Then, unless the boards cannot prove it, it is the exact top with the sessions' whole amounts
    if ranked is None:
        assert any(board.full for board in held.values())
        return
    totals: dict[str, float] = defaultdict(float)
    for (_, session_id), item in items.items():
        totals[session_id] += item.amounts.cost_usd
    expected = sorted(totals.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
    assert [(one.session_id, round(one.amounts.cost_usd, 6)) for one in ranked] == [
        (session_id, round(cost, 6)) for session_id, cost in expected
    ]
    assert all(one.user_id == "u" for one in ranked)


def test_one_period_is_its_boards_first_sessions_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    items = {
        ("month#2025-01", f"s{n}"): Item("2025-01", f"s{n}", Amounts(cost_usd=n / 10, tokens_in=n)) for n in range(9)
    }
    calls: list[list[tuple[str, str]]] = []
    monkeypatch.setattr(top.aggregates, "sessions", lambda keys: calls.append(keys) or {k: items[k] for k in keys})

    ranked = top._from_boards({"month#2025-01": _board_of("month#2025-01", items)}, 2)

    assert ranked is not None and [one.session_id for one in ranked] == ["s8", "s7"]
    assert calls == [[("month#2025-01", "s8"), ("month#2025-01", "s7")]]


def _board_of(period: str, items: dict[tuple[str, str], Item]) -> Board:
    board = Board()
    for (at, session_id), item in items.items():
        if at == period:
            board = offered(board, session_id, item.amounts.cost_usd) or board
    return board
