"""How a job ends other than by finishing: what the worker records, and whether it retries."""

from __future__ import annotations


class JobTimeoutError(Exception):
    """The job ran past its deadline and was stopped."""


class JobFailedError(Exception):
    """The job failed in a way that retrying cannot fix; the message is shown to the user."""
