"""Build the Lambda dependency layer without Docker: pip installs wheels for Lambda's Python and CPU.

    python layers/build.py --out DIR      # DIR/python/... is the layer's content

The CDK app calls this from its local bundling hook. The result is cached under `.cache/layer/<key>` in the
repository, the key being a hash of the requirements, the target platform and this script, so that only the
first synth downloads anything; later synths copy (or hard-link) the cached tree.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = REPO_ROOT / "requirements" / "runtime.txt"
# Exact versions of the transitive dependencies, beside the requirements; the layer gets what the tests ran with.
CONSTRAINTS_NAME = "constraints.txt"
CACHE_ROOT = REPO_ROOT / ".cache" / "layer"

PYTHON_VERSION = "3.12"
IMPLEMENTATION = "cp"
# Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34): manylinux2014 wheels, and the newer
# manylinux_2_28 ones that some packages ship instead, both run there.
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")

# Packages that must never reach the layer: the CDK, the test tools and the local stack's server.
FORBIDDEN = ("aws-cdk-lib", "constructs", "cdk-nag", "moto", "pytest")
# Bytecode compiled here would be for this machine's Python; Lambda compiles its own.
PRUNE_DIRS = ("__pycache__",)


class LayerBuildError(RuntimeError):
    """pip could not produce the layer for the Lambda platform."""


def _constraints(requirements: Path) -> Path | None:
    constraints = requirements.parent / CONSTRAINTS_NAME
    return constraints if constraints.is_file() and constraints != requirements else None


def cache_key(requirements: Path = REQUIREMENTS) -> str:
    """A stable key for the layer's content: requirements, constraints, platform, Python version, this script."""
    constraints = _constraints(requirements)
    digest = hashlib.sha256()
    for part in (
        requirements.read_bytes(),
        constraints.read_bytes() if constraints else b"",
        PYTHON_VERSION.encode(),
        "|".join(PLATFORMS).encode(),
    ):
        digest.update(part)
        digest.update(b"\0")
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:32]


def _check_requirements(requirements: Path) -> None:
    names = {
        line.split("==")[0].split("[")[0].strip().lower()
        for line in requirements.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "-"))
    }
    leaked = sorted(names.intersection(FORBIDDEN))
    if leaked:
        raise LayerBuildError(f"{requirements} lists build or test tools that must not ship: {', '.join(leaked)}")


def _pip_install(requirements: Path, target: Path) -> None:
    command = [
        sys.executable, "-m", "pip", "install",
        "--requirement", str(requirements),
        "--target", str(target),
        "--python-version", PYTHON_VERSION,
        "--implementation", IMPLEMENTATION,
        "--only-binary=:all:",
        "--no-compile",
        "--disable-pip-version-check",
        "--quiet",
    ]  # fmt: skip
    for platform in PLATFORMS:
        command += ["--platform", platform]
    constraints = _constraints(requirements)
    if constraints:
        command += ["--constraint", str(constraints)]
    result = subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603  # our own argv
    if result.returncode != 0:
        raise LayerBuildError(f"pip failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def _prune(root: Path) -> None:
    # Console scripts would land in /opt/python/bin, where nothing runs them.
    shutil.rmtree(root / "bin", ignore_errors=True)
    for name in PRUNE_DIRS:
        for found in sorted(root.rglob(name), reverse=True):
            shutil.rmtree(found, ignore_errors=True)


def build_cached(requirements: Path = REQUIREMENTS, cache_root: Path = CACHE_ROOT) -> Path:
    """Return the cached layer tree for `requirements`, building it first if it is not there yet."""
    _check_requirements(requirements)
    cached = cache_root / cache_key(requirements)
    if (cached / "python").is_dir():
        return cached
    cache_root.mkdir(parents=True, exist_ok=True)
    # Build beside the cache and rename into place, so an interrupted build never looks complete.
    staging = Path(tempfile.mkdtemp(prefix="build-", dir=cache_root))
    try:
        _pip_install(requirements, staging / "python")
        _prune(staging / "python")
        staging.rename(cached)
    except OSError:
        if not (cached / "python").is_dir():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return cached


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def build(out_dir: Path, requirements: Path = REQUIREMENTS, cache_root: Path = CACHE_ROOT) -> Path:
    """Fill `out_dir` with the layer (`out_dir/python/...`); hard links from the cache where possible."""
    cached = build_cached(requirements, cache_root)
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(cached / "python", out_dir / "python", copy_function=_link_or_copy, dirs_exist_ok=True)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, help="directory that receives python/...")
    parser.add_argument("--requirements", type=Path, default=REQUIREMENTS)
    parser.add_argument("--print-key", action="store_true", help="print the cache key and exit")
    args = parser.parse_args(argv)
    if args.print_key:
        print(cache_key(args.requirements))
        return 0
    if args.out is None:
        parser.error("--out is required")
    try:
        build(args.out, args.requirements)
    except LayerBuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
