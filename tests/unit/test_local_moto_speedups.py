"""The local AWS server's memoized lookups (local/moto_speedups.py) answer as moto's own do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.core import responses
from moto.dynamodb.responses import DynamoHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.responses import S3Response

from local import moto_speedups

HOSTS = [
    None,
    "moto_api",
    "dynamodb",
    "s3",
    "sqs.us-east-1.amazonaws.com",
    "kms.us-east-1.amazonaws.com",
    "s3.us-east-1.amazonaws.com",
    "bucket-name.s3.amazonaws.com",
    "execute-api.us-east-1.amazonaws.com",
    "127.0.0.1:4566",
]


def test_the_dispatcher_finds_the_same_backend_for_every_host_and_keeps_it() -> None:
    before = DomainDispatcherApplication.get_backend_for_host
    dispatcher = DomainDispatcherApplication(create_backend_app)
    unmemoized = getattr(before, "__wrapped__", before)
    expected = {host: unmemoized(dispatcher, host) for host in HOSTS}

    moto_speedups.apply()
    moto_speedups.apply()  # twice is once

    memoized = DomainDispatcherApplication.get_backend_for_host
    assert getattr(memoized, "memoized", False)
    for _ in range(2):  # computed, then kept
        assert {host: dispatcher.get_backend_for_host(host) for host in HOSTS} == expected
    assert expected["dynamodb"] == "dynamodb" and expected["sqs.us-east-1.amazonaws.com"] == "sqs"


def test_a_response_class_keeps_the_method_names_moto_reads_each_call() -> None:
    moto_speedups.apply()
    uncached = responses.method_names_from_class.__wrapped__  # type: ignore[attr-defined]
    for handler in (DynamoHandler, S3Response):
        names = responses.method_names_from_class(handler)
        assert names == uncached(handler)
        assert names is responses.method_names_from_class(handler)  # kept
    assert "get_item" in responses.method_names_from_class(DynamoHandler)


# Every form an attribute value takes, nested; the binary ones go moto's way, inside a plain item or not.
ITEM = {
    "id": {"S": "k1"},
    "empty": {"S": ""},
    "count": {"N": "42"},
    "ratio": {"N": "-0.5e3"},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "nothing": {"NULL": True},
    "tags": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2.5"]},
    "nested": {"M": {"inner": {"M": {"deep": {"L": [{"S": "x"}, {"N": "1"}, {"M": {}}, {"L": []}]}}}, "e": {"M": {}}}},
    "list": {"L": [{"S": "é ✓"}, {"BOOL": False}, {"NULL": True}, {"SS": ["z"]}]},
}
BINARY = {"blob": {"B": "aGVsbG8="}, "blobs": {"BS": ["aGk="]}, "mixed": {"L": [{"S": "x"}, {"B": "aGk="}]}}


def _bodies(operation: str, result: dict[str, object]) -> tuple[str, str]:
    """The answer's body as moto's own walk serializes it, and as served with the direct copy."""
    from moto.core.responses import get_service_model
    from moto.core.serialize import BaseJSONSerializer, JSONSerializer, XFormedAttributePicker

    moto_speedups.apply()
    served = BaseJSONSerializer._serialize_type_structure
    walk = served.__wrapped__  # type: ignore[attr-defined]

    class Walked(JSONSerializer):
        _serialize_type_structure = walk

    operation_model = get_service_model("dynamodb").operation_model(operation)
    bodies = []
    for serializer_class in (Walked, JSONSerializer):
        serializer = serializer_class(
            operation_model=operation_model, pretty_print=False, value_picker=XFormedAttributePicker()
        )
        bodies.append(serializer.serialize(result)["body"])
    return bodies[0], bodies[1]


def test_an_item_answers_the_same_with_its_attribute_values_copied_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[object] = []
    direct_copy = moto_speedups.plain_attribute_value
    monkeypatch.setattr(
        moto_speedups, "plain_attribute_value", lambda value: copied.append(value) or direct_copy(value)
    )
    for operation, result in (
        ("GetItem", {"Item": ITEM}),
        ("GetItem", {"Item": {**ITEM, **BINARY}}),
        ("Query", {"Items": [ITEM, {"id": {"S": "k2"}}], "Count": 2, "LastEvaluatedKey": {"id": {"S": "k2"}}}),
        ("BatchGetItem", {"Responses": {"t1": [ITEM], "t2": [BINARY]}, "UnprocessedKeys": {}}),
        ("UpdateItem", {"Attributes": {"count": {"N": "43"}}}),
    ):  # fmt: skip
        walked, direct = _bodies(operation, result)
        assert direct == walked, operation
    # and the direct copy served them: every top-level attribute value of the plain item was offered to it
    assert all(value in copied for value in ITEM.values()) and BINARY["blob"] in copied


def test_only_plain_attribute_values_are_copied_directly() -> None:
    assert moto_speedups.plain_attribute_value({"M": {"a": {"SS": ["x"]}}}) == {"M": {"a": {"SS": ["x"]}}}
    for odd in (
        {"B": "aGk="},
        {"BS": ["aGk="]},
        {"S": 1},
        {"N": None},
        {"S": "a", "N": "1"},
        {},
        "S",
        {"L": [{"B": "x"}]},
    ):
        with pytest.raises(moto_speedups.NotPlainError):
            moto_speedups.plain_attribute_value(odd)


# Update expressions of every kind, each on a fresh copy of one item: what moto answers (the item after, or its
# error) must not change with the parsed expressions kept and the trees walked directly.
BASE = {
    "id": {"S": "k"},
    "tally": {"N": "1"},
    "tags": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2"]},
    "letters": {"L": [{"S": "x"}, {"S": "y"}, {"S": "z"}]},
    "info": {"M": {"nest": {"M": {"deep": {"N": "5"}}}, "label": {"S": "n"}}},
    "status": {"S": "queued"},
}
UPDATES: list[dict[str, object]] = [
    {"UpdateExpression": "SET #s = :v, changed = :n", "ExpressionAttributeNames": {"#s": "status"}},
    {"UpdateExpression": "SET tally = tally + :n, spare = if_not_exists(spare, :n)"},
    {"UpdateExpression": "SET letters = list_append(letters, :l), info.nest.deep = info.nest.deep - :n"},
    {"UpdateExpression": "REMOVE letters[0], letters[2], info.label"},
    {"UpdateExpression": "ADD tally :n, tags :ss DELETE numbers :ns"},
    {"UpdateExpression": "SET #s = :v REMOVE info ADD tally :n", "ExpressionAttributeNames": {"#s": "status"}},
    {"UpdateExpression": "SET a = :v, b = :v, c.d = :v"},  # a path under a absent map
    {"UpdateExpression": "SET tally = :v, tally = :n"},  # overlapping paths
    {"UpdateExpression": "SET a = :v SET b = :v"},  # two SET clauses
    {"UpdateExpression": "SET id = :v"},  # the key
    {"UpdateExpression": "SET tally = tally + :v"},  # a number and a string
    {"UpdateExpression": "SET absent = absent + :n"},
    {"UpdateExpression": "SET #gone = :v", "ExpressionAttributeNames": {"#spare": "x"}},
    {"UpdateExpression": "SET a = :zz"},
    {"UpdateExpression": "SET = :v"},  # no parse
]
VALUES = {
    ":v": {"S": "running"},
    ":n": {"N": "2"},
    ":l": {"L": [{"S": "w"}]},
    ":ss": {"SS": ["c"]},
    ":ns": {"NS": ["1"]},
}


def _updated_items() -> list[object]:
    """Each update applied to its own copy of BASE in moto (in-process): the item after it, or moto's error."""
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    outcomes: list[object] = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        schema = {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}
        client.create_table(
            TableName="t", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], **schema
        )
        for number, update in enumerate(UPDATES * 2):  # twice: a kept parse answers as the first did
            key = {"id": {"S": f"k{number}"}}
            client.put_item(TableName="t", Item={**BASE, **key})
            used = {name: value for name, value in VALUES.items() if name in str(update["UpdateExpression"])}
            try:
                answer = client.update_item(
                    TableName="t",
                    Key=key,
                    ReturnValues="ALL_NEW",
                    **update,
                    **({"ExpressionAttributeValues": used} if used else {}),
                )
                outcomes.append(answer["Attributes"])
            except ClientError as exc:
                outcomes.append((exc.response["Error"]["Code"], exc.response["Error"]["Message"]))
    return outcomes


