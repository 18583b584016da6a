"""The costliest chat sessions of each day and each month, per scope: one small item per period, a "board".

    partition "org#top" | "user#<id>#top"   key "<YYYY-MM-DD>" | "month#<YYYY-MM>"
      ranking   [[session id, cost], ...]   costliest first (ties: by id), at most SIZE
      revision  1, 2, ...                   one more at each write

`offer` runs after a session item's ADD returned the session's new cost of the period (a read-modify-write):

    read the board (consistent) ──▶ the session holds this cost or more, or the board is full and the cost is
         ▲                          not above its last: nothing to write
         │                          ──▶ else put the new ranking, on condition `revision` is the one read
         └── condition failed (another writer won): read again, at most TRIES times, then give up (logged)

Costs only grow (ADDs of costs that are not negative), and an offer keeps the larger of its cost and the one the
board holds, so offers landing out of order never lower a session. A session pushed off a full board had a cost
no higher than each of the SIZE it left on it; it comes back with a later, higher cost. So once writes settle a
board holds its period's SIZE costliest sessions, and a session that is not on a full board cost at most the
board's last cost (`floor`): what `top.py` needs to combine the boards of several periods.

Why a board item and not a sparse index on the session items' cost: one BatchGetItem reads the boards of every
period of a request (some 70 at most, for a year), where an index needs a Query per period; and a session's cost
changes at every batch, which an index on it would pay for twice (delete and put of its entry) on every session
item, a board only when a session makes its top SIZE.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.exceptions import PutError

from shared.db import condition_failed
from shared.logs import logger
from shared.models.usage import UsageAggregate
from shared.usage.layout import Dimension, partition
from shared.usage.schemas import MAX_TOP_SESSIONS

SIZE = MAX_TOP_SESSIONS  # a board answers any limit the route accepts
TRIES = 8


@dataclass(frozen=True, slots=True)
class Offer:
    """A session's cost of a period, as its session item holds it after an ADD, for the scope's board."""

    scope: str
    period: str
    session_id: str
    cost: float


@dataclass(frozen=True, slots=True)
class Board:
    """A period's costliest sessions of one scope, costliest first."""

    ranking: tuple[tuple[str, float], ...] = ()
    revision: int = 0

    @property
    def full(self) -> bool:
        """Sessions may have been left off: any session not on it cost at most `floor`."""
        return len(self.ranking) >= SIZE

    @property
    def floor(self) -> float:
        """What a session not on the board cost at most in the period (0 while the board holds every session)."""
        return self.ranking[-1][1] if self.full else 0.0

    def costs(self) -> dict[str, float]:
        return dict(self.ranking)


def offered(board: Board, session_id: str, cost: float) -> Board | None:
    """The board with the session at `cost` (or more, if it holds more), or None if that changes nothing."""
    costs = board.costs()
    if costs.get(session_id, -1.0) >= cost:
        return None
    costs[session_id] = cost
    ranking = tuple(sorted(costs.items(), key=lambda pair: (-pair[1], pair[0]))[:SIZE])
    if session_id not in dict(ranking):
        return None  # not above the last of a full board
    return Board(ranking, board.revision + 1)


def offer(offer: Offer) -> bool:
    """Put the session's cost on the scope's board of the period if it makes it; False if every try lost."""
    place = partition(offer.scope, Dimension.TOP)
    for _ in range(TRIES):
        board = _get(place, offer.period)
        changed = offered(board, offer.session_id, offer.cost)
        if changed is None:
            return True
        row = UsageAggregate(place, offer.period, ranking=[list(pair) for pair in changed.ranking])
        row.revision = changed.revision
        expected = UsageAggregate.revision == board.revision if board.revision else UsageAggregate.key.does_not_exist()
        try:
            row.save(condition=expected)
            return True
        except PutError as exc:
            if not condition_failed(exc):
                raise
    logger.warning("a board of the top sessions was busy: an offer is lost", extra={"offer": offer.__dict__})
    return False


def read(scope: str, periods: Iterable[str]) -> dict[str, Board]:
    """The scope's boards of these periods (an empty board where there is none), in one BatchGetItem per 100."""
    place = partition(scope, Dimension.TOP)
    wanted = list(dict.fromkeys(periods))
    found = {row.key: _board(row) for row in UsageAggregate.batch_get([(place, period) for period in wanted])}
    return {period: found.get(period, Board()) for period in wanted}


def _get(place: str, period: str) -> Board:
    try:
        return _board(UsageAggregate.get(place, period, consistent_read=True))
    except UsageAggregate.DoesNotExist:
        return Board()


def _board(row: UsageAggregate) -> Board:
    ranking = tuple((str(session_id), float(cost)) for session_id, cost in row.ranking or ())
    return Board(ranking, int(row.revision or 0))
