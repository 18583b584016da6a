"""Every table of the PynamoDB models exists as declared: keys, indexes, TTL, on-demand, PITR, encryption."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from shared.models.base import TableSpec, table_specs

pytestmark = pytest.mark.infra

SPECS = table_specs()


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def test_there_is_one_table_per_model(synthesized):
    # Given the models, when the stack is synthesized, then it has exactly their tables.
    prefix = synthesized.stack.config.table_prefix
    expected = {f"{prefix}{spec.logical_name}" for spec in SPECS}

    assert set(synthesized.tables_by_name()) == expected


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.logical_name)
def test_table_matches_its_model(synthesized, template, spec: TableSpec):
    # Given a model's spec, then its table is keyed, billed, recoverable and encrypted as required.
    expected = {
        "TableName": f"{synthesized.stack.config.table_prefix}{spec.logical_name}",
        "KeySchema": _key_schema(spec.hash_key.name, spec.range_key.name if spec.range_key else None),
        "BillingMode": "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
    }
    if spec.ttl_attribute:
        expected["TimeToLiveSpecification"] = {"AttributeName": spec.ttl_attribute, "Enabled": True}
    if spec.indexes:
        expected["GlobalSecondaryIndexes"] = Match.array_with(
            [
                Match.object_like(
                    {
                        "IndexName": index.name,
                        "KeySchema": _key_schema(index.hash_key.name, getattr(index.range_key, "name", None)),
                        "Projection": Match.object_like({"ProjectionType": index.projection}),
                    }
                )
                for index in spec.indexes
            ]
        )

    template.has_resource_properties("AWS::DynamoDB::Table", expected)


@pytest.mark.parametrize("spec", [spec for spec in SPECS if not spec.ttl_attribute], ids=lambda spec: spec.logical_name)
def test_tables_without_a_ttl_attribute_have_no_ttl(template, synthesized, spec: TableSpec):
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "TableName": f"{synthesized.stack.config.table_prefix}{spec.logical_name}",
            "TimeToLiveSpecification": Match.absent(),
        },
    )


def test_index_key_attributes_are_declared(synthesized):
    # Every key attribute of the table and its indexes needs an attribute definition of the right type.
    tables = synthesized.resources("AWS::DynamoDB::Table")
    by_name = {resource["Properties"]["TableName"]: resource for resource in tables.values()}
    for spec in SPECS:
        properties = by_name[f"{synthesized.stack.config.table_prefix}{spec.logical_name}"]["Properties"]
        declared = {item["AttributeName"]: item["AttributeType"] for item in properties["AttributeDefinitions"]}
        keys = [spec.hash_key, spec.range_key]
        for index in spec.indexes:
            keys += [index.hash_key, index.range_key]
        assert {key.name: key.type for key in keys if key} == declared, spec.logical_name


def test_tables_are_retained_when_the_stack_goes(template):
    tables = template.find_resources("AWS::DynamoDB::Table")

    assert tables
    assert {resource.get("DeletionPolicy") for resource in tables.values()} == {"Retain"}
