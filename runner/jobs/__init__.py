"""Importing this package registers every job handler."""

from runner.jobs import chat, ping, quality  # noqa: F401
