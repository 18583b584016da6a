"""What the usage dashboard shows: amounts per row of a summary, its totals, and the costliest sessions."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AliasChoices, Field

from shared.schema import View


class UsageAmounts(View):
    """Tokens, cost (list price, US dollars) and model requests."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    requests: int = 0


class UsageRow(UsageAmounts):
    """One value of the dimension grouped by: a day, a user, a project, a kind or a model."""

    key: str = Field(description='The day (YYYY-MM-DD), user id, project id ("none": no project), kind or model id')
    label: str = Field(description='What to show: the username, the project\'s name, "(deleted)" when gone, ...')


class UsageSummary(View):
    """Usage of a period, grouped by one dimension; the rows sum to the totals."""

    from_day: date = Field(validation_alias=AliasChoices("from_day", "from"), serialization_alias="from")
    to_day: date = Field(validation_alias=AliasChoices("to_day", "to"), serialization_alias="to")
    group_by: str
    scope: Literal["organization", "user"]
    user_id: str | None = Field(default=None, description="Whose usage, when the scope is one user")
    totals: UsageAmounts
    rows: list[UsageRow]


class TopSession(View):
    """A chat session and what its requests of the period cost."""

    session_id: str
    project_id: str | None
    user_id: str | None
    label: str = Field(description='The session\'s title, "(untitled)", or "(deleted)" when it is gone')
    cost_usd: float
    input_tokens: int
    output_tokens: int
