"""What a cold start pays for: the modules a fresh interpreter holds after importing an entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def loaded_after(imports: Sequence[str], watched: Sequence[str]) -> list[str]:
    """The modules a fresh interpreter holds, once it has imported `imports`, whose names start with one of
    `watched` (`pydantic` counts `pydantic_core` too), sorted. The environment's STUDIO_ and AWS_ settings are left
    out: an import must not need them."""
    probe = (
        f"import sys, {', '.join(imports)}; "
        f"print('\\n'.join(sorted(m for m in sys.modules if m.startswith({tuple(watched)!r}))))"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("STUDIO_", "AWS_"))}
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return loaded.stdout.split()
