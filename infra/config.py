"""Stage settings of the CDK app, read from CDK context (`cdk deploy -c stage=prod -c runnerMaxCapacity=4`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.constants import APP_NAME

REPO_ROOT = Path(__file__).resolve().parent.parent

_STAGE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
# What WAF accepts: a rate-based rule's limit and its evaluation window (seconds).
WAF_MIN_RATE_LIMIT, WAF_MAX_RATE_LIMIT = 10, 2_000_000_000
WAF_WINDOWS = (60, 120, 300, 600)
# CloudWatch Logs' longest retention short of forever (ten years): the audit copy must fit in one.
MAX_AUDIT_RETENTION_DAYS = 3653
# Measured (bench/fast_turns.py, bench/chat.py): the runner with its gateway, and a CLI process in a running turn.
RUNNER_OWN_MIB = 400
RUNNING_TURN_MIB = 250


class ConfigError(ValueError):
    """The CDK context does not describe a deployable stage."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StageConfig:
    """What differs between stages: the name, runner capacity and size, the alarm e-mail, WAF rate limits and how
    long the audit log is kept."""

    stage: str = "dev"
    runner_min_capacity: int = 0
    runner_max_capacity: int = 2
    runner_cpu: int = 1024
    runner_memory_mib: int = 2048
    # Jobs one runner task works on at once; the scaling steps add a task per this many messages.
    runner_concurrency: int = 4
    # Chat sessions whose CLI process a runner task keeps between turns (runner/claude/warm.py), within the memory
    # its running jobs leave (`runner_warm_memory_mib`); docs/deployment.md, "Sizing the runner".
    runner_warm_sessions: int = 3
    # Tasks kept running on weekdays from `runner_working_hours[0]` to `[1]` o'clock UTC, so that the first message
    # of the day does not wait for a task to start (0: none; the queue-depth scaling still starts one on demand).
    runner_working_hours_capacity: int = 0
    runner_working_hours: tuple[int, int] = (8, 18)
    # Of the tasks above `runner_min_capacity`, the share (percent) started on Fargate Spot: cheaper, but AWS may
    # take a task back with two minutes' notice (docs/deployment.md, "Fargate Spot"). The floor stays on-demand.
    runner_spot_percent: int = 0
    alarm_email: str | None = None
    log_level: str = "INFO"
    # The REST API's web ACL: requests per address and window on the sign-in and reset routes, and on everything.
    waf_auth_rate_limit: int = 100
    waf_rate_limit: int = 2000
    waf_window_seconds: int = 300
    # Days the audit log keeps an entry (STUDIO_AUDIT_RETENTION_DAYS: the table's TTL); the REST API's log group,
    # which holds CloudWatch's copy of each entry, keeps its lines at least as long (docs/audit.md).
    audit_retention_days: int = 365

    @property
    def runner_warm_memory_mib(self) -> int:
        """What a task's memory leaves for kept CLI processes: less the runner itself and a CLI per running job."""
        return max(0, self.runner_memory_mib - RUNNER_OWN_MIB - self.runner_concurrency * RUNNING_TURN_MIB)

    def __post_init__(self) -> None:
        if not _STAGE_PATTERN.match(self.stage):
            raise ConfigError(f"stage must be lower-case letters, digits and dashes (at most 16), not {self.stage!r}")
        if not 0 <= self.runner_min_capacity <= self.runner_max_capacity or self.runner_max_capacity < 1:
            raise ConfigError(
                f"runner capacity must satisfy 0 <= min <= max and max >= 1, "
                f"not min={self.runner_min_capacity} max={self.runner_max_capacity}"
            )
        start, end = self.runner_working_hours
        if not 0 <= start < end <= 24 or not 0 <= self.runner_working_hours_capacity <= self.runner_max_capacity:
            raise ConfigError(
                "runnerWorkingHours must be two hours 0 <= start < end <= 24, and runnerWorkingHoursCapacity at most "
                f"runnerMaxCapacity; not {self.runner_working_hours} and {self.runner_working_hours_capacity}"
            )
        if not 0 <= self.runner_spot_percent <= 100:
            raise ConfigError(f"runnerSpotPercent must be 0 to 100, not {self.runner_spot_percent}")
        for name, limit in (("wafAuthRateLimit", self.waf_auth_rate_limit), ("wafRateLimit", self.waf_rate_limit)):
            if not WAF_MIN_RATE_LIMIT <= limit <= WAF_MAX_RATE_LIMIT:
                raise ConfigError(f"{name} must be between {WAF_MIN_RATE_LIMIT} and {WAF_MAX_RATE_LIMIT}, not {limit}")
        if not 1 <= self.audit_retention_days <= MAX_AUDIT_RETENTION_DAYS:
            raise ConfigError(
                f"auditRetentionDays must be 1 to {MAX_AUDIT_RETENTION_DAYS}, not {self.audit_retention_days}"
            )
        if self.waf_window_seconds not in WAF_WINDOWS:
            raise ConfigError(f"wafWindowSeconds must be one of {WAF_WINDOWS}, not {self.waf_window_seconds}")

    @property
    def prefix(self) -> str:
        """Prefix of every physical name of the stage (tables, secrets, queues)."""
        return f"{APP_NAME}-{self.stage}-"

    @property
    def table_prefix(self) -> str:
        return self.prefix

    @property
    def stack_name(self) -> str:
        return f"{APP_NAME}-{self.stage}"

    def secret_name(self, name: str) -> str:
        return f"{APP_NAME}/{self.stage}/{name}"

    @classmethod
    def from_context(cls, get: Any) -> StageConfig:
        """Build from a `node.try_get_context`-like callable; absent keys keep the defaults."""
        defaults = cls()

        def number(key: str, default: int) -> int:
            raw = get(key)
            if raw is None or raw == "":
                return default
            try:
                return int(raw)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"context {key} must be a whole number, not {raw!r}") from exc

        return cls(
            stage=str(get("stage") or defaults.stage),
            runner_min_capacity=number("runnerMinCapacity", defaults.runner_min_capacity),
            runner_max_capacity=number("runnerMaxCapacity", defaults.runner_max_capacity),
            runner_cpu=number("runnerCpu", defaults.runner_cpu),
            runner_memory_mib=number("runnerMemoryMiB", defaults.runner_memory_mib),
            runner_concurrency=number("runnerConcurrency", defaults.runner_concurrency),
            runner_warm_sessions=number("runnerWarmSessions", defaults.runner_warm_sessions),
            runner_working_hours_capacity=number("runnerWorkingHoursCapacity", defaults.runner_working_hours_capacity),
            runner_working_hours=(
                number("runnerWorkingHoursStart", defaults.runner_working_hours[0]),
                number("runnerWorkingHoursEnd", defaults.runner_working_hours[1]),
            ),
            runner_spot_percent=number("runnerSpotPercent", defaults.runner_spot_percent),
            alarm_email=get("alarmEmail") or None,
            log_level=str(get("logLevel") or defaults.log_level).upper(),
            waf_auth_rate_limit=number("wafAuthRateLimit", defaults.waf_auth_rate_limit),
            waf_rate_limit=number("wafRateLimit", defaults.waf_rate_limit),
            waf_window_seconds=number("wafWindowSeconds", defaults.waf_window_seconds),
            audit_retention_days=number("auditRetentionDays", defaults.audit_retention_days),
        )
