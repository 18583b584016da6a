"""Scheduler tick: EventBridge Scheduler invokes this once a minute; it starts due runs, times out orphans, and
stops meetings left capturing in silence."""

import uuid
from datetime import UTC, datetime

from aws_lambda_powertools.logging import correlation_paths

from shared.logs import logger
from shared.scheduling.tick import run_tick


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def handler(event, context):  # type: ignore[no-untyped-def]
    # The tick uses its own clock, not the event's time: a late or retried invocation still sees "now".
    correlation_id = logger.get_correlation_id() or uuid.uuid4().hex
    logger.set_correlation_id(correlation_id)
    return run_tick(datetime.now(UTC), correlation_id=correlation_id).as_dict()