def test_an_update_answers_the_same_with_its_expression_kept_walked_and_copied_directly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    from moto.dynamodb.models.dynamo_type import Item

    moto_speedups.apply()
    ast_nodes = importlib.import_module("moto.dynamodb.parsing.ast_nodes")
    validators = importlib.import_module("moto.dynamodb.parsing.validators")
    parser = importlib.import_module("moto.dynamodb.parsing.expressions").UpdateExpressionParser
    assert getattr(ast_nodes.DepthFirstTraverser.traverse, "direct", False)
    assert getattr(validators.deepcopy, "direct", False) and getattr(Item.__init__, "direct", False)
    assert getattr(ast_nodes.Node.find_clauses, "direct", False)
    served = _updated_items()
    assert parser.make.cache_info().hits > 0  # the second round found every expression that parses kept

    monkeypatch.setattr(ast_nodes.DepthFirstTraverser, "traverse", ast_nodes.DepthFirstTraverser.traverse.__wrapped__)
    monkeypatch.setattr(parser, "make", classmethod(parser.make.__wrapped__))
    monkeypatch.setattr(validators, "deepcopy", validators.deepcopy.__wrapped__)
    monkeypatch.setattr(Item, "__init__", Item.__init__.__wrapped__)
    monkeypatch.setattr(ast_nodes.Node, "find_clauses", ast_nodes.Node.find_clauses.__wrapped__)
    assert _updated_items() == served
    # and the cases are what they say: some updates succeed, some fail, the failures differ
    failures = {outcome for outcome in served if isinstance(outcome, tuple)}
    assert len(failures) >= 5 and sum(isinstance(outcome, dict) for outcome in served) >= 10


