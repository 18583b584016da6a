"""What a permission card shows beyond its one-line summary: the whole command, the whole path, the content.

Bounded so that the event stays well under a WebSocket frame (docs/websocket-protocol.md, `detail`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# What a permission card shows beyond the summary. Every text is cut at a number of characters and at 5/4 as many
# bytes of JSON (UTF-8, escapes counted), so a detail stays under DETAIL_LIMIT_BYTES whatever the model writes.
DETAIL_LIMIT_BYTES = 12 * 1024
COMMAND_CHARS = 8_000
PREVIEW_CHARS = 4_000
WRITE_CHARS = 8_000  # a write's content: about 200 lines of code, as many as a command
EDIT_CHARS = 6_000  # shared by the old and new texts of the edits shown
EDITS_SHOWN = 10
PATH_CHARS = 1_000
NOTE_CHARS = 1_000  # a description, a prompt, a query, a pattern


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _json_size(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8", "surrogatepass")) - 2


def _excerpt(text: str, limit: int) -> tuple[str, bool]:
    """The start of `text` within `limit` characters and `limit * 5 // 4` bytes of JSON; and whether it was cut."""
    cut, budget = text[:limit], limit * 5 // 4
    if _json_size(cut) > budget:
        fits, too_long = 0, len(cut)  # binary search for the longest prefix that fits
        while too_long - fits > 1:
            middle = (fits + too_long) // 2
            fits, too_long = (middle, too_long) if _json_size(cut[:middle]) <= budget else (fits, middle)
        cut = cut[:fits]
    return cut, len(cut) < len(text)


def _note(value: Any, limit: int = NOTE_CHARS) -> str:
    text, cut = _excerpt(_text(value), limit)
    return text + "…" if cut else text


def _shown_path(value: Any, cwd: Path) -> str:
    """Relative to cwd when inside it, else absolute (normalised, not resolved); a very long one keeps both ends."""
    if not _text(value):
        return ""
    full, root = os.path.normpath(os.path.join(cwd, value)), os.path.normpath(cwd)
    shown = os.path.relpath(full, root) if full.startswith(root.rstrip("/") + "/") else full
    whole, cut = _excerpt(shown, PATH_CHARS)
    if not cut:
        return whole
    head, _ = _excerpt(shown, PATH_CHARS // 2)
    tail, _ = _excerpt(shown[::-1], PATH_CHARS // 2)
    return f"{head}…{tail[::-1]}"


def _bash(tool_input: dict[str, Any], _path: str) -> dict[str, Any]:
    command = _text(tool_input.get("command"))
    shown, cut = _excerpt(command, COMMAND_CHARS)
    detail: dict[str, Any] = {"command": shown, "truncated": cut}
    if cut:
        detail["length"] = len(command)
    if _text(tool_input.get("description")):
        detail["description"] = _note(tool_input["description"])
    timeout = tool_input.get("timeout")
    if isinstance(timeout, int | float) and not isinstance(timeout, bool):
        detail["timeout"] = timeout
    if "run_in_background" in tool_input:
        detail["runInBackground"] = bool(tool_input["run_in_background"])
    return detail


def _write(tool_input: dict[str, Any], path: str) -> dict[str, Any]:
    content = _text(tool_input.get("content"))
    preview, cut = _excerpt(content, WRITE_CHARS)
    lines = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    size = len(content.encode("utf-8", "surrogatepass"))
    return {"path": path, "bytes": size, "lines": lines, "preview": preview, "truncated": cut}


def _edits(path: str, changes: Sequence[tuple[str | None, str, bool]]) -> dict[str, Any]:
    """The first edits, (old or None, new, replace_all) each, sharing EDIT_CHARS between their texts."""
    shown = changes[:EDITS_SHOWN]
    limit = EDIT_CHARS // (2 * max(1, len(shown)))
    edits = []
    for old, new, replace_all in shown:
        excerpts = {key: _excerpt(text, limit) for key, text in (("old", old), ("new", new)) if text is not None}
        edit = {key: text for key, (text, _) in excerpts.items()}
        edits.append({**edit, "replaceAll": replace_all, "truncated": any(cut for _, cut in excerpts.values())})
    return {"path": path, "editCount": len(changes), "edits": edits}


def _edit(tool_input: dict[str, Any], path: str) -> dict[str, Any]:
    items = tool_input.get("edits") if "edits" in tool_input else [tool_input]  # MultiEdit has a list
    changes = [
        (_text(e.get("old_string")), _text(e.get("new_string")), bool(e.get("replace_all")))
        for e in (items if isinstance(items, list) else [])
        if isinstance(e, dict)
    ]
    return _edits(path, changes)


def _notebook_edit(tool_input: dict[str, Any], path: str) -> dict[str, Any]:
    detail = _edits(path, [(None, _text(tool_input.get("new_source")), False)])
    for key, field in (("cellId", "cell_id"), ("cellType", "cell_type"), ("editMode", "edit_mode")):
        if _text(tool_input.get(field)):
            detail[key] = _note(tool_input[field], 200)
    return detail


def _lookup(tool_input: dict[str, Any], path: str) -> dict[str, Any]:
    found = {"path": path, "pattern": _note(tool_input.get("pattern"))}
    return {key: value for key, value in found.items() if value}


def _input_json(tool_input: dict[str, Any], _path: str) -> dict[str, Any]:
    shown, cut = _excerpt(json.dumps(tool_input, ensure_ascii=False, indent=2, default=str), PREVIEW_CHARS)
    return {"input": shown, "truncated": cut}


_DETAILS: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "Bash": _bash,
    "Write": _write,
    "Edit": _edit,
    "MultiEdit": _edit,
    "NotebookEdit": _notebook_edit,
    "WebFetch": lambda tool_input, _: {"url": _note(tool_input.get("url")), "prompt": _note(tool_input.get("prompt"))},
    "WebSearch": lambda tool_input, _: {"query": _note(tool_input.get("query"))},
    "Read": _lookup,
    "Glob": _lookup,
    "Grep": _lookup,
}


def permission_detail(tool_name: str, tool_input: dict[str, Any], cwd: Path) -> dict[str, Any]:
    """What a person approves beyond the one-line summary: the whole command, path, content or edit, bounded.

    Bash            command, truncated (+ length, in characters, when cut), description, timeout, runInBackground
    Write           path, bytes, lines, preview, truncated
    Edit/MultiEdit  path, editCount, edits [{old, new, replaceAll, truncated}] (the first 10)
    NotebookEdit    path, editCount, edits [{new, replaceAll, truncated}], cellId, cellType, editMode
    WebFetch        url, prompt                 WebSearch   query
    Read/Glob/Grep  path, pattern (those given)
    anything else   input (the input as indented JSON), truncated
    """
    path = _shown_path(tool_input.get("file_path") or tool_input.get("notebook_path") or tool_input.get("path"), cwd)
    return _DETAILS.get(tool_name, _input_json)(tool_input, path)
