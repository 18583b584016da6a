"""What a caller sends about schedules and runs: new schedules, edits, and the run of a skill by hand."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.scheduling.cron import MAX_EXPRESSION_LENGTH
from shared.scheduling.store import DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS
from shared.schema import Schema

MAX_NAME = 100
MAX_PROMPT_CHARS = 24_000

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Cron = Annotated[str, Field(min_length=1, max_length=MAX_EXPRESSION_LENGTH, examples=["0 9 * * 1-5"])]
TimeZone = Annotated[str, Field(min_length=1, max_length=64, examples=["Europe/Paris"])]
Prompt = Annotated[str, Field(max_length=MAX_PROMPT_CHARS)]
SkillName = Annotated[str, Field(max_length=64)]
Timeout = Annotated[int, Field(ge=1, le=MAX_TIMEOUT_SECONDS)]
ProjectId = Annotated[str, Field(max_length=64)]


class ScheduleIn(Schema):
    """A new schedule."""

    name: Name
    project_id: ProjectId
    cron: Cron
    timezone: TimeZone = "UTC"
    prompt: Prompt | None = Field(default=None, description="The prompt to run; give this or skillName")
    skill_name: SkillName | None = Field(default=None, description="A skill of the project; give this or prompt")
    timeout_seconds: Timeout = DEFAULT_TIMEOUT_SECONDS
    enabled: bool = True


class ScheduleUpdate(Schema):
    """Only the fields sent change. `prompt` and `skillName` may be null (to switch from one to the other).

    The domain also uses it whole, for every field an owner may change (read from the schedule, then updated).
    """

    name: Name | None = None
    cron: Cron | None = None
    timezone: TimeZone | None = None
    prompt: Prompt | None = None
    skill_name: SkillName | None = None
    timeout_seconds: Timeout | None = None
    enabled: bool | None = None


class SkillRunIn(Schema):
    """A run of a skill by hand (the project is in the body: an integration posts one JSON body)."""

    project_id: ProjectId
    timeout_seconds: Timeout | None = Field(
        default=None, description="This run's timeout; by default the skill schedule's (300 s unless changed)"
    )
