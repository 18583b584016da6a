"""What the API shows of chat: sessions, their turns, personas and guides, each read straight from its row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, Field, ValidationInfo, computed_field, field_validator

from shared.schema import Amount, Count, View

NEW_CHAT_TITLE = "New chat"


class Session(View):
    """A chat session of the caller: one project, one permission mode, the persona and guides applied to it."""

    id: str = Field(validation_alias=AliasChoices("session_id", "id"))
    project_id: str
    title: str
    permission_mode: str
    status: str
    last_seq: Count
    message_count: Count
    persona_id: str | None = None
    guide_ids: list[str] = []
    # "Allow for this session" rules (`Bash(npm test)`, `Write`): matching requests run without asking.
    allowed_tools: list[str] = Field(default=[], description="Rules that let requests through without asking")
    created_at: datetime
    updated_at: datetime

    @field_validator("title", mode="before")
    @classmethod
    def _untitled(cls, value: Any) -> Any:
        return value or NEW_CHAT_TITLE

    @field_validator("guide_ids", "allowed_tools", mode="before")
    @classmethod
    def _sorted(cls, value: Any) -> Any:
        return sorted(value or ())


class Usage(View):
    """The tokens of a turn (all 0 until it has used any), as the history page and the turn.done event show them."""

    input_tokens: Count = Field(default=0, validation_alias=AliasChoices("tokens_in", "input_tokens"))
    output_tokens: Count = Field(default=0, validation_alias=AliasChoices("tokens_out", "output_tokens"))
    cache_read_tokens: Count = 0
    cache_write_tokens: Count = 0


class Activity(View):
    """One thing Claude did or asked during a turn, as a reopened chat shows it.

    `kind` tool: `name`, `summary`, `state` (running, done, error, denied), `result` (the first 300 characters);
    permission: `tool`, `summary`, `decision` (allow, allowSession, deny, rule: a rule of the session allowed it,
    named in `rule`; or null: nobody answered, so it was denied);
    question: `questions` (their texts), `answer`; notice: `message`. `at`: the characters of the answer's text
    written before it (where it goes between the answer's paragraphs).
    """

    kind: str
    at: int | None = None
    id: str | None = None
    name: str | None = None
    tool: str | None = None
    summary: str | None = None
    state: str | None = None
    result: str | None = None
    decision: str | None = None
    rule: str | None = None
    questions: list[str] | None = None
    answer: Any = None
    message: str | None = None


class Turn(View):
    """One turn of a session: the message, the answer, how it ended and what it cost (the history page)."""

    session_id: str = Field(exclude=True)  # the page is one session's; its callers need the key
    turn: int
    request: str = Field(validation_alias=AliasChoices("request_text", "request"))
    response: str | None = Field(validation_alias=AliasChoices("response_text", "response"))
    status: str
    error: str | None
    cost_usd: Amount
    duration_ms: int | None
    model: str | None
    created_at: datetime
    job_id: str | None = Field(default=None, exclude=True)
    # The row's four token counts, shown together as `usage`.
    tokens_in: Count = Field(default=0, exclude=True)
    tokens_out: Count = Field(default=0, exclude=True)
    cache_read_tokens: Count = Field(default=0, exclude=True)
    cache_write_tokens: Count = Field(default=0, exclude=True)
    activity: list[Activity] = []

    @field_validator("activity", mode="before")
    @classmethod
    def _recorded(cls, value: Any, info: ValidationInfo) -> Any:
        return value or []

    @computed_field  # type: ignore[prop-decorator]
    @property
    def usage(self) -> Usage:
        return Usage.model_validate(self)


class Persona(View):
    """A named role for Claude, appended to the system prompt of the sessions it is applied to."""

    id: str = Field(validation_alias=AliasChoices("persona_id", "id"))
    name: str
    prompt: str
    is_default: bool


class Guide(View):
    """Markdown instructions a user applies to sessions."""

    id: str = Field(validation_alias=AliasChoices("guide_id", "id"))
    name: str
    body: str


class TurnsPage(View):
    """A page of a session's turns, newest first; `next_before` asks for the page after it."""

    turns: list[Turn]
    next_before: int | None
