"""Where moto spends a local call's time, made direct for the local AWS server: two per-request lookups memoized
(both answer from what cannot change while it serves), a serialization, an update's parse, walks and copy, a new
item's size check, and DynamoDB's dispatch. bench/local_aws.py measures a call with and without them, in the same
run, on items shaped like a chat session's record.

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

- Finding an update's clauses asks each node whether it is of two abstract classes: the answer is kept per class.
- A validation deepcopies the kept parsed expression through deepcopy's generic dispatch, node by node: the tree
  is now copied directly (`copy_tree`, which leaves anything it cannot vouch for to deepcopy).
- A new item's size is summed once, not once per attribute (moto's LimitedSizeDict: n² for n attributes).
- A DynamoDB request is answered by moto's DynamoDB handler without the dispatcher's backend lookup, Flask's
  routing and request context, and Flask-CORS around it (`dispatch_dynamodb`): what the handler answers is served
  as Flask would serve it, less Flask-CORS's allow-any-origin header (no page reaches the local DynamoDB).

Together (bench/local_aws.py, one client, calls in a row, connections kept): a GetItem 0.58-0.60x moto's own, an
UpdateItem 0.69-0.73x; an UpdateItem of a session's shape (two SETs, an ADD, a condition, ALL_NEW) about 0.5x.

Applied by local/moto_server.py before it serves; moto's behaviour is otherwise unchanged
(tests/unit/test_local_moto_speedups.py checks the answers are the same).
"""

from __future__ import annotations

import copy
import functools
import importlib
from typing import Any

from botocore.exceptions import ClientError

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
    _find_clauses_directly()
    _copy_expression_trees_directly()
    _size_new_items_once()


# moto's limit on an item's size (moto.dynamodb.models.dynamo_type.LimitedSizeDict), as it checks it.
ITEM_SIZE_LIMIT = 405000
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
    # Which of a walk's processors handles a node class (the first whose class it is of; -1: none), asked once per
    # node class and table of processors (the handled classes in their order: each walker's table is a literal).
    handlers: dict[tuple[tuple[type, ...], type], int] = {}

    def traverse(self: Any, tree: Any) -> Any:
        """DepthFirstTraverser.traverse_node_recursively, with what it asks per node asked once per node class."""
        processors = tuple(self._processing_map().items())
        handled = tuple(kind for kind, _ in processors)
        before_child = self.pre_processing_of_child

        def handler(kind: type) -> int:
            found = handlers.get((handled, kind))
            if found is None:
                found = next((n for n, handles in enumerate(handled) if issubclass(kind, handles)), -1)
                handlers[(handled, kind)] = found
            return found

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
            which = handler(kind)
            if which >= 0:
                node = processors[which][1](node)
                node.parent = parent
                if parent:
                    parent.children[child_id] = node
            return node

        return visit(tree)

    traverse.direct = True  # type: ignore[attr-defined]
    traverse.__wrapped__ = DepthFirstTraverser.traverse  # type: ignore[attr-defined]
    DepthFirstTraverser.traverse = traverse


def _find_clauses_directly() -> None:
    """moto.dynamodb.parsing.ast_nodes.Node.find_clauses (an update's clauses of some kinds, counted and checked
    several times a request) asks each node whether it is an Expression or a function, both abstract classes: a
    slow isinstance. The answer is now kept per node class."""
    ast_nodes: Any = importlib.import_module("moto.dynamodb.parsing.ast_nodes")  # untyped, as above
    node_class = ast_nodes.Node
    if getattr(node_class.find_clauses, "direct", False):
        return
    nesting = (ast_nodes.Expression, ast_nodes.UpdateExpressionFunction)
    nests: dict[type, bool] = {}  # whether a node of the class holds clauses to look for under it

    def find_clauses(self: Any, clause_types: Any) -> list[Any]:
        clauses = []
        for child in self.children or []:
            kind = type(child)
            if kind in clause_types:
                clauses.append(child)
                continue
            deeper = nests.get(kind)
            if deeper is None:
                deeper = nests[kind] = issubclass(kind, nesting)
            if deeper:
                clauses.extend(child.find_clauses(clause_types))
        return clauses

    find_clauses.direct = True  # type: ignore[attr-defined]
    find_clauses.__wrapped__ = node_class.find_clauses  # type: ignore[attr-defined]
    node_class.find_clauses = find_clauses


class _NotAPlainTreeError(Exception):
    """A tree `copy_tree` leaves to deepcopy."""


# What a parsed expression's leaves hold: shared by a copy as deepcopy shares them (it does not copy them either).
_IMMUTABLE = frozenset({str, int, float, bool, type(None)})