def _shape(node: object, parent: object = None) -> object:
    """A tree as nested tuples (its node classes and leaf values), checking each node's parent on the way."""
    from moto.dynamodb.parsing.ast_nodes import Node

    if not isinstance(node, Node):
        return node
    assert node.parent is parent
    return (type(node).__name__, node.type, [_shape(child, node) for child in node.children or []])


def test_a_parsed_tree_is_copied_whole_and_apart_from_the_original() -> None:
    from moto.dynamodb.parsing.ast_nodes import Node
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    for update in UPDATES[:-1]:  # the last does not parse
        tree = UpdateExpressionParser.make(str(update["UpdateExpression"]))
        copied = moto_speedups.copy_tree(tree, Node)

        assert _shape(copied) == _shape(tree)
        originals = {id(node) for node in _nodes(tree)}
        assert not originals & {id(node) for node in _nodes(copied)}  # no node shared with the original


def test_a_tree_the_direct_copy_cannot_vouch_for_is_deepcopied() -> None:
    from moto.dynamodb.parsing.ast_nodes import Node
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    tree = UpdateExpressionParser.make("SET a = :v, b = :n")
    leaf = next(node for node in _nodes(tree) if not any(isinstance(child, Node) for child in node.children or []))
    leaf.children.append({"an": "unexpected value"})  # not a plain leaf: deepcopy copies it, the direct copy cannot

    copied = moto_speedups.copy_tree(tree, Node)

    twin = next(node for node in _nodes(copied) if node.children and node.children[-1] == {"an": "unexpected value"})
    assert twin.children[-1] is not leaf.children[-1]  # copied, as deepcopy copies it
    assert _shape(copied) == _shape(tree)


def _nodes(tree: object) -> list[object]:
    from moto.dynamodb.parsing.ast_nodes import Node

    found, waiting = [], [tree]
    while waiting:
        node = waiting.pop()
        if isinstance(node, Node):
            found.append(node)
            waiting.extend(node.children or [])
    return found


def test_an_item_over_the_size_limit_is_refused_as_moto_refuses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.dynamo_type import Item

    moto_speedups.apply()
    # Just over the limit in many attributes, just under it, and over it in one: refused, stored, refused.
    items = [
        {f"a{n:03d}": {"S": "x" * 4100} for n in range(99)},
        {f"a{n:03d}": {"S": "x" * 4000} for n in range(99)},
        {"big": {"S": "x" * 406_000}},
    ]
    served = _stored(items)
    monkeypatch.setattr(Item, "__init__", Item.__init__.__wrapped__)
    assert _stored(items) == served
    assert [outcome == "stored" for outcome in served] == [False, True, False]


def _stored(items: list[dict[str, object]]) -> list[object]:
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    outcomes: list[object] = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for number, item in enumerate(items):
            try:
                client.put_item(TableName="t", Item={"id": {"S": f"k{number}"}, **item})
                outcomes.append("stored")
            except ClientError as exc:
                outcomes.append((exc.response["Error"]["Code"], exc.response["Error"]["Message"]))
    return outcomes


