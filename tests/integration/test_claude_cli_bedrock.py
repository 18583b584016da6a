"""The real Claude Code CLI on Bedrock through the model gateway, which signs for it: what the CLI needs and sends.

The CLI gets no AWS credential, only the gateway as its Bedrock endpoint and a job token as its Bedrock API key:

    CLAUDE_CODE_USE_BEDROCK=1  ANTHROPIC_BEDROCK_BASE_URL=<gateway>  AWS_BEARER_TOKEN_BEDROCK=<job token>
    AWS_REGION=<region>  ANTHROPIC_MODEL=<Bedrock model id>

and sends `Authorization: Bearer <token>`; the gateway signs each request with its own key for the fake Bedrock,
which checks the signature as AWS does. docs/model-gateway.md, "Bedrock", is the prose form of these tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runner.gateway import BedrockUpstream, Grant, ModelGateway
from shared.usage import ModelUsage
from tests.support.claude_cli import CLAUDE, STREAM_JSON, Claude, Line, init_of, of_type, run, text_deltas
from tests.support.fake_anthropic import FakeAnthropic, Reply
from tests.support.fake_bedrock import ACCESS_KEY_ID, BedrockRequest, FakeBedrock, throttled

pytestmark = pytest.mark.skipif(
    not CLAUDE.exists(), reason="the Claude Code CLI is not installed: run `npm ci --prefix runner`"
)
REGION = "us-east-1"
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"  # the pinned CLI's default small model on Bedrock (us.)
OPUS = "us.anthropic.claude-opus-4-5-20251101-v1:0"
CONTEXT_1M = "context-1m-2025-08-07"
WAIT = 10.0


def the_turn(request: BedrockRequest) -> bool:
    """The turn's own call (streamed), as opposed to the CLI's one-token model probes (whole answers)."""
    return request.streamed


@pytest.fixture
def bedrock() -> Iterator[FakeBedrock]:
    with FakeBedrock(region=REGION) as fake:
        yield fake


@pytest.fixture
def rows() -> list[ModelUsage]:
    return []


@pytest.fixture
def gateway(rows: list[ModelUsage]) -> Iterator[ModelGateway]:
    with ModelGateway(recorder=rows.append) as started:
        yield started


@pytest.fixture
def token(gateway: ModelGateway, bedrock: FakeBedrock) -> str:
    upstream = BedrockUpstream(region=REGION, credentials=bedrock.credentials, endpoint_url=bedrock.url)
    grant = Grant(user_id="u1", job_id="job-1", kind="chat", expires_at=time.time() + 600, upstream=upstream)
    return gateway.issue(grant)


@pytest.fixture
def claude_on_bedrock(
    api: FakeAnthropic, gateway: ModelGateway, token: str, tmp_path: Path, workdir: Path
) -> Iterator[Callable[..., Claude]]:
    """Start the CLI on Bedrock through the gateway, with no AWS credential; every process is killed at teardown."""
    started: list[Claude] = []

    def start(*args: str, **env: str) -> Claude:
        base = api.cli_env(tmp_path / "home")  # HOME, PATH, no telemetry; its Anthropic variables are dropped
        for name in ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY"):
            del base[name]
        bedrock_env = {
            "CLAUDE_CODE_USE_BEDROCK": "1",
            "ANTHROPIC_BEDROCK_BASE_URL": gateway.base_url,
            "AWS_BEARER_TOKEN_BEDROCK": token,
            "AWS_REGION": REGION,
            "ANTHROPIC_MODEL": MODEL,
            "CLAUDE_CODE_MAX_RETRIES": "0",
        }
        full = base | bedrock_env | env
        assert not [name for name in full if name.startswith("AWS_") and "BEARER" not in name and name != "AWS_REGION"]
        started.append(Claude(list(args), env=full, cwd=workdir))
        return started[-1]

    yield start
    for process in started:
        process.kill()


def deltas(lines: list[Line]) -> list[str]:
    return [line.event["delta"]["text"] for line in text_deltas(lines)]


def test_the_cli_reaches_bedrock_through_the_gateway_with_nothing_but_a_job_token(
    bedrock: FakeBedrock, gateway: ModelGateway, token: str, rows: list[ModelUsage], claude_on_bedrock
):
    # given
    bedrock.script(Reply.text(["Hel", "lo ", "Bedrock"], when=the_turn))

    # when
    code, lines, stderr = run(claude_on_bedrock, "-p", "hi", *STREAM_JSON)

    # then: the CLI streamed the scripted text
    assert code == 0, stderr
    assert deltas(lines) == ["Hel", "lo ", "Bedrock"]
    assert lines[-1].data["result"] == "Hello Bedrock" and init_of(lines)["model"] == MODEL
    # and every request reached Bedrock signed with the gateway's key, the turn for the model asked for
    requests = bedrock.message_requests
    assert requests and all(r.signature_verified and r.access_key_id == ACCESS_KEY_ID for r in requests)
    assert all(token not in value for r in requests for value in r.headers.values())
    (turn,) = [r for r in requests if r.streamed]
    assert turn.model_id == MODEL and turn.path == f"/model/{MODEL}/invoke-with-response-stream"  # `:` unencoded
    assert turn.body["anthropic_version"] == "bedrock-2023-05-31" and "model" not in turn.body
    assert CONTEXT_1M not in turn.body.get("anthropic_beta", [])
    # and before the turn, the pinned CLI probes which models it may use: one-token calls for the small model and
    # the Opus models (it falls back until one answers); they are billed like any call, and metered
    probes = [r for r in requests if not r.streamed]
    assert all(r.body["max_tokens"] == 1 for r in probes) and HAIKU in {r.model_id for r in probes}
    assert gateway.flush(timeout=WAIT, token=token)
    assert len(rows) == len(requests) - len([r for r in probes if r.reply is not None and r.reply.status != 200])
    # a probe of a model the account lacks is a 400 that the CLI shrugs off, but the gateway notes it
    assert any(r.reply is not None and r.reply.status == 400 for r in probes)
    assert gateway.upstream_status(token) == 400


@pytest.mark.parametrize(
    "env",
    [
        {"CLAUDE_CODE_SKIP_BEDROCK_AUTH": "1"},
        {"ANTHROPIC_DEFAULT_OPUS_MODEL": OPUS, "ANTHROPIC_DEFAULT_HAIKU_MODEL": HAIKU},
    ],
    ids=["skip-bedrock-auth", "models-named"],
)
def test_the_probes_stop_with_skip_bedrock_auth_or_with_the_models_named(
    bedrock: FakeBedrock, gateway: ModelGateway, token: str, claude_on_bedrock, env: dict[str, str]
):
    # given
    bedrock.script(Reply.text(["Only the turn"]))

    # when
    code, lines, stderr = run(claude_on_bedrock, "-p", "hi", *STREAM_JSON, **env)

    # then: one call, the turn's; with CLAUDE_CODE_SKIP_BEDROCK_AUTH the job token is still sent as the bearer
    assert code == 0, stderr
    assert lines[-1].data["result"] == "Only the turn"
    (turn,) = bedrock.message_requests
    assert turn.streamed and turn.signature_verified and turn.model_id == MODEL
    assert gateway.upstream_status(token) is None


def test_a_1m_model_suffix_is_taken_off_the_path_and_becomes_a_beta_in_the_body(
    bedrock: FakeBedrock, claude_on_bedrock
):
    # given
    bedrock.script(Reply.text(["Long context"], when=the_turn))

    # when
    code, lines, stderr = run(
        claude_on_bedrock, "-p", "hi", *STREAM_JSON, ANTHROPIC_MODEL=f"{MODEL}[1m]", CLAUDE_CODE_SKIP_BEDROCK_AUTH="1"
    )

    # then
    assert code == 0, stderr
    (turn,) = [r for r in bedrock.message_requests if r.streamed]
    assert turn.model_id == MODEL and "[1m]" not in turn.path
    assert CONTEXT_1M in turn.body["anthropic_beta"]
    assert lines[-1].data["result"] == "Long context"


def test_throttling_at_bedrock_reaches_the_cli_as_an_error_and_the_runner_as_a_429(
    bedrock: FakeBedrock, gateway: ModelGateway, token: str, claude_on_bedrock
):
    # given
    bedrock.script(throttled(when=the_turn, times=5))

    # when
    code, lines, _ = run(claude_on_bedrock, "-p", "hi", *STREAM_JSON, CLAUDE_CODE_SKIP_BEDROCK_AUTH="1")

    # then
    assert code == 1
    result = of_type(lines, "result")[-1]
    assert result["is_error"] is True and result["api_error_status"] == 429
    assert "Too many requests" in result["result"]  # Bedrock's own message, from its {"message": …} body
    assert gateway.upstream_status(token) == 429
