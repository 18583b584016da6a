"""Claude Code's managed settings: the administrator's policy, which project and user settings cannot loosen.

The CLI reads them from /etc/claude-code (managed-settings.json and the drop-in folder managed-settings.d/).
Ours is a drop-in, so an organisation's own managed settings on the same machine keep applying. What the
pinned CLI honours is pinned by tests/integration/test_claude_cli_contract.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MANAGED_DIR = Path("/etc/claude-code/managed-settings.d")
DROP_IN_NAME = "50-sasha-studio.json"

# Only the administrator's hooks, MCP servers and permission rules apply: a hook, MCP server or "allow" rule
# written into a project's or a user's settings (by a person or by a chat's commands) does nothing.
POLICY: dict[str, Any] = {
    "allowManagedHooksOnly": True,
    "allowManagedMcpServersOnly": True,
    "allowManagedPermissionRulesOnly": True,
}


def install(directory: Path = MANAGED_DIR, policy: dict[str, Any] | None = None) -> Path:
    """Write the drop-in (readable by everyone, writable by root only); idempotent."""
    content = json.dumps(policy or POLICY, indent=2, sort_keys=True) + "\n"
    directory.mkdir(parents=True, exist_ok=True)
    for folder in (directory.parent, directory):
        os.chmod(folder, 0o755)  # noqa: S103  # every job uid's CLI must read the policy; only root writes it
    target = directory / DROP_IN_NAME
    if not target.exists() or target.read_text() != content:
        temp = target.with_suffix(f".{os.getpid()}.tmp")  # two installers at once each write their own
        temp.write_text(content)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    return target
