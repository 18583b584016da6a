"""Importing this package registers every job handler."""

from runner.jobs import callbacks, chat, executions, git, ping, provider_test, quality, research  # noqa: F401
