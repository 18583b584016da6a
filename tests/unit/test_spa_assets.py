"""The SPA's modulepreload list: static imports found, resolved like the browser does, recomputed when files change."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from infra.spa_build import BUNDLE_ENTRY, aliases, deployed_index
from shared.spa_assets import (
    ModuleGraph,
    PreloadedIndex,
    entry_script,
    import_map,
    preloaded_index,
    resolve,
    static_imports,
    with_preloads,
)

pytestmark = pytest.mark.unit

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)  # as infra/constructs/spa.py
REPO_WEB = Path(__file__).resolve().parents[2] / "web"
INDEX = """<!doctype html>
<html>
  <head>
    <script type="importmap">
      {"imports": {"preact": "/vendor/preact/dist/preact.module.js", "lazy": "/vendor/lazy/lazy.js"}}
    </script>
    <script type="module" src="/src/main.js"></script>
  </head>
  <body><script>document.title = 'splash';</script></body>
</html>
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def web(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "index.html": INDEX,
            "src/main.js": "import { render } from 'preact';\nimport { App } from './app.js';\nrender(App);\n",
            "src/app.js": (
                "import {\n  a,\n  b as c,\n} from './parts/a.js';\nexport * from \"./parts/b.js\";\n"
                "const later = () => import('lazy');\nexport const text = 'Import from Git: import x from \"no\"';\n"
            ),
            "src/parts/a.js": "import '../side.js';export const a = 1, b = 2;",
            "src/parts/b.js": "export { x } from '/src/side.js';",
            "src/side.js": "export const x = import.meta.url;",
            "node_modules/preact/dist/preact.module.js": 'import{x}from"./inner.js";export const render=x;',
            "node_modules/preact/dist/inner.js": "export const x=1;",
            "node_modules/lazy/lazy.js": "export default 1;",
        },
    )


def test_static_imports_are_found_minified_or_not_but_never_dynamic_ones():
    source = (
        "import a from './a.js';\nimport {b,\n c} from \"./b.js\";\nimport './c.js';\nexport * as d from './d.js';\n"
        "import{e as f}from\"./e.js\";const g = import('./g.js'); console.log(import.meta.url);\n"
        "const prose = 'you can import this from the menu';"
    )

    assert static_imports(source) == ["./a.js", "./b.js", "./c.js", "./d.js", "./e.js"]


@pytest.mark.parametrize(
    ("specifier", "importer", "expected"),
    [
        ("./x.js", "/src/a/b.js", "/src/a/x.js"),
        ("../x.js", "/src/a/b.js", "/src/x.js"),
        ("/src/x.js", "/src/a/b.js", "/src/x.js"),
        ("preact", "/src/a.js", "/vendor/preact/dist/preact.module.js"),
        ("unknown-package", "/src/a.js", None),
        ("https://cdn.example/x.js", "/src/a.js", None),
    ],
)
def test_imports_resolve_as_the_browser_resolves_them(specifier, importer, expected):
    assert resolve(specifier, importer, import_map(INDEX)) == expected


def test_the_graph_holds_every_static_module_once_and_no_dynamic_one(web):
    graph = ModuleGraph.walk(web, "/src/main.js", import_map(INDEX))

    assert graph.modules == [
        "/src/main.js",
        "/vendor/preact/dist/preact.module.js",
        "/src/app.js",
        "/vendor/preact/dist/inner.js",
        "/src/parts/a.js",
        "/src/parts/b.js",
        "/src/side.js",
    ]
    assert graph.missing == []


def test_index_gets_a_preload_per_module_but_the_entry_before_the_entry_script(web):
    html, _ = preloaded_index(web)

    links = [line.strip() for line in html.splitlines() if "modulepreload" in line]
    assert links[0] == '<link rel="modulepreload" href="/vendor/preact/dist/preact.module.js">'
    assert len(links) == 6 and not any('"/src/main.js"' in link for link in links)
    assert html.index("modulepreload") < html.index('<script type="module" src="/src/main.js">')
    assert entry_script(html) == "/src/main.js"


def test_the_served_index_follows_the_files_as_they_change(web):
    # Given the gateway's cached index
    index = PreloadedIndex(web)
    assert "/src/extra.js" not in index.html()

    # When a new module is written and imported, then the next index preloads it (without a restart)
    write(web, {"src/extra.js": "export const extra = 1;"})
    app = web / "src" / "app.js"
    app.write_text("import './extra.js';\n" + app.read_text())
    os.utime(app, ns=(app.stat().st_atime_ns, app.stat().st_mtime_ns + 1_000_000))
    assert '<link rel="modulepreload" href="/src/extra.js">' in index.html()

    # When a module imported but missing appears later, then it joins the list too
    app.write_text("import './later.js';\n" + app.read_text())
    os.utime(app, ns=(app.stat().st_atime_ns, app.stat().st_mtime_ns + 2_000_000))
    assert "/src/later.js" not in index.html()
    write(web, {"src/later.js": "export {};"})
    assert "/src/later.js" in index.html()


def test_the_deployed_index_keeps_the_inline_scripts_byte_for_byte(web):
    # Given the deployed index.html for a bundle with one static chunk
    deployed = web / "deployed.html"
    deployed.write_text(deployed_index(web, bundled_chunks=["/app/chunk-ABC.js"]))

    # Then it starts the bundle, preloads its chunk, and the CSP hashes of web/index.html still allow its scripts
    text = deployed.read_text()
    assert entry_script(text) == BUNDLE_ENTRY
    assert '<link rel="modulepreload" href="/app/chunk-ABC.js">' in text
    scripts = INLINE_SCRIPT.findall(text)
    assert scripts == INLINE_SCRIPT.findall(INDEX)
    assert len(scripts) == 2


def test_the_bundle_resolves_bare_names_to_the_import_maps_files():
    assert aliases(import_map(INDEX)) == [
        "--alias:lazy=./node_modules/lazy/lazy.js",
        "--alias:preact=./node_modules/preact/dist/preact.module.js",
    ]


def test_with_preloads_leaves_a_page_without_an_entry_alone():
    assert with_preloads("<p>no entry</p>", ["/src/a.js"]) == "<p>no entry</p>"


def test_the_real_app_has_a_complete_graph():
    if not (REPO_WEB / "node_modules" / "preact").is_dir():
        pytest.skip("web/node_modules is not installed (npm ci in web/)")
    _, graph = preloaded_index(REPO_WEB)

    assert graph.missing == [], "index.html's entry imports files that do not exist"
    assert "/vendor/preact/hooks/dist/hooks.module.js" in graph.modules
