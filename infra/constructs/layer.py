"""The Lambda dependency layer: requirements/runtime.txt installed for python3.12 on arm64, built without Docker."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.bundling import UNUSED_BUNDLING_IMAGE, LayerBuild

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64


def _load_build_script(script: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("sasha_layer_build", script)
    assert spec is not None and spec.loader is not None, f"cannot load {script}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class DependencyLayer(Construct):
    """A LayerVersion whose content `layers/build.py` produces; the asset hash is the build's cache key."""

    def __init__(self, scope: Construct, construct_id: str, *, repo_root: Path) -> None:
        super().__init__(scope, construct_id)
        script = repo_root / "layers" / "build.py"
        requirements = repo_root / "requirements" / "runtime.txt"
        cache_key = _load_build_script(script).cache_key(requirements)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            description=f"Runtime dependencies (requirements/runtime.txt, build {cache_key[:12]})",
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            code=lambda_.Code.from_asset(
                str(repo_root / "layers"),
                asset_hash=cache_key,
                asset_hash_type=cdk.AssetHashType.CUSTOM,
                bundling=cdk.BundlingOptions(
                    image=UNUSED_BUNDLING_IMAGE,
                    local=LayerBuild(script, requirements),
                ),
            ),
        )
