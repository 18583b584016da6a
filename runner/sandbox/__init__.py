"""The runner's sandbox for the Claude CLI and every command it runs (see sandbox.py and docs/sandbox.md)."""

from runner.sandbox.identities import SandboxError, Slot
from runner.sandbox.sandbox import JobBox, Sandbox

__all__ = ["JobBox", "Sandbox", "SandboxError", "Slot"]
