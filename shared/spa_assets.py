"""The SPA's static module graph and the index.html its servers send (the local gateway and the deploy alike).

The browser learns a module's imports only once it has that module, so ~190 plain modules would arrive one import
level per round trip. `<link rel="modulepreload">` for the whole static graph of the entry lets it ask for all of
them at once. The list is computed from the files whenever they are served or deployed, never committed, so it
cannot go stale: the gateway recomputes it when any file of the graph (or index.html) changes.

Only static imports are followed: a module loaded with `import()` (highlight.js, uPlot) is not needed by the first
screen, and preloading it would only compete with what is.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ENTRY = "/src/main.js"
VENDOR_PREFIX = "/vendor/"

# `import x from '…'`, `import {a, b} from "…"`, `import '…'`, `export * from '…'`, `export {a} from '…'`, minified
# or not; never `import('…')` (dynamic) or `import.meta`. Anchored at a statement start so prose does not match.
_STATIC_IMPORT = re.compile(
    r"""(?:^|[;}\n])\s*"""
    r"""(?:import\s*(?:[\w$*{}\s,]+?\s*from\s*)?|export\s*(?:\*(?:\s*as\s+[\w$]+)?|\{[^}]*\})\s*from\s*)"""
    r"""(['"])([^'"\n]+)\1"""
)
_IMPORT_MAP = re.compile(r"""<script\s+type=["']importmap["'][^>]*>(.*?)</script>""", re.DOTALL | re.IGNORECASE)
_ENTRY_SCRIPT = re.compile(r"""<script\s+type=["']module["']\s+src=["']([^"']+)["']\s*>\s*</script>""", re.IGNORECASE)


def static_imports(source: str) -> list[str]:
    """The specifiers a module imports statically, in order of appearance."""
    return [match.group(2) for match in _STATIC_IMPORT.finditer(source)]


def import_map(index_html: str) -> dict[str, str]:
    """The inline import map's `imports` (bare name → URL path), or {} when there is none."""
    found = _IMPORT_MAP.search(index_html)
    if not found:
        return {}
    imports = json.loads(found.group(1)).get("imports", {})
    return {str(name): str(url) for name, url in imports.items()}


def entry_script(index_html: str) -> str | None:
    """The URL path of the page's module entry (`<script type="module" src>`)."""
    found = _ENTRY_SCRIPT.search(index_html)
    return found.group(1) if found else None


def file_for(web_dir: Path, url_path: str) -> Path:
    """Where a URL path is served from: /vendor/<pkg>/… from web/node_modules/<pkg>/…, the rest from web/."""
    if url_path.startswith(VENDOR_PREFIX):
        return web_dir / "node_modules" / url_path.removeprefix(VENDOR_PREFIX)
    return web_dir / url_path.lstrip("/")


def resolve(specifier: str, importer: str, imports: dict[str, str]) -> str | None:
    """An import's URL path as the browser resolves it (relative, absolute or bare via the import map)."""
    if specifier in imports:
        return imports[specifier]
    if specifier.startswith("/"):
        return str(PurePosixPath(specifier))
    if specifier.startswith(("./", "../")):
        parts: list[str] = []
        for part in (PurePosixPath(importer).parent / specifier).parts[1:]:
            if part == "..":
                if parts:
                    parts.pop()
            elif part != ".":
                parts.append(part)
        return "/" + "/".join(parts)
    return None  # a bare name the import map does not know, or a full URL: the browser fetches nothing we serve


@dataclass
class ModuleGraph:
    """The static import graph from an entry: every module's URL path, breadth first, entry first."""

    modules: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @classmethod
    def walk(cls, web_dir: Path, entry: str, imports: dict[str, str]) -> ModuleGraph:
        graph = cls()
        queue, seen = [entry], {entry}
        while queue:
            url = queue.pop(0)
            path = file_for(web_dir, url)
            if not path.is_file():
                graph.missing.append(url)
                continue
            graph.modules.append(url)
            graph.files[url] = path
            for specifier in static_imports(path.read_text(encoding="utf-8", errors="replace")):
                target = resolve(specifier, url, imports)
                if target and target not in seen:
                    seen.add(target)
                    queue.append(target)
        return graph


def with_preloads(index_html: str, urls: Sequence[str]) -> str:
    """index.html with a `<link rel="modulepreload">` per URL, placed just before the module entry script."""
    entry = _ENTRY_SCRIPT.search(index_html)
    if not entry or not urls:
        return index_html
    indent = index_html[index_html.rfind("\n", 0, entry.start()) + 1 : entry.start()]
    links = "".join(f'<link rel="modulepreload" href="{html.escape(url)}">\n{indent}' for url in urls)
    return index_html[: entry.start()] + links + index_html[entry.start() :]


def with_entry(index_html: str, url: str) -> str:
    """index.html whose module entry script loads `url` instead (the deployed bundle)."""
    return _ENTRY_SCRIPT.sub(lambda _: f'<script type="module" src="{html.escape(url)}"></script>', index_html, 1)


def preloaded_index(web_dir: Path) -> tuple[str, ModuleGraph]:
    """web/index.html with the modulepreload list of its entry's static graph (the entry itself excluded)."""
    index_html = (web_dir / "index.html").read_text(encoding="utf-8")
    entry = entry_script(index_html)
    if entry is None:
        return index_html, ModuleGraph()
    graph = ModuleGraph.walk(web_dir, entry, import_map(index_html))
    return with_preloads(index_html, graph.modules[1:]), graph


class PreloadedIndex:
    """`preloaded_index` for a server: recomputed only when index.html or a file of the graph changes."""

    def __init__(self, web_dir: Path) -> None:
        self.web_dir = web_dir
        self._paths: list[Path] = []
        self._stamp: tuple[tuple[str, int], ...] = ()
        self._html = ""
        self._lock = threading.Lock()

    def html(self) -> str:
        with self._lock:
            if self._stamp and self._stamp == self._current_stamp():
                return self._html
            self._html, graph = preloaded_index(self.web_dir)
            missing = [file_for(self.web_dir, url) for url in graph.missing]  # one created later joins the graph
            self._paths = [self.web_dir / "index.html", *graph.files.values(), *missing]
            self._stamp = self._current_stamp()
            return self._html

    def _current_stamp(self) -> tuple[tuple[str, int], ...]:
        stamp = []
        for path in self._paths:
            try:
                stamp.append((str(path), path.stat().st_mtime_ns))
            except OSError:
                stamp.append((str(path), -1))
        return tuple(stamp)
