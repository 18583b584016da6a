"""Response quality signals of a chat turn, computed after it."""

from __future__ import annotations

import pytest

import runner.jobs  # noqa: F401  # registers the handlers
from runner.worker import Worker
from shared import jobs
from shared.chat.quality import is_correction, is_refusal
from shared.chat.stream import TurnStream
from shared.models.chat import RawExchange, Session
from shared.models.usage import QualitySignal
from shared.settings import Settings, get_settings
from tests.support.accounts import AccountsStack
from tests.support.aws import drain_queue, queued_messages


@pytest.fixture
def cloud(accounts: AccountsStack) -> Settings:
    drain_queue(accounts.settings)
    return accounts.settings


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "expected"),
    [("I can't help with that request.", True), ("I'm unable to open that file.", True), ("Here is the plan.", False)],
)
def test_refusals_are_recognised(text: str, expected: bool) -> None:
    assert is_refusal(text) is expected


@pytest.mark.unit
@pytest.mark.parametrize(
    ("prompt", "expected"),
    [("No, that's wrong", True), ("Actually, use the other file", True), ("Thanks! Now add tests", False)],
)
def test_corrections_are_recognised(prompt: str, expected: bool) -> None:
    assert is_correction(prompt) is expected


def test_a_turn_gets_its_signals_and_the_previous_turn_learns_it_was_corrected(cloud: Settings) -> None:
    Session("s" * 32, user_id="u1", project_id="p1").save()
    for turn, request, response, status in [
        (1, "Summarise", "I can't help with that.", "completed"),
        (2, "No, that's not what I asked", "Here it is.", "failed"),
    ]:
        RawExchange("s" * 32, turn, user_id="u1", request_text=request, response_text=response, status=status).save()
        with TurnStream("s" * 32, "u1") as stream:  # the turn's events logged as one batch
            stream.publish({"type": "turn.started", "turn": turn})
            stream.publish({"type": "text.delta", "turn": turn, "text": response})
            stream.publish({"type": "tool.use", "turn": turn, "toolUseId": "t", "name": "Read", "summary": "Read a"})
            stream.publish({"type": "tool.result", "turn": turn, "toolUseId": "t", "isError": True, "summary": "no"})
        jobs.enqueue("chat.quality", {"session_id": "s" * 32, "turn": turn}, group_id=f"quality-{turn}")
        [message] = queued_messages(get_settings(), visibility=60)
        assert Worker(get_settings(), runner_id="t", wait_seconds=0).handle(message).delete

    first, second = QualitySignal.get("s" * 32, 1), QualitySignal.get("s" * 32, 2)
    assert (first.refusal, first.user_correction, first.truncated) == (True, True, False)
    assert (first.tool_calls, first.tool_errors) == (1, 1)
    assert first.latency_ms is not None and first.latency_ms >= 0
    assert (second.refusal, second.truncated, second.user_correction) == (False, True, False)
