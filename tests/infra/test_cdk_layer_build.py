"""layers/build.py: the cache key, the refusal of build and test tools, and the cached build (no pip here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from infra.config import REPO_ROOT

pytestmark = pytest.mark.infra


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layer_build_under_test", REPO_ROOT / "layers" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load()


def _requirements(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "runtime.txt"
    path.write_text(text)
    return path


def test_cache_key_depends_on_the_requirements(tmp_path):
    first = build.cache_key(_requirements(tmp_path, "fastapi==1.0\n"))
    same = build.cache_key(_requirements(tmp_path, "fastapi==1.0\n"))
    other = build.cache_key(_requirements(tmp_path, "fastapi==1.1\n"))

    assert first == same
    assert first != other


def test_constraints_beside_the_requirements_pin_the_layer(tmp_path, monkeypatch):
    # Given constraints.txt beside the requirements, then pip is constrained by it and the cache key follows it.
    requirements = _requirements(tmp_path, "fastapi==1.0\n")
    before = build.cache_key(requirements)
    (tmp_path / "constraints.txt").write_text("starlette==1.0\n")
    seen: list[list[str]] = []

    class Done:
        returncode = 0
        stdout = stderr = ""

    def fake_run(command, **_kwargs):
        seen.append(command)
        Path(command[command.index("--target") + 1]).mkdir(parents=True)
        return Done()

    monkeypatch.setattr(build.subprocess, "run", fake_run)
    build.build(tmp_path / "out", requirements, tmp_path / "cache")

    assert build.cache_key(requirements) != before
    assert seen[0][seen[0].index("--constraint") + 1] == str(tmp_path / "constraints.txt")


def test_build_and_test_tools_never_reach_the_layer(tmp_path):
    requirements = _requirements(tmp_path, "# comment\nfastapi==1.0\naws-cdk-lib==2.0\nmoto[server]==5.0\n")

    with pytest.raises(build.LayerBuildError, match="aws-cdk-lib, moto"):
        build.build(tmp_path / "out", requirements, tmp_path / "cache")


def test_the_runtime_requirements_are_clean():
    build._check_requirements(REPO_ROOT / "requirements" / "runtime.txt")


def test_a_cached_build_is_reused_without_pip(tmp_path, monkeypatch):
    # Given a cache entry for the requirements, when the layer is built, then pip is not run and the tree is copied.
    requirements = _requirements(tmp_path, "croniter==7.0.0\n")
    cached = tmp_path / "cache" / build.cache_key(requirements) / "python" / "croniter"
    cached.mkdir(parents=True)
    (cached / "__init__.py").write_text("VERSION = 7\n")
    monkeypatch.setattr(build, "_pip_install", lambda *_: pytest.fail("pip must not run on a cache hit"))

    out = build.build(tmp_path / "out", requirements, tmp_path / "cache")

    assert (out / "python" / "croniter" / "__init__.py").read_text() == "VERSION = 7\n"


def test_pip_targets_lambda_python_and_cpu(tmp_path, monkeypatch):
    # Given a cold cache, when the layer is built, then pip is asked for cp312 arm64 wheels only.
    seen: list[list[str]] = []

    class Done:
        returncode = 0
        stdout = stderr = ""

    def fake_run(command, **_kwargs):
        seen.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "pkg").mkdir(parents=True)
        (target / "bin").mkdir()
        (target / "pkg" / "__pycache__").mkdir()
        return Done()

    monkeypatch.setattr(build.subprocess, "run", fake_run)
    requirements = _requirements(tmp_path, "croniter==7.0.0\n")

    out = build.build(tmp_path / "out", requirements, tmp_path / "cache")

    (command,) = seen
    assert command[command.index("--python-version") + 1] == "3.12"
    assert command[command.index("--implementation") + 1] == "cp"
    assert "--only-binary=:all:" in command
    assert "manylinux2014_aarch64" in command
    assert (out / "python" / "pkg").is_dir()
    assert not (out / "python" / "bin").exists()
    assert not (out / "python" / "pkg" / "__pycache__").exists()


def test_print_key_matches_the_asset_hash_input(capsys):
    assert build.main(["--print-key"]) == 0
    assert capsys.readouterr().out.strip() == build.cache_key()
