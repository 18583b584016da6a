"""Importing this module registers every client action with the router."""

from shared.realtime import chat_actions, ping  # noqa: F401
from shared.realtime.router import dispatch, known_actions

__all__ = ["dispatch", "known_actions"]
