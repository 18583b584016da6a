"""Chat over the WebSocket: chat.send, chat.abort, chat.answer, chat.prewarm and session.resume."""

from __future__ import annotations

from shared.accounts import users
from shared.accounts.domain import Principal
from shared.chat import events, followers, sessions, turns
from shared.chat.schemas import ChatAbort, ChatAnswer, ChatPrewarm, ChatSend, SessionResume
from shared.errors import AuthenticationError
from shared.ws.router import ActionRequest, action


def _caller(request: ActionRequest) -> Principal:
    """The account the action acts as: the one read for the connection's standing, else read now."""
    account = request.account
    if account is None and request.user_id:
        account = users.get(request.user_id)
    if account is None or not account.is_active:
        raise AuthenticationError("Your session has ended; sign in and reconnect.", code="unauthenticated")
    return Principal(account=account, via="token")


@action("chat.send", ChatSend)
def send(request: ActionRequest, body: ChatSend) -> None:
    turns.accept(
        _caller(request),
        body,
        correlation_id=request.request_id,
        connection_id=request.connection_id,
    )


@action("chat.abort", ChatAbort)
def abort(request: ActionRequest, body: ChatAbort) -> None:
    turn = turns.abort(_caller(request), body.session_id)
    request.reply({"type": "abort.requested", "sessionId": body.session_id, "turn": turn})


@action("chat.answer", ChatAnswer)
def answer(request: ActionRequest, body: ChatAnswer) -> None:
    turns.answer(_caller(request), body)


@action("chat.prewarm", ChatPrewarm)
def prewarm(request: ActionRequest, body: ChatPrewarm) -> None:
    request.reply(turns.prewarm(_caller(request), body))


@action("session.resume", SessionResume)
def resume(request: ActionRequest, body: SessionResume) -> None:
    """Send what the client missed: every logged event after its last seen `seq`, in order."""
    session = sessions.owned(_caller(request), body.session_id)
    streaming = followers.follow(request.connection_id, session.id)
    sent = events.replay(session.id, body.last_seq, request.connection_id)
    request.reply(
        {
            "type": "session.resumed",
            "sessionId": session.id,
            "replayed": sent,
            "lastSeq": session.last_seq,
            "status": session.status,
            "streaming": streaming,
        }
    )
