"""The runner's sandbox for the Claude CLI and every command it runs (see sandbox.py and docs/sandbox.md)."""

from runner.sandbox.identities import SandboxError, Slot
from runner.sandbox.sandbox import JobBox, ProjectTree, Sandbox

__all__ = ["JobBox", "ProjectTree", "Sandbox", "SandboxError", "Slot"]
