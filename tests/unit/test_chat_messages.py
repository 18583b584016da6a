"""The models of the chat actions refuse a bad value with the code and message clients have always seen."""

from __future__ import annotations

from typing import Any

import pytest

from shared.chat.schemas import ChatAnswer, ChatSend, SessionResume
from shared.errors import StudioError
from shared.realtime.messages import Message, Ping, parse

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("model", "body", "code", "message"),
    [
        (ChatSend, {"projectId": "p"}, "invalid_request", "'message' must be a non-empty string."),
        (ChatSend, {"projectId": "p", "message": "  "}, "invalid_request", "'message' must be a non-empty string."),
        (
            ChatSend,
            {"projectId": "p", "message": "x" * 24_001},
            "too_long",
            "'message' is 24001 characters; at most 24000 are accepted.",
        ),
        (
            ChatSend,
            {"projectId": "p", "message": "hi", "clientMessageId": "c" * 101},
            "too_long",
            "'clientMessageId' is 101 characters; at most 100 are accepted.",
        ),
        (ChatSend, {"message": "hi"}, "invalid_request", "'projectId' must be a non-empty string."),
        (ChatSend, {"sessionId": 7, "message": "hi"}, "session_not_found", "There is no such chat session."),
        (ChatAnswer, {"turn": True, "questionId": "q", "answer": "y"}, "invalid_request", "'turn' must be a number."),
        (ChatAnswer, {"turn": 1, "answer": "y"}, "invalid_request", "'questionId' must be a non-empty string."),
        (
            ChatAnswer,
            {"turn": 1, "questionId": "q", "answer": 3},
            "invalid_request",
            "'answer' must be text, a choice or allow/deny.",
        ),
        (SessionResume, {"lastSeq": -1}, "invalid_request", "'lastSeq' must be a whole number of at least 0."),
        (SessionResume, {"lastSeq": None}, "invalid_request", "'lastSeq' must be a whole number of at least 0."),
        (Ping, {"id": "x" * 129}, "invalid_request", "A ping 'id' must be a string of at most 128 characters."),
    ],
)
def test_a_refused_value_reads_as_it_always_has(
    model: type[Message], body: dict[str, Any], code: str, message: str
) -> None:
    with pytest.raises(StudioError) as refused:
        parse(model, {"action": "any", **body})

    assert (refused.value.code, refused.value.message) == (code, message)


def test_a_message_reads_camel_case_and_ignores_the_envelope() -> None:
    send = parse(ChatSend, {"action": "chat.send", "sessionId": "s" * 32, "message": "hi", "clientMessageId": "m1"})
    answer = parse(ChatAnswer, {"action": "chat.answer", "turn": 2, "questionId": "q", "answer": True})

    assert (send.session_id, send.project_id, send.client_message_id) == ("s" * 32, None, "m1")
    assert answer.answer is True
    assert parse(SessionResume, {"sessionId": "s"}).last_seq == 0
