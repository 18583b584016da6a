"""Cold import time of each Lambda entry point: the part of a cold start our code controls.

Each sample is a fresh interpreter that imports one handler module, timed around the import only
(interpreter start-up is the runtime's cost, not ours).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.stats import row

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINTS = [
    "functions.api.handler",
    "functions.ws_connect.handler",
    "functions.ws_disconnect.handler",
    "functions.ws_default.handler",
    "functions.tick.handler",
    "functions.ingest.handler",
]
PROBE = (
    "import time, importlib; t = time.perf_counter(); importlib.import_module({module!r}); "
    "print((time.perf_counter() - t) * 1000)"
)


def sample(module: str) -> float:
    # Any value of PYTHONDONTWRITEBYTECODE (even "0") stops bytecode caching: drop it, as Lambda's runtime has none.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("STUDIO_", "AWS_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    output = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return float(output.stdout.strip().splitlines()[-1])


def run(samples: int = 15) -> dict[str, list[float]]:
    print(f"Cold import of each Lambda entry point ({samples} fresh interpreters each, bytecode cached):")
    results = {}
    for module in ENTRY_POINTS:
        sample(module)  # compile the bytecode once, as the deployed package ships it
        results[module] = [sample(module) for _ in range(samples)]
        print("  " + row(module, results[module]))
    return results


if __name__ == "__main__":
    run()