KEY = {"TableName": "t", "Key": {"id": {"S": "k1"}}}
# DynamoDB requests as an SDK sends them, successes and refusals of each kind, answered in turn on one state.
REQUESTS: list[tuple[str, dict[str, object]]] = [
    ("PutItem", {"TableName": "t", "Item": {**BASE, "id": {"S": "k1"}}}),
    ("GetItem", KEY),
    ("GetItem", {**KEY, "Key": {"id": {"S": "absent"}}}),
    ("GetItem", {"TableName": "missing", "Key": {"id": {"S": "k1"}}}),
    ("UpdateItem", {**KEY, "ReturnValues": "ALL_NEW", **UPDATES[1], "ExpressionAttributeValues": {":n": VALUES[":n"]}}),
    (
        "UpdateItem",
        {
            **KEY,
            "ConditionExpression": "attribute_not_exists(id)",
            **UPDATES[0],
            "ExpressionAttributeValues": {":n": VALUES[":n"], ":v": VALUES[":v"]},
        },
    ),
    ("UpdateItem", {**KEY, "UpdateExpression": "SET = :v"}),
    ("BatchGetItem", {"RequestItems": {"t": {"Keys": [{"id": {"S": "k1"}}, {"id": {"S": "absent"}}]}}}),
    (
        "Query",
        {"TableName": "t", "KeyConditionExpression": "id = :k", "ExpressionAttributeValues": {":k": {"S": "k1"}}},
    ),
    ("DeleteItem", {**KEY, "ReturnValues": "ALL_OLD"}),
]
VARYING = {"x-amzn-requestid", "date"}  # a fresh request id per answer; the time
# Flask-CORS's allow-everything headers, on every answer moto's Flask app gives (not the direct dispatch's: no page
# reaches the local DynamoDB, and the local server's only cross-origin answers are S3's, by the bucket's rules).
ANY_ORIGIN = {"access-control-allow-origin"}


def _answers(serve: Any) -> list[tuple[str, dict[str, str], bytes]]:
    """REQUESTS answered by `serve` (a WSGI environ → status, headers, body) on a fresh DynamoDB with table t."""
    from moto import mock_aws

    answers = []
    table = {
        "TableName": "t",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    with mock_aws():  # moto's state, emptied before and after
        for operation, request in [("CreateTable", table), *REQUESTS]:
            status, headers, body = serve(_request(operation, request))
            kept = {name.lower(): value for name, value in headers if name.lower() not in VARYING | ANY_ORIGIN}
            if operation == "CreateTable":  # its answer says when: its body and checksum differ from run to run
                kept.pop("x-amz-crc32"), kept.pop("content-length")
                body = b""
            answers.append((status, kept, body))
    return answers


def _request(operation: str, request: dict[str, object] | None = None) -> dict[str, Any]:
    """A WSGI environ of a DynamoDB request (its signature is checked before this, by the local server)."""
    from werkzeug.test import EnvironBuilder

    return EnvironBuilder(
        method="POST",
        path="/",
        headers={
            "Host": "127.0.0.1:4566",
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261208/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
        data=json.dumps(request or {}).encode(),
    ).get_environ()


def test_dynamodb_requests_dispatched_directly_are_answered_as_moto_answers_them() -> None:
    moto_speedups.apply()
    dispatcher = DomainDispatcherApplication(create_backend_app)

    def through_flask(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        captured: dict[str, Any] = {}
        body = b"".join(dispatcher(environ, lambda status, headers, *_: captured.update(s=status, h=headers)))
        return captured["s"], captured["h"], body

    direct = _answers(moto_speedups.dispatch_dynamodb)
    assert direct == _answers(through_flask)
    assert not ANY_ORIGIN & {name.lower() for name, _ in moto_speedups.dispatch_dynamodb(_request("ListTables"))[1]}
    statuses = [status for status, _, _ in direct]
    assert statuses.count("200 OK") >= 7 and len(set(statuses)) >= 2  # successes and refusals
    assert json.loads(direct[4][2])["__type"].endswith("ResourceNotFoundException")


def test_only_dynamodb_own_requests_are_dispatched_directly() -> None:
    from werkzeug.test import EnvironBuilder

    streams = EnvironBuilder(method="POST", headers={"X-Amz-Target": "DynamoDBStreams_20120810.ListStreams"})
    assert moto_speedups.dispatch_dynamodb(streams.get_environ()) is None
    assert moto_speedups.dispatch_dynamodb(EnvironBuilder(method="GET").get_environ()) is None
