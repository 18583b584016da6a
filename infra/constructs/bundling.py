"""Local bundling hooks (no Docker at synth time): copy source trees, or run the layer build script."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import aws_cdk as cdk
import jsii

# Never shipped, wherever they appear: bytecode of this machine's Python, tool caches.
IGNORED_NAMES = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".DS_Store"})
IGNORED_SUFFIXES = (".pyc", ".pyo")

# The image is never pulled: `try_bundle` always succeeds locally or raises, so Docker is never needed.
UNUSED_BUNDLING_IMAGE = cdk.DockerImage.from_registry("public.ecr.aws/sam/build-python3.12")


@dataclass(frozen=True, slots=True)
class Tree:
    """A source directory copied to `target` (a relative path inside the asset), minus `exclude` names."""

    source: Path
    target: str = ""
    exclude: frozenset[str] = frozenset()

    def files(self) -> Iterator[tuple[Path, str]]:
        """(absolute source path, relative destination path) of every file, in a stable order."""
        if not self.source.is_dir():
            return
        for entry in _entries(self.source):
            # Excludes name top-level entries only (node_modules, package.json), not nested ones.
            if entry.name not in self.exclude:
                yield from _walk(entry, PurePosixPath(self.target) / entry.name)


def _entries(directory: Path) -> list[Path]:
    return [
        entry
        for entry in sorted(directory.iterdir(), key=lambda path: path.name)
        if entry.name not in IGNORED_NAMES and not entry.name.endswith(IGNORED_SUFFIXES)
    ]


def _walk(path: Path, relative: PurePosixPath) -> Iterator[tuple[Path, str]]:
    if path.is_dir():
        for entry in _entries(path):
            yield from _walk(entry, relative / entry.name)
    elif path.is_file():
        yield path, str(relative)


def fingerprint(trees: Iterable[Tree], salt: str = "") -> str:
    """A content hash of the files the trees would copy (paths and bytes), used as the asset hash."""
    digest = hashlib.sha256(salt.encode())
    for tree in trees:
        for source, relative in tree.files():
            digest.update(relative.encode() + b"\0")
            digest.update(hashlib.sha256(source.read_bytes()).digest())
    return digest.hexdigest()


@jsii.implements(cdk.ILocalBundling)
class CopyTrees:
    """Copy a few source trees into the asset directory (the Lambda code: `shared/` and `functions/`)."""

    def __init__(self, trees: Sequence[Tree]) -> None:
        self._trees = tuple(trees)

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **options: Any) -> bool:
        # jsii hands the BundlingOptions struct over as keyword arguments; none of them matter here.
        out = Path(output_dir)
        for tree in self._trees:
            for source, relative in tree.files():
                destination = out / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination)
        return True


@jsii.implements(cdk.ILocalBundling)
class LayerBuild:
    """Run `layers/build.py --out <asset dir>` with this interpreter (pip against PyPI on a cold cache)."""

    def __init__(self, script: Path, requirements: Path) -> None:
        self._script = script
        self._requirements = requirements

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **options: Any) -> bool:
        command = [sys.executable, str(self._script), "--out", output_dir, "--requirements", str(self._requirements)]
        subprocess.run(command, check=True)  # noqa: S603  # our own script and arguments
        return True
