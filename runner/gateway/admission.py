"""Whether a user may start another model call: the daily token quota and the monthly budgets, read at most every
few seconds per user.

The checks (in the runner `shared.quotas.daily.check_tokens` and `shared.budgets.status.check`, asked at once)
read DynamoDB, so they run in threads, never on the gateway's loop, and their verdict is kept for `CACHE_SECONDS`
per user: a turn's dozens of calls cost one read each. A refusal is the first check's RateLimitedError, whose
message the CLI shows as it ends the turn. A check that fails for any other reason (the table unreachable) admits
the call as far as it is concerned: metering problems never stop the work.

    admission = Admission([check_tokens, budgets.check])
    refusal = await admission.refusal(grant.user_id)   # None: forward it; else the message of a 429
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from shared.errors import RateLimitedError
from shared.logs import logger

Check = Callable[[str], object]  # raises RateLimitedError to refuse the user's next call
CACHE_SECONDS = 5.0
AHEAD_SECONDS = 2.0  # a turn's first call comes within this of its `ahead`: a verdict running out sooner is renewed
_MAX_USERS = 1024  # verdicts kept at once; the runner serves a few users at a time


class Admission:
    """The checks' verdict per user, cached; used on the gateway's loop only."""

    def __init__(
        self,
        checks: Check | Sequence[Check],
        *,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks = tuple(checks) if isinstance(checks, Sequence) else (checks,)
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._verdicts: dict[str, tuple[float, str | None]] = {}  # user: (until when, refusal message or None)
        self._asking: dict[str, asyncio.Future[str | None]] = {}  # user: the checks being asked now

    async def refusal(self, user_id: str) -> str | None:
        """Why the user's next model call is refused, or None if it may go."""
        cached = self._verdicts.get(user_id)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        asking = self._asking.get(user_id)
        if asking is None:  # calls that come while the checks run wait for the same answer
            asking = self._asking[user_id] = asyncio.ensure_future(self._refresh(user_id))
        return await asyncio.shield(asking)

    async def ahead(self, user_id: str, *, within: float = AHEAD_SECONDS) -> None:
        """Ask the checks now, without waiting, unless the user's verdict holds for `within` seconds more: their
        next call (a turn's first, made a moment later) then finds one made, not one that ran out meanwhile.
        Until the new verdict is in, calls still get the one it replaces."""
        cached = self._verdicts.get(user_id)
        if cached is not None and cached[0] > self._clock() + within:
            return
        if user_id not in self._asking:
            self._asking[user_id] = asyncio.ensure_future(self._refresh(user_id))

    async def _refresh(self, user_id: str) -> str | None:
        try:
            now = self._clock()
            verdict = await self._ask(user_id)
            if len(self._verdicts) >= _MAX_USERS:
                self._verdicts.clear()
            self._verdicts[user_id] = (now + self._cache_seconds, verdict)
            return verdict
        finally:
            self._asking.pop(user_id, None)

    async def _ask(self, user_id: str) -> str | None:
        """The first refusal in the checks' order; they are asked at once, each in a thread of its own."""
        answers = await asyncio.gather(*(asyncio.to_thread(_answer, check, user_id) for check in self._checks))
        return next((refusal for refusal in answers if refusal is not None), None)


def _answer(check: Check, user_id: str) -> str | None:
    try:
        check(user_id)
    except RateLimitedError as exc:
        return exc.message
    except Exception:
        logger.exception("the model gateway could not check a quota or budget; it admits the call")
    return None
