"""The deployed SPA: web/ as the local gateway serves it, with its module entry bundled by esbuild.

In development the browser loads ~190 plain modules (with a modulepreload list, shared/spa_assets.py). The deploy
bundles the entry's graph into `/app/main.js` (minified, with a linked source map; `import()`ed modules such as
highlight.js and uPlot become chunks of their own, fetched when a screen needs them) and points index.html at it.
The import map's bare names resolve to the same web/node_modules files the import map names, so the bundle runs
exactly the code the development loop does. No Docker and no network: esbuild is web/'s pinned dev dependency.

Without esbuild (web/node_modules not installed) the deploy ships the plain modules with the modulepreload list.
Nothing here imports the CDK, so the benchmark builds the same output (bench/first_paint.py).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.spa_assets import VENDOR_PREFIX, entry_script, import_map, preloaded_index, with_entry, with_preloads

BUNDLE_DIR = "app"
BUNDLE_ENTRY = f"/{BUNDLE_DIR}/main.js"
# Part of the deployed asset's hash: a change here rebuilds it.
ESBUILD_FLAGS = ("--bundle", "--format=esm", "--minify", "--splitting", "--sourcemap", "--log-level=warning")
ESBUILD_TIMEOUT_SECONDS = 120


class SpaBuildError(RuntimeError):
    """esbuild refused the sources (a syntax error, an import that does not resolve)."""


def esbuild_path(web_dir: Path) -> Path | None:
    """web/'s pinned esbuild, when `npm ci` has installed it."""
    binary = web_dir / "node_modules" / ".bin" / "esbuild"
    return binary if binary.is_file() else None


def build_key(web_dir: Path) -> str:
    """What besides the copied files decides the deployed SPA (part of the asset's hash): esbuild's version, flags."""
    if esbuild_path(web_dir) is None:
        return "modules"
    manifest = web_dir / "node_modules" / "esbuild" / "package.json"
    version = json.loads(manifest.read_text()).get("version", "?") if manifest.is_file() else "?"
    return f"esbuild {version} {' '.join(ESBUILD_FLAGS)}"


def aliases(imports: dict[str, str]) -> list[str]:
    """esbuild `--alias` flags sending each import-map name to the file the import map names for it."""
    return [
        f"--alias:{name}=./node_modules/{url.removeprefix(VENDOR_PREFIX)}"
        for name, url in sorted(imports.items())
        if url.startswith(VENDOR_PREFIX)
    ]


def bundle(web_dir: Path, out_dir: Path, *, esbuild: Path) -> list[str]:
    """Bundle index.html's entry into out_dir/app/; the URL paths of the chunks the entry imports statically."""
    index_html = (web_dir / "index.html").read_text(encoding="utf-8")
    entry = entry_script(index_html)
    if entry is None:
        raise SpaBuildError('web/index.html has no <script type="module" src=…> entry to bundle.')
    target = out_dir.resolve() / BUNDLE_DIR
    metafile = out_dir.resolve() / ".esbuild-meta.json"
    command = [
        str(esbuild.resolve()),
        entry.lstrip("/"),
        *ESBUILD_FLAGS,
        *aliases(import_map(index_html)),
        f"--outdir={target}",
        f"--metafile={metafile}",
    ]
    result = subprocess.run(  # noqa: S603  # web/'s pinned esbuild, our own arguments
        command, cwd=web_dir, capture_output=True, text=True, timeout=ESBUILD_TIMEOUT_SECONDS, check=False
    )
    if result.returncode != 0:
        raise SpaBuildError(f"esbuild could not bundle {entry}:\n{result.stderr.strip()}")
    outputs = json.loads(metafile.read_text())["outputs"]
    metafile.unlink()
    return _static_chunks(outputs, web_dir, out_dir)


def _static_chunks(outputs: dict[str, Any], web_dir: Path, out_dir: Path) -> list[str]:
    """The chunks the entry imports with `import … from` (preloaded), not those it loads with import()."""
    entry = next(name for name, output in outputs.items() if output.get("entryPoint"))
    chunks = [item["path"] for item in outputs[entry].get("imports", []) if item.get("kind") == "import-statement"]
    # esbuild names outputs relative to its working directory, web/.
    return ["/" + (web_dir / chunk).resolve().relative_to(out_dir.resolve()).as_posix() for chunk in chunks]


def deployed_index(web_dir: Path, *, bundled_chunks: Sequence[str] | None) -> str:
    """index.html as deployed: the bundle as the entry (its static chunks preloaded), or the plain modules' list.

    Only the entry script and the modulepreload links change: the inline scripts (the import map, the splash) stay
    byte for byte, so the CSP's hashes of web/index.html still allow them.
    """
    if bundled_chunks is None:
        return preloaded_index(web_dir)[0]
    index_html = (web_dir / "index.html").read_text(encoding="utf-8")
    return with_preloads(with_entry(index_html, BUNDLE_ENTRY), bundled_chunks)


def build(web_dir: Path, out_dir: Path, *, esbuild: Path | None) -> None:
    """Write the bundle (when esbuild is given) and the deployed index.html into out_dir (a copy of web/)."""
    chunks = bundle(web_dir, out_dir, esbuild=esbuild) if esbuild else None
    (out_dir / "index.html").write_text(deployed_index(web_dir, bundled_chunks=chunks), encoding="utf-8")
