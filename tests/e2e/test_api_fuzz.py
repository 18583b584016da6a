"""Schemathesis against the local stack: every REST operation of /api/openapi.json, signed in and with an API key.

For each operation Schemathesis draws requests from the document (valid ones, and ones that break it), a seeded
and bounded number per operation; each goes to the real stack and its answer is checked against the document:

    no_server_error               no status >= 500 (a documented 502, "a third party did not answer", aside)
    status_code_conformance       the status is one the operation documents
    content_type_conformance      the Content-Type is one documented for that status
    response_schema_conformance   the body matches the documented schema

Most requests carry the run's credential (an administrator's session token, or a full-scope key in X-API-Key);
some keep the credentials Schemathesis made up (garbage, or none) so that the 401 paths are fuzzed too, and some
name real things (a project with a file in it, another account), since made-up ids only ever reach "not found".
Every failure of a run is collected, and reported together as the request and the answer that broke the contract.

Bounded: at most `examples_for(operation)` requests an operation, OPERATION_SECONDS an operation, RUN_SECONDS a run.
A run that cannot reach every operation in time fails: a slower machine needs fewer examples, not a silent pass.
"""

from __future__ import annotations

import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.accounts_e2e import admin_session, call, create_user
from tests.support.claude import claude_env, requires_claude
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.fake_bedrock import FakeBedrock
from tests.support.stack import LocalStack

pytestmark = [requires_claude]

SEED = 20_240_611
EXAMPLES = 15
# The API-key run draws the same inputs behind another credential: what it adds is how a key is let in or refused
# (403 for what a key may not do), which a few requests an operation show.
KEY_EXAMPLES = 6
# The operations that wait for a runner job whenever they reach a real project or a stored configuration (every Git
# route, up to 25 s each; the provider tests, one model call each): a few requests are enough to fuzz their inputs.
FEW_EXAMPLES = 4
SLOW = ("/api/git/", "/api/setup/test-claude-key", "/api/admin/bedrock/test")
OPERATION_SECONDS = 30.0
# The signed-in run takes about 125 s on two cores with the rest of the suite beside it; a neighbour's burst of
# work took it to 171 s once. Under pytest's 300 s a test, with the stack's start.
RUN_SECONDS = 220.0
REQUEST_SECONDS = 40.0  # above the 25 s a route waits for the runner: a slow answer is an answer, not a hang
# Of every five requests of an operation: two with the run's credential, two with it and real ids, one as generated.
AS_GENERATED, REAL_IDS = {4}, {1, 3}
SECURITY_HEADERS = ("Authorization", "X-API-Key")
FILE = "notes/fuzz.md"
UPSTREAM_UNREACHABLE = 502

# Left out of the signed-in run, each for what it would do to the run's own credential. (With an API key it is
# fuzzed: a key may not do it, 403.)
SESSION_EXCLUDED = {
    "POST /api/auth/logout-all": "every earlier token of the account stops working, the run's own with them",
}


@dataclass(frozen=True)
class Targets:
    """Real things the fuzzed requests sometimes name, so that they get past "not found"."""

    project_id: str
    doomed_project_id: str  # the one DELETE /api/projects/{id} may delete
    user_id: str  # another account: the admin routes may change or delete it, never the run's own


