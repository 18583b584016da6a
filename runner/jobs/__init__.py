"""Importing this package registers every job handler."""

from runner.jobs import callbacks, chat, executions, ping, quality  # noqa: F401
