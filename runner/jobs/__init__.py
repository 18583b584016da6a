"""Importing this package registers every job handler."""

from runner.jobs import ping  # noqa: F401
