"""The runner's sandbox: pool users, gates, leftovers killed and removed, and the CLI's environment without secrets.

Tests that switch uids need root (as the runner does); they are skipped otherwise.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.claude.access import ModelAccess
from runner.claude.config import cli_arguments, cli_environment
from runner.sandbox import Sandbox, SandboxError, reaper, tree
from runner.sandbox.identities import SLOT_LOCKS, GroupIds, Slot, SlotPool
from shared.provider.service import ActiveProvider
from shared.provider.views import AiProvider
from shared.settings import Settings, from_env

QUIET = "> /dev/null 2>&1 < /dev/null"  # a background process must not hold the caller's output pipe open
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="switching to a job uid needs root")


def settings_for(root: Path, **env: str) -> Settings:
    return from_env({"STUDIO_SANDBOX_DIR": str(root), "STUDIO_DATA_DIR": str(root.parent / "data"), **env})


@pytest.fixture
def sandbox_root() -> Iterator[Path]:
    # pytest's own folder is 0700: the job users could not pass through it, so the root lives in /tmp itself.
    base = Path("/tmp") / f"studio-sandbox-test-{os.getpid()}-{time.monotonic_ns()}"
    yield base
    subprocess.run(["rm", "-rf", str(base)], check=False)


# -- the CLI's environment -------------------------------------------------------------------------------------


def test_the_cli_environment_holds_the_gateway_token_and_no_secret(sandbox_root: Path, monkeypatch):
    # given a runner whose own environment is full of secrets
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    monkeypatch.setenv("STUDIO_JWT_SECRET", "jwt-secret")
    settings = settings_for(
        sandbox_root,
        ANTHROPIC_API_KEY="sk-ant-real-key",
        ANTHROPIC_BASE_URL="https://upstream.example",
        ANTHROPIC_CUSTOM_HEADERS="x-secret: 1",
        ANTHROPIC_MODEL="claude-sonnet-4-5",
        STUDIO_SANDBOX="none",
    )
    with Sandbox(settings).job(project_id="p1", user_id="u1") as box:
        # when
        provider = ActiveProvider(AiProvider.ANTHROPIC, "environment", "f", base_url="https://upstream.example")
        env = cli_environment(settings, box, ModelAccess("http://127.0.0.1:9", "sk-studio-gw-job", provider))

    # then
    assert env["ANTHROPIC_API_KEY"] == "sk-studio-gw-job" and env["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9"
    assert env["ANTHROPIC_MODEL"] == "claude-sonnet-4-5"  # a model choice is harmless
    assert not [name for name in env if name.startswith(("STUDIO_", "AWS_"))]
    assert "sk-ant-real-key" not in env.values() and "ANTHROPIC_CUSTOM_HEADERS" not in env
    assert env["HOME"] == str(box.home) and env["CLAUDE_CONFIG_DIR"] == str(box.home / ".claude")
    assert env["TMPDIR"] == str(box.tmp)


def test_on_bedrock_the_cli_holds_the_gateway_token_and_no_aws_credential(sandbox_root: Path, monkeypatch):
    # given a runner with AWS credentials of its own, and Bedrock chosen in the product with 1M context
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIARUNNERSOWNKEY000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    settings = settings_for(sandbox_root, ANTHROPIC_MODEL="claude-sonnet-4-5", STUDIO_SANDBOX="none")
    provider = ActiveProvider(
        AiProvider.BEDROCK,
        "product",
        "f",
        region="eu-central-1",
        access_key_id="AKIACUSTOMERSKEY0000",
        secret_access_key="customer-secret",
        model_id="eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        context_1m=True,
    )
    with Sandbox(settings).job(project_id="p1", user_id="u1") as box:
        # when
        env = cli_environment(settings, box, ModelAccess("http://127.0.0.1:9", "sk-studio-gw-job", provider))

    # then the CLI speaks Bedrock to the gateway with its job token, and holds nothing else of AWS
    assert env["CLAUDE_CODE_USE_BEDROCK"] == "1" and env["ANTHROPIC_BEDROCK_BASE_URL"] == "http://127.0.0.1:9"
    assert env["AWS_BEARER_TOKEN_BEDROCK"] == "sk-studio-gw-job" and env["AWS_REGION"] == "eu-central-1"
    assert env["ANTHROPIC_MODEL"] == "eu.anthropic.claude-sonnet-4-5-20250929-v1:0[1m]"  # not the environment's
    assert env["CLAUDE_CODE_SKIP_BEDROCK_AUTH"] == "1"  # no probing of model ids
    assert {name for name in env if name.startswith("AWS_")} == {"AWS_BEARER_TOKEN_BEDROCK", "AWS_REGION"}
    assert "ANTHROPIC_API_KEY" not in env and "ANTHROPIC_BASE_URL" not in env
    assert not {"customer-secret", "AKIACUSTOMERSKEY0000", "aws-secret"} & set(env.values())


def test_the_cli_never_loads_project_settings_or_mcp_servers(sandbox_root: Path):
    with Sandbox(settings_for(sandbox_root, STUDIO_SANDBOX="none")).job(project_id="p1", user_id="u1") as box:
        flags = cli_arguments(box)

    assert flags[flags.index("--setting-sources") + 1] == "user"
    assert "--strict-mcp-config" in flags and flags[flags.index("--plugin-dir") + 1] == str(box.plugin)
    assert flags[flags.index("--add-dir") + 1] == str(box.files)


# -- identities ------------------------------------------------------------------------------------------------


@pytest.mark.unit
def test_a_slot_is_leased_to_one_job_at_a_time_and_a_full_pool_says_so(tmp_path: Path):
    pool = SlotPool(1, lock_dir=tmp_path / "locks", users=made_up_user)
    with pool.lease(timeout=1) as slot:
        assert slot.uid == 60000
        with pytest.raises(SandboxError, match="busy"), pool.lease(timeout=0.05):
            pass
    with pool.lease(timeout=1) as again:
        assert again == slot


@pytest.mark.unit
def test_a_waiting_job_gets_the_slot_when_it_is_released(tmp_path: Path):
    pool = SlotPool(1, lock_dir=tmp_path / "locks", users=made_up_user)
    got: list[Slot] = []
    with pool.lease(timeout=1):
        waiter = threading.Thread(target=lambda: got.append(pool.lease(timeout=5).__enter__()))
        waiter.start()
        time.sleep(0.05)
        assert got == []
    waiter.join(5)
    assert got and got[0].index == 0


def made_up_user(index: int) -> Slot:
    return Slot(index, f"sasha-job-{index}", 60000 + index, 60000 + index)


@pytest.mark.unit
def test_two_runners_of_one_machine_never_lease_the_same_user_nor_clean_up_after_each_others_jobs(tmp_path: Path):
    # Given two runners on one machine (two stacks, or `make run` beside the tests), each allowed two users
    first, second = (SlotPool(2, lock_dir=tmp_path / "locks", users=made_up_user) for _ in range(2))

    # When the first leases a user, and the second two
    with first.lease(timeout=1) as taken, second.lease(timeout=1) as one, second.lease(timeout=1) as two:
        # Then the second's are others (it goes past the users the first holds), and it holds no more than two
        assert taken.index == 0 and {one.index, two.index} == {1, 2}
        with pytest.raises(SandboxError, match="busy"), second.lease(timeout=0.05):
            pass
        # And a runner starting would not clean up after a user another runner holds
        with second.idle(taken.index) as unheld:
            assert unheld is None
    # Until it is let go
    with second.idle(taken.index) as unheld:
        assert unheld == taken


@pytest.mark.unit
def test_slot_locks_live_in_a_folder_of_the_runners_own_user(tmp_path: Path):
    planted = tmp_path / "planted"
    planted.mkdir()
    (tmp_path / "link").symlink_to(planted)
    with pytest.raises(SandboxError, match="own user"):
        SlotPool(1, lock_dir=tmp_path / "link")
    SlotPool(1, lock_dir=tmp_path / "made")
    assert (tmp_path / "made").stat().st_mode & 0o777 == 0o700


@pytest.mark.unit
def test_group_ids_are_stable_and_distinct_across_restarts(tmp_path: Path):
    ids = GroupIds(tmp_path / "groups.json")
    first = (ids.of("project", "a"), ids.of("user", "a"), ids.of("project", "b"))

    reloaded = GroupIds(tmp_path / "groups.json")

    assert len(set(first)) == 3
    assert (reloaded.of("project", "a"), reloaded.of("user", "a"), reloaded.of("project", "b")) == first


# -- folders ---------------------------------------------------------------------------------------------------


@pytest.mark.unit
def test_a_folder_others_cannot_pass_through_is_refused_with_its_name(tmp_path: Path):
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)

    with pytest.raises(PermissionError, match="cannot pass through"):
        tree.ensure_traversable(closed / "sandbox")


@pytest.mark.unit
@needs_root
def test_normalize_shares_what_a_job_made_private_and_never_follows_a_link(tmp_path: Path):
    # given a gate with a private file, a set-uid file, a folder without group access and a link to outside
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    outside.chmod(0o600)
    root = tmp_path / "gate"
    (root / "sub").mkdir(parents=True)
    (root / "private.txt").write_text("x")
    (root / "private.txt").chmod(0o600)
    (root / "tool").write_text("#!/bin/sh\n")
    (root / "tool").chmod(0o4755)
    (root / "sub").chmod(0o700)
    (root / "sub" / "deep.txt").write_text("y")
    (root / "link").symlink_to(outside)

    # when
    fixes = tree.normalize(root, 4242)

    # then
    assert fixes >= 4
    for path in (root / "private.txt", root / "tool", root / "sub" / "deep.txt"):
        info = path.stat()
        assert info.st_gid == 4242 and info.st_mode & 0o060 == 0o060 and not info.st_mode & stat.S_ISUID
    assert (root / "sub").stat().st_mode & 0o2070 == 0o2070
    assert outside.stat().st_gid != 4242 and stat.S_IMODE(outside.stat().st_mode) == 0o600


# -- jobs as pool users ----------------------------------------------------------------------------------------


@pytest.fixture
def isolated(sandbox_root: Path) -> Iterator[Sandbox]:
    if os.geteuid() != 0:
        pytest.skip("switching to a job uid needs root")
    yield Sandbox(settings_for(sandbox_root, STUDIO_SANDBOX="uid", STUDIO_SANDBOX_SLOTS="2"))


def run_as(box, *command: str, **options) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        list(command), cwd=box.files, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **box.spawn_options(), **options
    )
    box.started(process.pid)
    return process


def test_a_job_runs_as_its_pool_user_and_reaches_only_its_project_and_user(isolated: Sandbox, sandbox_root: Path):
    # given another project's files on this runner
    with isolated.job(project_id="other", user_id="someone") as other:
        (other.files / "secret.txt").write_text("other project")
    with isolated.job(project_id="p1", user_id="u1") as box:
        (box.files / "mine.txt").write_text("mine")
        box.share_project_file(box.files / "mine.txt")
        script = (
            "id -u; cat mine.txt; echo; "
            f"cat {sandbox_root}/projects/other/files/secret.txt 2>&1; ls {sandbox_root}/projects 2>&1; "
            f"ls {sandbox_root}/users/someone 2>&1; ls {sandbox_root}/state 2>&1; touch made-by-job; echo end"
        )
        # when
        output = run_as(box, "sh", "-c", script).communicate(timeout=30)[0].decode()

    # then
    uid, rest = output.split("\n", 1)
    assert int(uid) == box.slot.uid != 0
    assert rest.startswith("mine") and "other project" not in rest and rest.count("Permission denied") == 4
    made = box.files / "made-by-job"
    assert made.exists() and made.stat().st_gid == box.project_gid and made.stat().st_mode & 0o060 == 0o060


def test_every_process_of_the_job_ends_with_it_even_in_a_new_session(isolated: Sandbox):
    with isolated.job(project_id="p1", user_id="u1") as box:
        # given a process that escaped its session and group
        run_as(box, "sh", "-c", f"setsid sleep 600 {QUIET} & nohup sleep 601 {QUIET} & echo ok").communicate(timeout=30)
        assert len(list(reaper.processes_of(box.slot.uid))) == 2
        uid = box.slot.uid

    # when the job ends, then
    assert list(reaper.processes_of(uid)) == []


def test_end_turn_keeps_the_process_it_is_told_to_keep(isolated: Sandbox):
    with isolated.job(project_id="p1", user_id="u1") as box:
        kept = run_as(box, "sleep", "600")
        run_as(box, "sh", "-c", f"setsid sleep 602 {QUIET} & echo ok").communicate(timeout=30)

        killed = box.end_turn(keep={kept.pid})

        assert killed == 1 and list(reaper.processes_of(box.slot.uid)) == [kept.pid]
    kept.wait(timeout=10)


def test_what_a_job_leaves_in_the_shared_temp_folders_is_removed(isolated: Sandbox, sandbox_root: Path):
    shared = sandbox_root.parent / f"{sandbox_root.name}-shared-tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    (shared / "someone-elses").write_text("kept")
    with isolated.job(project_id="p1", user_id="u1") as box:
        run_as(box, "sh", "-c", f"echo secret > {shared}/left-behind; mkdir {shared}/dir").communicate(timeout=30)

        removed = reaper.remove_temp_files(box.slot.uid, places=[shared])

    left = [p.name for p in shared.iterdir()]
    shutil.rmtree(shared, ignore_errors=True)
    assert removed == 2 and left == ["someone-elses"]


def test_unisolated_jobs_share_the_runners_user_and_say_so_in_their_box(sandbox_root: Path):
    with Sandbox(settings_for(sandbox_root, STUDIO_SANDBOX="none")).job(project_id="p1", user_id="u1") as box:
        assert not box.isolated and box.spawn_options() == {"start_new_session": True}
        assert box.files.is_dir() and box.claude_config.is_dir()


def test_a_sandbox_that_must_isolate_refuses_to_start_without_root(sandbox_root: Path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)

    with pytest.raises(SandboxError, match="root"):
        Sandbox(settings_for(sandbox_root, STUDIO_SANDBOX="uid"))


def release_locks_as_the_kernel_does_for_a_dead_process() -> None:
    """Let go of this process's slot locks (a dead runner's go with it) while its job's processes stay.

    Each lock's descriptor is pointed at /dev/null, which closes the locked file and keeps the number valid for
    the lease's own close later."""
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        for name in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/self/fd/{name}").startswith(f"{SLOT_LOCKS}/"):
                    os.dup2(null, int(name))
    finally:
        os.close(null)


def test_a_new_runner_ends_what_a_killed_one_left_running(isolated: Sandbox, sandbox_root: Path):
    # given a job whose runner died before the job could end (its processes are still there)
    lease = isolated.job(project_id="p1", user_id="u1")
    box = lease.__enter__()
    run_as(box, "sh", "-c", f"setsid sleep 603 {QUIET} & echo ok").communicate(timeout=30)
    assert list(reaper.processes_of(box.slot.uid))
    release_locks_as_the_kernel_does_for_a_dead_process()

    # when the next runner opens the sandbox (its pool reaching that user: other runners of the machine may hold
    # the first ones, and a lease would end the leftovers too)
    slots = str(max(box.slot.index + 1, 2))
    Sandbox(settings_for(sandbox_root, STUDIO_SANDBOX="uid", STUDIO_SANDBOX_SLOTS=slots))

    # then
    assert list(reaper.processes_of(box.slot.uid)) == []
    lease.__exit__(None, None, None)
