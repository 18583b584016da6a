"""Fixtures shared by the unit tests of the accounts back end (see tests/support/accounts.py)."""

from tests.support.accounts import accounts, accounts_stack, serialized_moto

__all__ = ["accounts", "accounts_stack", "serialized_moto"]
