"""Chat over the WebSocket: chat.send, chat.abort, chat.answer and session.resume."""

from __future__ import annotations

from shared.accounts import users
from shared.accounts.domain import Principal
from shared.chat import events, sessions, turns
from shared.errors import AuthenticationError, ValidationError
from shared.realtime import connections
from shared.ws.router import ActionRequest, action


def _caller(request: ActionRequest) -> Principal:
    account = users.get(request.user_id) if request.user_id else None
    if account is None or not account.is_active:
        raise AuthenticationError("Your session has ended; sign in and reconnect.", code="unauthenticated")
    return Principal(account=account, via="token")


@action("chat.send")
def send(request: ActionRequest) -> None:
    message = request.message
    turns.send(
        _caller(request),
        project_id=message.get("projectId"),
        session_id=message.get("sessionId"),
        message=message.get("message"),
        client_message_id=message.get("clientMessageId"),
        permission_mode=message.get("permissionMode"),
        correlation_id=request.request_id,
        connection_id=request.connection_id,
    )


@action("chat.abort")
def abort(request: ActionRequest) -> None:
    turn = turns.abort(_caller(request), request.message.get("sessionId"))
    request.reply({"type": "abort.requested", "sessionId": request.message.get("sessionId"), "turn": turn})


@action("chat.answer")
def answer(request: ActionRequest) -> None:
    message = request.message
    turns.answer(
        _caller(request),
        message.get("sessionId"),
        message.get("turn"),
        message.get("questionId"),
        message.get("answer"),
    )


@action("session.resume")
def resume(request: ActionRequest) -> None:
    """Send what the client missed: every logged event after its last seen `seq`, in order."""
    last_seq = request.message.get("lastSeq", 0)
    if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
        raise ValidationError("'lastSeq' must be a whole number of at least 0.", code="invalid_request")
    session = sessions.owned(_caller(request), request.message.get("sessionId"))
    connections.follow(request.connection_id, session.session_id)
    sent = events.replay(session.session_id, last_seq, request.connection_id)
    request.reply(
        {
            "type": "session.resumed",
            "sessionId": session.session_id,
            "replayed": sent,
            "lastSeq": int(session.last_seq or 0),
            "status": session.status,
        }
    )
