"""`python -m runner.sandbox install --slots N`: bake the pool users and Claude's managed settings into an image."""

from __future__ import annotations

import argparse

from runner.sandbox import managed
from runner.sandbox.identities import ensure_pool_users


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["install"])
    parser.add_argument("--slots", type=int, required=True, help="how many pool users (sasha-job-0 … N-1)")
    args = parser.parse_args()
    slots = ensure_pool_users(args.slots)
    target = managed.install()
    print(f"sandbox: {len(slots)} pool users, managed settings in {target}")


if __name__ == "__main__":
    main()
