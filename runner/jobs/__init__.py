"""Importing this package registers every job handler."""

from runner.jobs import callbacks, chat, executions, ping, provider_test, quality, research  # noqa: F401
