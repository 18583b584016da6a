"""The deploy's esbuild bundle (infra/spa_build.py) against web/'s pinned esbuild: new modules, errors, the graph."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from infra.spa_build import BUNDLE_ENTRY, SpaBuildError, aliases, build, esbuild_path
from shared.spa_assets import ModuleGraph, entry_script, file_for, import_map

WEB = Path(__file__).resolve().parents[2] / "web"
ESBUILD = esbuild_path(WEB)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(ESBUILD is None, reason="web/node_modules is not installed (npm ci in web/)"),
]


@pytest.fixture
def web(tmp_path: Path) -> Path:
    """A web/ with the real index.html and vendored packages, and sources the test writes."""
    root = tmp_path / "web"
    (root / "src").mkdir(parents=True)
    (root / "index.html").write_text((WEB / "index.html").read_text())
    (root / "node_modules").symlink_to(WEB / "node_modules", target_is_directory=True)
    return root


def test_a_module_added_today_is_in_the_bundle_without_any_list_to_update(web, tmp_path):
    # Given an entry that imports preact and a module nobody has listed anywhere
    (web / "src" / "main.js").write_text(
        "import { h } from 'preact';\nimport { added } from './added.js';\nh(added);\n"
    )
    (web / "src" / "added.js").write_text("export const added = 'added-today-marker';\n")
    out = tmp_path / "out"
    out.mkdir()

    # When the deploy builds it
    build(web, out, esbuild=ESBUILD)

    # Then one bundle holds both, and the deployed index.html starts it
    bundle = (out / "app" / "main.js").read_text()
    assert "added-today-marker" in bundle
    assert 'from"preact"' not in bundle
    assert entry_script((out / "index.html").read_text()) == BUNDLE_ENTRY


def test_a_module_esbuild_cannot_read_fails_the_build_with_its_message(web, tmp_path):
    (web / "src" / "main.js").write_text("import { missing } from './nowhere.js';\n")

    with pytest.raises(SpaBuildError, match=r"nowhere\.js"):
        build(web, tmp_path, esbuild=ESBUILD)


def test_the_preload_graph_is_the_static_graph_esbuild_sees(tmp_path):
    # Given esbuild's own view of web/'s imports
    index_html = (WEB / "index.html").read_text()
    entry = entry_script(index_html)
    assert ESBUILD is not None and entry
    metafile = tmp_path / "meta.json"
    subprocess.run(
        [
            str(ESBUILD.resolve()),
            entry.lstrip("/"),
            "--bundle",
            "--format=esm",
            "--splitting",
            "--log-level=error",
            *aliases(import_map(index_html)),
            f"--outdir={tmp_path / 'out'}",
            f"--metafile={metafile}",
        ],
        cwd=WEB,
        check=True,
    )
    inputs = json.loads(metafile.read_text())["inputs"]
    static, queue = {entry.lstrip("/")}, [entry.lstrip("/")]
    while queue:
        for item in inputs[queue.pop()]["imports"]:
            if item["kind"] == "import-statement" and item["path"] not in static:
                static.add(item["path"])
                queue.append(item["path"])

    # Then the modulepreload list names exactly those files
    graph = ModuleGraph.walk(WEB, entry, import_map(index_html))
    ours = {file_for(WEB, url).relative_to(WEB).as_posix() for url in graph.modules}
    assert ours == static
