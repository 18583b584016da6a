"""Two of moto's per-request lookups, memoized for the local AWS server (both answer from what cannot change while
it serves), and one of its serializations made direct. bench/local_aws.py measures a call with and without them,
in the same run, on items shaped like a chat session's record: a GetItem's median was 0.60x moto's own, an
UpdateItem's 0.85x (one client, calls in a row; the lookups alone gave 0.84-0.88x on small items).

- The dispatcher asks which backend serves a host by listing moto's package folder, twice per request, under the
  lock every request takes (moto.backends.list_of_moto_modules): the answer for a host is now kept.
- A response class's method names are read by `inspect.getmembers` on every call of an action
  (moto.core.responses.method_names_from_class): they are now kept per class.
- A DynamoDB item in an answer is serialized by walking botocore's shape of an attribute value: for each of an
  item's attributes, each of the shape's ten members is looked for in the value under several aliases
  (moto.core.serialize.AttributePicker), about 50 lookups an attribute. An attribute value that is already plain
  JSON (strings, numbers, booleans, sets of them, maps and lists of those) is now copied as it stands: what the
  walk makes of it, without the walk. Anything else (a binary, an unexpected form) still takes moto's way.

- An UpdateItem's expression is parsed three times per request and its tree walked ten times, each walk asking
  each node whether it is a Node (an abstract class: a slow isinstance) and rebuilding its table of what to do
  with which node, per node. A parsed expression is now kept by its text (moto only reads it: each use works on
  its own deep copy), and a walk reads its table and the node classes once (moto.dynamodb.parsing.ast_nodes
  .DepthFirstTraverser): an UpdateItem answers in about 0.8x the time.

Applied by local/moto_server.py before it serves; moto's behaviour is otherwise unchanged
(tests/unit/test_local_moto_speedups.py checks the answers are the same).
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

# The attribute value shape's members copied directly, by what their value holds; others (B, BS) take moto's way.
_TEXT, _FLAG, _TEXTS = frozenset({"S", "N"}), frozenset({"BOOL", "NULL"}), frozenset({"SS", "NS"})
_ATTRIBUTE_VALUE_MEMBERS = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})


class NotPlainError(Exception):
    """An attribute value that is not plain JSON: moto's serializer handles it."""


def plain_attribute_value(value: Any) -> dict[str, Any]:
    """The wire form moto's JSON serializer gives a DynamoDB attribute value, made directly; NotPlainError otherwise."""
    if type(value) is not dict or len(value) != 1:
        raise NotPlainError
    ((kind, inner),) = value.items()
    if kind in _TEXT and type(inner) is str:
        return {kind: inner}
    if kind in _FLAG and type(inner) is bool:
        return {kind: inner}
    if kind in _TEXTS and type(inner) is list and all(type(each) is str for each in inner):
        return {kind: list(inner)}
    if kind == "M" and type(inner) is dict:
        return {kind: {name: plain_attribute_value(each) for name, each in inner.items()}}
    if kind == "L" and type(inner) is list:
        return {kind: [plain_attribute_value(each) for each in inner]}
    raise NotPlainError


def apply() -> None:
    from moto.core import responses
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if getattr(DomainDispatcherApplication.get_backend_for_host, "memoized", False):
        return
    _serialize_attribute_values_directly()
    uncached_backend = DomainDispatcherApplication.get_backend_for_host
    backends: dict[str | None, Any] = {}

    @functools.wraps(uncached_backend)
    def get_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        if host not in backends:  # only called under the dispatcher's lock
            if len(backends) >= 1024:  # virtual-hosted S3 names each bucket: keep the table bounded
                backends.clear()
            backends[host] = uncached_backend(self, host)
        return backends[host]

    get_backend_for_host.memoized = True  # type: ignore[attr-defined]
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]
    responses.method_names_from_class = functools.cache(responses.method_names_from_class)
    _keep_parsed_update_expressions()
    _walk_expression_trees_directly()


# Parsed update expressions kept by their text; a service's few dozen expressions fit many times over.
PARSED_EXPRESSIONS = 4096


def _keep_parsed_update_expressions() -> None:
    expressions: Any = importlib.import_module("moto.dynamodb.parsing.expressions")  # untyped, as ast_nodes
    parser = expressions.UpdateExpressionParser
    kept = functools.lru_cache(maxsize=PARSED_EXPRESSIONS)(parser.make.__func__)  # a failed parse is not kept
    parser.make = classmethod(kept)  # type: ignore[arg-type]


def _walk_expression_trees_directly() -> None:
    ast_nodes: Any = importlib.import_module("moto.dynamodb.parsing.ast_nodes")  # untyped: mypy sees nothing in it
    DepthFirstTraverser, Node = ast_nodes.DepthFirstTraverser, ast_nodes.Node  # noqa: N806

    node_classes: dict[type, bool] = {}  # every class a tree holds: isinstance(node, Node), asked once per class

    def traverse(self: Any, tree: Any) -> Any:
        """DepthFirstTraverser.traverse_node_recursively, with what it asks per node asked once per walk."""
        processors = tuple(self._processing_map().items())
        handled = tuple(kind for kind, _ in processors)
        before_child = self.pre_processing_of_child

        def visit(node: Any, child_id: int = -1) -> Any:
            kind = type(node)
            is_node = node_classes.get(kind)
            if is_node is None:
                is_node = node_classes[kind] = issubclass(kind, Node)
            if not is_node:
                return node
            parent = node.parent
            if node.children is not None:
                for index, child in enumerate(node.children):
                    before_child(node, index)
                    visit(child, index)
            if isinstance(node, handled):
                node = next(process for handles, process in processors if isinstance(node, handles))(node)
                node.parent = parent
                if parent:
                    parent.children[child_id] = node
            return node

        return visit(tree)

    traverse.direct = True  # type: ignore[attr-defined]
    traverse.__wrapped__ = DepthFirstTraverser.traverse  # type: ignore[attr-defined]
    DepthFirstTraverser.traverse = traverse


def _serialize_attribute_values_directly() -> None:
    from moto.core.serialize import BaseJSONSerializer

    walk = BaseJSONSerializer._serialize_type_structure

    @functools.wraps(walk)
    def serialize_structure(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue" and not _transformed(self):
            try:
                serialized[self.get_serialized_name(shape, key)] = plain_attribute_value(value)
                return
            except NotPlainError:
                pass
        walk(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]


def _transformed(serializer: Any) -> bool:
    """Whether moto would rewrite an attribute value's member on the way out (a response transformer names one)."""
    transformers = getattr(serializer._value_picker, "response_transformers", None) or {}
    return any(path.rpartition(".")[2] in _ATTRIBUTE_VALUE_MEMBERS for path in transformers)
