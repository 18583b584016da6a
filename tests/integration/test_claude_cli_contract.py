"""What the runner relies on from the real Claude Code CLI, pinned against the fake Messages API.

docs/claude-cli.md is the prose form of these tests; when the pinned CLI version changes, this file says what moved.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time
import uuid
from pathlib import Path

import pytest

from tests.support.claude_cli import (
    CLAUDE,
    KEEP_ALIVE,
    STREAM_JSON,
    WAIT_SECONDS,
    init_of,
    is_result,
    of_type,
    run,
    text_deltas,
    user,
)
from tests.support.fake_anthropic import TEST_API_KEY, Reply

pytestmark = pytest.mark.skipif(
    not CLAUDE.exists(), reason="the Claude Code CLI is not installed: run `npm ci --prefix runner`"
)


# -- print mode: the stream -------------------------------------------------------------------------------------


def test_print_mode_streams_deltas_before_the_assistant_message_and_ends_with_a_result(api, claude, workdir):
    # given
    api.script(Reply.text(["Hel", "lo", " world"]))

    # when
    code, lines, _ = run(claude, "-p", "say hello", *STREAM_JSON)

    # then: init first (after a `ui_invalidate` line when managed settings are installed), then stream_event
    # envelopes, the whole assistant message, and one result last
    assert code == 0
    lines = [line for line in lines if line.data.get("subtype") != "ui_invalidate"]
    init = lines[0].data
    assert (init["type"], init["subtype"]) == ("system", "init")
    assert init["cwd"] == str(workdir) and "Write" in init["tools"] and init["model"]
    session_id = init["session_id"]
    deltas = text_deltas(lines)
    assert [line.event["delta"]["text"] for line in deltas] == ["Hel", "lo", " world"]
    assert all(line.data["session_id"] == session_id for line in deltas)
    assistant_at = next(i for i, line in enumerate(lines) if line.type == "assistant")
    assert lines.index(deltas[-1]) < assistant_at
    assert lines[assistant_at].data["message"]["content"] == [{"type": "text", "text": "Hello world"}]
    result = lines[-1].data
    assert result["type"] == "result" and len(of_type(lines, "result")) == 1
    assert (result["subtype"], result["is_error"], result["result"]) == ("success", False, "Hello world")
    assert (result["session_id"], result["num_turns"], result["terminal_reason"]) == (session_id, 1, "completed")
    assert result["total_cost_usd"] > 0 and result["duration_ms"] >= 0
    usage = result["usage"]
    assert (usage["input_tokens"], usage["cache_creation_input_tokens"], usage["cache_read_input_tokens"]) == (
        12,
        1_500,
        12_000,
    )
    # and the API saw one streamed request with the prompt, the test key and the init's model
    (request,) = api.message_requests
    assert request.body["stream"] is True and request.body["model"] == init["model"]
    assert request.headers["x-api-key"] == TEST_API_KEY and "say hello" in request.last_user_text
    assert api.unknown_requests == [] and api.unscripted == []


def test_text_deltas_are_relayed_while_the_api_is_still_streaming(api, claude):
    # given: four chunks 300 ms apart
    api.script(Reply.text(["one ", "two ", "three ", "four"], delay=0.3))

    # when
    code, lines, _ = run(claude, "-p", "count", *STREAM_JSON)

    # then: each delta reaches stdout well before the API writes the next chunk
    assert code == 0
    writes = api.chunk_writes
    deltas = text_deltas(lines)
    assert [line.event["delta"]["text"] for line in deltas] == [write.text for write in writes]
    for delta, write, next_write in zip(deltas, writes, [*writes[1:], None], strict=True):
        assert delta.at - write.written_at < 0.2
        assert next_write is None or delta.at < next_write.written_at


# -- tools and permissions --------------------------------------------------------------------------------------


def test_write_with_accept_edits_creates_the_file_and_sends_the_tool_result_back(api, claude, workdir):
    # given
    api.script(Reply.write("notes.md", "# Notes\n"), Reply.text(["Done."]))

    # when
    code, lines, _ = run(claude, "-p", "write notes", *STREAM_JSON, "--permission-mode", "acceptEdits")

    # then
    assert code == 0
    assert (workdir / "notes.md").read_text() == "# Notes\n"
    tool_use = of_type(lines, "assistant")[0]["message"]["content"][0]
    assert (tool_use["type"], tool_use["name"]) == ("tool_use", "Write")
    echoed = of_type(lines, "user")[0]
    assert echoed["message"]["content"][0]["tool_use_id"] == tool_use["id"]
    assert echoed["tool_use_result"]["type"] == "create"
    _, second = api.message_requests
    (tool_result,) = second.tool_results()
    assert tool_result["tool_use_id"] == tool_use["id"] and not tool_result.get("is_error")
    result = lines[-1].data
    assert (result["result"], result["num_turns"], result["permission_denials"]) == ("Done.", 2, [])
    assert result["usage"]["input_tokens"] == 24 and result["usage"]["cache_read_input_tokens"] == 24_000


def test_default_permission_mode_denies_a_write_headless(api, claude, workdir):
    # given
    api.script(Reply.write("notes.md", "# Notes\n"), Reply.text(["Could not write."]))

    # when
    code, lines, _ = run(claude, "-p", "write notes", *STREAM_JSON)

    # then: no file, an is_error tool_result to the model, and the denial listed in the result
    assert code == 0
    assert not (workdir / "notes.md").exists()
    (tool_result,) = api.message_requests[1].tool_results()
    assert tool_result["is_error"] is True and "haven't granted it" in tool_result["content"]
    (denial,) = lines[-1].data["permission_denials"]
    assert denial["tool_name"] == "Write" and denial["tool_input"]["file_path"] == str(workdir / "notes.md")
    assert of_type(lines, "system", "permission_denied")


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal applies to root only")
def test_bypass_permissions_is_refused_as_root_unless_is_sandbox_is_set(api, claude, workdir):
    # given
    api.script(Reply.write("notes.md", "x"), Reply.text(["Done."]))

    # when
    refused, _, stderr = run(claude, "-p", "write", *STREAM_JSON, "--permission-mode", "bypassPermissions")
    allowed, _, _ = run(claude, "-p", "write", *STREAM_JSON, "--permission-mode", "bypassPermissions", IS_SANDBOX="1")

    # then
    assert refused == 1 and "cannot be used with root/sudo privileges" in stderr
    assert allowed == 0 and (workdir / "notes.md").read_text() == "x"


def test_append_system_prompt_and_model_reach_the_api(api, claude):
    # given
    api.script(Reply.text("Hi"))

    # when
    code, lines, _ = run(
        claude, "-p", "hello", *STREAM_JSON, "--append-system-prompt", "You work for ACME-XYZ.", "--model", "claude-x-1"
    )

    # then: the text is the end of the system prompt, not a message
    assert code == 0
    (request,) = api.message_requests
    assert request.system_text.rstrip().endswith("You work for ACME-XYZ.")
    assert "ACME-XYZ" not in json.dumps(request.messages)
    assert request.body["model"] == "claude-x-1" == init_of(lines)["model"]


def test_max_turns_stops_the_agent_loop_with_an_error_result(api, claude):
    # given
    api.script(Reply.write("a.md", "x"), Reply.text(["never asked for"]))

    # when
    code, lines, _ = run(claude, "-p", "write", *STREAM_JSON, "--permission-mode", "acceptEdits", "--max-turns", "1")

    # then
    assert code == 1 and len(api.message_requests) == 1
    result = lines[-1].data
    assert (result["subtype"], result["is_error"], result["terminal_reason"]) == ("error_max_turns", True, "max_turns")


# -- API errors -------------------------------------------------------------------------------------------------


def test_an_authentication_error_ends_with_an_error_result_and_exit_1(api, claude):
    # given: no retries (the CLI retries a 401 like a 500 otherwise)
    api.script(Reply.http_error(401))

    # when
    code, lines, _ = run(claude, "-p", "hello", *STREAM_JSON, CLAUDE_CODE_MAX_RETRIES="0")

    # then: a synthetic assistant message carries the error text; the result is an error with the status
    assert code == 1 and len(api.message_requests) == 1
    (assistant,) = of_type(lines, "assistant")
    assert assistant["error"] == "authentication_failed" and assistant["message"]["model"] == "<synthetic>"
    result = lines[-1].data
    assert (result["subtype"], result["is_error"], result["terminal_reason"]) == ("success", True, "api_error")
    assert (result["api_error_status"], result["api_error_type"]) == (401, "authentication_error")
    assert "Invalid API key" in result["result"]


def test_a_401_is_retried_unless_the_api_says_x_should_retry_false(api, claude):
    # given
    api.script(Reply.http_error(401, times=2))

    # when
    retried, retried_lines, _ = run(claude, "-p", "hello", *STREAM_JSON, CLAUDE_CODE_MAX_RETRIES="1")
    api.script(Reply.http_error(401, headers=(("x-should-retry", "false"),), times=4))
    final, _, _ = run(claude, "-p", "hello", *STREAM_JSON, CLAUDE_CODE_MAX_RETRIES="3")

    # then
    assert retried == final == 1
    (retry,) = of_type(retried_lines, "system", "api_retry")
    assert (retry["error_status"], retry["error"], retry["max_retries"]) == (401, "authentication_failed", 1)
    assert len(api.message_requests) == 3  # two for the first run, one for the second


def test_server_errors_are_retried_up_to_claude_code_max_retries(api, claude):
    # given
    api.script(Reply.http_error(500, times=5))

    # when
    code, lines, _ = run(claude, "-p", "hello", *STREAM_JSON, CLAUDE_CODE_MAX_RETRIES="2")

    # then: one attempt plus two retries, each announced, with backoff
    assert code == 1
    requests = api.message_requests
    assert len(requests) == 3
    retries = of_type(lines, "system", "api_retry")
    assert [(r["attempt"], r["max_retries"], r["error_status"]) for r in retries] == [(1, 2, 500), (2, 2, 500)]
    assert all(r["retry_delay_ms"] > 0 for r in retries)
    assert requests[1].arrived_at - requests[0].arrived_at >= 0.3
    assert lines[-1].data["api_error_status"] == 500 and lines[-1].data["is_error"] is True


def test_overloaded_gives_up_after_three_attempts_whatever_the_retry_budget(api, claude):
    # given
    api.script(Reply.http_error(529, times=10))

    # when
    code, lines, _ = run(claude, "-p", "hello", *STREAM_JSON, CLAUDE_CODE_MAX_RETRIES="5")

    # then
    assert code == 1 and len(api.message_requests) == 3
    assert (lines[-1].data["api_error_status"], lines[-1].data["api_error_type"]) == (529, "overloaded_error")
    assert "529 Overloaded" in lines[-1].data["result"]


def test_a_mid_stream_error_keeps_the_partial_text_and_asks_the_model_to_continue(api, claude):
    # given
    api.script(Reply.stream_error(["Partial ", "answer"]), Reply.text(["Recovered."]))

    # when
    code, lines, _ = run(claude, "-p", "hello", *STREAM_JSON)

    # then: the cut message is closed with abandoned_blocks, and a synthetic user turn asks for the rest
    assert code == 0
    stops = [line.data for line in lines if line.event.get("type") == "message_stop"]
    assert stops[0]["abandoned_blocks"]["from_block_index"] == 1
    synthetic = of_type(lines, "user")[0]
    assert synthetic["isSynthetic"] is True and "cut off mid-stream" in synthetic["message"]["content"][0]["text"]
    retry = api.message_requests[1]
    assert any(m["role"] == "assistant" and "Partial answer" in json.dumps(m) for m in retry.messages)
    assert "cut off mid-stream" in retry.last_user_text
    result = lines[-1].data
    assert (result["result"], result["is_error"], result["num_turns"]) == ("Recovered.", False, 2)


def test_a_stalled_stream_is_abandoned_after_the_byte_idle_timeout_and_retried_without_streaming(api, claude):
    # given: a stream that stops after its first chunk (10 s is the smallest idle timeout the CLI accepts)
    api.script(Reply.stall(["partial "]), Reply.text(["Whole answer."]))

    # when
    started = time.monotonic()
    code, lines, _ = run(claude, "-p", "hello", *STREAM_JSON, CLAUDE_BYTE_STREAM_IDLE_TIMEOUT_MS="10000")

    # then
    assert code == 0 and 9.5 < time.monotonic() - started < WAIT_SECONDS
    stalled, fallback = api.message_requests
    assert stalled.body["stream"] is True and fallback.body["stream"] is False
    api.wait_for(lambda: stalled.client_gone, timeout=5, what="the fake to see the abandoned stream closed")
    started_id = next(line.event["message"]["id"] for line in lines if line.event.get("type") == "message_start")
    stops = [line.data for line in lines if line.event.get("type") == "message_stop"]
    assert stops[0]["abandoned_blocks"] == {"api_message_id": started_id, "from_block_index": 0}
    assert lines[-1].data["result"] == "Whole answer."


# -- ending a process -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signum", "returncode", "result_line"),
    [(signal.SIGTERM, 143, False), (signal.SIGKILL, -signal.SIGKILL, False), (signal.SIGINT, 0, True)],
)
def test_a_signal_to_the_process_group_ends_a_streaming_turn_promptly(api, claude, signum, returncode, result_line):
    # given: a turn whose stream is stalled mid-answer
    api.script(Reply.stall(["Working on it"]))
    process = claude("-p", "long job", *STREAM_JSON)
    stalled = api.wait_until_hanging(timeout=WAIT_SECONDS)
    process.read_until(lambda line: bool(text_deltas([line])))

    # when
    sent = time.monotonic()
    process.signal_group(signum)
    code = process.finish(timeout=5)

    # then: gone within a second, the API connection closed; only SIGINT writes an (aborted) result
    assert code == returncode and time.monotonic() - sent < 1.0
    api.wait_for(lambda: stalled.client_gone, timeout=5, what="the CLI to close its connection")
    results = of_type(process.lines, "result")
    assert bool(results) == result_line
    if results:
        assert (results[0]["subtype"], results[0]["terminal_reason"]) == ("error_during_execution", "aborted_streaming")


# -- sessions ---------------------------------------------------------------------------------------------------


def test_resume_continues_the_conversation_from_the_transcript_alone(api, claude, tmp_path, workdir):
    # given: a finished first turn, and a fresh HOME that holds nothing but its transcript (another runner task)
    api.script(Reply.text("The code word is PELICAN."))
    _, first, _ = run(claude, "-p", "remember a code word", *STREAM_JSON)
    session_id = init_of(first)["session_id"]
    project_dir = Path(".claude/projects") / re.sub(r"[^A-Za-z0-9]", "-", str(workdir))
    transcript = tmp_path / "home" / project_dir / f"{session_id}.jsonl"
    assert transcript.is_file()
    (tmp_path / "home").rename(tmp_path / "first-home")
    (tmp_path / "home" / project_dir).mkdir(parents=True)
    shutil.copy2(tmp_path / "first-home" / project_dir / transcript.name, transcript)

    # when
    api.script(Reply.text("It was PELICAN."))
    code, second, _ = run(claude, "-p", "what was it?", "--resume", session_id, *STREAM_JSON)

    # then: same session id, and the API received the first turn before the new question
    assert code == 0 and init_of(second)["session_id"] == session_id == second[-1].data["session_id"]
    request = api.message_requests[-1]
    roles = [m["role"] for m in request.messages if m["role"] != "system"]
    assert roles == ["user", "assistant", "user"]
    assert "PELICAN" in json.dumps(request.messages) and "what was it?" in request.last_user_text
    assert [path.name for path in transcript.parent.glob("*.jsonl")] == [transcript.name]  # appended, not forked
    assert "It was PELICAN." in transcript.read_text()


def test_resume_of_an_unknown_session_fails_before_calling_the_api(api, claude):
    # given
    unknown = str(uuid.uuid4())

    # when
    code, lines, stderr = run(claude, "-p", "hello", "--resume", unknown, *STREAM_JSON)

    # then
    assert code == 1 and api.message_requests == []
    assert f"No conversation found with session ID: {unknown}" in stderr
    (result,) = of_type(lines, "result")
    assert (result["subtype"], result["is_error"], result["num_turns"]) == ("error_during_execution", True, 0)


def test_session_id_names_a_new_session_and_cannot_be_reused(api, claude):
    # given
    session_id = str(uuid.uuid4())
    api.script(Reply.text("ok"))

    # when
    first, lines, _ = run(claude, "-p", "hello", "--session-id", session_id, *STREAM_JSON)
    again, _, stderr = run(claude, "-p", "hello", "--session-id", session_id, *STREAM_JSON)

    # then
    assert first == 0 and init_of(lines)["session_id"] == session_id
    assert again == 1 and f"Session ID {session_id} is already in use" in stderr


# -- a kept-alive process (stream-json on stdin) ----------------------------------------------------------------


def test_stream_json_input_serves_several_turns_on_one_process(api, claude):
    # given
    api.script(Reply.text(["First ", "answer"]), Reply.text(["Second ", "answer"]))
    process = claude(*KEEP_ALIVE)

    # when
    process.send(user("one"))
    first = process.read_until(is_result)
    process.send(user("two"))
    second = process.read_until(is_result)
    code = process.finish()

    # then: each turn starts with an init, streams deltas and ends with its own result
    assert [line.type for line in (first[0], second[0])] == ["system", "system"]
    assert init_of(first)["session_id"] == second[-1].data["session_id"]
    assert [d.event["delta"]["text"] for d in text_deltas(second)] == ["Second ", "answer"]
    assert (first[-1].data["result"], second[-1].data["result"]) == ("First answer", "Second answer")
    # total_cost_usd adds up over the process's life; model_usage_since_last_result is per turn
    assert second[-1].data["total_cost_usd"] == pytest.approx(2 * first[-1].data["total_cost_usd"])
    per_turn = second[-1].data["model_usage_since_last_result"]
    assert sum(model["costUSD"] for model in per_turn.values()) == pytest.approx(first[-1].data["total_cost_usd"])
    assert "First answer" in json.dumps(api.message_requests[1].messages)
    assert code == 0  # closing stdin ends the process


def test_an_interrupt_control_request_ends_the_turn_and_keeps_the_process(api, claude):
    # given: a turn stalled mid-stream
    api.script(Reply.stall(["Thinking about "]), Reply.text("Next turn."))
    process = claude(*KEEP_ALIVE)
    process.send(user("long task"))
    stalled = api.wait_until_hanging(timeout=WAIT_SECONDS)
    process.read_until(lambda line: bool(text_deltas([line])))

    # when
    process.send({"type": "control_request", "request_id": "int-1", "request": {"subtype": "interrupt"}})
    turn = process.read_until(is_result)

    # then: acknowledged, the stream dropped, an aborted result; the next turn runs on the same process
    (ack,) = of_type(turn, "control_response")
    assert ack["response"]["request_id"] == "int-1" and ack["response"]["subtype"] == "success"
    # (the fake notices a closed connection within its next poll, which may come after the CLI's result)
    api.wait_for(lambda: stalled.client_gone, timeout=5, what="the CLI to drop the interrupted stream")
    assert (turn[-1].data["subtype"], turn[-1].data["terminal_reason"]) == (
        "error_during_execution",
        "aborted_streaming",
    )
    process.send(user("next"))
    assert process.read_until(is_result)[-1].data["result"] == "Next turn."
    history = json.dumps(api.message_requests[-1].messages)
    assert "long task" in history and "Thinking about" in history


@pytest.mark.parametrize("behavior", ["allow", "deny"])
def test_permission_prompts_arrive_as_control_requests_on_stdout(api, claude, workdir, behavior):
    # given
    api.script(Reply.write("notes.md", "# Notes\n"), Reply.text("Done."))
    process = claude(*KEEP_ALIVE, "--permission-prompt-tool", "stdio")
    process.send(user("write notes"))

    # when
    asked = process.read_until(lambda line: line.type == "control_request")[-1].data
    decision = (
        {"behavior": "allow", "updatedInput": asked["request"]["input"]}
        if behavior == "allow"
        else {"behavior": "deny", "message": "The user said no."}
    )
    response = {"subtype": "success", "request_id": asked["request_id"], "response": decision}
    process.send({"type": "control_response", "response": response})
    result = process.read_until(is_result)[-1].data

    # then
    request = asked["request"]
    assert (request["subtype"], request["tool_name"]) == ("can_use_tool", "Write")
    assert request["input"] == {"file_path": str(workdir / "notes.md"), "content": "# Notes\n"}
    assert request["tool_use_id"].startswith("toolu_fake_")
    (tool_result,) = api.message_requests[1].tool_results()
    if behavior == "allow":
        assert (workdir / "notes.md").read_text() == "# Notes\n" and result["permission_denials"] == []
    else:
        assert not (workdir / "notes.md").exists() and tool_result["content"] == "The user said no."
        assert tool_result["is_error"] is True and result["permission_denials"][0]["tool_name"] == "Write"
