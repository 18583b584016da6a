"""Every DynamoDB table, derived from the PynamoDB models (`shared.models.table_specs`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.nag import acknowledge_grant
from shared.models.base import IndexSpec, KeySpec, StudioModel, TableSpec

_ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
INDEX_REASON = (
    "Queries on a table's global secondary indexes need its `<table ARN>/index/*` pattern; the wildcard covers "
    "only that one table's indexes."
)
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}


def _attribute(key: KeySpec) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_ATTRIBUTE_TYPES[key.type])


def _construct_id(logical_name: str) -> str:
    return "".join(part.capitalize() for part in logical_name.replace("-", "_").split("_"))


class Tables(Construct):
    """One on-demand, encrypted, point-in-time-recoverable table per spec; retained when the stack goes."""

    def __init__(self, scope: Construct, construct_id: str, *, specs: Sequence[TableSpec], table_prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.table_prefix = table_prefix
        self.tables: dict[str, dynamodb.Table] = {spec.logical_name: self._table(spec) for spec in specs}

    def _table(self, spec: TableSpec) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            _construct_id(spec.logical_name),
            table_name=f"{self.table_prefix}{spec.logical_name}",
            partition_key=_attribute(spec.hash_key),
            sort_key=_attribute(spec.range_key) if spec.range_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=spec.ttl_attribute,
            deletion_protection=False,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for index in spec.indexes:
            self._add_index(table, index)
        return table

    @staticmethod
    def _add_index(table: dynamodb.Table, index: IndexSpec) -> None:
        table.add_global_secondary_index(
            index_name=index.name,
            partition_key=_attribute(index.hash_key),
            sort_key=_attribute(index.range_key) if index.range_key else None,
            projection_type=_PROJECTIONS[index.projection],
            non_key_attributes=list(index.non_key_attributes) or None,
        )

    def table(self, model: type[StudioModel]) -> dynamodb.Table:
        """The table of a PynamoDB model class."""
        return self.tables[model.Meta.logical_name]  # type: ignore[attr-defined]

    def grant_read_write(self, role: iam.IRole, models: Iterable[type[StudioModel]] | None = None) -> None:
        """Read/write on the tables of `models` (all tables when None), scoped to their table and index ARNs."""
        for table in self._select(models):
            acknowledge_grant(role, table.grant_read_write_data(role), INDEX_REASON)

    def grant_read(self, role: iam.IRole, models: Iterable[type[StudioModel]]) -> None:
        """Read-only access to the tables of `models` and their indexes."""
        for table in self._select(models):
            acknowledge_grant(role, table.grant_read_data(role), INDEX_REASON)

    def _select(self, models: Iterable[type[StudioModel]] | None) -> list[dynamodb.Table]:
        if models is None:
            return list(self.tables.values())
        return [self.table(model) for model in models]
