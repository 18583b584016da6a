"""Importing this module registers every client action with the router."""

from shared.ws import chat, ping  # noqa: F401  # the imports register the actions
from shared.ws.router import dispatch, known_actions

__all__ = ["dispatch", "known_actions"]
