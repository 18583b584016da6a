"""Chat sessions, their turns (raw exchanges) and the per-session event log replayed on reconnect."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from shared.models.base import StudioModel, utcnow


class SessionStatus(StrEnum):
    IDLE = "idle"
    RUNNING = "running"  # a turn is in flight; idle -> running is conditional, so turns never overlap
    ARCHIVED = "archived"


class PermissionMode(StrEnum):
    """The Claude CLI's --permission-mode values."""

    DEFAULT = "default"
    ACCEPT_EDITS = "acceptEdits"
    PLAN = "plan"
    BYPASS_PERMISSIONS = "bypassPermissions"


class ExchangeStatus(StrEnum):
    QUEUED = "queued"  # sent while another turn of the session runs; the FIFO group keeps the order
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    ABORTED = "aborted"


class SessionsByUserIndex(GlobalSecondaryIndex["Session"]):
    """A user's sessions, most recently active last (the sidebar; the delete-user cascade)."""

    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    updated_at = UTCDateTimeAttribute(range_key=True)


class SessionsByProjectIndex(GlobalSecondaryIndex["Session"]):
    """A project's sessions, most recently active last (the project view; the delete-project cascade)."""

    class Meta:
        index_name = "by-project"
        projection = AllProjection()

    project_id = UnicodeAttribute(hash_key=True)
    updated_at = UTCDateTimeAttribute(range_key=True)


class Session(StudioModel):
    """A chat session of one user in one project, resumable by the Claude CLI's own session id."""

    class Meta:
        logical_name = "sessions"

    session_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    project_id = UnicodeAttribute()
    title = UnicodeAttribute(null=True)
    claude_session_id = UnicodeAttribute(null=True)  # passed to `claude --resume`
    permission_mode = UnicodeAttribute(default=PermissionMode.DEFAULT.value)
    persona_id = UnicodeAttribute(null=True)
    guide_ids = UnicodeSetAttribute(null=True)
    # Rules the person chose "Allow for this session" for (`Bash(npm test)`, `Write`): the runner lets the session's
    # matching requests through without asking (runner/claude/allow.py); the person removes them in its settings.
    allowed_tools = UnicodeSetAttribute(null=True)
    status = UnicodeAttribute(default=SessionStatus.IDLE.value)
    # Counters are bumped with UpdateItem ADD (atomic, no read): the runner allocates event seqs
    # and turn numbers from them while the API may rename the session, so no VersionAttribute here.
    last_seq = NumberAttribute(default=0)
    message_count = NumberAttribute(default=0)
    # The last turn that ended, written as it ends: a message that finds the turn before its own ended asks the
    # turns no more whether one is still open (shared.chat.turns).
    ended_turn = NumberAttribute(null=True)
    # The connections following this session. Allocating a seq (ADD last_seq) returns them in the same
    # strongly consistent write, so every event goes to whoever followed before it was numbered.
    followers = UnicodeSetAttribute(null=True)
    # Set while a runner turn streams (shared.chat.stream): numbers below last_seq may still be used, and its
    # latest events may not be logged yet, so a client missing one waits instead of giving up on it.
    streaming = UnicodeAttribute(null=True)
    # The CLI reports the cost of a resumed session cumulatively; a turn's own cost is the difference.
    cli_cost_total = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    by_user = SessionsByUserIndex()
    by_project = SessionsByProjectIndex()


class ExchangesByUserIndex(GlobalSecondaryIndex["RawExchange"]):
    """Every turn of a user, for the delete-user cascade and data export."""

    class Meta:
        index_name = "by-user"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class RawExchange(StudioModel):
    """One turn of a session: the prompt, the full response, and what it cost."""

    class Meta:
        logical_name = "raw_exchanges"

    session_id = UnicodeAttribute(hash_key=True)
    turn = NumberAttribute(range_key=True)
    user_id = UnicodeAttribute()
    project_id = UnicodeAttribute(null=True)
    job_id = UnicodeAttribute(null=True)
    request_text = UnicodeAttribute()
    response_text = UnicodeAttribute(null=True)
    # Items are capped at 400 KB: a response longer than that is stored in S3 and referenced here.
    response_s3_key = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default=ExchangeStatus.RUNNING.value)
    model = UnicodeAttribute(null=True)
    tokens_in = NumberAttribute(default=0)
    tokens_out = NumberAttribute(default=0)
    cache_read_tokens = NumberAttribute(default=0)
    cache_write_tokens = NumberAttribute(default=0)
    cost_usd = NumberAttribute(default=0)
    duration_ms = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)
    client_message_id = UnicodeAttribute(null=True)
    # Written by the API while the turn runs; the runner polls them (abort, answers to Claude's questions).
    abort_requested = BooleanAttribute(default=False)
    answers = JSONAttribute(null=True)  # {question_id: answer}
    # What Claude did during the turn, in order (tool calls, permission requests, questions, notices), written
    # when it ends so a reopened chat shows it; bounded (shared.chat.records.ACTIVITY_LIMIT).
    activity = JSONAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)

    by_user = ExchangesByUserIndex()


class SessionEvent(StudioModel):
    """Numbered events of a session's stream, one or a batch per item, kept so a reconnecting client can replay them."""

    class Meta:
        logical_name = "session_events"

    session_id = UnicodeAttribute(hash_key=True)
    # The seq of the item's last event. Replay after a reconnect is Query(session_id, seq > last_seen), ascending:
    # a range read, not a filter, and it finds the batch that holds the first missed event even when the batch
    # starts before it.
    seq = NumberAttribute(range_key=True)
    events = JSONAttribute()  # in seq order, without their sessionId (the item's key)
    published_at = JSONAttribute()  # epoch milliseconds of each event (the quality signals' timings)
    expires_at = TTLAttribute()
