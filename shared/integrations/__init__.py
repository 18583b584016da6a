"""Integrations: run a prompt in a project by API key, poll the run, receive a signed callback when it ends."""

from shared.integrations.service import get, on_turn_finished, start

__all__ = ["get", "on_turn_finished", "start"]
