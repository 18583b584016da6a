"""What `make run` prints (local/console.py) and how the supervisor takes a stop signal (local/stack.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from local.console import ConsoleHandler, banner, tick_news
from local.stack import Stack, StopRequested

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("result", "line"),
    [
        ({"due": 0, "started": 0, "duplicates": 0, "failed": 0, "errors": 0, "timed_out": 0}, None),
        ({"due": 2, "started": 0, "duplicates": 2, "failed": 0, "errors": 0, "timed_out": 0}, None),
        ({"due": 0, "started": 0, "duplicates": 0, "failed": 0, "errors": 1, "timed_out": 0}, None),
        ({"due": 1, "started": 1, "duplicates": 0, "failed": 0, "errors": 0, "timed_out": 0},
         "tick: 1 scheduled run(s) started"),
        ({"due": 3, "started": 1, "duplicates": 0, "failed": 2, "errors": 0, "timed_out": 1},
         "tick: 1 scheduled run(s) started, 2 scheduled run(s) could not be queued, 1 run(s) timed out"),
    ],
)  # fmt: skip
def test_the_tick_is_on_the_console_only_when_it_did_something(result: dict[str, int], line: str | None) -> None:
    # errors are not counted here: each was logged as an error, which the console shows on its own
    assert tick_news(result) == line


def test_a_logged_error_is_one_line_naming_the_log_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given the console handler on a logger
    handler = ConsoleHandler(tmp_path / "stack.log")
    logger = logging.getLogger("test-console")
    logger.addHandler(handler)
    try:
        # When an info record, then an error with its exception, are logged
        logger.setLevel(logging.INFO)
        logger.info("scheduler tick")
        try:
            raise ConnectionError("moto is gone")
        except ConnectionError:
            logger.exception("could not read due schedules")
    finally:
        logger.removeHandler(handler)
    # Then only the error is on the console, in one line, without its traceback
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"error: could not read due schedules (ConnectionError: moto is gone) [{tmp_path / 'stack.log'}]\n"
    )


def test_the_banner_names_the_url_and_the_data_folder(tmp_path: Path) -> None:
    assert banner(8080, tmp_path, tmp_path / "logs", 0).splitlines() == [
        "Sasha Studio is running at http://127.0.0.1:8080",
        f"  data folder: {tmp_path}  (logs in {tmp_path / 'logs'})",
        "Press Ctrl-C to stop.",
    ]
    assert "  2 unfinished job(s) requeued" in banner(8080, tmp_path, tmp_path / "logs", 2).splitlines()


class FakeServer:
    should_exit = False
    force_exit = False


def test_a_stop_signal_while_starting_unwinds_the_start_once(tmp_path: Path) -> None:
    stack = Stack(tmp_path, 8080)
    with pytest.raises(StopRequested):
        stack.request_stop(2, None)
    stack.request_stop(15, None)  # a second one while the start unwinds interrupts nothing more


def test_a_stop_signal_while_serving_stops_the_gateway_and_a_second_hurries_it(tmp_path: Path) -> None:
    stack = Stack(tmp_path, 8080)
    server = FakeServer()
    stack.server = server  # type: ignore[assignment]
    stack.request_stop(2, None)
    assert (server.should_exit, server.force_exit) == (True, False)
    stack.request_stop(2, None)
    assert (server.should_exit, server.force_exit) == (True, True)


def test_once_the_children_are_stopping_a_signal_interrupts_nothing(tmp_path: Path) -> None:
    stack = Stack(tmp_path, 8080)
    stack.stop_children()
    stack.request_stop(15, None)
    assert stack.stopping.is_set()
