"""Business metrics as CloudWatch embedded-metric log lines (no API call; CloudWatch extracts them from logs)."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from shared.constants import APP_NAME, SERVICE_NAME

RUNS_FAILED = "RunsFailed"


def run_failed(kind: str, status: str) -> None:
    """A skill or scheduled run ended failed or timed out: the alarm on this metric tells an operator."""
    with single_metric(
        name=RUNS_FAILED,
        unit=MetricUnit.Count,
        value=1,
        namespace=APP_NAME,
        default_dimensions={"service": SERVICE_NAME},
    ) as metric:
        metric.add_metadata("kind", kind)
        metric.add_metadata("status", status)
