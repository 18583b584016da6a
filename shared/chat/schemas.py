"""What a client sends about chat: the REST inputs, and one model per WebSocket action, checked alike.

Every check refuses with the code and message the client has always seen (tests/unit/test_chat_api.py,
test_ws_router.py); whether the value came over REST, the WebSocket or an integration's run makes no difference.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from shared.errors import NotFoundError, ValidationError
from shared.realtime.messages import Message, required
from shared.schema import Schema

MAX_MESSAGE_CHARS = 24_000
MAX_CLIENT_ID = 100
MAX_PROJECT_ID = 64
MAX_QUESTION_ID = 200
MAX_NAME = 100
MAX_TEXT = 20_000
MAX_TITLE = 200
NEW_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")  # what shared.chat.sessions makes (uuid4, hex)


def session_not_found() -> NotFoundError:
    """Anyone else's session, a malformed id or none: the same answer, no hint that it exists."""
    return NotFoundError("There is no such chat session.", code="session_not_found")


def text(value: Any, name: str, limit: int) -> str:
    """A non-empty string of at most `limit` characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"'{name}' must be a non-empty string.", code="invalid_request")
    if len(value) > limit:
        raise ValidationError(f"'{name}' is {len(value)} characters; at most {limit} are accepted.", code="too_long")
    return value


def _text(name: str, limit: int, *, optional: bool = False) -> BeforeValidator:
    return BeforeValidator(lambda value: None if optional and value is None else text(value, name, limit))


def _session_id(value: Any) -> Any:
    if value is not None and not isinstance(value, str):
        raise session_not_found()
    return value


def _new_session_id(value: Any) -> Any:
    if value is not None and not (isinstance(value, str) and NEW_SESSION_ID.match(value)):
        raise ValidationError("'newSessionId' must be an id a chat.prewarm gave.", code="invalid_request")
    return value


def _project_id(value: Any) -> Any:
    if value is not None and not isinstance(value, str):
        raise ValidationError("'projectId' must be a non-empty string.", code="invalid_request")
    return value


def _turn(value: Any) -> Any:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError("'turn' must be a number.", code="invalid_request")
    return value


def _reply(value: Any) -> Any:
    if not isinstance(value, str | dict | bool) or (isinstance(value, str) and len(value) > MAX_MESSAGE_CHARS):
        raise ValidationError("'answer' must be text, a choice or allow/deny.", code="invalid_request")
    return value


def _last_seq(value: Any) -> Any:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationError("'lastSeq' must be a whole number of at least 0.", code="invalid_request")
    return value


SessionId = Annotated[str | None, BeforeValidator(_session_id)]


class ChatSend(Message):
    """chat.send: a message to an existing session, or the first one of a new session in a project."""

    message: Annotated[str, _text("message", MAX_MESSAGE_CHARS)] = required()
    client_message_id: Annotated[str | None, _text("clientMessageId", MAX_CLIENT_ID, optional=True)] = None
    project_id: Annotated[str | None, BeforeValidator(_project_id)] = None
    session_id: SessionId = None
    # The id a chat.prewarm reserved for the new session (its CLI process may be running already), or None.
    new_session_id: Annotated[str | None, BeforeValidator(_new_session_id)] = None
    permission_mode: Any = None  # checked against what administrators allow (shared.chat.policy)
    # A new session's persona and guides, chosen before its first message (checked as the caller's own).
    persona_id: Any = None
    guide_ids: Any = None

    @model_validator(mode="after")
    def _new_session_names_its_project(self) -> ChatSend:
        if self.session_id is None:
            text(self.project_id, "projectId", MAX_PROJECT_ID)
        return self


class ChatPrewarm(Message):
    """chat.prewarm: the person opened a session, or is about to write the first message of a new one in a project;
    the runner may start its CLI process now."""

    session_id: SessionId = None
    project_id: Annotated[str | None, BeforeValidator(_project_id)] = None

    @model_validator(mode="after")
    def _names_one(self) -> ChatPrewarm:
        if self.session_id is None:
            text(self.project_id, "projectId", MAX_PROJECT_ID)
        return self


class ChatAbort(Message):
    """chat.abort: stop the session's turn in progress (or drop it before it starts)."""

    session_id: SessionId = None


def _scope(value: Any) -> Any:
    if value is not None and value not in ("once", "session"):
        raise ValidationError("'scope' must be 'once' or 'session'.", code="invalid_request")
    return value


class ChatAnswer(Message):
    """chat.answer: the user's answer to a question Claude asked during a turn; `scope` "session" with "allow"
    allows the same kind of request for the rest of the session too ("Allow for this session")."""

    session_id: SessionId = None
    turn: Annotated[int, BeforeValidator(_turn)] = required()
    question_id: Annotated[str, _text("questionId", MAX_QUESTION_ID)] = required()
    answer: Annotated[str | dict[str, Any] | bool, BeforeValidator(_reply)] = required()
    scope: Annotated[str | None, BeforeValidator(_scope)] = None

    @model_validator(mode="after")
    def _session_scope_allows(self) -> ChatAnswer:
        if self.scope == "session" and self.answer != "allow":
            raise ValidationError("Only an 'allow' answer can be given for the session.", code="invalid_request")
        return self


class SessionResume(Message):
    """session.resume: follow a session again, and get every event after the last `seq` the client saw."""

    session_id: SessionId = None
    last_seq: Annotated[int, BeforeValidator(_last_seq)] = 0


class SessionUpdate(Schema):
    """PATCH /api/sessions/{id}: rename, or change the permission mode, persona or guides."""

    title: Annotated[str | None, Field(default=None, min_length=1, max_length=MAX_TITLE)]
    permission_mode: str | None = None
    persona_id: str | None = None
    guide_ids: list[str] | None = None
    # The session's "Allow for this session" rules to keep: only removing is possible (answering a request adds).
    allowed_tools: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None, max_length=50, description="The session's rules to keep (a subset of its `allowedTools`)"
    )


Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class PersonaIn(Schema):
    name: Name
    prompt: Text


class GuideIn(Schema):
    name: Name
    body: Text
