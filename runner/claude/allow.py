"""The "Allow for this session" rules a person chose for a chat, and which of its later requests they let through.

A rule is what the person allowed, in Claude Code's own notation: `Bash(npm test)` lets through the commands that
start with those words; any other tool's rule is its name (`Write`, `Edit`), every later use of that tool. The
session keeps them (`allowed_tools` on its record, shown and removable in the chat's settings) and the runner
applies them itself, answering the CLI's `can_use_tool` request without showing a card: rules sent to the CLI
(`--allowedTools`, or `updatedPermissions` in the answer) would last only as long as its process, and managed
settings that allow only managed rules ignore them (docs/claude-cli.md).

A command matches only when it is one plain command: anything that could run a second one (`;`, `&`, `|`, a
newline, `$(…)`, backticks, redirections) needs asking again, so `npm test && rm -rf x` is never `Bash(npm test)`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from typing import Any

RULE_CHARS = 200
MAX_RULES = 50
QUESTION_TOOL = "AskUserQuestion"
# Commands whose first word alone says little: their rule keeps the subcommand too (`npm test`, `git status`).
WITH_SUBCOMMAND = frozenset(
    ("npm", "npx", "pnpm", "yarn", "bun", "node", "deno", "git", "make", "cargo", "go", "docker", "kubectl", "pip",
     "pip3", "uv", "poetry", "python", "python3", "dotnet", "mvn", "gradle", "terraform", "aws", "gcloud", "az",
     "helm", "brew", "apt", "apt-get")
)  # fmt: skip
_CONTROL = re.compile(r"[;&|`<>\n\r]|\$\(")
_BASH_RULE = re.compile(r"^Bash\((.+)\)$")
_TOOL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{0,99}$")


def _words(command: str) -> list[str] | None:
    """The words of one plain command; None when it is not one (control operators, unbalanced quotes)."""
    if _CONTROL.search(command):
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return words or None


def rule_for(tool: str, tool_input: dict[str, Any]) -> str | None:
    """The rule "Allow for this session" adds for this request; None when it cannot be allowed that way."""
    if tool == QUESTION_TOOL or not _TOOL_NAME.match(tool):
        return None
    if tool != "Bash":
        return tool
    command = tool_input.get("command")
    words = _words(command) if isinstance(command, str) else None
    if not words or "=" in words[0]:  # `FOO=1 cmd` sets the environment: no safe prefix
        return None
    prefix = words[:1]
    if words[0] in WITH_SUBCOMMAND and len(words) > 1 and not words[1].startswith("-"):
        prefix = words[:2]
    rule = f"Bash({' '.join(prefix)})"
    return rule if len(rule) <= RULE_CHARS else None


def allowed_by(rules: Iterable[str], tool: str, tool_input: dict[str, Any]) -> str | None:
    """The session's rule that lets this request through without asking, if any."""
    words: list[str] | None = None
    for rule in sorted(rules):
        if rule == tool and tool not in ("Bash", QUESTION_TOOL):
            return rule
        match = _BASH_RULE.match(rule)
        if tool != "Bash" or match is None:
            continue
        if words is None:
            command = tool_input.get("command")
            words = (_words(command) if isinstance(command, str) else None) or []
        prefix = match.group(1).split(" ")
        if words[: len(prefix)] == prefix:
            return rule
    return None