def copy_tree(root: Any, node_class: type) -> Any:
    """A copy of a parsed expression tree (`node_class` nodes whose children are nodes or plain values, each node's
    parent the node holding it), as deepcopy makes it, without deepcopy's generic walk; anything else is
    deepcopied."""
    if root.parent is not None:
        return copy.deepcopy(root)
    kinds: dict[type, bool] = {}
    seen: set[int] = set()  # a node held twice is shared in deepcopy's copy: left to it

    def is_node(value: Any) -> bool:
        kind = type(value)
        found = kinds.get(kind)
        if found is None:
            found = kinds[kind] = issubclass(kind, node_class)
        return found

    def clone(node: Any, parent: Any) -> Any:
        if id(node) in seen:
            raise _NotAPlainTreeError
        seen.add(id(node))
        fields = dict(node.__dict__)
        children = fields.get("children")
        twin = object.__new__(type(node))
        if children is not None:
            if type(children) is not list:
                raise _NotAPlainTreeError
            copied = []
            for child in children:
                if is_node(child):
                    if child.parent is not node:
                        raise _NotAPlainTreeError
                    copied.append(clone(child, twin))
                elif type(child) in _IMMUTABLE:
                    copied.append(child)
                else:
                    raise _NotAPlainTreeError
            fields["children"] = copied
        for name, value in fields.items():
            if name not in ("children", "parent") and type(value) not in _IMMUTABLE:
                raise _NotAPlainTreeError
        fields["parent"] = parent
        twin.__dict__.update(fields)
        return twin

    try:
        return clone(root, None)
    except _NotAPlainTreeError:
        return copy.deepcopy(root)


def _copy_expression_trees_directly() -> None:
    """A validation works on its own copy of the kept parsed expression (moto.dynamodb.parsing.validators
    .Validator), deepcopied node by node through deepcopy's generic dispatch: about a quarter of an UpdateItem's
    time. The tree is copied directly instead (`copy_tree`)."""
    validators: Any = importlib.import_module("moto.dynamodb.parsing.validators")  # untyped, as ast_nodes
    if getattr(validators.deepcopy, "direct", False):
        return
    node_class = importlib.import_module("moto.dynamodb.parsing.ast_nodes").Node
    deep = validators.deepcopy

    def deepcopy(value: Any, memo: Any = None) -> Any:
        if memo is None and isinstance(value, node_class):
            return copy_tree(value, node_class)
        return deep(value, memo)

    deepcopy.direct = True  # type: ignore[attr-defined]
    deepcopy.__wrapped__ = deep  # type: ignore[attr-defined]
    validators.deepcopy = deepcopy


def _size_new_items_once() -> None:
    """A new item's size is checked against DynamoDB's limit once, not again as each attribute is added: moto's
    LimitedSizeDict sums the whole item for each attribute set, n² for an item of n (a PutItem of a session's record
    spent most of its time there). The check raises the same ItemSizeTooLarge for the same items: sizes only add."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    if getattr(Item.__init__, "direct", False):
        return
    attribute_by_attribute = Item.__init__

    def __init__(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:  # noqa: N807
        self.hash_key, self.range_key = hash_key, range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, values)

    __init__.direct = True  # type: ignore[attr-defined]
    __init__.__wrapped__ = attribute_by_attribute  # type: ignore[attr-defined]
    Item.__init__ = __init__  # type: ignore[method-assign]


# The requests `dispatch_dynamodb` serves: DynamoDB's own API (its streams' API signs as "dynamodb" too).
DYNAMODB_TARGET = "DynamoDB_20120810."


def dispatch_dynamodb(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """A DynamoDB request answered by moto's DynamoDB handler as moto's server answers it, without the dispatcher
    and Flask around it (the backend's lookup under a lock, the app's routing and request context, Flask-CORS): a
    third of a GetItem's time in the server. None for a request that is not DynamoDB's API (served moto's way)."""
    if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET):
        return None
    from flask import Response as FlaskResponse
    from moto.dynamodb.responses import DynamoHandler
    from moto.moto_server.werkzeug_app import BackendRequest

    request = BackendRequest(environ)
    try:  # as moto.core.utils.convert_to_flask_response calls it
        result = DynamoHandler.dispatch(request, request.raw_url, dict(request.headers))
    except ClientError as exc:
        result = 400, {}, exc.response["Error"]["Message"]
    status, headers, content = result if len(result) == 3 else (200, {}, result)
    response = FlaskResponse(response=content, status=status, headers=headers)
    return response.status, response.headers.to_wsgi_list(), response.get_data()


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
