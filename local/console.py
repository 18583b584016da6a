"""What `make run` shows the person who started it, and where everything else goes.

    stdout            the banner (URL, data folder), a line when the tick started or timed out runs, "Stopped."
    stderr            warnings and errors, one line each: the supervisor's, and those the functions log
    logs/stack.log    every record the functions run in this process log (API, WebSocket, tick, ingest): JSON
    logs/aws.log, logs/runner.log     the children's output

A minute in which nothing was due leaves its "scheduler tick" record in logs/stack.log and nothing on the console.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Mapping
from pathlib import Path

from local.data_folder import open_private

LOG_FILE = "stack.log"
MAX_LINE = 400
# What the tick did that a person wants to see, in the order it is told (TickResult's counts).
_TICK_NEWS = (
    ("started", "scheduled run(s) started"),
    ("failed", "scheduled run(s) could not be queued"),
    ("timed_out", "run(s) timed out"),
    ("turns_moved", "waiting turn(s) of a runner that stopped moved to the shared queue"),
    ("jobs_swept", "stuck job(s) sent again for a runner to close"),
)


def say(message: str) -> None:
    """A line for the person who started the stack."""
    print(message, flush=True)


def warn(message: str, *, level: str = "warning") -> None:
    """A problem that person should know of, in one line; the details are in the logs."""
    print(f"{level}: {message}"[:MAX_LINE], file=sys.stderr, flush=True)


class ConsoleHandler(logging.Handler):
    """Warnings and errors as one line each, naming the log file that holds the whole record and its traceback."""

    def __init__(self, log_file: Path) -> None:
        super().__init__(level=logging.WARNING)
        self.log_file = log_file

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            error = record.exc_info[1] if record.exc_info else None
            if error is not None:
                message += f" ({type(error).__name__}: {error})"
            warn(f"{message} [{self.log_file}]", level=record.levelname.lower())
        except Exception:
            self.handleError(record)


def route_logs(logs: Path) -> Path:
    """Send the functions' JSON records to logs/stack.log, and their warnings and errors to the console too."""
    from shared.logs import logger

    path = logs / LOG_FILE
    handler = logger.registered_handler  # Powertools' own: a stream handler on stdout
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(io.TextIOWrapper(open_private(path, "ab"), encoding="utf-8", line_buffering=True))
    logger.addHandler(ConsoleHandler(path))
    return path


def banner(port: int, data_dir: Path, logs: Path, recovered: int) -> str:
    """What the console says once the gateway serves."""
    requeued = f"\n  {recovered} unfinished job(s) requeued" if recovered else ""
    return (
        f"Sasha Studio is running at http://127.0.0.1:{port}\n"
        f"  data folder: {data_dir}  (logs in {logs}){requeued}\n"
        "Press Ctrl-C to stop."
    )


def tick_news(result: Mapping[str, int]) -> str | None:
    """A console line for what the tick did; None when it had nothing to do."""
    news = [f"{result[key]} {what}" for key, what in _TICK_NEWS if result.get(key)]
    return f"tick: {', '.join(news)}" if news else None