@dataclass
class Run:
    requests: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    unsendable: Counter[str] = field(default_factory=Counter)
    cut_short: list[str] = field(default_factory=list)
    not_reached: list[str] = field(default_factory=list)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    summary: str = ""

    def fail(self, label: str, title: str, report: str) -> None:
        self.failures.setdefault((label, title), report)  # the first request of each kind of failure


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The local stack; its runner's Claude CLI talks to a fake Anthropic API, its Bedrock to a fake Bedrock."""
    with FakeAnthropic() as api, FakeBedrock() as bedrock:
        env = {**claude_env(api), "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bedrock.url}
        stack = LocalStack(Path(tmp_path_factory.mktemp("fuzz-stack")), env=env).start()
        try:
            yield stack
        finally:
            stack.stop()


@pytest.fixture(scope="module")
def session_token(fuzz_stack: LocalStack) -> str:
    return admin_session(fuzz_stack).token


@pytest.fixture(scope="module")
def api_key(fuzz_stack: LocalStack, session_token: str) -> str:
    status, body = call(fuzz_stack, "POST", "/api/api-keys", {"name": "fuzz", "scope": "full"}, token=session_token)
    assert status == 201, body
    return str(body["key"])


@pytest.fixture(scope="module")
def targets(fuzz_stack: LocalStack, session_token: str) -> Targets:
    ids = []
    for name in ("fuzz", "fuzz-doomed"):
        status, body = call(fuzz_stack, "POST", "/api/projects", {"name": name}, token=session_token)
        assert status == 201, body
        ids.append(str(body["id"]))
    content = {"path": FILE, "content": "# Fuzz\n\nA file the fuzzed requests can read, move and delete.\n"}
    status, body = call(fuzz_stack, "PUT", f"/api/projects/{ids[0]}/files/content", content, token=session_token)
    assert status == 200, body
    other = create_user(fuzz_stack, "fuzz-other", "another correct horse battery staple")
    return Targets(project_id=ids[0], doomed_project_id=ids[1], user_id=str(other["id"]))


@pytest.fixture(scope="module")
def api_schema(fuzz_stack: LocalStack) -> Any:
    schema = schemathesis.openapi.from_url(f"{fuzz_stack.base_url}/api/openapi.json", timeout=10)
    schema.config.update(base_url=fuzz_stack.base_url)
    return schema


def test_every_operation_signed_in(api_schema: Any, session_token: str, targets: Targets) -> None:
    run = fuzz(api_schema, {"Authorization": f"Bearer {session_token}"}, targets, excluded=SESSION_EXCLUDED)
    assert_clean(run, "signed in")


def test_every_operation_with_an_api_key(api_schema: Any, api_key: str, targets: Targets) -> None:
    run = fuzz(api_schema, {"X-API-Key": api_key}, targets, excluded={}, examples=KEY_EXAMPLES)
    assert_clean(run, "with an API key")


def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """No status >= 500, bar a 502 the operation documents: a third party that did not answer (an unknown host)."""
    documented = str(UPSTREAM_UNREACHABLE) in case.operation.responses.status_codes
    if response.status_code == UPSTREAM_UNREACHABLE and documented:
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [no_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def examples_for(label: str, examples: int = EXAMPLES) -> int:
    return min(FEW_EXAMPLES, examples) if any(part in label for part in SLOW) else examples


def fuzz(
    schema: Any, credential: dict[str, str], targets: Targets, *, excluded: dict[str, str], examples: int = EXAMPLES
) -> Run:
    run = Run()
    started = time.monotonic()
    with requests.Session() as http:
        for result in schema.get_all_operations():
            operation = result.ok()  # a document Schemathesis cannot read fails here, naming the operation
            if operation.label in excluded:
                continue
            if time.monotonic() - started > RUN_SECONDS:
                run.not_reached.append(operation.label)
                continue
            began = time.monotonic()
            fuzz_operation(operation, credential, targets, http, run, examples)
            run.seconds[operation.label] = round(time.monotonic() - began, 1)
    slowest = sorted(run.seconds.items(), key=lambda item: -item[1])[:3]
    run.summary = (
        f"{len(run.requests)} operations, {sum(run.requests.values())} requests in "
        f"{time.monotonic() - started:.0f} s; statuses {dict(sorted(run.statuses.items()))}; slowest {slowest}; "
        f"not sendable {dict(run.unsendable)}; cut short {run.cut_short}"
    )
    print(f"\n{run.summary}")  # the run's figures (pytest -s)
    return run


def fuzz_operation(
    operation: Any, credential: dict[str, str], targets: Targets, http: Any, run: Run, examples: int
) -> None:
    label = operation.label
    deadline = time.monotonic() + OPERATION_SECONDS
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    drawn = 0

    @hypothesis.settings(
        max_examples=examples_for(label, examples),
        database=None,
        deadline=None,
        phases=[Phase.generate],  # no shrinking: a failure is reported as the request that found it
        suppress_health_check=list(HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.seed(SEED ^ zlib.crc32(label.encode()))
    @hypothesis.given(case=cases)
    def send(case: Any) -> None:
        nonlocal drawn
        drawn += 1
        if time.monotonic() > deadline:
            if label not in run.cut_short:
                run.cut_short.append(label)
            return
        if drawn % 5 not in AS_GENERATED:
            for name in SECURITY_HEADERS:
                (case.headers or {}).pop(name, None)
            case.headers = {**(case.headers or {}), **credential}
        if drawn % 5 in REAL_IDS:
            aim_at(case, targets)
        try:
            response = case.call(session=http, timeout=REQUEST_SECONDS, allow_redirects=False)
        except (requests.ConnectionError, requests.Timeout) as exc:
            run.fail(label, type(exc).__name__, f"{case.method} {case.formatted_path}: {exc}")
            return
        except (ValueError, UnicodeError) as exc:  # a header or a URL `requests` will not send
            run.unsendable[f"{label}: {type(exc).__name__}"] += 1
            return
        run.requests[label] += 1
        run.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                title = f"{failure.title} ({response.status_code})"
                run.fail(label, title, report(case, response, failure, credential))

    send()


def aim_at(case: Any, targets: Targets) -> None:
    """Name real things in the case: the project (in the path, the query or the body), its file, the other account."""
    label = case.operation.label
    project = targets.doomed_project_id if label == "DELETE /api/projects/{project_id}" else targets.project_id
    parameters = {parameter.name for parameter in case.operation.iter_parameters()}
    for name in ("project_id", "projectName"):
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = project
    if "user_id" in (case.path_parameters or {}):
        case.path_parameters["user_id"] = targets.user_id
    if "projectId" in parameters:
        case.query = {**(case.query or {}), "projectId": project}
    if "path" in parameters and "/files" in case.operation.path:
        case.query = {**(case.query or {}), "path": FILE}
    if isinstance(case.body, dict) and "projectId" in case.body:
        case.body["projectId"] = project


def report(case: Any, response: Any, failure: Any, credential: dict[str, str]) -> str:
    content_type = ",".join(response.headers.get("content-type", []))
    text = (
        f"{failure.title}: {failure.message}\n"
        f"  request:  {case.as_curl_command()}\n"
        f"  response: {response.status_code} {content_type}\n"
        f"            {response.content[:600].decode(errors='replace')}"
    )
    for value in credential.values():
        text = text.replace(value, "<credential>")
    return text


def assert_clean(run: Run, how: str) -> None:
    problems = [f"[{label}] {text}" for (label, _), text in sorted(run.failures.items())]
    if run.not_reached:
        problems.append(f"not reached within {RUN_SECONDS:.0f} s: {', '.join(run.not_reached)}")
    assert not problems, f"{len(problems)} problems fuzzing {how} ({run.summary}):\n\n" + "\n\n".join(problems)
