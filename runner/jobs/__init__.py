"""Importing this package registers every job handler."""

from runner.jobs import callbacks, chat, drives, executions, git, meetings, ping, provider_test, quality, research  # noqa: F401
