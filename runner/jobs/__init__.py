"""Importing this package registers every job handler."""

from runner.jobs import callbacks, chat, ping, quality, runs  # noqa: F401
