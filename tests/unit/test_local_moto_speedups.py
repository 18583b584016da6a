"""The local AWS server's memoized lookups (local/moto_speedups.py) answer as moto's own do."""

from __future__ import annotations

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


def test_an_update_answers_the_same_with_its_expression_kept_and_walked_directly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    moto_speedups.apply()
    ast_nodes = importlib.import_module("moto.dynamodb.parsing.ast_nodes")
    parser = importlib.import_module("moto.dynamodb.parsing.expressions").UpdateExpressionParser
    assert getattr(ast_nodes.DepthFirstTraverser.traverse, "direct", False)
    served = _updated_items()
    assert parser.make.cache_info().hits > 0  # the second round found every expression that parses kept

    monkeypatch.setattr(ast_nodes.DepthFirstTraverser, "traverse", ast_nodes.DepthFirstTraverser.traverse.__wrapped__)
    monkeypatch.setattr(parser, "make", classmethod(parser.make.__wrapped__))
    assert _updated_items() == served
    # and the cases are what they say: some updates succeed, some fail, the failures differ
    failures = {outcome for outcome in served if isinstance(outcome, tuple)}
    assert len(failures) >= 5 and sum(isinstance(outcome, dict) for outcome in served) >= 10
